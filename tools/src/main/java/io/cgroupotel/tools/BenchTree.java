package io.cgroupotel.tools;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * The benchmark's cgroups: N kubelet-like pods with one containerd container each and,
 * optionally, N OAR3 jobs, under a fresh directory of the cgroup v2 mount. Removed by {@link
 * #close()} and by a shutdown hook (Ctrl-C), deepest first.
 */
final class BenchTree implements AutoCloseable {
  private final Path root;
  private final List<Path> dirs = new ArrayList<>();
  private final List<Path> pods = new ArrayList<>();
  private final List<Path> containers = new ArrayList<>();
  private final List<Path> jobs = new ArrayList<>();
  private final Thread cleanup = new Thread(this::remove, "bench-cleanup");

  private BenchTree(Path root) {
    this.root = root;
  }

  private Path qos;
  private Random random;

  /** Removes {@code count} random pods and makes as many new ones (for the soak run). */
  synchronized void churn(int count) {
    for (int i = 0; i < count && !pods.isEmpty(); i++) {
      int at = random.nextInt(pods.size());
      Path pod = pods.remove(at);
      Path container = containers.remove(at);
      for (Path dir : List.of(container, pod)) {
        try {
          Files.deleteIfExists(dir);
        } catch (IOException e) {
          System.err.println("bench: cannot remove " + dir + ": " + e.getMessage());
        }
        dirs.remove(dir);
      }
    }
    for (int i = 0; i < count; i++) {
      addPod();
    }
  }

  int podCount() {
    return pods.size();
  }

  private void addPod() {
    String uid = new UUID(random.nextLong(), random.nextLong()).toString();
    Path pod = mkdir(qos.resolve("kubepods-besteffort-pod" + uid.replace('-', '_') + ".slice"));
    pods.add(pod);
    StringBuilder id = new StringBuilder(64);
    while (id.length() < 64) {
      id.append(Long.toHexString(random.nextLong() | Long.MIN_VALUE));
    }
    containers.add(mkdir(pod.resolve("cri-containerd-" + id.substring(0, 64) + ".scope")));
  }

  static BenchTree create(Path mount, int n, boolean withJobs) {
    BenchTree tree = new BenchTree(mount.resolve("cgroup-otel-bench-"
        + UUID.randomUUID().toString().substring(0, 8)));
    Runtime.getRuntime().addShutdownHook(tree.cleanup);
    tree.random = new Random(n);
    tree.qos = tree.mkdir(tree.mkdir(tree.mkdir(tree.root).resolve("kubepods.slice"))
        .resolve("kubepods-besteffort.slice"));
    for (int i = 0; i < n; i++) {
      tree.addPod();
    }
    if (withJobs) {
      Path user = tree.mkdir(tree.mkdir(tree.root.resolve("oar.slice"))
          .resolve("oar-u1000.slice"));
      for (int i = 0; i < n; i++) {
        tree.jobs.add(tree.mkdir(user.resolve("oar-u1000-j" + (100_000 + i) + ".slice")));
      }
    }
    return tree;
  }

  private Path mkdir(Path dir) {
    try {
      Files.createDirectory(dir);
    } catch (IOException e) {
      remove();
      throw new UncheckedIOException("cannot create cgroup " + dir + " (run as root?)", e);
    }
    dirs.add(dir);
    return dir;
  }

  Path root() {
    return root;
  }

  List<Path> jobs() {
    return jobs;
  }

  /** The cpu.stat files the k8s receiver reads: every pod and every container. */
  List<Path> podAndContainerStats() {
    List<Path> files = new ArrayList<>();
    pods.forEach(p -> files.add(p.resolve("cpu.stat")));
    containers.forEach(c -> files.add(c.resolve("cpu.stat")));
    return files;
  }

  List<Path> jobStats() {
    return jobs.stream().map(j -> j.resolve("cpu.stat")).toList();
  }

  @Override
  public void close() {
    remove();
    try {
      Runtime.getRuntime().removeShutdownHook(cleanup);
    } catch (IllegalStateException e) {
      // already shutting down: the hook is running
    }
  }

  private synchronized void remove() {
    List<Path> deepestFirst = new ArrayList<>(dirs);
    deepestFirst.sort(Comparator.comparingInt(Path::getNameCount).reversed());
    for (Path dir : deepestFirst) {
      try {
        Files.deleteIfExists(dir);
      } catch (IOException e) {
        System.err.println("bench: cannot remove " + dir + ": " + e.getMessage());
      }
    }
    dirs.clear();
  }
}

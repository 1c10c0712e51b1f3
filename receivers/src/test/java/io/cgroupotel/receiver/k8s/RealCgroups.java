package io.cgroupotel.receiver.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Real cgroups for tests, under a unique directory of this machine's cgroup2 mount, removed
 * deepest first by {@link #close()}. Under {@code CI=true} a missing or read-only cgroup2 mount
 * fails the test instead of skipping it.
 */
final class RealCgroups implements AutoCloseable {
  final Path root;
  private final List<Process> burners = new ArrayList<>();

  private RealCgroups(Path root) {
    this.root = root;
  }

  /** Creates a unique test root, or skips (fails under CI=true) when that is impossible. */
  static RealCgroups create(String prefix) throws IOException {
    Optional<Path> mount = findCgroup2Mount();
    boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
    String why = mount.isEmpty() ? "no cgroup2 mount in /proc/self/mountinfo"
        : !Files.isWritable(mount.get()) ? mount.get() + " is not writable (run as root)" : null;
    if (why != null) {
      if (ci) {
        throw new AssertionError("CI=true: real cgroup tests must run, but " + why);
      }
      Assumptions.abort(why);
    }
    Path root = mount.get().resolve(prefix + "-" + UUID.randomUUID().toString().substring(0, 8));
    Files.createDirectory(root);
    return new RealCgroups(root);
  }

  static Optional<Path> findCgroup2Mount() throws IOException {
    try (Stream<String> lines = Files.lines(Path.of("/proc/self/mountinfo"))) {
      return lines.map(l -> l.split(" - ", 2)).filter(p -> p.length == 2)
          .filter(p -> p[1].startsWith("cgroup2 "))
          .map(p -> Path.of(p[0].split(" ")[4].replace("\\040", " ")))
          .findFirst();
    }
  }

  /** Creates {@code relative} (and its parents) below the root. */
  Path mkdirs(String relative) throws IOException {
    Path dir = root.resolve(relative);
    Files.createDirectories(dir);
    return dir;
  }

  /** Starts a process that burns one CPU, inside {@code cgroup}. */
  Process burn(Path cgroup) throws IOException {
    Process p = new ProcessBuilder("sh", "-c", "while :; do :; done").start();
    burners.add(p);
    Files.writeString(cgroup.resolve("cgroup.procs"), Long.toString(p.pid()));
    return p;
  }

  static void stop(Process p) throws InterruptedException {
    p.destroyForcibly();
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
  }

  /** The kernel's counter, read directly. */
  static long usageUsec(Path cgroup) throws IOException {
    for (String line : Files.readAllLines(cgroup.resolve("cpu.stat"))) {
      if (line.startsWith("usage_usec ")) {
        return Long.parseLong(line.substring("usage_usec ".length()).trim());
      }
    }
    throw new AssertionError("no usage_usec in " + cgroup);
  }

  /** Removes a cgroup subtree, deepest first (processes must be gone). */
  static void removeTree(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return;
    }
    List<Path> dirs;
    try (Stream<Path> walk = Files.walk(dir)) {
      dirs = walk.filter(Files::isDirectory).sorted(Comparator.comparingInt(Path::getNameCount)
          .reversed()).toList();
    }
    for (Path d : dirs) {
      for (int i = 0; i < 50 && Files.exists(d); i++) {
        try {
          Files.delete(d); // rmdir: a cgroup's files go with it
        } catch (java.nio.file.FileSystemException e) {
          sleep(); // the kernel frees a cgroup a moment after its last process died
        }
      }
    }
  }

  private static void sleep() {
    try {
      Thread.sleep(20);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() throws Exception {
    for (Process p : burners) {
      stop(p);
    }
    removeTree(root);
    assertThat(root).doesNotExist();
  }
}

package io.cgroupotel.cgroupfs;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A real cgroup v2 subtree for tests, made under this host's cgroup2 mount with a unique name,
 * with real processes burning CPU inside; {@link #close()} kills them and removes the tree,
 * deepest first.
 *
 * <p>Under {@code CI=true} a host without a writable cgroup2 mount fails the test; elsewhere the
 * test is skipped.
 */
public final class RealCgroupTree implements AutoCloseable {
  private final Path root;
  private final List<Process> processes = new ArrayList<>();

  private RealCgroupTree(Path root) {
    this.root = root;
  }

  /** Makes a fresh subtree named {@code cgroup-otel-test-<random>}. */
  public static RealCgroupTree create() {
    return create("cgroup-otel-test");
  }

  /** Makes a fresh subtree, or skips/fails the test when this host cannot. */
  public static RealCgroupTree create(String prefix) {
    Optional<Path> mount = Cgroup2.findMount();
    String why = mount.isEmpty() ? "no cgroup2 mount in /proc/self/mountinfo"
        : !Files.isWritable(mount.get()) ? mount.get() + " is not writable (run as root)" : null;
    if (why != null) {
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError("CI=true requires real cgroup v2 tests to run, but " + why);
      }
      assumeTrue(false, why);
    }
    Path root = mount.get().resolve(prefix + "-" + UUID.randomUUID().toString().substring(0, 8));
    try {
      Files.createDirectory(root);
    } catch (IOException e) {
      throw new AssertionError("cannot create a cgroup at " + root + ": " + e, e);
    }
    return new RealCgroupTree(root);
  }

  public Path root() {
    return root;
  }

  /** Creates {@code relative} (and its parents) as cgroups. */
  public Path mkdirs(String relative) {
    Path dir = root.resolve(relative);
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new AssertionError("cannot create cgroup " + dir + ": " + e, e);
    }
    return dir;
  }

  /** Starts a process that burns one CPU and moves it into {@code cgroup}. */
  public Process burn(Path cgroup) {
    return start(cgroup, "while :; do :; done");
  }

  /** Same as {@link #burn}. */
  public Process burnCpu(Path cgroup) {
    return burn(cgroup);
  }

  /** Kills every process started here and waits for them. */
  public void killAll() {
    for (Process p : processes) {
      kill(p);
    }
  }

  /** Starts {@code sh -c script} and moves it into {@code cgroup}. */
  public Process start(Path cgroup, String script) {
    try {
      Process p = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      processes.add(p);
      Files.writeString(cgroup.resolve("cgroup.procs"), Long.toString(p.pid()),
          StandardCharsets.US_ASCII);
      return p;
    } catch (IOException e) {
      throw new AssertionError("cannot start a process in " + cgroup + ": " + e, e);
    }
  }

  /** The kernel's {@code usage_usec} of {@code cgroup}. */
  public static long usageUsec(Path cgroup) {
    try {
      for (String line : Files.readAllLines(cgroup.resolve("cpu.stat"))) {
        if (line.startsWith("usage_usec ")) {
          return Long.parseLong(line.substring("usage_usec ".length()).trim());
        }
      }
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("no usage_usec in " + cgroup);
  }

  /** Kills the processes of {@code cgroup} started here and removes it (and what is below). */
  public void remove(Path cgroup) {
    for (Process p : processes) {
      try {
        String procs = Files.exists(cgroup.resolve("cgroup.procs"))
            ? Files.readString(cgroup.resolve("cgroup.procs")) : "";
        if (procs.lines().anyMatch(l -> l.trim().equals(Long.toString(p.pid())))) {
          kill(p);
        }
      } catch (IOException e) {
        // already gone
      }
    }
    removeTree(cgroup);
  }

  @Override
  public void close() {
    for (Process p : processes) {
      kill(p);
    }
    removeTree(root);
  }

  private static void kill(Process p) {
    p.destroyForcibly();
    try {
      p.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Removes {@code top} and the cgroups below it, deepest first (their processes gone). */
  public static void removeTree(Path top) {
    if (!Files.exists(top)) {
      return;
    }
    List<Path> dirs;
    try (Stream<Path> s = Files.walk(top)) {
      dirs = s.filter(Files::isDirectory).sorted(Comparator.comparingInt(Path::getNameCount)
          .reversed()).toList();
    } catch (IOException e) {
      throw new AssertionError("cannot list " + top + ": " + e, e);
    }
    for (Path dir : dirs) {
      // a killed process leaves its cgroup a moment later: retry briefly
      for (int attempt = 0; ; attempt++) {
        try {
          Files.deleteIfExists(dir);
          break;
        } catch (IOException e) {
          if (attempt >= 100) {
            throw new AssertionError("cannot remove cgroup " + dir + ": " + e, e);
          }
          try {
            Thread.sleep(20);
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            return;
          }
        }
      }
    }
  }
}

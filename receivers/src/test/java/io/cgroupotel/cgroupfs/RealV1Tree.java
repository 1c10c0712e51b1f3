package io.cgroupotel.cgroupfs;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cgroupotel.sampler.V1Hierarchy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A real cgroup v1 subtree for tests: one directory of the same unique name under each writable
 * v1 controller this host mounts (cpuacct, cpu, cpuset, memory, pids, blkio), with real processes
 * moved into every controller's cgroup at once; {@link #close()} kills them and removes the trees,
 * deepest first.
 *
 * <p>Under {@code CI=true} a host without writable v1 controllers fails the test; elsewhere the
 * test is skipped (e.g. as non-root, or on a pure v2 host).
 */
public final class RealV1Tree implements AutoCloseable {
  /** The controllers a tree is made in, when mounted. */
  static final List<String> CONTROLLERS = List.of("cpuacct", "cpu", "cpuset", "memory", "pids",
      "blkio");

  private final String name;
  private final Map<String, Path> roots; // controller -> <mount>/<name>
  private final List<Process> processes = new ArrayList<>();

  private RealV1Tree(String name, Map<String, Path> roots) {
    this.name = name;
    this.roots = roots;
  }

  /** Makes a fresh tree named {@code <prefix>-<random>}, or skips/fails the test. */
  public static RealV1Tree create(String prefix) {
    CgroupMounts mounts = CgroupMounts.read();
    Path cpuacct = mounts.cpuAccounting().orElse(null);
    String why = cpuacct == null ? "no cgroup v1 cpuacct controller mounted (" + mounts.describe()
        + ")" : !Files.isWritable(cpuacct) ? cpuacct + " is not writable (run as root)" : null;
    if (why != null) {
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError("CI=true requires real cgroup v1 tests to run, but " + why);
      }
      assumeTrue(false, why);
    }
    String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    Map<String, Path> roots = new LinkedHashMap<>();
    for (String c : CONTROLLERS) {
      Path mount = mounts.v1Controllers().get(c);
      if (mount != null && Files.isWritable(mount)) {
        roots.put(c, mount.resolve(name));
      }
    }
    RealV1Tree tree = new RealV1Tree(name, roots);
    tree.mkdirs("");
    return tree;
  }

  /** The name of the tree's top directory (the same in every controller). */
  public String name() {
    return name;
  }

  /** The tree's top directory of {@code controller}, or null when not mounted. */
  public Path root(String controller) {
    return roots.get(controller);
  }

  /** The cgroup {@code relative} (to the tree) in {@code controller}'s hierarchy. */
  public Path dir(String controller, String relative) {
    Path root = roots.get(controller);
    return relative.isEmpty() ? root : root.resolve(relative);
  }

  /** The controllers the tree exists in. */
  public Map<String, Path> roots() {
    return roots;
  }

  /** The hierarchy reading this tree: each controller from its own tree. */
  public V1Hierarchy hierarchy() {
    return new V1Hierarchy(roots);
  }

  /** Creates {@code relative} (and its parents) in every controller. */
  public void mkdirs(String relative) {
    for (Map.Entry<String, Path> e : roots.entrySet()) {
      Path target = relative.isEmpty() ? e.getValue() : e.getValue().resolve(relative);
      List<Path> chain = new ArrayList<>();
      for (Path p = target; !Files.exists(p); p = p.getParent()) {
        chain.add(0, p);
      }
      for (Path p : chain) {
        try {
          Files.createDirectory(p);
          if (e.getKey().equals("cpuset")) {
            // a new v1 cpuset is empty: give it its parent's CPUs and memory nodes
            for (String f : List.of("cpuset.cpus", "cpuset.mems")) {
              Files.writeString(p.resolve(f), Files.readString(p.getParent().resolve(f)).trim());
            }
          }
        } catch (IOException ex) {
          throw new AssertionError("cannot create cgroup " + p + ": " + ex, ex);
        }
      }
    }
  }

  /** Starts a process burning one CPU in {@code relative} (every controller). */
  public Process burn(String relative) {
    return start(relative, "while :; do :; done");
  }

  /** Starts {@code sh -c script} and moves it into {@code relative} of every controller. */
  public Process start(String relative, String script) {
    try {
      Process p = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      processes.add(p);
      moveIn(p.pid(), relative);
      return p;
    } catch (IOException e) {
      throw new AssertionError("cannot start a process in " + relative + ": " + e, e);
    }
  }

  /** Moves {@code pid} into {@code relative} of every controller. */
  public void moveIn(long pid, String relative) {
    for (String c : roots.keySet()) {
      write(c, relative, "cgroup.procs", Long.toString(pid));
    }
  }

  /** Writes {@code value} into a file of the cgroup. */
  public void write(String controller, String relative, String file, String value) {
    Path f = dir(controller, relative).resolve(file);
    try {
      Files.writeString(f, value, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new AssertionError("cannot write " + value + " into " + f + ": " + e, e);
    }
  }

  /** The text of one of the cgroup's files. */
  public String read(String controller, String relative, String file) {
    try {
      return Files.readString(dir(controller, relative).resolve(file));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** One number of the cgroup: a one-value file, or {@code key} of a keyed file. */
  public long number(String controller, String relative, String file, String key) {
    String text = read(controller, relative, file);
    if (key == null) {
      return Long.parseLong(text.trim());
    }
    for (String line : text.split("\n")) {
      String[] kv = line.trim().split(" ");
      if (kv.length == 2 && kv[0].equals(key)) {
        return Long.parseLong(kv[1]);
      }
    }
    throw new AssertionError("no " + key + " in " + dir(controller, relative).resolve(file));
  }

  /** The kernel's {@code cpuacct.usage} of the cgroup, in microseconds. */
  public long usageUsec(String relative) {
    return number("cpuacct", relative, "cpuacct.usage", null) / 1000;
  }

  /** Kills every process started here and waits for them. */
  public void killAll() {
    for (Process p : processes) {
      kill(p);
    }
  }

  @Override
  public void close() {
    killAll();
    for (Path root : roots.values()) {
      RealCgroupTree.removeTree(root);
    }
  }

  private static void kill(Process p) {
    p.destroyForcibly();
    try {
      p.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

package io.cgroupotel.receiver.slurm;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cgroupotel.cgroupfs.Cgroup2;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real single-node Slurm (Debian's slurmctld, slurmd, munge) started by {@code
 * src/test/slurm/start.sh} on this host's cgroup2 mount, in a work directory and on ports of its
 * own; {@link #close()} runs {@code stop.sh}. Needs root (it starts daemons, installs the packages
 * when missing): skipped otherwise, except under {@code CI=true}, where that fails.
 */
final class RealSlurm implements AutoCloseable {
  private static final Path SCRIPTS = scripts();

  /** The scripts beside this module's tests, also when another module's tests run it. */
  private static Path scripts() {
    Path here = Path.of("src/test/slurm");
    return (Files.isDirectory(here) ? here : Path.of("../receivers/src/test/slurm"))
        .toAbsolutePath().normalize();
  }
  private final Path work;
  private final Path mount;
  private final String node;
  private final Map<String, String> env;

  private RealSlurm(Path work, Path mount, String node, Map<String, String> env) {
    this.work = work;
    this.mount = mount;
    this.node = node;
    this.env = env;
  }

  static RealSlurm start() throws Exception {
    String why = !isRoot() ? "starting Slurm needs root"
        : Cgroup2.findMount().isEmpty() ? "no cgroup2 mount in /proc/self/mountinfo" : null;
    if (why != null) {
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError("CI=true requires the real-Slurm test to run, but " + why);
      }
      assumeTrue(false, why);
    }
    Path mount = Cgroup2.findMount().orElseThrow();
    Path work = Files.createTempDirectory("cgroup-otel-slurm-");
    // jobs run as another user: they need to reach their output directory below it
    Files.setPosixFilePermissions(work,
        java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    // a node name of its own: its own <node>_slurmstepd.scope, apart from any other Slurm here
    String node = "cgotel-" + java.util.UUID.randomUUID().toString().substring(0, 6);
    Map<String, String> env = Map.of("SLURM_WORK", work.toString(),
        "NODE_NAME", node,
        "CGROUP2_MOUNT", mount.toString(),
        "SLURMCTLD_PORT", Integer.toString(freePort()),
        "SLURMD_PORT", Integer.toString(freePort()),
        "PROLOG_FLAGS", "Contain", // every job gets an extern step
        "SLURM_CONF", work.resolve("etc/slurm.conf").toString());
    RealSlurm slurm = new RealSlurm(work, mount, node, env);
    // a clean machine installs the packages first: allow for it
    Result r = slurm.run(List.of("bash", SCRIPTS.resolve("start.sh").toString()), 900);
    if (r.exit != 0) {
      String log = "";
      try {
        log = Files.readString(work.resolve("log/slurmd.out"));
        log = log.substring(Math.max(0, log.length() - 3000));
      } catch (IOException e) {
        // none
      }
      slurm.close();
      throw new AssertionError("start.sh failed (" + r.exit + "): " + r.out + "\n" + log);
    }
    System.out.println("real Slurm: " + r.out.strip().replace('\n', ' '));
    return slurm;
  }

  Path mount() {
    return mount;
  }

  /** Where this Slurm's jobs are: {@code <mount>/system.slice/<node>_slurmstepd.scope}. */
  Path scope() {
    return mount.resolve("system.slice").resolve(node + "_slurmstepd.scope");
  }

  Path work() {
    return work;
  }

  /** The scontrol command with this Slurm's config, as the receiver's {@code scontrol} key. */
  List<String> scontrol() {
    return List.of("env", "SLURM_CONF=" + env.get("SLURM_CONF"), "scontrol");
  }

  record Result(int exit, String out) {}

  /** Runs a command with this Slurm's environment, output and errors together. */
  Result run(List<String> command, long timeoutSeconds) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().putAll(env);
    Path out = Files.createTempFile(work, "cmd", ".out");
    pb.redirectOutput(out.toFile());
    Process p = pb.start();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw new AssertionError(command + " did not finish in " + timeoutSeconds + " s: "
          + Files.readString(out));
    }
    return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
  }

  @Override
  public void close() throws Exception {
    Result r = run(List.of("bash", SCRIPTS.resolve("stop.sh").toString()), 60);
    System.out.println("real Slurm stopped: " + r.out.strip().replace('\n', ' '));
    // its state, spool, logs and the jobs' output: nothing is left behind
    try (java.util.stream.Stream<Path> s = Files.walk(work)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static boolean isRoot() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          return line.substring(4).strip().split("\\s+")[1].equals("0"); // effective
        }
      }
    } catch (IOException e) {
      return false;
    }
    return false;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static List<String> lines(String s) {
    return new ArrayList<>(s.lines().toList());
  }
}

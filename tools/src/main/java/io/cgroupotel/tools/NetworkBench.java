package io.cgroupotel.tools;

import io.cgroupotel.cgroupfs.Cgroup2;
import io.cgroupotel.metrics.MetricGroup;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * What the {@code network} group costs, as a pod has it: N cgroups, each with one process in a
 * network namespace of its own (loopback and an {@code eth0} veth whose peer is in one shared
 * "host" namespace the bench makes, not the node's), polled with {@code ["cpu"]} and then {@code
 * ["cpu", "network"]}; beside the C reader of the same files in the same windows ({@code
 * cpu.stat}, then {@code cpu.stat} and each namespace's {@code /proc/<pid>/net/dev}, kept open and
 * re-read with pread). The difference of the two rows is what the group adds per pod and poll.
 * Rewrites its section of BENCHMARKS.md.
 *
 * <p>{@code java -cp tools/target/cgroup-otel-tools.jar io.cgroupotel.tools.GroupsBench [N]
 * [POLLS] network} as root, with {@code ip} (iproute2). Removes what it made.
 */
final class NetworkBench {
  static final String BEGIN = "<!-- groups-bench-network:begin -->";
  static final String END = "<!-- groups-bench-network:end -->";

  private NetworkBench() {}

  static void run(int n, int polls, Path reader) throws Exception {
    String id = "cgotel-gb-" + UUID.randomUUID().toString().substring(0, 6);
    Path mount = Cgroup2.findMount().orElseThrow(() -> new IllegalStateException("no cgroup2"));
    Path root = mount.resolve("cgroup-otel-groupsbench-net-" + id.substring(10));
    Runtime.getRuntime().addShutdownHook(new Thread(() -> cleanup(root, id, n)));
    List<GroupsBench.Row> rows = new ArrayList<>();
    try {
      long t0 = System.nanoTime();
      make(root, id, n);
      System.err.printf(Locale.ROOT, "network-bench: %d namespaces made in %.1f s%n", n,
          (System.nanoTime() - t0) / 1e9);
      List<String> netDevs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String pid = Files.readString(root.resolve("p" + i + "/cgroup.procs")).trim();
        netDevs.add("/proc/" + pid + "/net/dev");
      }
      String tree = "real cgroup2, a netns per cgroup (lo + eth0 veth)";
      rows.add(GroupsBench.measure(tree, root, EnumSet.of(MetricGroup.CPU), n, polls, reader));
      rows.add(GroupsBench.measure(tree, root, EnumSet.of(MetricGroup.CPU, MetricGroup.NETWORK),
          n, polls, reader, netDevs));
    } finally {
      cleanup(root, id, n);
    }
    String section = report(rows, n, polls);
    System.out.print(section);
    Path bench = Path.of("BENCHMARKS.md");
    if (Files.exists(bench)) {
      String text = Files.readString(bench);
      int b = text.indexOf(BEGIN);
      int e = text.indexOf(END);
      text = b >= 0 && e > b ? text.substring(0, b) + section + text.substring(e + END.length())
          : text + "\n" + section;
      Files.writeString(bench, text);
    }
  }

  /** The namespaces, their veth pairs, the cgroups and a sleeping process in each. */
  static void make(Path root, String id, int n) throws Exception {
    Files.createDirectories(root);
    StringBuilder sh = new StringBuilder("set -e\nip netns add " + id + "-hub\n");
    for (int i = 0; i < n; i++) {
      String ns = id + "-" + i;
      sh.append("ip netns add ").append(ns).append('\n')
          .append("mkdir ").append(root.resolve("p" + i)).append('\n')
          .append("ip netns exec ").append(ns).append(" sh -c 'ip link set lo up; ip link add eth0 "
              + "type veth peer name p").append(i).append(" netns ").append(id)
          .append("-hub; ip link set eth0 up; exec sleep 3600' >/dev/null 2>&1 &\n")
          .append("echo $! > ").append(root.resolve("p" + i + "/cgroup.procs")).append('\n');
    }
    Path script = Files.createTempFile("network-bench", ".sh");
    Files.writeString(script, sh);
    Process p = new ProcessBuilder("sh", script.toString()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    if (p.waitFor() != 0) {
      throw new IllegalStateException("making the namespaces failed");
    }
    Files.deleteIfExists(script);
    for (int i = 0; i < n; i++) { // the veth is made in the background: wait for each
      String pid = Files.readString(root.resolve("p" + i + "/cgroup.procs")).trim();
      for (int t = 0; ; t++) {
        String dev = Files.readString(Path.of("/proc/" + pid + "/net/dev"));
        if (dev.contains("eth0:") && new String(Files.readAllBytes(Path.of("/proc/" + pid
            + "/cmdline")), StandardCharsets.UTF_8).startsWith("sleep")) {
          break;
        }
        if (t > 500) {
          throw new IllegalStateException("no eth0 in namespace " + i);
        }
        Thread.sleep(10);
      }
    }
  }

  static void cleanup(Path root, String id, int n) {
    if (!Files.exists(root)) {
      return;
    }
    for (int i = 0; i < n; i++) {
      try {
        for (String pid : Files.readString(root.resolve("p" + i + "/cgroup.procs")).split("\\s+")) {
          if (!pid.isEmpty()) {
            ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
          }
        }
      } catch (IOException | RuntimeException e) {
        // not made, or gone
      }
    }
    StringBuilder sh = new StringBuilder();
    for (int i = 0; i < n; i++) {
      sh.append("ip netns del ").append(id).append('-').append(i).append(" 2>/dev/null\n");
    }
    sh.append("ip netns del ").append(id).append("-hub 2>/dev/null\n");
    try {
      Process p = new ProcessBuilder("sh", "-c", sh.toString()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      p.waitFor(120, TimeUnit.SECONDS);
      for (int i = 0; i < n; i++) {
        Path dir = root.resolve("p" + i);
        for (int t = 0; t < 100 && Files.exists(dir); t++) {
          try {
            Files.deleteIfExists(dir);
          } catch (IOException e) {
            Thread.sleep(20); // its process is leaving
          }
        }
      }
      Files.deleteIfExists(root);
    } catch (IOException | InterruptedException e) {
      System.err.println("network-bench: cannot remove " + root + ": " + e);
    }
  }

  static String report(List<GroupsBench.Row> rows, int n, int polls) {
    GroupsBench.Row cpu = rows.get(0);
    GroupsBench.Row net = rows.get(1);
    StringBuilder sb = new StringBuilder(BEGIN).append('\n');
    sb.append("## The network group: cost per pod and poll\n\n");
    sb.append(String.format(Locale.ROOT, "Made by `java -cp tools/target/cgroup-otel-tools.jar "
        + "io.cgroupotel.tools.GroupsBench %d %d network` (as root) on %s; %s. %d cgroups, each "
        + "with one process in a network namespace of its own (`lo` and an `eth0` veth, as a pod "
        + "has them), polled with `[\"cpu\"]`, then `[\"cpu\", \"network\"]`; CPU as in the table "
        + "above (the poll thread's utime+stime; the C reader's getrusage, same windows). The C "
        + "reader reads `cpu.stat`, then `cpu.stat` and each namespace's `/proc/<pid>/net/dev`, "
        + "kept open, with one pread each, and parses nothing.%n%n", n, polls, Instant.now(),
        GroupsBench.machine(), n));
    sb.append("| `metrics` | files read per pod | agent poll CPU (µs / pod / poll) | C pread CPU "
        + "(µs) | agent / C pread | alloc / entity / poll (B) |\n|---|---|---|---|---|---|\n");
    for (GroupsBench.Row r : rows) {
      sb.append(String.format(Locale.ROOT, "| %s | %d | %.2f | %.2f | %.2fx | %.0f |%n",
          r.groups(), r.filesPerCgroup(), r.javaCpuUs(), r.cPreadCpuUs(),
          r.javaCpuUs() / r.cPreadCpuUs(), r.allocPerEntity()));
    }
    sb.append(String.format(Locale.ROOT, "%nThe network group adds **%.2f µs** of agent CPU per "
        + "pod and poll (the C reader: %.2f µs for the same net/dev reads), against a target of "
        + "3 µs.%n", net.javaCpuUs() - cpu.javaCpuUs(), net.cPreadCpuUs() - cpu.cPreadCpuUs()));
    sb.append(END).append('\n');
    return sb.toString();
  }
}

package io.cgroupotel.tools;

import io.cgroupotel.cgroupfs.Cgroup2;
import io.cgroupotel.metrics.MetricGroup;
import io.cgroupotel.receiver.cgroup.CgroupReceiver;
import io.cgroupotel.receiver.cgroup.CgroupReceiverConfig;
import io.cgroupotel.sampler.ScrapeResult;
import io.cgroupotel.sampler.SourceFile;
import io.cgroupotel.sampler.V2Hierarchy;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * What each metric group costs: the CPU time (utime + stime) of the cgroup receiver's poll with a
 * given {@code metrics} list, beside a C reader of the same files in the same window (kept open
 * and re-read with pread, and opened/read/closed), and the bytes allocated per entity per poll.
 * On two trees: real cgroups under this host's cgroup2 mount (cpu.stat and the PSI files exist,
 * no memory, io or pids controller), and a tmpfs copy of a kernel 6.1 pod cgroup's 14 files
 * (every group present). Rewrites its section of BENCHMARKS.md.
 *
 * <p>{@code java -cp tools/target/cgroup-otel-tools.jar io.cgroupotel.tools.GroupsBench [N]
 * [POLLS]} as root; with a third argument {@code network}, the network group instead ({@link
 * NetworkBench}). Removes what it made.
 */
final class GroupsBench {
  static final String BEGIN = "<!-- groups-bench:begin -->";
  static final String END = "<!-- groups-bench:end -->";

  record Row(String tree, String groups, int cgroups, int filesPerCgroup, double javaCpuUs,
      double cPreadCpuUs, double cOpenCpuUs, double javaWallUs, double allocPerEntity) {}

  /** A kernel 6.1 pod cgroup, as in receivers' test fixtures (fixtures/kernels/6.1/pod). */
  static final Map<String, String> FILES_61 = new LinkedHashMap<>();

  static {
    FILES_61.put("cpu.stat", "usage_usec 217893410\nuser_usec 160427163\nsystem_usec 57466246\n"
        + "core_sched.force_idle_usec 0\nnr_periods 3200\nnr_throttled 41\n"
        + "throttled_usec 2380552\nnr_bursts 0\nburst_usec 0\n");
    FILES_61.put("cpu.max", "50000 100000\n");
    FILES_61.put("cpuset.cpus.effective", "0-1\n");
    FILES_61.put("memory.current", "524288000\n");
    FILES_61.put("memory.max", "1073741824\n");
    FILES_61.put("memory.peak", "612368384\n");
    FILES_61.put("memory.swap.current", "1048576\n");
    FILES_61.put("memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n");
    StringBuilder stat = new StringBuilder();
    for (String kv : ("anon 402653184,file 104857600,kernel 15728640,kernel_stack 1146880,"
        + "pagetables 3403776,sec_pagetables 0,percpu 291840,sock 8192,vmalloc 16384,shmem 0,"
        + "zswap 0,zswapped 0,file_mapped 52428800,file_dirty 4096,file_writeback 0,"
        + "swapcached 0,anon_thp 0,file_thp 0,shmem_thp 0,inactive_anon 402591744,"
        + "active_anon 61440,inactive_file 78643200,active_file 26214400,unevictable 0,"
        + "slab_reclaimable 7340032,slab_unreclaimable 3538944,slab 10878976,"
        + "workingset_refault_anon 0,workingset_refault_file 64,workingset_activate_anon 0,"
        + "workingset_activate_file 0,workingset_restore_anon 0,workingset_restore_file 0,"
        + "workingset_nodereclaim 0,pgscan 0,pgsteal 0,pgscan_kswapd 0,pgscan_direct 0,"
        + "pgsteal_kswapd 0,pgsteal_direct 0,pgfault 1875512,pgmajfault 2311,pgrefill 0,"
        + "pgactivate 12,pgdeactivate 0,pglazyfree 0,pglazyfreed 0,zswpin 0,zswpout 0,"
        + "thp_fault_alloc 0,thp_collapse_alloc 0").split(",")) {
      stat.append(kv).append('\n');
    }
    FILES_61.put("memory.stat", stat.toString());
    FILES_61.put("cpu.pressure", "some avg10=12.47 avg60=8.01 avg300=3.55 total=48213377\n"
        + "full avg10=3.10 avg60=2.02 avg300=0.91 total=12744021\n");
    FILES_61.put("memory.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00 total=5502\n"
        + "full avg10=0.00 avg60=0.00 avg300=0.00 total=4107\n");
    FILES_61.put("io.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00 total=301996\n"
        + "full avg10=0.00 avg60=0.00 avg300=0.00 total=298734\n");
    FILES_61.put("io.stat", "259:0 rbytes=9441280 wbytes=1212416 rios=310 wios=152 dbytes=0 "
        + "dios=0\n8:16 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n");
    FILES_61.put("pids.current", "137\n");
  }

  static final List<Set<MetricGroup>> GROUP_SETS = List.of(
      EnumSet.of(MetricGroup.CPU),
      EnumSet.of(MetricGroup.CPU, MetricGroup.MEMORY),
      EnumSet.of(MetricGroup.CPU, MetricGroup.PRESSURE),
      EnumSet.of(MetricGroup.CPU, MetricGroup.IO),
      EnumSet.of(MetricGroup.CPU, MetricGroup.PIDS),
      // every cgroup-file group; network needs processes in namespaces: its own rows (network)
      EnumSet.complementOf(EnumSet.of(MetricGroup.NETWORK)));

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int polls = args.length > 1 ? Integer.parseInt(args[1]) : 40;
    if (args.length > 2 && args[2].equals("network")) {
      NetworkBench.run(n, polls, compile());
      return;
    }
    Path reader = compile();
    String id = UUID.randomUUID().toString().substring(0, 8);
    Path mount = Cgroup2.findMount().orElseThrow(() -> new IllegalStateException("no cgroup2"));
    Path real = mount.resolve("cgroup-otel-groupsbench-" + id);
    Path shm = Path.of("/dev/shm/cgroup-otel-groupsbench-" + id);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> cleanup(real, shm)));
    List<Row> rows = new ArrayList<>();
    System.err.printf("groups-bench: making %d cgroups under %s and a tmpfs copy; then %d "
        + "measurements, a line each%n", n, real, GROUP_SETS.size() * 2);
    try {
      for (int i = 0; i < n; i++) {
        Files.createDirectories(real.resolve(String.format(Locale.ROOT, "c%05d", i)));
        Path dir = Files.createDirectories(shm.resolve(String.format(Locale.ROOT, "c%05d", i)));
        for (Map.Entry<String, String> f : FILES_61.entrySet()) {
          Files.writeString(dir.resolve(f.getKey()), f.getValue());
        }
      }
      for (Set<MetricGroup> groups : GROUP_SETS) {
        rows.add(measure("real cgroup2 (" + Cgroup2.findMount().get() + ")", real, groups, n,
            polls, reader));
        rows.add(measure("tmpfs copy of 6.1 files", shm, groups, n, polls, reader));
      }
    } finally {
      cleanup(real, shm);
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

  static Row measure(String tree, Path root, Set<MetricGroup> groups, int n, int polls,
      Path reader) throws Exception {
    return measure(tree, root, groups, n, polls, reader, List.of());
  }

  /** As above; the C reader also reads {@code extraFiles} (the network group's net/dev). */
  static Row measure(String tree, Path root, Set<MetricGroup> groups, int n, int polls,
      Path reader, List<String> extraFiles) throws Exception {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    List<SourceFile> sources = new V2Hierarchy(root).files(groups);
    List<String> files = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(root)) {
      for (Path dir : dirs.sorted().toList()) {
        for (SourceFile s : sources) {
          if (Files.exists(dir.resolve(s.name()))) {
            files.add(dir.resolve(s.name()).toString());
          }
        }
      }
    }
    files.addAll(extraFiles);
    Path list = Files.createTempFile("groups-bench", ".txt");
    Files.write(list, files);
    CgroupReceiver receiver = new CgroupReceiver(new CgroupReceiverConfig(root, List.of("*"),
        Duration.ofSeconds(1), groups));
    long javaCpu = 0;
    long javaWall = 0;
    long allocated = 0;
    long cPread = 0;
    long cOpen = 0;
    int entities = 0;
    int windows = 3;
    try {
      receiver.start();
      for (int i = 0; i < 10; i++) {
        receiver.poll(); // warm: JIT, dentries; absent files learnt
      }
      for (int w = 0; w < windows; w++) { // Java and C alternate: the same window, thrice
        long c0 = mx.getCurrentThreadCpuTime();
        long a0 = mx.getCurrentThreadAllocatedBytes();
        long t0 = System.nanoTime();
        for (int i = 0; i < polls; i++) {
          ScrapeResult r = receiver.poll();
          entities = r.samples().size();
        }
        javaWall += System.nanoTime() - t0;
        allocated += mx.getCurrentThreadAllocatedBytes() - a0;
        javaCpu += mx.getCurrentThreadCpuTime() - c0;
        cPread += runC(reader, list, polls, "pread");
        cOpen += runC(reader, list, polls, "open");
      }
    } finally {
      receiver.close();
      Files.deleteIfExists(list);
    }
    double perCgroupPoll = (double) windows * polls * n * 1000.0; // ns to µs per cgroup-poll
    Row row = new Row(tree, MetricGroupsText.of(groups), n, files.size() / n,
        javaCpu / perCgroupPoll, cPread / (double) windows / n / 1000.0,
        cOpen / (double) windows / n / 1000.0, javaWall / perCgroupPoll,
        entities == 0 ? 0 : (double) allocated / windows / polls / entities);
    System.err.println("groups-bench: " + row);
    return row;
  }

  /** The C reader's CPU time of one round, in ns. */
  static long runC(Path reader, Path list, int rounds, String mode) throws Exception {
    Process p = new ProcessBuilder(reader.toString(), list.toString(), Integer.toString(rounds),
        mode).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (p.waitFor() != 0) {
      throw new IllegalStateException("groups-reader: " + out);
    }
    return Long.parseLong(out.split(" ")[0]);
  }

  static Path compile() throws Exception {
    Path dir = Files.createTempDirectory("groups-bench");
    Path source = dir.resolve("groups-reader.c");
    try (InputStream in = GroupsBench.class.getResourceAsStream("groups-reader.c")) {
      Files.write(source, in.readAllBytes());
    }
    Path binary = dir.resolve("groups-reader");
    Process gcc = new ProcessBuilder("gcc", "-O2", "-o", binary.toString(), source.toString())
        .redirectErrorStream(true).start();
    String out = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (gcc.waitFor() != 0) {
      throw new IllegalStateException("gcc failed: " + out);
    }
    binary.toFile().deleteOnExit();
    source.toFile().deleteOnExit();
    dir.toFile().deleteOnExit();
    return binary;
  }

  static void cleanup(Path real, Path shm) {
    for (Path top : List.of(real, shm)) {
      if (!Files.exists(top)) {
        continue;
      }
      try (Stream<Path> s = Files.walk(top)) {
        for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
          try {
            Files.deleteIfExists(p);
          } catch (IOException e) {
            // a cgroup file cannot be deleted: its directory goes with rmdir
          }
        }
      } catch (IOException e) {
        System.err.println("groups-bench: cannot remove " + top + ": " + e);
      }
    }
  }

  static String report(List<Row> rows, int n, int polls) {
    StringBuilder sb = new StringBuilder(BEGIN).append('\n');
    sb.append("## Metric groups: cost of each group, the poll against C\n\n");
    sb.append(String.format(Locale.ROOT, "Made by `java -cp agent/target/cgroup-otel-agent.jar "
        + "io.cgroupotel.tools.GroupsBench %d %d` (as root) on %s; %s. CPU is utime+stime: the "
        + "poll thread's (ThreadMXBean) for the agent, getrusage for the C reader, measured "
        + "alternately in three windows of %d polls each, the agent first. The C reader reads "
        + "the files the agent reads (those that exist), does not parse them; `pread` keeps "
        + "them open as the agent does, `open` opens, reads and closes each.\n\n",
        n, polls, Instant.now(), machine(), polls));
    sb.append("| tree | `metrics` | cgroups | files read per cgroup | agent poll CPU (µs / "
        + "cgroup / poll) | C pread CPU (µs) | C open/read/close CPU (µs) | agent / C pread | "
        + "agent / C open | agent wall (µs / cgroup / poll) | alloc / entity / poll (B) |\n");
    sb.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Row r : rows) {
      sb.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %.2f | %.2f | %.2f | %.2fx | "
          + "%.2fx | %.2f | %.0f |%n", r.tree(), r.groups(), r.cgroups(), r.filesPerCgroup(),
          r.javaCpuUs(), r.cPreadCpuUs(), r.cOpenCpuUs(), r.javaCpuUs() / r.cPreadCpuUs(),
          r.javaCpuUs() / r.cOpenCpuUs(), r.javaWallUs(), r.allocPerEntity()));
    }
    sb.append(END).append('\n');
    return sb.toString();
  }

  /** {@code ["cpu", "memory"]}. */
  static final class MetricGroupsText {
    static String of(Set<MetricGroup> groups) {
      return io.cgroupotel.receiver.MetricsKey.format(groups);
    }
  }

  static String machine() {
    String kernel = "";
    try {
      kernel = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
    } catch (IOException e) {
      // unknown
    }
    return Runtime.getRuntime().availableProcessors() + " cores, Linux " + kernel + ", Java "
        + System.getProperty("java.version");
  }
}

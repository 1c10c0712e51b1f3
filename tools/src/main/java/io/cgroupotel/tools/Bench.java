package io.cgroupotel.tools;

import io.cgroupotel.agent.AgentConfig;
import io.cgroupotel.agent.pipeline.Agent;
import io.cgroupotel.agent.pipeline.Pipeline;
import io.cgroupotel.agent.pipeline.ReceiverRunner;
import io.cgroupotel.cgroupfs.Cgroup2;
import io.cgroupotel.config.ConfigDocument;
import io.cgroupotel.receiver.Receiver;
import io.cgroupotel.receiver.builtin.Receivers;
import io.cgroupotel.sampler.ScrapeResult;
import io.opentelemetry.exporter.internal.otlp.metrics.MetricsRequestMarshaler;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.resources.Resource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The benchmark harness: builds N real pods (and OAR jobs) in this host's cgroup v2 mount, polls
 * them warm with the agent's receivers, and measures beside them, in the same run and on the same
 * files, a plain Java read loop and a C reader (the physical floor). Also: bytes allocated per
 * entity per poll, OTLP encode time and size, and the resident memory and CPU share of the real
 * agent polling every second. Writes the table to {@code --out} (bench.md).
 *
 * <p>Needs root (it makes cgroups). Removes what it made, also on Ctrl-C.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Measure the agent against the physical floor on real cgroups (needs root)")
final class Bench implements Callable<Integer> {
  @Option(names = "--sizes", split = ",", defaultValue = "100,1000,5000,10000",
      description = "numbers of pods (one container each) and of OAR jobs")
  List<Integer> sizes;

  @Option(names = "--polls", defaultValue = "15", description = "measured polls per size")
  int polls;

  @Option(names = "--agent-seconds", defaultValue = "20",
      description = "how long the real agent runs per size for RSS and CPU (0: skip)")
  int agentSeconds;

  @Option(names = "--out", defaultValue = "bench.md",
      description = "report file (default bench.md; BENCHMARKS.md keeps the curated results)")
  Path out;

  /** JVM flags of the launcher, bin/cgroup-otel-agent (README, Dockerfile, DaemonSet, unit). */
  static final List<String> AGENT_JVM_FLAGS =
      List.of("-Xmx128m", "-Xms16m", "-XX:+UseSerialGC", "-XX:MaxMetaspaceSize=64m",
          "-XX:ReservedCodeCacheSize=32m", "-XX:TieredStopAtLevel=1", "-Xss512k",
          "-XX:+ExitOnOutOfMemoryError", "-XX:-UsePerfData");

  record Row(int n, String receiver, int files, double pollMs, double javaMs, double cMs,
      double allocPerEntity, int entities, int otlpBytes, int otlpGzipBytes, double encodeMs,
      double rssMiB, double cpuShare) {}

  @Override
  public Integer call() throws Exception {
    Path mount = Cgroup2.findMount().orElseThrow(
        () -> new IllegalStateException("no cgroup v2 mount on this host"));
    Optional<Path> cReader = compileCReader();
    List<Row> rows = new ArrayList<>();
    for (int n : sizes) {
      System.err.printf("bench: making %d pods with a container each%s...%n", n,
          hasReceiver("oar3") ? " and " + n + " OAR jobs" : "");
      try (BenchTree tree = BenchTree.create(mount, n, hasReceiver("oar3"))) {
        System.err.printf("bench: %d pods + %d containers%s made under %s%n", n, n,
            tree.jobs().isEmpty() ? "" : " + " + n + " jobs", tree.root());
        rows.add(measure("k8s", n, k8sConfig(tree.root()), tree.podAndContainerStats(),
            cReader));
        if (!tree.jobs().isEmpty()) {
          rows.add(measure("oar3", n, oar3Config(tree.root()), tree.jobStats(), cReader));
        }
      }
    }
    String report = report(rows, cReader.isPresent());
    Files.writeString(out, report);
    System.out.print(report);
    return 0;
  }

  private Row measure(String type, int n, String receiverToml, List<Path> files,
      Optional<Path> cReader) throws Exception {
    String toml = agentToml(receiverToml);
    // the agent's own pipeline, without reader timers: the export path is measured on demand
    Pipeline pipeline = Pipeline.builder(AgentConfig.read(
        ConfigDocument.parse("bench.toml", toml, Map.of()), Map.of()))
        .mode(Pipeline.Mode.ONCE).build();
    // closed on every path, also when it cannot start: what did start is released
    try (Agent agent = new Agent(pipeline)) {
      if (!pipeline.problems().isEmpty()) {
        throw new IllegalStateException("bench: cannot start: " + pipeline.problems());
      }
      agent.pollOnce(Duration.ZERO); // starts discovery; there is no API server to wait for
      System.err.printf("bench: %s: %d warm polls, then %d measured%n", type, 5, polls);
      ReceiverRunner runner = pipeline.runners().get(0);
      // the receiver alone is timed, as the floors beside it read files and nothing more
      Receiver receiver = runner.receiver();
      ScrapeResult last = null;
      com.sun.management.ThreadMXBean mx =
          (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
      long[] times = new long[polls];
      long allocated = 0;
      // a poll that discovery asks of the runner takes this lock too, so none overlaps these
      synchronized (runner) {
        for (int i = 0; i < 5; i++) {
          last = receiver.poll(); // warm: JIT, page cache, dentries
        }
        for (int i = 0; i < polls; i++) {
          long a0 = mx.getCurrentThreadAllocatedBytes();
          long t0 = System.nanoTime();
          last = receiver.poll();
          times[i] = System.nanoTime() - t0;
          allocated += mx.getCurrentThreadAllocatedBytes() - a0;
        }
      }
      int entities = last.samples().size();
      System.err.printf("bench: %s: the Java and C floors on the same %d files%n", type,
          files.size());
      double javaMs = javaFloor(files);
      double cMs = cReader.isPresent() ? cFloor(cReader.get(), files) : Double.NaN;

      runner.pollOnce(); // into the store, as the agent polls
      Collection<MetricData> metrics = pipeline.producer(0).produce(Resource.empty());
      long[] encode = new long[7];
      byte[] raw = null;
      for (int i = 0; i < encode.length; i++) {
        long t0 = System.nanoTime();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        MetricsRequestMarshaler.create(metrics).writeBinaryTo(bytes);
        raw = bytes.toByteArray();
        encode[i] = System.nanoTime() - t0;
      }
      ByteArrayOutputStream gz = new ByteArrayOutputStream();
      try (GZIPOutputStream gzip = new GZIPOutputStream(gz)) {
        gzip.write(raw);
      }
      double[] real = agentSeconds > 0 ? runAgent(toml) : new double[] {NaN, NaN};
      Row row = new Row(n, type, files.size(), median(times) / 1e6, javaMs, cMs,
          entities == 0 ? 0 : (double) allocated / polls / entities, entities, raw.length,
          gz.size(), median(encode) / 1e6, real[0], real[1]);
      System.err.println("bench: " + row);
      return row;
    }
  }

  /**
   * The whole config of one run, for the pipeline built here and for the real agent: the
   * receiver section, exports every 10 s to a file exporter writing to /dev/null.
   */
  static String agentToml(String receiverToml) {
    return "[agent]\nhostname = \"bench-node\"\nexport_interval = \"10s\"\n" + receiverToml
        + "\n[exporters.file]\npath = \"/dev/null\"\n";
  }

  private static final double NaN = Double.NaN;

  /** Reads the same files as the receiver, the plain Java way, once per poll. */
  private double javaFloor(List<Path> files) throws IOException {
    long[] times = new long[polls];
    long sink = 0;
    for (int r = -3; r < polls; r++) {
      long t0 = System.nanoTime();
      for (Path p : files) {
        try {
          sink += Files.readAllBytes(p).length;
        } catch (IOException e) {
          // a file that vanished: the floor skips it too
        }
      }
      if (r >= 0) {
        times[r] = System.nanoTime() - t0;
      }
    }
    return sink < 0 ? -1 : median(times) / 1e6;
  }

  private double cFloor(Path reader, List<Path> files) throws Exception {
    Path list = Files.createTempFile("cpustat-list", ".txt");
    try {
      Files.write(list, files.stream().map(Path::toString).toList());
      Process p = new ProcessBuilder(reader.toString(), list.toString(),
          Integer.toString(polls + 3)).redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor();
      return Long.parseLong(output.trim()) / 1e6;
    } finally {
      Files.deleteIfExists(list);
    }
  }

  /** Runs the real agent at a 1 s poll: {resident MiB (max), CPU share of one core}. */
  private double[] runAgent(String toml) throws Exception {
    Path config = Files.createTempFile("bench-agent", ".toml");
    Path log = Files.createTempFile("bench-agent", ".log");
    Files.writeString(config, toml);
    Process agent = new ProcessBuilder(AgentProcess.command(config, System.getenv()))
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      System.err.printf("bench: the real agent (pid %d): %d s warm-up, then %d s measured%n",
          agent.pid(), WARM_UP_SECONDS, agentSeconds);
      // start-up and the first walk are not the steady state
      for (int i = 0; i < WARM_UP_SECONDS; i++) {
        Thread.sleep(1000);
        AgentProcess.requireAlive(agent, log);
      }
      long ticks0 = cpuTicks(agent.pid());
      long t0 = System.nanoTime();
      double rss = 0;
      for (int i = 1; i <= agentSeconds; i++) {
        Thread.sleep(1000);
        AgentProcess.requireAlive(agent, log);
        rss = Math.max(rss, rssKiB(agent.pid()) / 1024.0);
        if (i % 10 == 0 && i < agentSeconds) {
          System.err.printf("bench: the real agent: %d/%d s%n", i, agentSeconds);
        }
      }
      long ticks = cpuTicks(agent.pid()) - ticks0;
      double seconds = (System.nanoTime() - t0) / 1e9;
      return new double[] {rss, ticks / 100.0 / seconds};
    } finally {
      agent.destroy();
      agent.waitFor(10, TimeUnit.SECONDS);
      agent.destroyForcibly();
      Files.deleteIfExists(config);
      Files.deleteIfExists(log);
    }
  }

  private static final int WARM_UP_SECONDS = 5;

  /** utime + stime of a process, in clock ticks (USER_HZ, 100 on Linux). */
  static long cpuTicks(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  static long rssKiB(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return 0;
  }

  private static Optional<Path> compileCReader() {
    try {
      Path dir = Files.createTempDirectory("cgroup-otel-bench");
      dir.toFile().deleteOnExit();
      Path source = dir.resolve("cpustat-reader.c");
      try (InputStream in = Bench.class.getResourceAsStream("cpustat-reader.c")) {
        Files.write(source, in.readAllBytes());
      }
      Path binary = dir.resolve("cpustat-reader");
      Process gcc = new ProcessBuilder("gcc", "-O2", "-o", binary.toString(), source.toString())
          .redirectErrorStream(true).start();
      gcc.getInputStream().readAllBytes();
      if (gcc.waitFor() == 0) {
        binary.toFile().deleteOnExit();
        source.toFile().deleteOnExit();
        return Optional.of(binary);
      }
    } catch (Exception e) {
      // no gcc: the Java floor stands alone
    }
    System.err.println("bench: gcc not found or failed: no C floor");
    return Optional.empty();
  }

  private static boolean hasReceiver(String type) {
    return Receivers.factories().stream().anyMatch(f -> f.type().equals(type));
  }

  static String k8sConfig(Path root) {
    // no API server here: pods are exported by UID, as on a node whose API is down
    return "[receivers.k8s]\npath = \"" + root + "\"\npoll_interval = \"1s\"\n"
        + "node_name = \"bench-node\"\ntoken_retrieval = \"none\"\n"
        + "kubernetes_api_url = \"http://127.0.0.1:1\"\n";
  }

  static String oar3Config(Path root) {
    return "[receivers.oar3]\npath = \"" + root + "\"\npoll_interval = \"1s\"\n";
  }

  private static double median(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  private String report(List<Row> rows, boolean haveC) throws IOException {
    StringBuilder sb = new StringBuilder();
    sb.append("# Benchmarks\n\n");
    sb.append("Made by `java -jar tools/target/cgroup-otel-tools.jar bench --sizes ")
        .append(String.join(",", sizes.stream().map(String::valueOf).toList()))
        .append(" --polls ").append(polls).append(" --agent-seconds ").append(agentSeconds)
        .append("` (as root) on ").append(Instant.now()).append(".\n\n");
    sb.append("Machine: ").append(machine()).append(". Shared and noisy: read the ratios, "
        + "measured in the same run on the same files, not the absolute times.\n\n");
    sb.append("| receiver | N | files read | agent poll (ms, median) | Java read loop (ms) | "
        + "C floor (ms) | agent / C | agent / Java | alloc / entity / poll (B) | entities | "
        + "OTLP bytes / export (raw, gzip) | OTLP encode (ms) | agent RSS (MiB) | agent CPU "
        + "at 1 s poll (% of a core) |\n");
    sb.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Row r : rows) {
      sb.append(String.format(Locale.ROOT,
          "| %s | %d | %d | %.2f | %.2f | %s | %s | %.2f | %.0f | %d | %d, %d | %.2f | %s | %s |%n",
          r.receiver(), r.n(), r.files(), r.pollMs(), r.javaMs(),
          haveC ? String.format(Locale.ROOT, "%.2f", r.cMs()) : "n/a",
          haveC ? String.format(Locale.ROOT, "%.2f", r.pollMs() / r.cMs()) : "n/a",
          r.pollMs() / r.javaMs(), r.allocPerEntity(), r.entities(), r.otlpBytes(),
          r.otlpGzipBytes(), r.encodeMs(),
          Double.isNaN(r.rssMiB()) ? "n/a" : String.format(Locale.ROOT, "%.0f", r.rssMiB()),
          Double.isNaN(r.cpuShare()) ? "n/a"
              : String.format(Locale.ROOT, "%.2f", r.cpuShare() * 100)));
    }
    sb.append("\nAgent JVM flags for the RSS/CPU columns (as in the README and the Dockerfile): `")
        .append(String.join(" ", AGENT_JVM_FLAGS)).append("`; the agent runs the receiver at a "
            + "1 s poll, exporting every 10 s to a file exporter writing to /dev/null.\n");
    sb.append(targets(rows, haveC));
    sb.append(scaling(rows));
    return sb.toString();
  }

  /** The targets of the performance issue, each marked met or not, with the figures. */
  private static String targets(List<Row> rows, boolean haveC) {
    StringBuilder sb = new StringBuilder("\n## Targets\n\n");
    for (Row r : rows) {
      double ratio = haveC ? r.pollMs() / r.cMs() : r.pollMs() / r.javaMs();
      sb.append(String.format(Locale.ROOT,
          "- %s, N = %d (%d files): poll %.2fx the %s floor: %s (target 1.5x, aim 1.2x); "
              + "%.0f B allocated per entity per poll: %s (target 1 KiB)%n",
          r.receiver(), r.n(), r.files(), ratio, haveC ? "C" : "Java",
          ratio <= 1.2 ? "met, aim too" : ratio <= 1.5 ? "met" : "NOT met",
          r.allocPerEntity(), r.allocPerEntity() <= 1024 ? "met" : "NOT met"));
    }
    for (Row r : rows) {
      if (Double.isNaN(r.rssMiB())) {
        continue;
      }
      String rssTarget = r.files() <= 4000 ? (r.rssMiB() <= 256 ? "met" : "NOT met")
          + " (target 256 MiB up to 4,000 cgroups)"
          : (r.rssMiB() <= 128 ? "met" : "not met") + " (aim 128 MiB at 10,000 cgroups)";
      String cpuTarget = r.receiver().equals("k8s") && r.n() == 1000
          ? String.format(Locale.ROOT, "; CPU %.1f%% of a core: %s (target 2%% for 1,000 pods; "
              + "the C floor alone is %.1f%% here)", r.cpuShare() * 100,
              r.cpuShare() <= 0.02 ? "met" : "NOT met", r.cMs() / 10)
          : "";
      sb.append(String.format(Locale.ROOT, "- the agent on %s, %d cgroups at a 1 s poll: RSS "
          + "%.0f MiB: %s%s%n", r.receiver(), r.files(), r.rssMiB(), rssTarget, cpuTarget));
    }
    sb.append("- a new cgroup is found by inotify at once and read by the next poll (within one "
        + "poll interval; the oar3 receiver reads a new job at once); its first export is at "
        + "the next export tick. Shown by the tests (ChurnTest, Oar3ReceiverTest), not timed "
        + "here.\n");
    return sb.toString();
  }

  private static String scaling(List<Row> rows) {
    Row big = rows.stream().filter(r -> r.receiver().equals("k8s"))
        .max((a, b) -> Integer.compare(a.entities(), b.entities())).orElse(null);
    if (big == null || big.entities() == 0) {
      return "";
    }
    double gzipPerEntity = (double) big.otlpGzipBytes() / big.entities();
    double rawPerEntity = (double) big.otlpBytes() / big.entities();
    int entitiesPerNode = 110 * 2; // 110 pods, one container each
    double perExport = entitiesPerNode * gzipPerEntity;
    return String.format(Locale.ROOT, """

        ## Scaling on paper

        From the largest k8s row: %.0f bytes per entity per export raw, %.0f gzipped (a pod or
        a container with its resource, cpu.time, cpu.usage; no memory controller here, add
        ~15%% with one).

        - One node, 110 pods with one container each = %d entities: %.1f KiB per export
          gzipped, at a 10 s export interval %.2f KiB/s per node.
        - 5,000 such nodes: %.1f MiB/s into the collector tier, and 5,000 / 10 s = 500 export
          requests per second (x ceil(points / max_data_points) when a node exceeds the batch
          split of 8192 points: not at 110 pods, which is ~%d points).
        - The agent's own cost grows linearly with the number of cgroups read (one open, read,
          close per cpu.stat, as the C floor), plus the per-entity objects of the export;
          discovery costs nothing between changes (inotify), and a full rescan every 5 minutes.
        """, rawPerEntity, gzipPerEntity, entitiesPerNode, perExport / 1024,
        perExport / 1024 / 10, perExport * 5000 / 10 / 1024 / 1024, entitiesPerNode * 3);
  }

  private static String machine() {
    String model = "unknown cpu";
    try {
      model = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
          .filter(l -> l.startsWith("model name")).findFirst()
          .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(model);
    } catch (IOException e) {
      // keep the default
    }
    String kernel = "";
    try {
      kernel = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
    } catch (IOException e) {
      // keep it empty
    }
    return Runtime.getRuntime().availableProcessors() + " cores, " + model + ", Linux "
        + kernel + ", Java " + System.getProperty("java.version");
  }

}

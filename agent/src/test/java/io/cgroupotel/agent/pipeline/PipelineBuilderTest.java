package io.cgroupotel.agent.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cgroupotel.agent.AgentConfig;
import io.cgroupotel.agent.TestAgents;
import io.cgroupotel.cgroupfs.RealCgroupTree;
import io.cgroupotel.config.ConfigDocument;
import io.cgroupotel.metrics.MetricAttributes;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.ReceiverFactory;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.resources.Resource;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The builder on a real cgroup whose process has exited, so its cpu.stat no longer moves: a
 * pipeline built from TOML and polled once gives, through view 0's producer, the kernel's
 * values, without a reader timer. --check builds no exporter. A build that fails part way
 * leaves nothing open.
 */
class PipelineBuilderTest {
  @TempDir Path dir;

  private AgentConfig config(Path root) throws Exception {
    String toml = """
        [agent]
        hostname = "builder-node"
        [receivers.cgroup]
        path = "%s"
        include = ["*"]
        [exporters.file]
        path = "%s"
        """.formatted(root, dir.resolve("out.jsonl"));
    return TestAgents.config("builder.toml", toml);
  }

  @Test
  @Tag("real-cgroup")
  void build_onceFromToml_producerOfView0CarriesTheKernelValues() throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-builder")) {
      Path busy = tree.mkdirs("busy");
      Process burner = tree.burn(busy);
      Thread.sleep(300); // some user time to read; the value is compared, not the duration
      burner.destroyForcibly().waitFor();
      Map<String, Long> kernel = cpuStat(busy);
      assertThat(kernel.get("user_usec")).isPositive();

      Pipeline pipeline = Pipeline.builder(config(tree.root())).mode(Pipeline.Mode.ONCE).build();
      try (Agent agent = new Agent(pipeline)) {
        assertThat(pipeline.problems()).isEmpty();
        assertThat(pipeline.receiverNames()).containsExactly("cgroup");
        assertThat(pipeline.exporterNames()).containsExactly("file");

        agent.pollOnce(Duration.ZERO);
        Collection<MetricData> out = pipeline.producer(0).produce(Resource.empty());

        MetricData cpu = out.stream().filter(m -> m.getName().equals("cgroup.cpu.time"))
            .findFirst().orElseThrow(() -> new AssertionError("no cgroup.cpu.time in " + out));
        assertThat(cpu.getResource().getAttribute(AttributeKey.stringKey("host.name")))
            .isEqualTo("builder-node");
        Map<String, Double> byMode = new HashMap<>();
        for (DoublePointData p : cpu.getDoubleSumData().getPoints()) {
          byMode.put(p.getAttributes().get(MetricAttributes.CPU_MODE), p.getValue());
        }
        assertThat(byMode).containsOnlyKeys("user", "system");
        // within rounding: the producer scales microseconds to seconds in its own way
        assertThat(byMode.get("user")).isCloseTo(kernel.get("user_usec") / 1e6, within(1e-9));
        assertThat(byMode.get("system")).isCloseTo(kernel.get("system_usec") / 1e6, within(1e-9));
      }
    }
  }

  @Test
  @Tag("real-cgroup")
  void build_checkMode_noExporterBuiltAndNothingWritten() throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-builder")) {
      tree.mkdirs("idle");
      Pipeline pipeline = Pipeline.builder(config(tree.root())).mode(Pipeline.Mode.CHECK).build();
      try (Agent agent = new Agent(pipeline)) {
        agent.pollOnce(Duration.ZERO);
        assertThat(pipeline.problems()).isEmpty();
        assertThat(pipeline.hasExporters()).isFalse();
        assertThat(pipeline.store().live("cgroup")).isEqualTo(1);
      }
      assertThat(dir.resolve("out.jsonl")).doesNotExist();
    }
  }

  /**
   * The receivers are made after the exporters. One whose making throws an Error (here an
   * OutOfMemoryError, as the JDK throws for an array too large) is no start problem to record:
   * build() must let it go, having closed the Prometheus server and the file exporter's file it
   * had made.
   */
  @Test
  void build_laterStepThrows_exportersMadeBeforeAreClosed() throws Exception {
    Path out = dir.resolve("out.jsonl");
    int port = freePort();
    AgentConfig parsed = TestAgents.config("leak.toml", """
        [receivers.cgroup]
        path = "%s"
        [exporters.file]
        path = "%s"
        [exporters.prometheus]
        host = "127.0.0.1"
        port = %d
        """.formatted(dir, out, port));
    ReceiverFactory<Object> failing = new ReceiverFactory<>() {
      @Override
      public String type() {
        return "failing";
      }

      @Override
      public Object parseConfig(io.cgroupotel.config.ConfigSection section) {
        return null;
      }

      @Override
      public io.cgroupotel.receiver.Receiver create(Object config, ReceiverContext context) {
        throw new OutOfMemoryError("Required array size too large");
      }
    };
    List<AgentConfig.Component<ReceiverFactory<?>>> receivers = new ArrayList<>(
        parsed.receivers());
    receivers.add(new AgentConfig.Component<>(failing, "failing", null));
    AgentConfig config = new AgentConfig(parsed.source(), parsed.settings(), receivers,
        parsed.exporters(), parsed.energy());

    assertThatThrownBy(() -> Pipeline.builder(config).build())
        .isInstanceOf(OutOfMemoryError.class);

    assertThat(out).exists(); // the file exporter was made, so the step that failed came later
    assertThat(openFiles()).doesNotContain(out.toRealPath());
    try (ServerSocket again = new ServerSocket()) {
      again.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    }
  }

  /**
   * A traces certificate that is not PEM: the SDK's span exporter throws IllegalStateException
   * (not its ConfigurationException). That costs the traces, not the build nor the metrics.
   */
  @Test
  void build_tracesCannotStart_recordedAndMetricsExportersStillBuilt() throws Exception {
    Path notPem = Files.writeString(dir.resolve("ca.pem"), "not a certificate\n");
    int port = freePort();
    String toml = """
        [agent]
        traces = true
        [receivers.cgroup]
        path = "%s"
        [exporters.otlp]
        endpoint = "http://127.0.0.1:1"
        [exporters.prometheus]
        host = "127.0.0.1"
        port = %d
        """.formatted(dir, port);
    // no retries: the last export at close finds nobody listening, and says so at once
    Map<String, String> env = Map.of("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", notPem.toString(),
        "OTEL_JAVA_EXPORTER_OTLP_RETRY_DISABLED", "true");
    AgentConfig config = AgentConfig.read(ConfigDocument.parse("traces.toml", toml, env), env);

    Pipeline pipeline = Pipeline.builder(config).env(env).build();
    try (Agent agent = new Agent(pipeline)) {
      // (the receiver's own problem, if the temporary directory is no cgroup, is not ours)
      assertThat(pipeline.problems()).extracting(Pipeline.StartProblem::component)
          .contains("traces")
          .noneMatch(component -> component.startsWith("exporter"));
      assertThat(pipeline.tracerProvider()).isNull();
      assertThat(pipeline.exporterNames()).containsExactly("otlp", "prometheus");
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** What this JVM's file descriptors point at. */
  private static List<Path> openFiles() throws IOException {
    List<Path> targets = new ArrayList<>();
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : (Iterable<Path>) fds::iterator) {
        try {
          targets.add(Files.readSymbolicLink(fd));
        } catch (IOException e) {
          // closed while listing (the listing's own descriptor)
        }
      }
    }
    return targets;
  }

  private static Map<String, Long> cpuStat(Path cgroup) throws Exception {
    Map<String, Long> values = new HashMap<>();
    for (String line : Files.readAllLines(cgroup.resolve("cpu.stat"))) {
      String[] kv = line.split(" ");
      values.put(kv[0], Long.parseLong(kv[1]));
    }
    return values;
  }
}

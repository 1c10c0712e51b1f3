package io.cgroupotel.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cgroupotel.cgroupfs.RealCgroupTree;
import io.cgroupotel.metrics.MetricAttributes;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.resources.Resource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The builder on a real cgroup whose process has exited, so its cpu.stat no longer moves: a
 * pipeline built from TOML and polled once gives, through view 0's producer, the kernel's
 * values, without a reader timer. --check builds no exporter.
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

  private static Map<String, Long> cpuStat(Path cgroup) throws Exception {
    Map<String, Long> values = new HashMap<>();
    for (String line : Files.readAllLines(cgroup.resolve("cpu.stat"))) {
      String[] kv = line.split(" ");
      values.put(kv[0], Long.parseLong(kv[1]));
    }
    return values;
  }
}

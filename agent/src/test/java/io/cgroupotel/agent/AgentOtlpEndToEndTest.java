package io.cgroupotel.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cgroupotel.agent.pipeline.Agent;
import io.cgroupotel.cgroupfs.RealCgroupTree;
import io.cgroupotel.exporter.testing.OtlpGrpcTestReceiver;
import io.cgroupotel.exporter.testing.OtlpHttpTestReceiver;
import io.cgroupotel.exporter.testing.OtlpTestReceiver;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The whole pipeline on real cgroups: a process burns CPU in a cgroup of our own, the agent
 * polls it and exports over OTLP to an in-test receiver, and the figures are checked against the
 * kernel's.
 */
@Tag("real-cgroup")
public class AgentOtlpEndToEndTest {

  public static String attribute(ResourceMetrics rm, String key) {
    return rm.getResource().getAttributesList().stream().filter(kv -> kv.getKey().equals(key))
        .map(KeyValue::getValue).map(v -> v.getStringValue()).findFirst().orElse(null);
  }

  static Optional<Metric> metric(ResourceMetrics rm, String name) {
    return rm.getScopeMetricsList().stream().flatMap(s -> s.getMetricsList().stream())
        .filter(m -> m.getName().equals(name)).findFirst();
  }

  /** cgroup.path to its ResourceMetrics, for the cgroups of a request. */
  static Map<String, ResourceMetrics> byCgroup(ExportMetricsServiceRequest request) {
    Map<String, ResourceMetrics> map = new HashMap<>();
    for (ResourceMetrics rm : request.getResourceMetricsList()) {
      String path = attribute(rm, "cgroup.path");
      if (path != null) {
        assertThat(map.put(path, rm)).as("one ResourceMetrics per cgroup").isNull();
      }
    }
    return map;
  }

  static double seconds(ResourceMetrics rm) {
    return metric(rm, "cgroup.cpu.time").orElseThrow().getSum().getDataPointsList().stream()
        .mapToDouble(NumberDataPoint::getAsDouble).sum();
  }

  static ExportMetricsServiceRequest until(OtlpTestReceiver receiver,
      Predicate<ExportMetricsServiceRequest> condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      ExportMetricsServiceRequest r = receiver.next(Duration.ofSeconds(20));
      if (condition.test(r)) {
        return r;
      }
    }
    throw new AssertionError("no matching export in time");
  }

  @ParameterizedTest
  @ValueSource(strings = {"grpc", "http/protobuf"})
  void run_realCgroups_exportedCpuTimeMatchesKernel(String protocol) throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-e2e");
        OtlpTestReceiver receiver = protocol.equals("grpc")
            ? new OtlpGrpcTestReceiver() : new OtlpHttpTestReceiver()) {
      receiver.start();
      Path busy = tree.mkdirs("busy");
      Path idle = tree.mkdirs("idle");
      Process burner = tree.burn(busy);
      String toml = """
          [agent]
          hostname = "node-e2e"
          export_interval = "300ms"
          [receivers.cgroup]
          path = "%s"
          include = ["*"]
          poll_interval = "100ms"
          [exporters.otlp]
          endpoint = "%s"
          protocol = "%s"
          """.formatted(tree.root(), receiver.endpoint(), protocol);
      Agent agent = TestAgents.create("e2e.toml", toml);
      assertThat(agent.pipeline().problems()).isEmpty();
      agent.start();
      try {
        ExportMetricsServiceRequest first = until(receiver, r -> byCgroup(r).size() == 2);
        Map<String, ResourceMetrics> cgroups = byCgroup(first);
        assertThat(cgroups).containsOnlyKeys("/busy", "/idle");
        ResourceMetrics busyMetrics = cgroups.get("/busy");
        assertThat(attribute(busyMetrics, "host.name")).isEqualTo("node-e2e");
        assertThat(attribute(busyMetrics, "service.name")).isEqualTo("cgroup-otel-agent");
        Metric cpu = metric(busyMetrics, "cgroup.cpu.time").orElseThrow();
        assertThat(cpu.getUnit()).isEqualTo("s");
        assertThat(cpu.getSum().getIsMonotonic()).isTrue();
        assertThat(cpu.getSum().getAggregationTemporality())
            .isEqualTo(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
        long start = cpu.getSum().getDataPoints(0).getStartTimeUnixNano();
        // the agent's own metrics ride on the agent's resource
        assertThat(first.getResourceMetricsList()).anySatisfy(rm -> {
          assertThat(attribute(rm, "cgroup.path")).isNull();
          assertThat(metric(rm, "cgroup_agent.entities")).isPresent();
        });

        // stop the burner: the cgroup's counters stop, so the next exports must equal the kernel
        burner.destroyForcibly().waitFor();
        Thread.sleep(300);
        double kernel = RealCgroupTree.usageUsec(busy) / 1e6;
        ExportMetricsServiceRequest settled = until(receiver, r -> {
          ResourceMetrics rm = byCgroup(r).get("/busy");
          return rm != null && Math.abs(seconds(rm) - kernel) <= kernel * 0.02 + 0.020;
        });
        assertThat(kernel).as("the burner ran").isGreaterThan(0.02);
        Metric later = metric(byCgroup(settled).get("/busy"), "cgroup.cpu.time").orElseThrow();
        assertThat(later.getSum().getDataPoints(0).getStartTimeUnixNano())
            .as("start time stable across exports").isEqualTo(start);
        assertThat(seconds(byCgroup(settled).get("/busy"))).isCloseTo(kernel,
            within(kernel * 0.02 + 0.020));

        // a vanished cgroup is exported once more, then gone
        tree.remove(idle);
        ExportMetricsServiceRequest withoutIdle = until(receiver,
            r -> !byCgroup(r).containsKey("/idle"));
        assertThat(byCgroup(withoutIdle)).containsOnlyKeys("/busy");
        receiver.drain();
        ExportMetricsServiceRequest after = receiver.next(Duration.ofSeconds(5));
        assertThat(byCgroup(after)).containsOnlyKeys("/busy");
      } finally {
        agent.shutdown(Duration.ofSeconds(5));
      }
    }
  }
}

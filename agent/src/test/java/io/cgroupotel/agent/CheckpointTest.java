package io.cgroupotel.agent;

import static io.cgroupotel.agent.AgentOtlpEndToEndTest.byCgroup;
import static io.cgroupotel.agent.AgentOtlpEndToEndTest.metric;
import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.agent.pipeline.Agent;
import io.cgroupotel.cgroupfs.RealCgroupTree;
import io.cgroupotel.exporter.testing.OtlpGrpcTestReceiver;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent restarted with a state path continues the series of the cgroups that outlived the
 * restart: same start time for cumulative counters, and for delta the first interval after the
 * restart starts where the last one before it ended (nothing counted twice, nothing lost).
 */
@Tag("real-cgroup")
class CheckpointTest {

  private static String config(RealCgroupTree tree, OtlpGrpcTestReceiver collector, Path state,
      String temporality) {
    return """
        [agent]
        export_interval = "300ms"
        state_path = "%s"
        [receivers.cgroup]
        path = "%s"
        include = ["*"]
        poll_interval = "100ms"
        [exporters.otlp]
        endpoint = "%s"
        temporality = "%s"
        """.formatted(state, tree.root(), collector.endpoint(), temporality);
  }

  /** The cpu.time points of /busy in the next request that has them. */
  private static List<NumberDataPoint> nextBusy(OtlpGrpcTestReceiver collector) throws Exception {
    while (true) {
      ResourceMetrics rm = byCgroup(collector.next(Duration.ofSeconds(20))).get("/busy");
      if (rm != null) {
        return metric(rm, "cgroup.cpu.time").orElseThrow().getSum().getDataPointsList();
      }
    }
  }

  @Test
  void cumulative_restart_sameStartTime(@TempDir Path dir) throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-state");
        OtlpGrpcTestReceiver collector = new OtlpGrpcTestReceiver()) {
      collector.start();
      tree.burn(tree.mkdirs("busy"));
      String toml = config(tree, collector, dir, "cumulative");
      Agent first = TestAgents.create("a.toml", toml);
      first.start();
      long start;
      try {
        start = nextBusy(collector).get(0).getStartTimeUnixNano();
      } finally {
        first.shutdown(Duration.ofSeconds(5));
      }
      assertThat(dir.resolve("series.state")).exists();
      collector.drain();
      Thread.sleep(200);
      Agent second = TestAgents.create("a.toml", toml);
      second.start();
      try {
        List<NumberDataPoint> points = nextBusy(collector);
        assertThat(points.get(0).getStartTimeUnixNano()).isEqualTo(start);
        assertThat(points.get(0).getTimeUnixNano() - start).isGreaterThan(200_000_000L);
      } finally {
        second.shutdown(Duration.ofSeconds(5));
      }
    }
  }

  @Test
  void delta_restart_firstIntervalStartsWhereTheLastEnded(@TempDir Path dir) throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-state");
        OtlpGrpcTestReceiver collector = new OtlpGrpcTestReceiver()) {
      collector.start();
      Path busy = tree.mkdirs("busy"); // empty at first sight: its deltas then sum to its total
      String toml = config(tree, collector, dir, "delta");
      Agent first = TestAgents.create("a.toml", toml);
      first.start();
      double sum = 0;
      long lastEnd = 0;
      Process burner;
      try {
        sum += nextBusy(collector).stream().mapToDouble(NumberDataPoint::getAsDouble).sum();
        burner = tree.burn(busy);
        sum += nextBusy(collector).stream().mapToDouble(NumberDataPoint::getAsDouble).sum();
        sum += nextBusy(collector).stream().mapToDouble(NumberDataPoint::getAsDouble).sum();
      } finally {
        first.shutdown(Duration.ofSeconds(5));
      }
      for (ExportMetricsServiceRequest r : collector.drain()) {
        ResourceMetrics rm = byCgroup(r).get("/busy");
        if (rm != null) {
          List<NumberDataPoint> points = metric(rm, "cgroup.cpu.time").orElseThrow().getSum()
              .getDataPointsList();
          sum += points.stream().mapToDouble(NumberDataPoint::getAsDouble).sum();
          lastEnd = Math.max(lastEnd, points.get(0).getTimeUnixNano());
        }
      }
      assertThat(lastEnd).isPositive();
      Thread.sleep(400); // the agent is down; the cgroup burns on
      burner.destroyForcibly().waitFor();
      double kernel = RealCgroupTree.usageUsec(busy) / 1e6;
      Agent second = TestAgents.create("a.toml", toml);
      second.start();
      try {
        List<NumberDataPoint> points = nextBusy(collector);
        assertThat(points.get(0).getStartTimeUnixNano()).as("continues").isEqualTo(lastEnd);
        sum += points.stream().mapToDouble(NumberDataPoint::getAsDouble).sum();
        // the CPU time burnt while the agent was down is in the first delta after the restart
        assertThat(sum).isCloseTo(kernel, org.assertj.core.api.Assertions.within(kernel * 0.01));
      } finally {
        second.shutdown(Duration.ofSeconds(5));
      }
      assertThat(Files.size(dir.resolve("series.state"))).isPositive();
    }
  }
}

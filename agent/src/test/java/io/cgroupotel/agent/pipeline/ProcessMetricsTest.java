package io.cgroupotel.agent.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.resources.Resource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The agent's own process.* rows: this JVM's figures, on the base resource only. */
class ProcessMetricsTest {

  private static MetricData named(Collection<MetricData> all, String name) {
    return all.stream().filter(m -> m.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + name + " in " + all));
  }

  private static double value(PointData p) {
    return ((io.opentelemetry.sdk.metrics.data.DoublePointData) p).getValue();
  }

  @Test
  void produce_processRows_matchProcSelf_onTheBaseResource() throws Exception {
    Resource base = PipelineBuilder.baseResource("node-1");
    EntityStore store = new EntityStore(1);
    EntityMetricProducer producer = EntityMetricProducer.builder(store)
        .receiverStats(List.of(new ReceiverStats("cgroup"))).resource(base)
        .temporality(AggregationTemporality.CUMULATIVE).processStats(ProcessStats::self).build();
    // some CPU of our own to see
    long sink = 0;
    for (long t = System.nanoTime(); System.nanoTime() - t < 200_000_000L; ) {
      sink += Long.toString(sink).length();
    }
    Collection<MetricData> out = producer.produce(Resource.empty());
    MetricData cpu = named(out, "process.cpu.time");
    assertThat(cpu.getResource()).isEqualTo(base);
    assertThat(cpu.getData().getPoints()).hasSize(2).allSatisfy(p ->
        assertThat(p.getAttributes().get(io.cgroupotel.metrics.MetricAttributes.CPU_MODE))
            .isIn("user", "system"));
    double cpuSeconds = cpu.getData().getPoints().stream().mapToDouble(ProcessMetricsTest::value)
        .sum();
    double jvm = ((com.sun.management.OperatingSystemMXBean)
        java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime()
        / 1e9;
    assertThat(cpuSeconds).isGreaterThan(0.2).isLessThanOrEqualTo(jvm + 0.02);

    long rssKiB = Files.readAllLines(Path.of("/proc/self/status")).stream()
        .filter(l -> l.startsWith("VmRSS:")).mapToLong(l -> Long.parseLong(
            l.replaceAll("[^0-9]", ""))).findFirst().orElseThrow();
    double rss = value(named(out, "process.memory.usage").getData().getPoints().iterator().next());
    assertThat(rss).isCloseTo(rssKiB * 1024.0, org.assertj.core.data.Percentage.withPercentage(20));
    double virtual = value(named(out, "process.memory.virtual").getData().getPoints().iterator()
        .next());
    assertThat(virtual).isGreaterThan(rss);
    long fds;
    try (var listing = Files.list(Path.of("/proc/self/fd"))) {
      fds = listing.count();
    }
    double open = value(named(out, "process.open_file_descriptor.count").getData().getPoints()
        .iterator().next());
    assertThat(open).isPositive().isCloseTo(fds, org.assertj.core.data.Offset.offset(5.0));
    assertThat(sink).isNotNegative();
  }

  @Test
  void produce_withoutASource_noProcessRows() {
    EntityMetricProducer producer = EntityMetricProducer.builder(new EntityStore(1))
        .receiverStats(List.of(new ReceiverStats("cgroup"))).build();
    assertThat(producer.produce(Resource.empty())).noneMatch(m -> m.getName()
        .startsWith("process."));
  }
}

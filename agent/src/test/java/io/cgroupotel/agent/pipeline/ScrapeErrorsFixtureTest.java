package io.cgroupotel.agent.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.metrics.MetricGroup;
import io.cgroupotel.receiver.cgroup.CgroupReceiver;
import io.cgroupotel.receiver.cgroup.CgroupReceiverConfig;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.sdk.common.Clock;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.resources.Resource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A garbled line in a kernel file costs its value only, and is counted in {@code
 * cgroup_agent.scrape.errors}: receiver, runner, store and producer, on a fixture tree.
 */
class ScrapeErrorsFixtureTest {
  @TempDir Path root;

  @Test
  void garbledLines_countedInScrapeErrors_otherValuesExported() throws Exception {
    Path pod = Files.createDirectories(root.resolve("pod"));
    Files.writeString(pod.resolve("cpu.stat"), "usage_usec 217893410\nuser_usec 160427163\n"
        + "system_usec 57466246\nnr_periods 3200\nnr_throttled 4#1\nthrottled_usec 2380552\n");
    Files.writeString(pod.resolve("memory.current"), "524288000\n");
    Files.writeString(pod.resolve("memory.stat"), "anon 402653184\nfile 1O4857600\n"
        + "inactive_file 78643200\npgfault 1875512\npgmajfault 2311\n");
    Files.writeString(pod.resolve("io.stat"), "259:0 rbytes=9441280 wbytes=x rios=310 wios=152\n");
    Files.writeString(pod.resolve("cpu.pressure"),
        "some avg10=12.47 avg60=8.01 avg300=3.55 total=48213377\n");
    CgroupReceiver receiver = new CgroupReceiver(new CgroupReceiverConfig(root,
        List.of("*"), Duration.ofSeconds(1), EnumSet.allOf(MetricGroup.class)));
    EntityStore store = new EntityStore(1);
    ReceiverStats stats = new ReceiverStats("cgroup");
    EntityMetricProducer producer = EntityMetricProducer.builder(store)
        .receiverStats(List.of(stats)).clock(Clock.getDefault()).build();
    try (ReceiverRunner runner = new ReceiverRunner(receiver, store, stats,
        TracerProvider.noop().get("t"))) {
      receiver.start();
      runner.pollOnce();
      runner.pollOnce();
      Collection<MetricData> out = producer.produce(Resource.empty());
      double errors = value(out, "cgroup_agent.scrape.errors");
      System.out.println("two polls of 3 damaged files: cgroup_agent.scrape.errors = " + errors);
      assertThat(errors).as("cpu.stat, memory.stat, io.stat: one error each per poll")
          .isEqualTo(6);
      assertThat(value(out, "cgroup.cpu.throttled.time")).isEqualTo(2.380552);
      assertThat(names(out)).doesNotContain("cgroup.cpu.throttled.periods", "cgroup.memory.file")
          .contains("cgroup.memory.rss", "cgroup.memory.working_set", "cgroup.cpu.pressure");
      assertThat(value(out, "cgroup.memory.working_set")).isEqualTo(524288000 - 78643200);
    } finally {
      receiver.close();
    }
  }

  private static List<String> names(Collection<MetricData> out) {
    return out.stream().map(MetricData::getName).toList();
  }

  private static double value(Collection<MetricData> out, String name) {
    MetricData m = out.stream().filter(d -> d.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + name + " in " + names(out)));
    return switch (m.getType()) {
      case DOUBLE_SUM -> m.getDoubleSumData().getPoints().iterator().next().getValue();
      default -> m.getDoubleGaugeData().getPoints().iterator().next().getValue();
    };
  }
}

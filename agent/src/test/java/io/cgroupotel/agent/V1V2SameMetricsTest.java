package io.cgroupotel.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import io.cgroupotel.agent.pipeline.EntityMetricProducer;
import io.cgroupotel.agent.pipeline.EntityStore;
import io.cgroupotel.agent.pipeline.ReceiverStats;
import io.cgroupotel.cgroupfs.RealCgroupTree;
import io.cgroupotel.cgroupfs.RealV1Tree;
import io.cgroupotel.metrics.EntityMetric;
import io.cgroupotel.metrics.MetricGroup;
import io.cgroupotel.receiver.Receiver;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.cgroup.CgroupReceiverConfig;
import io.cgroupotel.receiver.cgroup.CgroupReceiverFactory;
import io.cgroupotel.sampler.EntityKind;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.common.Clock;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.resources.Resource;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * One burner in a cgroup v2 cgroup AND in cgroup v1 cgroups at the same time (this hybrid host
 * accounts a process in both): the raw receiver reads each hierarchy, the producer exports both,
 * and the exported names, units and CPU values agree. v1 exports every row the table gives a v1
 * source for, and no pressure.
 */
@Tag("real-cgroup")
class V1V2SameMetricsTest {
  private static final AttributeKey<String> CGROUP_PATH = AttributeKey.stringKey("cgroup.path");

  /** A store and producer per receiver (both name their root entity {@code cgroup:/}). */
  private static final class Pipeline {
    final Receiver receiver;
    final EntityStore store = new EntityStore(1);
    final EntityMetricProducer producer = EntityMetricProducer.builder(store)
        .receiverStats(List.of(new ReceiverStats("cgroup")))
        .clock(Clock.getDefault()).build();

    Pipeline(Receiver receiver) {
      this.receiver = receiver;
    }

    void poll() {
      store.apply("cgroup", receiver.poll());
    }

    /** The root entity's metrics by name. */
    Map<String, MetricData> export() {
      Collection<MetricData> all = producer.produce(Resource.empty());
      return all.stream().filter(m -> "/".equals(m.getResource().getAttribute(CGROUP_PATH)))
          .collect(Collectors.toMap(MetricData::getName, m -> m, (a, b) -> a, TreeMap::new));
    }
  }

  private static double sum(MetricData m) {
    return m.getData().getPoints().stream().mapToDouble(p -> value(p)).sum();
  }

  private static double value(PointData p) {
    return ((io.opentelemetry.sdk.metrics.data.DoublePointData) p).getValue();
  }

  @Test
  void sameBurnerUnderV1AndV2_sameNamesUnitsAndCpuTime() throws Exception {
    try (RealCgroupTree v2 = RealCgroupTree.create("cgroup-otel-same");
        RealV1Tree v1 = RealV1Tree.create("cgroup-otel-same")) {
      // limits on v1 so that its limit rows are there too (no effect on one burner)
      v1.write("cpu", "", "cpu.cfs_period_us", "100000");
      v1.write("cpu", "", "cpu.cfs_quota_us", "150000");
      v1.write("memory", "", "memory.limit_in_bytes", Long.toString(1L << 30));
      Process burner = v2.burn(v2.root());
      v1.moveIn(burner.pid(), "");
      CgroupReceiverFactory factory = new CgroupReceiverFactory();
      ReceiverContext context = ReceiverContext.forTest("node");
      java.util.Set<MetricGroup> all = java.util.EnumSet.allOf(MetricGroup.class);
      try (Receiver r2 = factory.create(new CgroupReceiverConfig(v2.root(), List.of("."),
              Duration.ofSeconds(1), all), context);
          Receiver r1 = factory.create(new CgroupReceiverConfig(v1.root("cpuacct"),
              List.of("."), Duration.ofSeconds(1), all), context)) {
        assertThat(r2.hierarchyChoice()).startsWith("cgroup v2");
        assertThat(r1.hierarchyChoice()).startsWith("cgroup v1");
        r1.start();
        r2.start();
        Thread.sleep(1000);
        Pipeline p2 = new Pipeline(r2);
        Pipeline p1 = new Pipeline(r1);
        // both read at about the same moment, twice (cpu.usage needs two samples)
        p2.poll();
        p1.poll();
        Thread.sleep(300);
        p2.poll();
        p1.poll();
        Map<String, MetricData> fromV2 = p2.export();
        Map<String, MetricData> fromV1 = p1.export();
        v2.killAll();
        System.out.println("names from v2: " + fromV2.keySet());
        System.out.println("names from v1: " + fromV1.keySet());
        double t2 = sum(fromV2.get("cgroup.cpu.time"));
        double t1 = sum(fromV1.get("cgroup.cpu.time"));
        System.out.printf("cgroup.cpu.time: v2 %.3f s, v1 %.3f s; cgroup.cpu.usage: v2 %.3f,"
                + " v1 %.3f {cpu}%n", t2, t1, sum(fromV2.get("cgroup.cpu.usage")),
            sum(fromV1.get("cgroup.cpu.usage")));

        Set<String> pressure = names(MetricGroup.PRESSURE);
        // every name v2 exports here, but pressure, v1 exports too, with the same unit and type
        for (String name : fromV2.keySet()) {
          if (!pressure.contains(name)) {
            assertThat(fromV1).containsKey(name);
            assertThat(fromV1.get(name).getUnit()).isEqualTo(fromV2.get(name).getUnit());
            assertThat(fromV1.get(name).getType()).isEqualTo(fromV2.get(name).getType());
          }
        }
        // v1: every row with a v1 source (I/O only with device lines), and no pressure
        Set<String> expected = new TreeSet<>();
        for (EntityMetric m : EntityMetric.values()) {
          if (EntityKind.CGROUP.has(m) && !m.sourceV1().equals("-")
              && m.source() != EntityMetric.Source.ENERGY // only with [energy]
              && m.group() != MetricGroup.PRESSURE
              && m.group() != MetricGroup.IO
              && m.group() != MetricGroup.NETWORK) { // the burner is in the node's namespace
            expected.add(EntityKind.CGROUP.metricName(m));
          }
        }
        Set<String> v1NoIo = new TreeSet<>(fromV1.keySet());
        v1NoIo.removeAll(names(MetricGroup.IO));
        assertThat(v1NoIo).isEqualTo(expected);
        assertThat(fromV1.keySet()).doesNotContainAnyElementsOf(pressure);
        // the cpu.time points: the same modes
        assertThat(fromV1.get("cgroup.cpu.time").getData().getPoints())
            .extracting(p -> p.getAttributes().get(AttributeKey.stringKey("cpu.mode")))
            .containsExactlyInAnyOrder("user", "system");
        // the same process counted by both hierarchies, read one after the other
        assertThat(t1).isPositive().isCloseTo(t2, offset(Math.max(t1, t2) * 0.02 + 0.05));
      }
    }
  }

  private static Set<String> names(MetricGroup group) {
    Set<String> names = new TreeSet<>();
    for (EntityMetric m : EntityMetric.values()) {
      if (m.group() == group) {
        names.add(EntityKind.CGROUP.metricName(m));
      }
    }
    return names;
  }
}

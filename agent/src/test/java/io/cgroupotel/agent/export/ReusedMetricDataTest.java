package io.cgroupotel.agent.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.agent.pipeline.EntityMetricProducer;
import io.cgroupotel.agent.pipeline.EntityStore;
import io.cgroupotel.agent.pipeline.ReceiverRunner;
import io.cgroupotel.agent.pipeline.ReceiverStats;
import io.cgroupotel.metrics.MetricGroup;
import io.cgroupotel.receiver.cgroup.CgroupReceiver;
import io.cgroupotel.receiver.cgroup.CgroupReceiverConfig;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.sdk.common.Clock;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.metrics.data.SumData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.time.TestClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A producer for a {@link MemoryMode#REUSABLE_DATA} exporter hands out the same metric objects
 * at every export, and what they say equals, export after export, what a producer of fresh
 * immutable objects says: cumulative and delta, every metric group, I/O per device, attributes
 * that change.
 */
class ReusedMetricDataTest {
  @TempDir Path root;

  private final TestClock clock = TestClock.create(Instant.ofEpochSecond(0, 1_700_000_000_000_000_000L));

  @Test
  void reusableProducer_sameObjectsEveryExport_sameContentAsFreshObjects() throws Exception {
    Path a = Files.createDirectories(root.resolve("a"));
    Path b = Files.createDirectories(root.resolve("b"));
    write(a, 1);
    write(b, 7);
    CgroupReceiver receiver = new CgroupReceiver(new CgroupReceiverConfig(root,
        List.of("*"), Duration.ofSeconds(1), EnumSet.allOf(MetricGroup.class)));
    EntityStore store = new EntityStore(4);
    ReceiverStats stats = new ReceiverStats("cgroup");
    // views: cumulative fresh, cumulative reused, delta fresh, delta reused
    List<EntityMetricProducer> producers = new ArrayList<>();
    for (int view = 0; view < 4; view++) {
      producers.add(EntityMetricProducer.builder(store).receiverStats(List.of(stats))
          .clock(clock).view(view)
          .temporality(view < 2 ? AggregationTemporality.CUMULATIVE : AggregationTemporality.DELTA)
          .memoryMode(view % 2 == 0 ? MemoryMode.IMMUTABLE_DATA : MemoryMode.REUSABLE_DATA)
          .build());
    }
    try (ReceiverRunner runner = new ReceiverRunner(receiver, store, stats,
        TracerProvider.noop().get("t"))) {
      receiver.start();
      List<Collection<MetricData>> first = null;
      List<List<String>> firstDumps = null;
      for (int round = 1; round <= 4; round++) {
        write(a, round * 3);
        write(b, round * 5 + 7);
        clock.advance(Duration.ofSeconds(1));
        runner.pollOnce();
        List<Collection<MetricData>> out = new ArrayList<>();
        for (EntityMetricProducer p : producers) {
          out.add(p.produce(Resource.empty()));
        }
        List<List<String>> dumps = out.stream().map(ReusedMetricDataTest::dump).toList();
        assertThat(dumps.get(1)).as("cumulative, round " + round).isEqualTo(dumps.get(0));
        assertThat(dumps.get(3)).as("delta, round " + round).isEqualTo(dumps.get(2));
        assertThat(dumps.get(0)).as("the tree's I/O devices, per direction")
            .anyMatch(line -> line.contains("cgroup.disk.io|") && line.contains("8:16"));
        if (round == 1) {
          continue; // no CPU rate yet (it needs two samples): from round 2 every row has a value
        }
        if (first == null) {
          first = out;
          firstDumps = dumps;
          continue;
        }
        // entity metrics are the same objects again; the fresh ones of round 1 did not change
        for (int view : new int[] {1, 3}) {
          assertThat(entityMetrics(out.get(view))).as("view " + view)
              .isEqualTo(entityMetrics(first.get(view))).hasSizeGreaterThanOrEqualTo(2 * 14);
        }
        assertThat(entityMetrics(out.get(0))).doesNotContainAnyElementsOf(
            entityMetrics(first.get(0)));
        assertThat(dump(first.get(0))).isEqualTo(firstDumps.get(0));
        assertThat(entityLines(dump(first.get(1))))
            .as("reused: round 2's objects now say this round's")
            .isEqualTo(entityLines(dumps.get(1)));
      }
    } finally {
      receiver.close();
    }
  }

  @Test
  void quietExporter_passesTheMemoryModeOfItsExporter() {
    for (MemoryMode mode : MemoryMode.values()) {
      MetricExporter inner = new MetricExporter() {
        @Override
        public CompletableResultCode export(Collection<MetricData> metrics) {
          return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
          return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
          return CompletableResultCode.ofSuccess();
        }

        @Override
        public AggregationTemporality getAggregationTemporality(InstrumentType type) {
          return AggregationTemporality.CUMULATIVE;
        }

        @Override
        public MemoryMode getMemoryMode() {
          return mode;
        }
      };
      assertThat(new QuietExporter("x", inner, Duration.ofMinutes(5), Clock.getDefault(),
          TracerProvider.noop().get("t")).getMemoryMode()).isEqualTo(mode);
    }
  }

  /** Counters that grow with {@code n}; I/O on two devices, one of them read-only. */
  private static void write(Path dir, long n) throws Exception {
    Files.writeString(dir.resolve("cpu.stat"), "usage_usec " + 3_000 * n + "\nuser_usec "
        + 2_000 * n + "\nsystem_usec " + 1_000 * n + "\nnr_periods " + 10 * n
        + "\nnr_throttled " + n + "\nthrottled_usec " + 50 * n + "\n");
    Files.writeString(dir.resolve("memory.current"), 4096 * n + "\n");
    Files.writeString(dir.resolve("memory.stat"), "anon " + 1024 * n + "\nfile " + 2048 * n
        + "\ninactive_file " + 512 * n + "\npgfault " + 9 * n + "\npgmajfault " + n + "\n");
    Files.writeString(dir.resolve("io.stat"), "8:0 rbytes=" + 100 * n + " wbytes=" + 50 * n
        + " rios=" + n + " wios=" + n + "\n8:16 rbytes=" + 7 * n + " rios=" + n + "\n");
    Files.writeString(dir.resolve("cpu.pressure"), "some avg10=1.00 avg60=0.50 avg300=0.10 total="
        + 77 * n + "\n");
  }

  private static List<String> entityLines(List<String> dump) {
    return dump.stream().filter(line -> line.contains("|cgroup.")).toList();
  }

  /** The entity metrics (not the agent's own), as a set by identity. */
  private static Set<MetricData> entityMetrics(Collection<MetricData> metrics) {
    Set<MetricData> set = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    metrics.stream().filter(m -> m.getName().startsWith("cgroup.")).forEach(set::add);
    return set;
  }

  /** One line per point, sorted: resource, metric, temporality, attributes, times, value. */
  private static List<String> dump(Collection<MetricData> metrics) {
    List<String> lines = new ArrayList<>();
    for (MetricData m : metrics) {
      String temporality = m.getData() instanceof SumData<?> sum
          ? sum.getAggregationTemporality() + (sum.isMonotonic() ? " monotonic" : "") : "gauge";
      for (PointData p : m.getData().getPoints()) {
        Object value = p instanceof io.opentelemetry.sdk.metrics.data.DoublePointData d
            ? d.getValue() : p;
        lines.add(new java.util.TreeMap<>(attributes(m.getResource().getAttributes())) + "|"
            + m.getName() + "|" + m.getType() + " " + temporality + "|" + m.getUnit() + "|"
            + new java.util.TreeMap<>(attributes(p.getAttributes())) + "|" + p.getStartEpochNanos() + "-"
            + p.getEpochNanos() + "|" + value);
      }
    }
    lines.sort(null);
    return lines;
  }

  private static Map<String, Object> attributes(io.opentelemetry.api.common.Attributes attributes) {
    Map<String, Object> map = new java.util.HashMap<>();
    attributes.forEach((k, v) -> map.put(k.getKey(), v));
    return map;
  }
}

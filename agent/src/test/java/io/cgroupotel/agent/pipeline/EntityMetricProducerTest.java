package io.cgroupotel.agent.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.agent.MetricFilter;
import io.cgroupotel.sampler.Entity;
import io.cgroupotel.sampler.EntityKind;
import io.cgroupotel.sampler.Sample;
import io.cgroupotel.sampler.ScrapeResult;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.time.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EntityMetricProducerTest {
  private static final long SECOND = 1_000_000_000L;
  private static final AttributeKey<String> CGROUP_PATH = AttributeKey.stringKey("cgroup.path");

  private final TestClock clock = TestClock.create(Instant.ofEpochSecond(0, 1_700_000_000L * SECOND));
  private final EntityStore store = new EntityStore(1);
  private final ReceiverStats stats = new ReceiverStats("cgroup");
  private final Resource base = Resource.create(Attributes.of(
      AttributeKey.stringKey("service.name"), "cgroup-otel-agent",
      AttributeKey.stringKey("host.name"), "node-1"));

  private EntityMetricProducer producer(AggregationTemporality temporality, MetricFilter filter) {
    return EntityMetricProducer.builder(store).receiverStats(List.of(stats)).resource(base)
        .temporality(temporality).filter(filter).clock(clock).build();
  }

  private static Entity cgroup(String path) {
    return new Entity("cgroup:" + path, EntityKind.CGROUP, Map.of("cgroup.path", path));
  }

  private Sample sample(Entity e, long userUsec, long systemUsec, long memory) {
    return Sample.of(e, userUsec + systemUsec, userUsec, systemUsec, memory, clock.now());
  }

  private void poll(Sample... samples) {
    int live = store.apply("cgroup", ScrapeResult.of(List.of(samples), List.of()));
    stats.recordPoll(0.002, live, 0);
  }

  private static List<MetricData> named(Collection<MetricData> all, String name) {
    return all.stream().filter(m -> m.getName().equals(name)).toList();
  }

  @Test
  void produce_oneResourcePerEntity_cumulativeSecondsByMode() {
    Entity a = cgroup("/a");
    Entity b = cgroup("/b");
    long firstSeen = clock.now();
    poll(sample(a, 1_500_000, 500_000, 4096), sample(b, 10, 20, Sample.ABSENT));
    clock.advance(Duration.ofNanos(SECOND));
    poll(sample(a, 2_000_000, 1_000_000, 8192), sample(b, 10, 20, Sample.ABSENT));

    Collection<MetricData> metrics = producer(AggregationTemporality.CUMULATIVE,
        MetricFilter.ALLOW_ALL).produce(Resource.empty());

    List<MetricData> cpu = named(metrics, "cgroup.cpu.time");
    assertThat(cpu).hasSize(2);
    MetricData ofA = cpu.stream()
        .filter(m -> "/a".equals(m.getResource().getAttribute(CGROUP_PATH))).findFirst().get();
    assertThat(ofA.getResource().getAttribute(AttributeKey.stringKey("host.name")))
        .isEqualTo("node-1");
    assertThat(ofA.getUnit()).isEqualTo("s");
    assertThat(ofA.getType()).isEqualTo(MetricDataType.DOUBLE_SUM);
    assertThat(ofA.getDoubleSumData().isMonotonic()).isTrue();
    assertThat(ofA.getDoubleSumData().getAggregationTemporality())
        .isEqualTo(AggregationTemporality.CUMULATIVE);
    assertThat(ofA.getDoubleSumData().getPoints())
        .extracting(p -> p.getAttributes().get(io.cgroupotel.metrics.MetricAttributes.CPU_MODE), DoublePointData::getValue,
            DoublePointData::getStartEpochNanos)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("user", 2.0, firstSeen),
            org.assertj.core.groups.Tuple.tuple("system", 1.0, firstSeen));

    List<MetricData> usage = named(metrics, "cgroup.cpu.usage");
    MetricData usageOfA = usage.stream()
        .filter(m -> "/a".equals(m.getResource().getAttribute(CGROUP_PATH))).findFirst().get();
    assertThat(usageOfA.getDoubleGaugeData().getPoints()).singleElement()
        .extracting(DoublePointData::getValue).isEqualTo(1.0); // 1 s of CPU in 1 s

    assertThat(named(metrics, "cgroup.memory.usage")).singleElement()
        .satisfies(m -> assertThat(m.getResource().getAttribute(CGROUP_PATH)).isEqualTo("/a"));
    assertThat(named(metrics, "cgroup_agent.entities")).singleElement().satisfies(m -> {
      assertThat(m.getResource()).isEqualTo(base);
      assertThat(m.getDoubleGaugeData().getPoints()).singleElement()
          .extracting(DoublePointData::getValue).isEqualTo(2.0);
    });
  }

  @Test
  void produce_vanishedEntity_exportedOnceMoreThenDropped() {
    EntityMetricProducer producer = producer(AggregationTemporality.CUMULATIVE,
        MetricFilter.ALLOW_ALL);
    Entity a = cgroup("/a");
    Entity b = cgroup("/b");
    poll(sample(a, 1, 1, -1), sample(b, 5_000_000, 0, -1));
    producer.produce(Resource.empty());
    clock.advance(Duration.ofNanos(SECOND));
    poll(sample(a, 2, 2, -1)); // b is gone

    List<MetricData> last = named(producer.produce(Resource.empty()), "cgroup.cpu.time");
    assertThat(last).extracting(m -> m.getResource().getAttribute(CGROUP_PATH))
        .containsExactlyInAnyOrder("/a", "/b");
    MetricData ofB = last.stream()
        .filter(m -> "/b".equals(m.getResource().getAttribute(CGROUP_PATH))).findFirst().get();
    assertThat(ofB.getDoubleSumData().getPoints()).extracting(DoublePointData::getValue)
        .contains(5.0);

    List<MetricData> after = named(producer.produce(Resource.empty()), "cgroup.cpu.time");
    assertThat(after).extracting(m -> m.getResource().getAttribute(CGROUP_PATH))
        .containsExactly("/a");
    assertThat(store.size()).isEqualTo(1);
  }

  @Test
  void produce_delta_reportsIncreaseSinceLastExport() {
    EntityMetricProducer producer = producer(AggregationTemporality.DELTA, MetricFilter.ALLOW_ALL);
    Entity a = cgroup("/a");
    long t0 = clock.now();
    poll(sample(a, 1_000_000, 0, -1));
    clock.advance(Duration.ofNanos(SECOND));
    long t1 = clock.now();
    poll(sample(a, 3_000_000, 0, -1));
    DoublePointData first = userPoint(producer.produce(Resource.empty()));
    assertThat(first.getValue()).isEqualTo(2.0);
    assertThat(first.getStartEpochNanos()).isEqualTo(t0);
    assertThat(first.getEpochNanos()).isEqualTo(t1);

    clock.advance(Duration.ofNanos(SECOND));
    poll(sample(a, 3_500_000, 0, -1));
    DoublePointData second = userPoint(producer.produce(Resource.empty()));
    assertThat(second.getValue()).isEqualTo(0.5);
    assertThat(second.getStartEpochNanos()).isEqualTo(t1);
  }

  @Test
  void produce_filter_dropsExcludedMetricsAndEntities() {
    MetricFilter filter = new MetricFilter(List.of(), List.of("*.memory.usage"),
        Map.of("cgroup.path", List.of("/system.slice*")));
    Entity keep = cgroup("/user.slice");
    Entity drop = cgroup("/system.slice/ssh.service");
    poll(sample(keep, 1, 1, 100), sample(drop, 1, 1, 100));
    Collection<MetricData> metrics = producer(AggregationTemporality.CUMULATIVE, filter)
        .produce(Resource.empty());
    assertThat(named(metrics, "cgroup.memory.usage")).isEmpty();
    assertThat(named(metrics, "cgroup.cpu.time"))
        .extracting(m -> m.getResource().getAttribute(CGROUP_PATH))
        .containsExactly("/user.slice");
  }

  @Test
  void produce_enrichedAttributes_resourceRebuilt() {
    EntityMetricProducer producer = producer(AggregationTemporality.CUMULATIVE,
        MetricFilter.ALLOW_ALL);
    Entity pod = new Entity("pod:1", EntityKind.K8S_POD, Map.of("k8s.pod.uid", "1"));
    poll(sample(pod, 1_000_000, 0, -1));
    assertThat(named(producer.produce(Resource.empty()), "k8s.pod.cpu.time")).singleElement()
        .satisfies(m -> assertThat(m.getResource().getAttribute(
            AttributeKey.stringKey("k8s.pod.name"))).isNull());
    pod.setAttributes(Map.of("k8s.pod.uid", "1", "k8s.pod.name", "web-0"));
    List<MetricData> after = named(producer.produce(Resource.empty()), "k8s.pod.cpu.time");
    assertThat(after).singleElement().satisfies(m -> {
      assertThat(m.getResource().getAttribute(AttributeKey.stringKey("k8s.pod.name")))
          .isEqualTo("web-0");
      // pods have one total, no cpu.mode
      assertThat(m.getDoubleSumData().getPoints()).singleElement()
          .satisfies(p -> assertThat(p.getAttributes().isEmpty()).isTrue());
    });
  }

  private static DoublePointData userPoint(Collection<MetricData> metrics) {
    List<DoublePointData> points = new ArrayList<>();
    for (MetricData m : named(metrics, "cgroup.cpu.time")) {
      for (DoublePointData p : m.getDoubleSumData().getPoints()) {
        if ("user".equals(p.getAttributes().get(io.cgroupotel.metrics.MetricAttributes.CPU_MODE))) {
          points.add(p);
        }
      }
    }
    assertThat(points).hasSize(1);
    return points.get(0);
  }
}

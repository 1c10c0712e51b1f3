package io.cgroupotel.agent.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cgroupotel.metrics.EntityMetric;
import io.cgroupotel.metrics.EntitySpec;
import io.cgroupotel.sampler.Entity;
import io.cgroupotel.sampler.EntityKind;
import io.cgroupotel.sampler.Sample;
import io.cgroupotel.sampler.ScrapeResult;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.time.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The {@code *_utilization} rows: the producer divides the usage by the spec value the receiver
 * attached to the entity, with kubeletstats' meaning (CPU: cores in use over cores of limit or
 * request; memory: {@code memory.current} over bytes), and exports nothing where it is absent.
 */
class SpecUtilizationProducerTest {
  private final TestClock clock = TestClock.create(Instant.ofEpochSecond(0, 1_000_000_000_000L));
  private final EntityStore store = new EntityStore(1);
  private final EntityMetricProducer producer = EntityMetricProducer.builder(store)
      .receiverStats(List.of(new ReceiverStats("k8s"))).clock(clock).build();

  private static long[] specs(long cpuLimit, long cpuRequest, long memLimit, long memRequest) {
    long[] s = EntitySpec.none();
    s[EntitySpec.CPU_LIMIT_MILLICORES.ordinal()] = cpuLimit;
    s[EntitySpec.CPU_REQUEST_MILLICORES.ordinal()] = cpuRequest;
    s[EntitySpec.MEMORY_LIMIT_BYTES.ordinal()] = memLimit;
    s[EntitySpec.MEMORY_REQUEST_BYTES.ordinal()] = memRequest;
    return s;
  }

  /** Two polls 1 s apart, 0.75 s of CPU between them (0.75 cores), 300 MiB in use. */
  private Collection<MetricData> twoPolls(Entity... entities) {
    for (int poll = 0; poll < 2; poll++) {
      List<Sample> samples = new java.util.ArrayList<>();
      for (Entity e : entities) {
        long usage = 1_000_000 + poll * 750_000L;
        samples.add(Sample.of(e, usage, usage, 0, 300L << 20, clock.now()));
      }
      store.apply("k8s", ScrapeResult.of(samples, List.of()));
      clock.advance(Duration.ofSeconds(1));
    }
    return producer.produce(Resource.empty());
  }

  private static Optional<Double> value(Collection<MetricData> all, String name, String id) {
    return all.stream().filter(m -> m.getName().equals(name))
        .filter(m -> id.equals(m.getResource().getAttributes().get(
            io.opentelemetry.api.common.AttributeKey.stringKey("k8s.pod.uid"))))
        .map(m -> m.getDoubleGaugeData().getPoints().iterator().next().getValue()).findFirst();
  }

  @Test
  void produce_podWithSpecs_usageOverLimitsAndRequests() {
    Entity pod = new Entity("k8s:/pod", EntityKind.K8S_POD, Map.of("k8s.pod.uid", "p1"));
    pod.setSpecs(specs(1500, 350, 600L << 20, Sample.ABSENT));
    Entity container = new Entity("k8s:/pod/c", EntityKind.CONTAINER,
        Map.of("k8s.pod.uid", "c1"), "k8s:/pod");
    container.setSpecs(specs(500, 250, 256L << 20, 128L << 20));
    Entity noSpec = new Entity("k8s:/other", EntityKind.K8S_POD, Map.of("k8s.pod.uid", "p2"));
    Entity cgroup = new Entity("cgroup:/x", EntityKind.CGROUP, Map.of("cgroup.path", "/x"));
    Collection<MetricData> out = twoPolls(pod, container, noSpec, cgroup);

    assertThat(value(out, "k8s.pod.cpu_limit_utilization", "p1")).get(DOUBLE)
        .isCloseTo(0.75 / 1.5, within(1e-9));
    assertThat(value(out, "k8s.pod.cpu_request_utilization", "p1")).get(DOUBLE)
        .isCloseTo(0.75 / 0.35, within(1e-9));
    assertThat(value(out, "k8s.pod.memory_limit_utilization", "p1")).get(DOUBLE)
        .isCloseTo(0.5, within(1e-9));
    assertThat(value(out, "k8s.pod.memory_request_utilization", "p1"))
        .as("a container without a memory request: absent").isEmpty();
    assertThat(value(out, "k8s.container.cpu_limit_utilization", "c1")).get(DOUBLE)
        .isCloseTo(1.5, within(1e-9));
    assertThat(value(out, "k8s.container.memory_request_utilization", "c1")).get(DOUBLE)
        .isCloseTo(300.0 / 128, within(1e-9));
    assertThat(out).extracting(MetricData::getName)
        .doesNotContain("container.cpu_limit_utilization", "cgroup.cpu_limit_utilization");
    assertThat(value(out, "k8s.pod.cpu_limit_utilization", "p2")).as("no spec: absent")
        .isEmpty();
    MetricData m = out.stream().filter(d -> d.getName().equals("k8s.pod.cpu_limit_utilization"))
        .findFirst().orElseThrow();
    assertThat(m.getUnit()).isEqualTo("1");
    assertThat(EntityKind.allMetricNames()).contains("k8s.container.memory_limit_utilization",
        "k8s.pod.memory_request_utilization").doesNotContain("cgroup.cpu_limit_utilization",
        "oar.job.cpu_request_utilization", "container.cpu_limit_utilization");
  }

  @Test
  void produce_firstPollOnly_noCpuRatioYetMemoryRatioAlready() {
    Entity pod = new Entity("k8s:/pod", EntityKind.K8S_POD, Map.of("k8s.pod.uid", "p1"));
    pod.setSpecs(specs(1000, 1000, 1L << 30, 1L << 30));
    store.apply("k8s", ScrapeResult.of(List.of(Sample.of(pod, 5, 5, 0, 1L << 29, clock.now())),
        List.of()));
    Collection<MetricData> out = producer.produce(Resource.empty());
    assertThat(value(out, "k8s.pod.cpu_limit_utilization", "p1")).isEmpty();
    assertThat(value(out, "k8s.pod.memory_limit_utilization", "p1")).get(DOUBLE).isEqualTo(0.5);
  }

  private static final org.assertj.core.api.InstanceOfAssertFactory<Double,
      org.assertj.core.api.AbstractDoubleAssert<?>> DOUBLE =
      org.assertj.core.api.InstanceOfAssertFactories.DOUBLE;
}

package io.cgroupotel.agent.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.metrics.MetricAttributes;
import io.cgroupotel.metrics.NetworkStats;
import io.cgroupotel.sampler.Entity;
import io.cgroupotel.sampler.EntityKind;
import io.cgroupotel.sampler.Sample;
import io.cgroupotel.sampler.ScrapeResult;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.time.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

/**
 * The network rows: a point per interface and direction, as I/O per device; delta; none in the
 * host's namespace.
 */
class NetworkProducerTest {
  private static final long SECOND = 1_000_000_000L;
  private final TestClock clock = TestClock.create(Instant.ofEpochSecond(0, 1_700_000_000L * SECOND));
  private final EntityStore store = new EntityStore(1);
  private final ReceiverStats stats = new ReceiverStats("k8s");

  private EntityMetricProducer producer(AggregationTemporality temporality) {
    return EntityMetricProducer.builder(store).receiverStats(List.of(stats))
        .temporality(temporality).clock(clock).build();
  }

  private Sample sample(Entity e, NetworkStats net, long usageUsec) {
    long[] values = Sample.of(e, usageUsec, -1, -1, -1, 0).values();
    return new Sample(e, values, null, net, clock.now());
  }

  private void poll(Sample... samples) {
    int live = store.apply("k8s", ScrapeResult.of(List.of(samples), List.of()));
    stats.recordPoll(0.001, live, 0);
    stats.recordHostNetwork((int) Arrays.stream(samples)
        .filter(s -> s.network() == NetworkStats.HOST).count());
  }

  /** eth0: rx 1000 B / 10 packets / 1 error / 2 drops, tx 3000 B / 30 / 0 / 4. */
  static NetworkStats eth0(long factor) {
    return NetworkStats.of(List.of("eth0"), 1000 * factor, 10 * factor, 1, 2, 3000 * factor,
        30 * factor, 0, 4);
  }

  static List<Tuple> points(Collection<MetricData> all, String name, String podName) {
    return all.stream().filter(m -> m.getName().equals(name) && podName.equals(
            m.getResource().getAttribute(AttributeKey.stringKey("k8s.pod.name"))))
        .flatMap(m -> m.getDoubleSumData().getPoints().stream())
        .map(p -> Tuple.tuple(p.getAttributes().get(MetricAttributes.NETWORK_IO_DIRECTION),
            p.getAttributes().get(MetricAttributes.NETWORK_INTERFACE_NAME),
            ((DoublePointData) p).getValue()))
        .toList();
  }

  @Test
  void produce_pointPerInterfaceAndDirection_noneInTheHostsNamespace_noneForContainers() {
    Entity pod = new Entity("k8s:/pod", EntityKind.K8S_POD, Map.of("k8s.pod.name", "web"));
    Entity host = new Entity("k8s:/host", EntityKind.K8S_POD, Map.of("k8s.pod.name", "hostnet"));
    Entity container = new Entity("k8s:/pod/c", EntityKind.CONTAINER,
        Map.of("k8s.pod.name", "web", "container.id", "c"), "k8s:/pod");
    poll(sample(pod, eth0(1), 10), sample(host, NetworkStats.HOST, 10),
        sample(container, eth0(1), 10));
    Collection<MetricData> out = producer(AggregationTemporality.CUMULATIVE)
        .produce(Resource.empty());

    assertThat(points(out, "k8s.pod.network.io", "web")).containsExactlyInAnyOrder(
        Tuple.tuple("receive", "eth0", 1000.0), Tuple.tuple("transmit", "eth0", 3000.0));
    assertThat(points(out, "k8s.pod.network.packets", "web")).containsExactlyInAnyOrder(
        Tuple.tuple("receive", "eth0", 10.0), Tuple.tuple("transmit", "eth0", 30.0));
    assertThat(points(out, "k8s.pod.network.errors", "web")).containsExactlyInAnyOrder(
        Tuple.tuple("receive", "eth0", 1.0), Tuple.tuple("transmit", "eth0", 0.0));
    assertThat(points(out, "k8s.pod.network.dropped", "web")).containsExactlyInAnyOrder(
        Tuple.tuple("receive", "eth0", 2.0), Tuple.tuple("transmit", "eth0", 4.0));
    assertThat(out).filteredOn(m -> m.getName().equals("k8s.pod.network.io"))
        .singleElement().satisfies(m -> assertThat(m.getUnit()).isEqualTo("By"));
    assertThat(points(out, "k8s.pod.network.io", "hostnet")).as("host namespace").isEmpty();
    assertThat(out).as("containers: their pod's series only")
        .noneMatch(m -> m.getName().startsWith("container.network"));
    assertThat(out).filteredOn(m -> m.getName().equals("cgroup_agent.entities.host_network"))
        .singleElement().satisfies(m -> assertThat(m.getDoubleGaugeData().getPoints())
            .singleElement().extracting(DoublePointData::getValue).isEqualTo(1.0));
  }

  @Test
  void produce_delta_eachInterfaceAgainstItsOwnPrevious() {
    Entity pod = new Entity("k8s:/pod", EntityKind.K8S_POD, Map.of("k8s.pod.name", "web"));
    EntityMetricProducer producer = producer(AggregationTemporality.DELTA);
    poll(sample(pod, eth0(1), 10));
    producer.produce(Resource.empty());
    clock.advance(Duration.ofNanos(SECOND));
    poll(sample(pod, eth0(3), 20));
    assertThat(points(producer.produce(Resource.empty()), "k8s.pod.network.io", "web"))
        .containsExactlyInAnyOrder(Tuple.tuple("receive", "eth0", 2000.0),
            Tuple.tuple("transmit", "eth0", 6000.0));
  }
}

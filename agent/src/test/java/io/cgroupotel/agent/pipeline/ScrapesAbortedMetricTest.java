package io.cgroupotel.agent.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.time.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The Prometheus endpoint's aborted scrapes as an agent metric, through every exporter. */
class ScrapesAbortedMetricTest {
  private static final String NAME = "cgroup_agent.prometheus.scrape.aborted";
  private final TestClock clock = TestClock.create(Instant.ofEpochSecond(0, 1_700_000_000_000_000_000L));
  private final AtomicLong aborted = new AtomicLong();

  private EntityMetricProducer producer(AggregationTemporality temporality, boolean prometheus) {
    return EntityMetricProducer.builder(new EntityStore(1)).resource(Resource.empty())
        .temporality(temporality).clock(clock)
        .scrapesAborted(prometheus ? aborted::get : null).build();
  }

  private static List<MetricData> named(Collection<MetricData> all) {
    return all.stream().filter(m -> m.getName().equals(NAME)).toList();
  }

  private static double value(MetricData m) {
    return m.getDoubleSumData().getPoints().iterator().next().getValue();
  }

  @Test
  void produce_withPrometheus_cumulativeCountAndDeltaSinceLastExport() {
    EntityMetricProducer cumulative = producer(AggregationTemporality.CUMULATIVE, true);
    EntityMetricProducer delta = producer(AggregationTemporality.DELTA, true);
    aborted.set(3);
    assertThat(value(named(cumulative.produce(Resource.empty())).get(0))).isEqualTo(3);
    assertThat(value(named(delta.produce(Resource.empty())).get(0))).isEqualTo(3);
    aborted.set(5);
    clock.advance(Duration.ofSeconds(1));
    MetricData c = named(cumulative.produce(Resource.empty())).get(0);
    assertThat(value(c)).isEqualTo(5);
    assertThat(c.getDoubleSumData().isMonotonic()).isTrue();
    assertThat(value(named(delta.produce(Resource.empty())).get(0))).isEqualTo(2);
  }

  @Test
  void produce_withoutPrometheus_noSuchMetric() {
    assertThat(named(producer(AggregationTemporality.CUMULATIVE, false)
        .produce(Resource.empty()))).isEmpty();
  }
}

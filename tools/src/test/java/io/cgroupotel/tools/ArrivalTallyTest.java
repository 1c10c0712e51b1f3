package io.cgroupotel.tools;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.opentelemetry.proto.resource.v1.Resource;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The outage benchmark's arithmetic, on requests built with the OTLP proto classes. */
class ArrivalTallyTest {
  private static final long S = 1_000_000_000L;

  @Test
  void check_wholeSeries_losesNothing() throws Exception {
    ArrivalTally tally = new ArrivalTally();
    for (int e = 1; e <= 3; e++) {
      // pod a lives through all three exports; b ends after the second, its final value 0.25 s
      ExportMetricsServiceRequest.Builder r = request(e * 10 * S, 1000.0 * e, 0);
      r.addResourceMetrics(pod("a", e * 10 * S - S / 2, 0.1 * e));
      if (e <= 2) {
        r.addResourceMetrics(pod("b", e * 10 * S - S / 2, e == 2 ? 0.25 : 0.1));
      }
      roundTrip(tally, r.build());
    }
    ArrivalTally.Result result = tally.check(List.of(
        new ArrivalTally.Expected("a", 300_000, false),
        new ArrivalTally.Expected("b", 250_000, true)));

    assertThat(result.pointsLost()).isZero();
    assertThat(result.podsArrived()).isEqualTo(2);
    assertThat(result.podsEndedInOutage()).isEqualTo(1);
    assertThat(result.exports()).isEqualTo(3);
    assertThat(result.longestExportGapSeconds()).isEqualTo(10.0);
    assertThat(result.peakQueueBytes()).isEqualTo(3000.0);
    assertThat(result.requests()).isEqualTo(3);
    assertThat(result.points()).isEqualTo(3 * 4 + 3 + 2);
  }

  @Test
  void check_missingPodWrongFinalAndHole_countedAsLost() throws Exception {
    ArrivalTally tally = new ArrivalTally();
    // four exports; pod a's point of the third never arrives, pod c never at all, and the
    // collector sees 7 points dropped (3 queue_full + 4 rejected)
    for (int e = 1; e <= 4; e++) {
      ExportMetricsServiceRequest.Builder r = request(e * 10 * S, 10, e == 4 ? 3 : 0);
      if (e != 3) {
        r.addResourceMetrics(pod("a", e * 10 * S - S, 0.5));
      }
      if (e == 1) {
        r.addResourceMetrics(pod("b", e * 10 * S - S, 0.1));
      }
      roundTrip(tally, r.build());
    }
    ArrivalTally.Result result = tally.check(List.of(
        new ArrivalTally.Expected("a", 500_000, false),
        new ArrivalTally.Expected("b", 200_000, true), // 0.2 s at its end, 0.1 arrived
        new ArrivalTally.Expected("c", 0, true)));

    assertThat(result.missing()).containsExactly("c");
    assertThat(result.wrongFinal()).singleElement().asString().startsWith("b ");
    assertThat(result.gapPoints()).isEqualTo(1);
    assertThat(result.pointsLost()).isEqualTo(3);
    assertThat(result.dropped()).isEqualTo(3 + 4);
    assertThat(result.render()).contains("points lost:                   3");
  }

  @Test
  void drain_isTheArrivalOfTheFirstExportMadeAfterTheReturn() {
    ArrivalTally tally = new ArrivalTally();
    tally.collectorUp(100 * S);
    tally.add(request(80 * S, 0, 0).build(), 10, 101 * S); // queued before: not yet drained
    tally.add(request(90 * S, 0, 0).build(), 10, 104 * S);
    assertThat(tally.check(List.of()).drainSeconds()).isEqualTo(-1);
    assertThat(tally.check(List.of()).backlogSeconds()).isEqualTo(-1);
    tally.add(request(105 * S, 0, 0).build(), 10, 107 * S);
    assertThat(tally.check(List.of()).drainSeconds()).isEqualTo(7.0);
    assertThat(tally.check(List.of()).backlogSeconds()).isEqualTo(4.0);
  }

  @Test
  void gaps_samplesBelongToTheFirstExportAtOrAfterThem() {
    long[] exports = {10, 20, 30, 40};
    TreeMap<Long, Double> series = new TreeMap<>();
    series.put(20L, 1.0); // at export 1 exactly
    series.put(25L, 1.0); // export 2
    series.put(39L, 1.0); // export 3
    assertThat(ArrivalTally.gaps(series, exports)).isZero();
    series.remove(25L);
    assertThat(ArrivalTally.gaps(series, exports)).isEqualTo(1);
  }

  @Test
  void expected_parsesTheHarnessLines() {
    assertThat(ArrivalTally.Expected.parse("uid-1 1234 ended-in-outage"))
        .isEqualTo(new ArrivalTally.Expected("uid-1", 1234, true));
    assertThat(ArrivalTally.Expected.parse("uid-2 0 live").endedInOutage()).isFalse();
  }

  /** Through the wire format, as the collector receives it. */
  private static void roundTrip(ArrivalTally tally, ExportMetricsServiceRequest request)
      throws Exception {
    byte[] wire = request.toByteArray();
    tally.add(ExportMetricsServiceRequest.parseFrom(wire), wire.length, 0);
  }

  /** An export at {@code time}: the agent's own metrics on the agent's resource. */
  private static ExportMetricsServiceRequest.Builder request(long time, double queueBytes,
      double rejected) {
    Metric entities = Metric.newBuilder().setName(ArrivalTally.EXPORT_MARK)
        .setGauge(Gauge.newBuilder().addDataPoints(point(time, 2))).build();
    Metric queue = Metric.newBuilder().setName(ArrivalTally.QUEUE_SIZE)
        .setGauge(Gauge.newBuilder().addDataPoints(point(time, queueBytes))).build();
    Metric dropped = Metric.newBuilder().setName(ArrivalTally.DROPPED).setSum(Sum.newBuilder()
        .addDataPoints(point(time, 3).toBuilder().addAttributes(kv("reason", "queue_full")))
        .addDataPoints(point(time, 1 + rejected).toBuilder()
            .addAttributes(kv("reason", "rejected")))).build();
    ResourceMetrics agent = ResourceMetrics.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(kv("service.name", "cgroup-otel-agent")))
        .addScopeMetrics(ScopeMetrics.newBuilder().addMetrics(entities).addMetrics(queue)
            .addMetrics(dropped))
        .build();
    return ExportMetricsServiceRequest.newBuilder().addResourceMetrics(agent);
  }

  private static ResourceMetrics pod(String uid, long time, double cpuSeconds) {
    Metric cpu = Metric.newBuilder().setName(ArrivalTally.POD_CPU_TIME)
        .setSum(Sum.newBuilder().setIsMonotonic(true).addDataPoints(point(time, cpuSeconds)))
        .build();
    return ResourceMetrics.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(kv(ArrivalTally.POD_UID, uid)))
        .addScopeMetrics(ScopeMetrics.newBuilder().addMetrics(cpu)).build();
  }

  private static NumberDataPoint point(long time, double value) {
    return NumberDataPoint.newBuilder().setTimeUnixNano(time).setAsDouble(value).build();
  }

  private static KeyValue kv(String key, String value) {
    return KeyValue.newBuilder().setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }
}

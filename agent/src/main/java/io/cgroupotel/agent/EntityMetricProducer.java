package io.cgroupotel.agent;

import io.cgroupotel.receiver.EntityKind;
import io.cgroupotel.receiver.EntityMetric;
import io.cgroupotel.receiver.Sample;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.GaugeData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.metrics.data.SumData;
import io.opentelemetry.sdk.metrics.export.MetricProducer;
import io.opentelemetry.sdk.resources.Resource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Turns the entity store into metrics for one exporter: one MetricData per metric per entity,
 * each with the entity's own Resource, so each pod, job or cgroup becomes its own
 * ResourceMetrics. Also emits the agent's own metrics on the base resource.
 *
 * <p>Producer data skips the SDK's views and temporality handling, so this class owns the start
 * times (first sight of the entity) and, for delta temporality, the conversion: it remembers what
 * it exported last, per entity.
 *
 * <p>One instance per exporter view; called by that view's reader thread only.
 */
final class EntityMetricProducer implements MetricProducer {
  static final AttributeKey<String> CPU_MODE = AttributeKey.stringKey("cpu.mode");
  static final AttributeKey<String> RECEIVER = AttributeKey.stringKey("receiver");
  private static final Attributes USER = Attributes.of(CPU_MODE, "user");
  private static final Attributes SYSTEM = Attributes.of(CPU_MODE, "system");

  private final EntityStore store;
  private final List<ReceiverStats> receiverStats;
  private final Resource base;
  private final InstrumentationScopeInfo scope;
  private final AggregationTemporality temporality;
  private final MetricFilter filter;
  private final int view;
  private final LongSupplier clock;
  private final long agentStartEpochNanos;

  /** For delta: per entity id, the counter values and time of the last export. */
  private final Map<String, Exported> lastExported = new HashMap<>();
  private final Map<String, Long> lastExportedErrors = new HashMap<>();
  private long lastExportEpochNanos;

  EntityMetricProducer(
      EntityStore store,
      List<ReceiverStats> receiverStats,
      Resource base,
      InstrumentationScopeInfo scope,
      AggregationTemporality temporality,
      MetricFilter filter,
      int view,
      LongSupplier epochNanosClock) {
    this.store = store;
    this.receiverStats = receiverStats;
    this.base = base;
    this.scope = scope;
    this.temporality = temporality;
    this.filter = filter;
    this.view = view;
    this.clock = epochNanosClock;
    this.agentStartEpochNanos = epochNanosClock.getAsLong();
    this.lastExportEpochNanos = agentStartEpochNanos;
  }

  private record Exported(double[] values, long epochNanos) {}

  @Override
  public Collection<MetricData> produce(Resource unused) {
    long now = clock.getAsLong();
    List<MetricData> out = new ArrayList<>();
    List<EntityState> gone = new ArrayList<>();
    boolean delta = temporality == AggregationTemporality.DELTA;
    for (EntityState state : store.states()) {
      if (state.gone()) {
        if (state.exportedAfterGoneBy(view)) {
          continue;
        }
        gone.add(state);
      }
      if (filter.acceptsEntity(state.entity().attributes())) {
        addEntity(state, out, delta);
      }
    }
    for (EntityState state : gone) {
      lastExported.remove(state.entity().id());
    }
    store.exportedGone(gone, view);
    addSelfTelemetry(out, now, delta);
    lastExportEpochNanos = now;
    return out;
  }

  private void addEntity(EntityState state, List<MetricData> out, boolean delta) {
    EntityState.Reading reading = state.reading();
    Sample s = reading.sample();
    EntityKind kind = state.entity().kind();
    Resource resource = state.resource(base);
    long time = s.epochNanos();

    String cpuTime = kind.metricName(EntityMetric.CPU_TIME);
    if (filter.acceptsMetric(cpuTime)) {
      double[] now = kind.cpuTimeByMode()
          ? new double[] {seconds(s.userUsec()), seconds(s.systemUsec())}
          : new double[] {seconds(s.usageUsec())};
      long start = state.firstSeenEpochNanos();
      double[] values = now;
      if (delta) {
        Exported last = lastExported.get(state.entity().id());
        double[] previous;
        if (last == null) {
          // the first delta counts from the first sight, as the cumulative start time does
          Sample first = state.firstSample();
          previous = kind.cpuTimeByMode()
              ? new double[] {seconds(first.userUsec()), seconds(first.systemUsec())}
              : new double[] {seconds(first.usageUsec())};
        } else {
          previous = last.values();
          start = last.epochNanos();
        }
        values = new double[now.length];
        for (int i = 0; i < now.length; i++) {
          values[i] = Math.max(0, now[i] - previous[i]);
        }
        lastExported.put(state.entity().id(), new Exported(now, time));
      }
      List<DoublePointData> points = new ArrayList<>(2);
      if (kind.cpuTimeByMode()) {
        if (!Double.isNaN(values[0])) {
          points.add(point(start, time, USER, values[0]));
        }
        if (!Double.isNaN(values[1])) {
          points.add(point(start, time, SYSTEM, values[1]));
        }
      } else if (!Double.isNaN(values[0])) {
        points.add(point(start, time, Attributes.empty(), values[0]));
      }
      if (!points.isEmpty()) {
        out.add(sum(resource, cpuTime, EntityMetric.CPU_TIME, points, delta));
      }
    }

    String cpuUsage = kind.metricName(EntityMetric.CPU_USAGE);
    if (!Double.isNaN(reading.cpuCores()) && filter.acceptsMetric(cpuUsage)) {
      out.add(gauge(resource, cpuUsage, EntityMetric.CPU_USAGE.description(),
          EntityMetric.CPU_USAGE.unit(),
          point(state.firstSeenEpochNanos(), time, Attributes.empty(),
              reading.cpuCores())));
    }

    String memory = kind.metricName(EntityMetric.MEMORY_USAGE);
    if (s.memoryBytes() >= 0 && filter.acceptsMetric(memory)) {
      out.add(gauge(resource, memory, EntityMetric.MEMORY_USAGE.description(),
          EntityMetric.MEMORY_USAGE.unit(),
          point(state.firstSeenEpochNanos(), time, Attributes.empty(),
              (double) s.memoryBytes())));
    }
  }

  private void addSelfTelemetry(List<MetricData> out, long now, boolean delta) {
    List<DoublePointData> durations = new ArrayList<>();
    List<DoublePointData> entities = new ArrayList<>();
    List<DoublePointData> errors = new ArrayList<>();
    for (ReceiverStats stats : receiverStats) {
      Attributes attributes = Attributes.of(RECEIVER, stats.receiver());
      if (!Double.isNaN(stats.lastPollSeconds())) {
        durations.add(point(agentStartEpochNanos, now, attributes,
            stats.lastPollSeconds()));
      }
      entities.add(point(agentStartEpochNanos, now, attributes,
          stats.entities()));
      long total = stats.errors();
      if (delta) {
        long previous = lastExportedErrors.getOrDefault(stats.receiver(), 0L);
        lastExportedErrors.put(stats.receiver(), total);
        errors.add(point(lastExportEpochNanos, now, attributes,
            total - previous));
      } else {
        errors.add(point(agentStartEpochNanos, now, attributes, total));
      }
    }
    for (SelfMetric m : SelfMetric.values()) {
      if (!filter.acceptsMetric(m.metricName())) {
        continue;
      }
      switch (m) {
        case SCRAPE_DURATION -> {
          if (!durations.isEmpty()) {
            out.add(gauge(base, m.metricName(), m.description(), m.unit(), durations));
          }
        }
        case ENTITIES -> out.add(gauge(base, m.metricName(), m.description(), m.unit(), entities));
        case SCRAPE_ERRORS -> out.add(new EntityMetricData(base, scope, m.metricName(),
            m.description(), m.unit(), MetricDataType.DOUBLE_SUM,
            SumData.createDoubleSumData(true, temporality, errors)));
      }
    }
  }

  private MetricData sum(Resource resource, String name, EntityMetric metric,
      List<DoublePointData> points, boolean delta) {
    return new EntityMetricData(resource, scope, name, metric.description(), metric.unit(),
        MetricDataType.DOUBLE_SUM, SumData.createDoubleSumData(true,
            delta ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE, points));
  }

  private MetricData gauge(Resource resource, String name, String description, String unit,
      DoublePointData point) {
    return gauge(resource, name, description, unit, List.of(point));
  }

  private MetricData gauge(Resource resource, String name, String description, String unit,
      List<DoublePointData> points) {
    return new EntityMetricData(resource, scope, name, description, unit,
        MetricDataType.DOUBLE_GAUGE, GaugeData.createDoubleGaugeData(points));
  }

  private static double seconds(long usec) {
    return usec < 0 ? Double.NaN : usec / 1e6;
  }

  private static DoublePointData point(long start, long time, Attributes attributes,
      double value) {
    return DoublePointData.create(start, time, attributes, value, List.of());
  }
}

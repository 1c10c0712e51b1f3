package io.cgroupotel.agent.pipeline;

import io.cgroupotel.agent.MetricFilter;
import io.cgroupotel.agent.energy.HostBooks;
import io.cgroupotel.agent.export.EntityMetricData;
import io.cgroupotel.agent.export.ReusedMetricData.Points;
import io.cgroupotel.agent.export.ReusedMetricData;
import io.cgroupotel.metrics.EntityMetric;
import io.cgroupotel.sampler.EntityKind;
import io.cgroupotel.sampler.Sample;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.resources.Resource;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The rows of the metric table for one exporter view: one MetricData per row per entity, each
 * with the entity's own Resource. Owns the start times, the delta conversion (what this view
 * exported last, per entity) and, for an exporter that allows it, the reuse of the same metric
 * objects at every export ({@link ReusedMetricData}). Each row's points come from the {@link
 * RowSource} of the source the table declares for it.
 *
 * <p>Called by the view's reader thread only.
 */
final class EntityRows {
  private static final EntityMetric[] METRICS = EntityMetric.values();
  /** The entity's energy rows, from the books of its view (none without [energy]). */
  static final RowSource ENERGY = (m, row, points) -> {
    if (row.books != null) {
      row.books.fill(m, row.energyNow, row.energyBefore, row.pointStart, row.time, points);
    }
  };

  private final Resource base;
  private final InstrumentationScopeInfo scope;
  private final AggregationTemporality temporality;
  private final MetricFilter filter;
  private final int view;
  private final boolean delta;
  /** Whether this view hands out the same metric objects at every export. */
  private final boolean reuse;
  private final EntityStore store;
  /**
   * Per entity state (a cgroup recreated under the same path is a new state: a new series), what
   * this view exported last: for delta, the counter values and time; when reusing, its metrics.
   */
  private final Map<EntityState, Exported> lastExported = new IdentityHashMap<>();
  /** Per kind, the rows that apply to it and pass the filter (fixed for this view). */
  private final Map<EntityKind, EntityMetric[]> rowsByKind = new EnumMap<>(EntityKind.class);
  /**
   * The points of the row being made, reused: most rows have no value for a given entity (a
   * group not read, a file the cgroup lacks), and a list per row and entity was most of the
   * export's garbage (10,000 entities x 32 rows at each export).
   */
  private final Points scratch = new Points(false);
  /** When reusing: the points being filled, which a row with a value swaps for its previous. */
  private Points reusedScratch = new Points(true);
  /** Where the entity being made is, reused from entity to entity. */
  private final Row row = new Row();

  EntityRows(Resource base, InstrumentationScopeInfo scope, AggregationTemporality temporality,
      MetricFilter filter, int view, boolean reuse, EntityStore store) {
    this.base = base;
    this.scope = scope;
    this.temporality = temporality;
    this.filter = filter;
    this.view = view;
    this.delta = temporality == AggregationTemporality.DELTA;
    this.reuse = reuse;
    this.store = store;
  }

  /** Whether the counters are exported as increases since the last export. */
  boolean delta() {
    return delta;
  }

  /** What one entity's last export was: its counters (for delta), its reused metrics. */
  static final class Exported {
    double[] values; // for delta: by row and point, made at the first delta export
    double[] energy; // [cpu, carbon, J per domain] at the last export
    Map<String, Double> io; // for delta: by row, device and direction
    long epochNanos;
    ReusedMetricData[] metrics; // by row of the entity's kind, made when first needed

    Exported(long epochNanos) {
      this.epochNanos = epochNanos;
    }

    double[] values() {
      if (values == null) {
        values = new double[METRICS.length * 2];
        Arrays.fill(values, Double.NaN);
      }
      return values;
    }
  }

  /** The entity whose rows are being made, as the {@link RowSource}s read it. */
  static final class Row {
    EntityState state;
    EntityState.Reading reading;
    Sample sample;
    EntityKind kind;
    boolean delta;
    Exported last; // null: cumulative and not reusing
    long start; // the entity's first sight
    long pointStart; // the row's: the last export for a delta counter, else the first sight
    long time;
    HostBooks books; // null without [energy]
    double[] energyNow; // from the books' snapshot; null: none
    double[] energyBefore; // for delta: at the last export
  }

  /** One MetricData per row of the metric table that has a value for this entity. */
  void add(EntityState state, HostBooks books, List<MetricData> out) {
    Row r = row;
    r.state = state;
    r.reading = state.reading();
    r.sample = r.reading.sample();
    r.kind = state.entity().kind();
    r.delta = delta;
    r.start = state.firstSeenEpochNanos();
    r.time = r.sample.epochNanos();
    r.last = delta || reuse ? last(state, r.start) : null;
    r.books = books;
    r.energyNow = books == null ? null : books.valuesOf(state);
    r.energyBefore = delta ? r.last.energy : null;
    Resource resource = state.resource(base);
    EntityMetric[] rows = rows(r.kind);
    if (reuse && r.last.metrics == null) {
      r.last.metrics = new ReusedMetricData[rows.length];
    }
    for (int i = 0; i < rows.length; i++) {
      EntityMetric m = rows[i];
      boolean counter = m.instrument() == EntityMetric.Instrument.COUNTER;
      r.pointStart = counter && delta ? r.last.epochNanos : r.start;
      Points points = reuse ? reusedScratch : scratch;
      points.clear();
      RowSource.of(m.source()).fill(m, r, points);
      if (!points.isEmpty()) {
        out.add(reuse ? reused(r.last, i, m, r.kind, resource, counter, points)
            : made(m, r.kind, resource, counter, points));
      }
    }
    if (delta) {
      r.last.epochNanos = r.time;
      if (r.energyNow != null) {
        r.last.energy = r.energyNow;
      }
      if (store.checkpointing() && r.last.values != null) {
        state.deltaExported(view, r.time, r.last.values);
      }
    }
    if (books != null) {
      books.credit(state, r.energyNow, r.energyBefore);
    }
    r.state = null; // keep no entity alive between exports
    r.reading = null;
    r.sample = null;
    r.last = null;
  }

  /** Forgets the entities that ended and those no longer exported (replaced, filtered out). */
  void retain(Collection<EntityState> gone, Collection<EntityState> exported) {
    for (EntityState state : gone) {
      lastExported.remove(state);
    }
    if (lastExported.size() > exported.size()) {
      // states this view will not see again without having exported their end: one the store
      // replaced (its cgroup recreated under the same path in between) or the filter now drops
      Set<EntityState> current = Collections.newSetFromMap(new IdentityHashMap<>());
      current.addAll(exported);
      lastExported.keySet().retainAll(current);
    }
  }

  private Exported last(EntityState state, long start) {
    Exported last = lastExported.get(state);
    if (last == null) {
      // the first delta counts from the first sight, as the cumulative start time does, or
      // from the last export before the agent restarted
      Checkpoint.Baseline before = delta ? state.restoredDelta(view) : null;
      last = new Exported(before == null ? start : before.epochNanos());
      if (before != null && before.values().length == METRICS.length * 2) {
        last.values = before.values().clone();
      }
      lastExported.put(state, last);
    }
    return last;
  }

  private EntityMetric[] rows(EntityKind kind) {
    return rowsByKind.computeIfAbsent(kind, k -> Arrays.stream(METRICS)
        .filter(m -> k.has(m) && filter.acceptsMetric(k.metricName(m)))
        .toArray(EntityMetric[]::new));
  }

  /** The row's metric object kept from the last export, with this export's points swapped in. */
  private MetricData reused(Exported last, int i, EntityMetric m, EntityKind kind,
      Resource resource, boolean counter, Points points) {
    ReusedMetricData reused = last.metrics[i];
    if (reused == null) {
      reused = ReusedMetricData.create(scope, kind.metricName(m), m.description(), m.unit(),
          counter ? temporality : null);
      last.metrics[i] = reused;
    }
    reusedScratch = reused.swapPoints(points);
    reused.resource(resource); // a new object when the entity's attributes changed
    return reused;
  }

  private MetricData made(EntityMetric m, EntityKind kind, Resource resource, boolean counter,
      Points points) {
    List<DoublePointData> kept = List.copyOf(points);
    String name = kind.metricName(m);
    return counter
        ? EntityMetricData.sum(resource, scope, name, m.description(), m.unit(), temporality, kept)
        : EntityMetricData.gauge(resource, scope, name, m.description(), m.unit(), kept);
  }
}

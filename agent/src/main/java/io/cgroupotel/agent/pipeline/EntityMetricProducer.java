package io.cgroupotel.agent.pipeline;

import io.cgroupotel.agent.MetricFilter;
import io.cgroupotel.agent.energy.EnergyAccounting;
import io.cgroupotel.agent.energy.HostBooks;
import io.cgroupotel.exporter.DeliveryStats;
import io.opentelemetry.sdk.common.Clock;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.metrics.export.MetricProducer;
import io.opentelemetry.sdk.resources.Resource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Turns the entity store into metrics for one exporter view: the entities' rows ({@link
 * EntityRows}: one MetricData per metric per entity, each with the entity's own Resource, so each
 * pod, job or cgroup becomes its own ResourceMetrics), the node's energy books ({@link
 * HostBooks}) and the agent's own metrics ({@link SelfTelemetry}) on the base resource.
 *
 * <p>Producer data skips the SDK's views and temporality handling, so the rows own the start
 * times (first sight of the entity) and, for delta temporality, the conversion.
 *
 * <p>One instance per exporter view; called by that view's reader thread only.
 */
public final class EntityMetricProducer implements MetricProducer {
  private final EntityStore store;
  private final MetricFilter filter;
  private final int view;
  private final Clock clock;
  private final EntityRows rows;
  private final HostBooks books; // null without [energy]
  private final SelfTelemetry self;
  private final Checkpoint checkpoint; // written by view 0 at each export; null: none kept
  private long lastExportEpochNanos;

  private EntityMetricProducer(Builder b) {
    this.store = b.store;
    this.filter = b.filter;
    this.view = b.view;
    this.clock = b.clock;
    long agentStart = clock.now();
    this.lastExportEpochNanos = agentStart;
    this.rows = new EntityRows(b.resource, b.scope, b.temporality, b.filter, b.view,
        b.memoryMode == MemoryMode.REUSABLE_DATA, b.store);
    this.books = b.energy == null ? null
        : new HostBooks(b.energy, b.resource, b.scope, b.filter::acceptsMetric);
    this.self = new SelfTelemetry(b.receiverStats, b.resource, b.scope, b.temporality, b.filter,
        agentStart, b.processStats, b.scrapesAborted, b.delivery);
    this.checkpoint = b.checkpoint;
  }

  @Override
  public Collection<MetricData> produce(Resource unused) {
    long now = clock.now();
    List<MetricData> out = new ArrayList<>();
    List<EntityState> gone = new ArrayList<>();
    List<EntityState> exported = new ArrayList<>();
    for (EntityState state : store.states()) {
      if (state.gone()) {
        if (state.exportedAfterGoneBy(view)) {
          continue;
        }
        gone.add(state);
      }
      if (filter.acceptsEntity(state.entity().attributes())) {
        exported.add(state);
      }
    }
    if (books != null) {
      books.start(exported);
    }
    for (EntityState state : exported) {
      rows.add(state, books, out);
    }
    rows.retain(gone, exported);
    store.exportedGone(gone, view);
    self.add(out, now, lastExportEpochNanos);
    if (books != null) {
      books.addHostRows(out, rows.delta(), lastExportEpochNanos);
    }
    lastExportEpochNanos = now;
    if (checkpoint != null) {
      checkpoint.write(store);
    }
    return out;
  }

  /** A producer of {@code store}'s metrics; the pipeline builder makes one per exporter view. */
  public static Builder builder(EntityStore store) {
    return new Builder(store);
  }

  /** Settings of one producer. Every one has a default but the store. */
  public static final class Builder {
    private final EntityStore store;
    private List<ReceiverStats> receiverStats = List.of();
    private Resource resource = Resource.empty();
    private InstrumentationScopeInfo scope = InstrumentationScopeInfo.create(PipelineBuilder.SCOPE);
    private AggregationTemporality temporality = AggregationTemporality.CUMULATIVE;
    private MetricFilter filter = MetricFilter.ALLOW_ALL;
    private int view;
    private Clock clock = Clock.getDefault();
    private EnergyAccounting energy;
    private MemoryMode memoryMode = MemoryMode.IMMUTABLE_DATA;
    private LongSupplier scrapesAborted;
    private Map<String, DeliveryStats> delivery = Map.of();
    private Checkpoint checkpoint;
    private Supplier<ProcessStats> processStats;

    private Builder(EntityStore store) {
      this.store = Objects.requireNonNull(store, "store");
    }

    /** The receivers whose own telemetry (polls, errors) is exported. Default: none. */
    public Builder receiverStats(List<ReceiverStats> stats) {
      this.receiverStats = List.copyOf(stats);
      return this;
    }

    /** The base resource, merged into each entity's. Default: {@link Resource#empty()}. */
    public Builder resource(Resource base) {
      this.resource = Objects.requireNonNull(base, "base");
      return this;
    }

    /** Default: {@code io.cgroupotel.agent}, no version. */
    Builder scope(InstrumentationScopeInfo scope) {
      this.scope = Objects.requireNonNull(scope, "scope");
      return this;
    }

    /** Default: cumulative. */
    public Builder temporality(AggregationTemporality temporality) {
      this.temporality = Objects.requireNonNull(temporality, "temporality");
      return this;
    }

    /** Default: {@link MetricFilter#ALLOW_ALL}. */
    Builder filter(MetricFilter filter) {
      this.filter = Objects.requireNonNull(filter, "filter");
      return this;
    }

    /**
     * Which of the store's exporter views this is (each exports a gone entity once more).
     * Default: 0.
     */
    public Builder view(int view) {
      if (view < 0) {
        throw new IllegalArgumentException("view must be >= 0, got " + view);
      }
      this.view = view;
      return this;
    }

    /** The clock of points' times ({@link Clock#now()}). Default: {@link Clock#getDefault()}. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * {@link MemoryMode#REUSABLE_DATA}: the same metric objects at every export, for an exporter
     * that is done with them when its export completes ({@link MetricExporter#getMemoryMode()}).
     * Default: {@link MemoryMode#IMMUTABLE_DATA}, fresh objects at every export.
     */
    public Builder memoryMode(MemoryMode memoryMode) {
      this.memoryMode = Objects.requireNonNull(memoryMode, "memoryMode");
      return this;
    }

    /** The Prometheus exporter's count of aborted scrapes. Default: none (no such row). */
    Builder scrapesAborted(LongSupplier aborted) {
      this.scrapesAborted = aborted;
      return this;
    }

    /** Writes {@code checkpoint} after each export (one view does). Default: none. */
    Builder checkpoint(Checkpoint checkpoint) {
      this.checkpoint = checkpoint;
      return this;
    }

    /** The exporters with a send queue, by name (for the export.* rows). Default: none. */
    Builder delivery(Map<String, DeliveryStats> byExporter) {
      this.delivery = Map.copyOf(byExporter);
      return this;
    }

    /** The energy books to add rows from. Default: none (no [energy]). */
    public Builder energy(EnergyAccounting accounting) {
      this.energy = accounting;
      return this;
    }

    /**
     * Where the agent's own process.* rows come from ({@link ProcessStats#self}). Default: none
     * (no process rows), so that fixtures and golden files do not carry this JVM's figures.
     */
    Builder processStats(Supplier<ProcessStats> source) {
      this.processStats = source;
      return this;
    }

    public EntityMetricProducer build() {
      return new EntityMetricProducer(this);
    }
  }
}

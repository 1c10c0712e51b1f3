package io.cgroupotel.agent;

import io.cgroupotel.agent.ReusedMetricData.Points;
import io.cgroupotel.exporter.DeliveryStats;
import io.cgroupotel.metrics.AgentMetric;
import io.cgroupotel.metrics.EntityMetric;
import io.cgroupotel.metrics.MetricAttributes;
import io.cgroupotel.receiver.EntityKind;
import io.cgroupotel.receiver.Sample;
import io.cgroupotel.sampler.IoStats;
import io.cgroupotel.sampler.NetworkStats;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.GaugeData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.metrics.data.SumData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.metrics.export.MetricProducer;
import io.opentelemetry.sdk.resources.Resource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
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
  static final AttributeKey<String> RECEIVER = MetricAttributes.RECEIVER;

  private final EntityStore store;
  private final List<ReceiverStats> receiverStats;
  private final Resource base;
  private final InstrumentationScopeInfo scope;
  private final AggregationTemporality temporality;
  private final MetricFilter filter;
  private final int view;
  private final LongSupplier clock;
  private final long agentStartEpochNanos;

  /**
   * Per entity state (a cgroup recreated under the same path is a new state: a new series), what
   * this view exported last: for delta, the counter values and time; when reusing, its metrics.
   */
  private final Map<EntityState, Exported> lastExported = new IdentityHashMap<>();
  /** Whether this view hands out the same metric objects at every export (see ReusedMetricData). */
  private final boolean reuse;
  private final Map<String, Long> lastExportedErrors = new HashMap<>();
  /** The exporters with a send queue, by name: their depth, age and dropped points. */
  private Map<String, DeliveryStats> delivery = Map.of();
  private final Map<String, Long> lastExportedDropped = new HashMap<>();
  private long lastExportEpochNanos;
  private EnergyAccounting energy; // null without [energy]
  private LongSupplier scrapesAborted; // null without a Prometheus exporter
  private long lastExportedAborted;
  private EnergyAccounting.Snapshot snapshot; // of the export being made
  /** Per receiver, the sum over the top-level entities of this export: [cpu, carbon, J...]. */
  private final Map<String, double[]> exportedTopSums = new HashMap<>();
  /** For delta: the host series at the last export, by series key. */
  private final Map<String, Double> lastHost = new HashMap<>();

  private EntityMetricProducer(
      EntityStore store,
      List<ReceiverStats> receiverStats,
      Resource base,
      InstrumentationScopeInfo scope,
      AggregationTemporality temporality,
      MetricFilter filter,
      int view,
      LongSupplier epochNanosClock,
      boolean reuse) {
    this.store = store;
    this.receiverStats = receiverStats;
    this.base = base;
    this.scope = scope;
    this.temporality = temporality;
    this.filter = filter;
    this.view = view;
    this.reuse = reuse;
    this.clock = epochNanosClock;
    this.agentStartEpochNanos = epochNanosClock.getAsLong();
    this.lastExportEpochNanos = agentStartEpochNanos;
  }

  /** Adds the energy rows and the host books, from {@code accounting} (null: none). */
  private void energy(EnergyAccounting accounting) {
    this.energy = accounting;
  }

  /** The agent's own process, read at each export; null: no process.* rows. */
  private java.util.function.Supplier<ProcessStats> processStats;

  /** What one entity's last export was: its counters (for delta), its reused metrics. */
  private static final class Exported {
    double[] values; // for delta: by row and point, made at the first delta export
    double[] energy; // [cpu, carbon, J per domain] at the last export
    Map<String, Double> io;
    long epochNanos;
    ReusedMetricData[] metrics; // by row of the entity's kind, made when first needed

    Exported(long epochNanos) {
      this.epochNanos = epochNanos;
    }

    double[] values() {
      if (values == null) {
        values = new double[EntityMetric.values().length * 2];
        java.util.Arrays.fill(values, Double.NaN);
      }
      return values;
    }
  }

  @Override
  public Collection<MetricData> produce(Resource unused) {
    long now = clock.getAsLong();
    List<MetricData> out = new ArrayList<>();
    List<EntityState> gone = new ArrayList<>();
    boolean delta = temporality == AggregationTemporality.DELTA;
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
    snapshot = energy == null ? null : energy.snapshot(exported);
    exportedTopSums.clear();
    for (EntityState state : exported) {
      addEntity(state, out, delta);
    }
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
    store.exportedGone(gone, view);
    addSelfTelemetry(out, now, delta);
    if (snapshot != null) {
      addHostBooks(out, snapshot, delta);
      snapshot = null;
    }
    lastExportEpochNanos = now;
    if (checkpoint != null) {
      checkpoint.write(store);
    }
    return out;
  }

  private Checkpoint checkpoint; // written by view 0 at each export; null: none kept

  private static final EntityMetric[] METRICS = EntityMetric.values();

  /** Per kind, the rows that apply to it and pass the filter (fixed for this producer). */
  private final Map<EntityKind, EntityMetric[]> rowsByKind = new java.util.EnumMap<>(
      EntityKind.class);
  /**
   * The points of the row being made, reused: most rows have no value for a given entity (a
   * group not read, a file the cgroup lacks), and a list per row and entity was most of the
   * export's garbage (10,000 entities x 32 rows at each export).
   */
  private final Points scratch = new Points(false);
  /** When reusing: the points being filled, which a row with a value swaps for its previous. */
  private Points reusedScratch = new Points(true);

  private EntityMetric[] rows(EntityKind kind) {
    return rowsByKind.computeIfAbsent(kind, k -> java.util.Arrays.stream(METRICS)
        .filter(m -> k.has(m) && filter.acceptsMetric(k.metricName(m)))
        .toArray(EntityMetric[]::new));
  }

  /** One MetricData per row of the metric table that has a value for this entity. */
  private void addEntity(EntityState state, List<MetricData> out, boolean delta) {
    EntityState.Reading reading = state.reading();
    Sample s = reading.sample();
    EntityKind kind = state.entity().kind();
    Resource resource = state.resource(base);
    long time = s.epochNanos();
    long start = state.firstSeenEpochNanos();
    Exported last = null;
    if (delta || reuse) {
      last = lastExported.get(state);
      if (last == null) {
        // the first delta counts from the first sight, as the cumulative start time does, or
        // from the last export before the agent restarted
        Checkpoint.Baseline before = delta ? state.restoredDelta(view) : null;
        last = new Exported(before == null ? start : before.epochNanos());
        if (before != null && before.values().length == EntityMetric.values().length * 2) {
          last.values = before.values().clone();
        }
        lastExported.put(state, last);
      }
    }
    double[] energyNow = snapshot == null ? null : snapshot.values().get(state.entity().id());
    double[] energyBefore = delta ? last.energy : null;
    EntityMetric[] rows = rows(kind);
    if (reuse && last.metrics == null) {
      last.metrics = new ReusedMetricData[rows.length];
    }
    for (int r = 0; r < rows.length; r++) {
      EntityMetric m = rows[r];
      boolean counter = m.instrument() == EntityMetric.Instrument.COUNTER;
      long pointStart = counter && delta ? last.epochNanos : start;
      Points points = reuse ? reusedScratch : scratch;
      points.clear();
      switch (m.source()) {
        case CPU_RATE -> {
          if (!Double.isNaN(reading.cpuCores())) {
            points.add(start, time, Attributes.empty(), reading.cpuCores());
          }
        }
        case FIELDS, CPU_TIME -> {
          List<EntityMetric.PointSpec> specs = kind.points(m);
          for (int i = 0; i < specs.size(); i++) {
            EntityMetric.PointSpec spec = specs.get(i);
            long raw = s.get(spec.field());
            if (raw == Sample.ABSENT) {
              continue;
            }
            double value = Sample.toDouble(raw) * spec.scale(); // a u64
            if (counter && delta) {
              int slot = m.ordinal() * 2 + i;
              double previous = last.values()[slot];
              if (Double.isNaN(previous)) {
                long first = state.firstSample().get(spec.field());
                previous = first == Sample.ABSENT ? value
                    : Sample.toDouble(first) * spec.scale();
              }
              last.values()[slot] = value;
              value = Math.max(0, value - previous);
            }
            points.add(pointStart, time, spec.attributes(), value);
          }
        }
        case IO_BYTES, IO_OPERATIONS -> addIo(m, s.io(), delta ? last : null, pointStart, time,
            points);
        case NETWORK -> addNetwork(m, s.network(), delta ? last : null, pointStart, time, points);
        case ENERGY -> addEnergy(m, energyNow, energyBefore, pointStart, time, points);
        case SPEC_RATIO -> {
          double ratio = specRatio(m, state.entity().spec(m.spec()), s, reading.cpuCores());
          if (!Double.isNaN(ratio)) {
            points.add(start, time, Attributes.empty(), ratio);
          }
        }
      }
      if (points.isEmpty()) {
        continue;
      }
      if (reuse) {
        ReusedMetricData reused = last.metrics[r];
        if (reused == null) {
          reused = ReusedMetricData.create(scope, kind.metricName(m), m.description(),
              m.unit(), counter ? temporality : null);
          last.metrics[r] = reused;
        }
        reusedScratch = reused.swapPoints(points);
        reused.resource(resource); // a new object when the entity's attributes changed
        out.add(reused);
      } else {
        List<DoublePointData> kept = List.copyOf(points);
        String name = kind.metricName(m);
        out.add(counter ? sum(resource, name, m.description(), m.unit(), kept, delta)
            : gauge(resource, name, m.description(), m.unit(), kept));
      }
    }
    if (delta) {
      last.epochNanos = time;
      if (energyNow != null) {
        last.energy = energyNow;
      }
      if (store.checkpointing() && last.values != null) {
        state.deltaExported(view, time, last.values);
      }
    }
    addToBooks(state, energyNow, energyBefore);
  }

  /**
   * The entity's energy, carbon or attributed CPU from the books' snapshot; for delta, against
   * what the last export carried (zero at first sight: the books start there).
   */
  private void addEnergy(EntityMetric m, double[] v, double[] before, long start, long time,
      Points points) {
    if (v == null) {
      return;
    }
    switch (m) {
      case CPU_ATTRIBUTED_TIME -> points.add(start, time, Attributes.empty(),
          v[0] - previous(before, 0));
      case CARBON -> {
        if (snapshot.carbon()) {
          points.add(start, time, Attributes.empty(), v[1] - previous(before, 1));
        }
      }
      default -> {
        for (int d = 0; d < snapshot.domains().size(); d++) {
          points.add(start, time, energyAttributes(snapshot.domains().get(d)),
              v[2 + d] - previous(before, 2 + d));
        }
      }
    }
  }

  private static double previous(double[] before, int i) {
    return before == null || i >= before.length ? 0 : before[i];
  }

  private final Map<String, Attributes> energyAttributes = new HashMap<>();

  private Attributes energyAttributes(String domain) {
    return energyAttributes.computeIfAbsent(domain, d -> Attributes.of(
        MetricAttributes.ENERGY_DOMAIN, d, MetricAttributes.ENERGY_SOURCE, snapshot.source()));
  }

  /**
   * Adds a top-level entity's values (for delta: its increase since the last export) to its
   * receiver's sum; the unattributed parts are the node's totals minus these sums.
   */
  private void addToBooks(EntityState state, double[] v, double[] before) {
    if (v == null || state.entity().parentId() != null) {
      return;
    }
    EnergyAccounting.Account account = state.account();
    if (account == null) {
      return;
    }
    double[] sum = exportedTopSums.computeIfAbsent(account.receiver, r -> new double[v.length]);
    for (int i = 0; i < v.length && i < sum.length; i++) {
      sum[i] += v[i] - previous(before, i);
    }
  }

  /** The node's side: totals, and per receiver the part its entities of this export leave. */
  private void addHostBooks(List<MetricData> out, EnergyAccounting.Snapshot snap, boolean delta) {
    NodeEnergyView node = new NodeEnergyView(snap);
    long time = snap.node().epochNanos();
    long start = delta ? lastExportEpochNanos : snap.startEpochNanos();
    List<DoublePointData> energyPoints = new ArrayList<>();
    List<DoublePointData> unattributedEnergy = new ArrayList<>();
    List<DoublePointData> busy = new ArrayList<>();
    List<DoublePointData> unattributedCpu = new ArrayList<>();
    List<DoublePointData> scope = new ArrayList<>();
    List<DoublePointData> scopeUnexplained = new ArrayList<>();
    double[] nodeValues = new double[2 + snap.domains().size()];
    nodeValues[0] = snap.node().busySeconds();
    for (int d = 0; d < snap.domains().size(); d++) {
      nodeValues[2 + d] = snap.node().joules(d);
    }
    double[] nodeIncrease = new double[nodeValues.length];
    for (int i = 0; i < nodeValues.length; i++) {
      nodeIncrease[i] = delta ? hostDelta("node/" + i, nodeValues[i]) : nodeValues[i];
    }
    busy.add(point(start, time, Attributes.empty(), nodeIncrease[0]));
    for (int d = 0; d < snap.domains().size(); d++) {
      long domainStart = delta ? start : snap.domainStart()[d];
      energyPoints.add(point(domainStart, time, energyAttributes(snap.domains().get(d)),
          nodeIncrease[2 + d]));
    }
    java.util.TreeSet<String> receivers = new java.util.TreeSet<>(snap.scopes().keySet());
    for (String receiver : receivers) {
      double[] sum = exportedTopSums.getOrDefault(receiver, new double[nodeValues.length]);
      Attributes byReceiver = receiverAttributes(receiver);
      unattributedCpu.add(point(start, time, byReceiver,
          nodeIncrease[0] - (sum.length > 0 ? sum[0] : 0)));
      for (int d = 0; d < snap.domains().size(); d++) {
        long domainStart = delta ? start : snap.domainStart()[d];
        unattributedEnergy.add(point(domainStart, time, energyAttributes(snap.domains().get(d))
            .toBuilder().put(RECEIVER, receiver).build(),
            nodeIncrease[2 + d] - (2 + d < sum.length ? sum[2 + d] : 0)));
      }
      double[] sc = snap.scopes().get(receiver);
      if (sc[2] > 0) {
        scope.add(point(start, time, byReceiver,
            delta ? hostDelta("scope/" + receiver, sc[0]) : sc[0]));
        scopeUnexplained.add(point(start, time, byReceiver,
            delta ? hostDelta("scopeu/" + receiver, sc[1]) : sc[1]));
      }
    }
    node.emit(out, AgentMetric.HOST_ENERGY, energyPoints, delta);
    node.emit(out, AgentMetric.HOST_ENERGY_UNATTRIBUTED, unattributedEnergy, delta);
    node.emit(out, AgentMetric.HOST_CPU_BUSY_TIME, busy, delta);
    node.emit(out, AgentMetric.HOST_CPU_UNATTRIBUTED, unattributedCpu, delta);
    node.emit(out, AgentMetric.HOST_CPU_SCOPE_TIME, scope, delta);
    node.emit(out, AgentMetric.HOST_CPU_SCOPE_UNATTRIBUTED, scopeUnexplained, delta);
  }

  /** For delta: the increase of a host series since the last export. */
  private double hostDelta(String key, double value) {
    Double before = lastHost.put(key, value);
    return before == null ? value : value - before;
  }

  /** Emits host rows on the base resource, when the filter lets them through. */
  private final class NodeEnergyView {
    NodeEnergyView(EnergyAccounting.Snapshot snap) {}

    void emit(List<MetricData> out, AgentMetric m, List<DoublePointData> points, boolean delta) {
      if (points.isEmpty() || !filter.acceptsMetric(m.metricName())) {
        return;
      }
      out.add(sum(base, m.metricName(), m.description(), m.unit(), points, delta));
    }
  }

  /**
   * Usage over the entity's spec value: cores over millicores / 1000, or the row's field over the
   * value; NaN (no point) where either is unknown.
   */
  static double specRatio(EntityMetric m, long spec, Sample s, double cpuCores) {
    if (spec <= 0) {
      return Double.NaN;
    }
    if (m.numerator() == null) {
      return cpuCores / (spec / 1000.0); // NaN before the second sample
    }
    long usage = s.get(m.numerator());
    return usage == Sample.ABSENT ? Double.NaN : Sample.toDouble(usage) / spec;
  }

  /** A point per device and direction; for delta, each against its own previous value. */
  private static void addIo(EntityMetric m, IoStats io, Exported last, long start, long time,
      Points points) {
    if (io == null) {
      return;
    }
    boolean bytes = m.source() == EntityMetric.Source.IO_BYTES;
    for (int d = 0; d < io.size(); d++) {
      String device = io.device(d);
      long read = bytes ? io.readBytes(d) : io.readOperations(d);
      long write = bytes ? io.writtenBytes(d) : io.writeOperations(d);
      if (read != Sample.ABSENT) {
        points.add(start, time, ioAttributes("read", device),
            ioValue(last, m, device, "read", read));
      }
      if (write != Sample.ABSENT) {
        points.add(start, time, ioAttributes("write", device),
            ioValue(last, m, device, "write", write));
      }
    }
  }

  /**
   * A point per interface and direction of the entity's namespace; none in the host's. For delta,
   * each against its own previous value, as I/O by device.
   */
  private static void addNetwork(EntityMetric m, NetworkStats net, Exported last, long start,
      long time, Points points) {
    if (net == null || net.hostNamespace()) {
      return;
    }
    NetworkStats.Counter counter = m.networkCounter();
    for (int i = 0; i < net.size(); i++) {
      String name = net.name(i);
      points.add(start, time, networkAttributes(EntityMetric.RECEIVE, name),
          ioValue(last, m, name, EntityMetric.RECEIVE, net.received(i, counter)));
      points.add(start, time, networkAttributes(EntityMetric.TRANSMIT, name),
          ioValue(last, m, name, EntityMetric.TRANSMIT, net.transmitted(i, counter)));
    }
  }

  /** As {@link #ioAttributes}: one object per direction and interface name, shared. */
  private static Attributes networkAttributes(String direction, String name) {
    String key = direction + '\0' + name;
    Attributes a = NETWORK_ATTRIBUTES.get(key);
    if (a == null) {
      a = Attributes.of(MetricAttributes.NETWORK_IO_DIRECTION, direction,
          MetricAttributes.NETWORK_INTERFACE_NAME, name);
      if (NETWORK_ATTRIBUTES.size() < 4096) { // names are few (eth0, net1): bounded all the same
        NETWORK_ATTRIBUTES.put(key, a);
      }
    }
    return a;
  }

  private static final Map<String, Attributes> NETWORK_ATTRIBUTES =
      new java.util.concurrent.ConcurrentHashMap<>();

  private static double ioValue(Exported last, EntityMetric m, String device, String direction,
      long value) {
    double v = Sample.toDouble(value); // a u64
    if (last == null) {
      return v;
    }
    if (last.io == null) {
      last.io = new HashMap<>();
    }
    Double previous = last.io.put(m.ordinal() + "/" + device + "/" + direction, v);
    return previous == null ? 0 : Math.max(0, v - previous);
  }

  /**
   * The same Attributes object for the same device and direction at every export: the file
   * exporter's encoder keeps a point's attributes encoded by identity (so do the SDK's).
   */
  private static Attributes ioAttributes(String direction, String device) {
    return IO_ATTRIBUTES.computeIfAbsent(direction + '\0' + device, k -> Attributes.of(
        MetricAttributes.DISK_IO_DIRECTION, direction, MetricAttributes.SYSTEM_DEVICE, device));
  }

  /** Devices of the node, times two directions: a handful, shared by every producer. */
  private static final Map<String, Attributes> IO_ATTRIBUTES =
      new java.util.concurrent.ConcurrentHashMap<>();

  private final Map<String, Attributes> receiverAttributes = new HashMap<>();

  private Attributes receiverAttributes(String receiver) {
    return receiverAttributes.computeIfAbsent(receiver, r -> Attributes.of(RECEIVER, r));
  }

  private void addSelfTelemetry(List<MetricData> out, long now, boolean delta) {
    List<DoublePointData> durations = new ArrayList<>();
    List<DoublePointData> entities = new ArrayList<>();
    List<DoublePointData> errors = new ArrayList<>();
    List<DoublePointData> hostNetwork = new ArrayList<>();
    for (ReceiverStats stats : receiverStats) {
      Attributes attributes = receiverAttributes(stats.receiver());
      if (stats.hostNetworkEntities() >= 0) {
        hostNetwork.add(point(agentStartEpochNanos, now, attributes,
            stats.hostNetworkEntities()));
      }
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
    ProcessStats process = processStats == null ? null : processStats.get();
    for (AgentMetric m : AgentMetric.values()) {
      if (!filter.acceptsMetric(m.metricName())) {
        continue;
      }
      if (process != null) {
        addProcess(out, m, process, now, delta);
      }
      switch (m) {
        case SCRAPE_DURATION -> {
          if (!durations.isEmpty()) {
            out.add(gauge(base, m.metricName(), m.description(), m.unit(), durations));
          }
        }
        case ENTITIES -> out.add(gauge(base, m.metricName(), m.description(), m.unit(), entities));
        case HOST_NETWORK_ENTITIES -> {
          if (!hostNetwork.isEmpty()) {
            out.add(gauge(base, m.metricName(), m.description(), m.unit(), hostNetwork));
          }
        }
        case SCRAPE_ERRORS -> out.add(new EntityMetricData(base, scope, m.metricName(),
            m.description(), m.unit(), MetricDataType.DOUBLE_SUM,
            SumData.createDoubleSumData(true, temporality, errors)));
        case PROMETHEUS_SCRAPE_ABORTED -> {
          if (scrapesAborted != null) {
            long total = scrapesAborted.getAsLong();
            long start = delta ? lastExportEpochNanos : agentStartEpochNanos;
            double value = delta ? total - lastExportedAborted : total;
            lastExportedAborted = total;
            out.add(new EntityMetricData(base, scope, m.metricName(), m.description(), m.unit(),
                MetricDataType.DOUBLE_SUM, SumData.createDoubleSumData(true, temporality,
                    List.of(point(start, now, Attributes.empty(), value)))));
          }
          }
        case EXPORT_QUEUE_SIZE, EXPORT_QUEUE_AGE, EXPORT_FAILURES, EXPORT_DROPPED -> addDelivery(m,
            out, now, delta);
        default -> {
          // the host.* rows: addHostBooks
        }
      }
    }
  }

  /** The agent's own process rows, on the base resource (as the Collector reports its own). */
  private void addProcess(List<MetricData> out, AgentMetric m, ProcessStats p, long now,
      boolean delta) {
    switch (m) {
      case PROCESS_CPU_TIME -> {
        double user = delta ? hostDelta("process/user", p.userSeconds()) : p.userSeconds();
        double system = delta ? hostDelta("process/system", p.systemSeconds())
            : p.systemSeconds();
        long start = delta ? lastExportEpochNanos : agentStartEpochNanos;
        out.add(sum(base, m.metricName(), m.description(), m.unit(), List.of(
            point(start, now, PROCESS_USER, user), point(start, now, PROCESS_SYSTEM, system)),
            delta));
      }
      case PROCESS_MEMORY_USAGE -> addProcessGauge(out, m, p.residentBytes(), now);
      case PROCESS_MEMORY_VIRTUAL -> addProcessGauge(out, m, p.virtualBytes(), now);
      case PROCESS_OPEN_FILE_DESCRIPTORS ->
          addProcessGauge(out, m, p.openFileDescriptors(), now);
      default -> { }
    }
  }

  private void addProcessGauge(List<MetricData> out, AgentMetric m, long value, long now) {
    if (value >= 0) {
      out.add(gauge(base, m.metricName(), m.description(), m.unit(),
          point(agentStartEpochNanos, now, Attributes.empty(), value)));
    }
  }

  private static final Attributes PROCESS_USER =
      Attributes.of(MetricAttributes.CPU_MODE, "user");
  private static final Attributes PROCESS_SYSTEM =
      Attributes.of(MetricAttributes.CPU_MODE, "system");

  /** A point of a counter of the agent's own: its total, or for delta its increase. */
  private DoublePointData counterPoint(String key, Attributes attributes, long total, long now,
      boolean delta) {
    if (!delta) {
      return point(agentStartEpochNanos, now, attributes, total);
    }
    Long previous = lastExportedDropped.put(key, total);
    return point(lastExportEpochNanos, now, attributes, total - (previous == null ? 0 : previous));
  }

  private static final AttributeKey<String> EXPORTER = AttributeKey.stringKey("exporter");
  private static final AttributeKey<String> REASON = AttributeKey.stringKey("reason");

  /** The send queues' depth, age and dropped points, one point per exporter (and reason). */
  private void addDelivery(AgentMetric m, List<MetricData> out, long now, boolean delta) {
    if (delivery.isEmpty()) {
      return;
    }
    List<DoublePointData> points = new ArrayList<>();
    delivery.forEach((exporter, stats) -> {
      Attributes byExporter = Attributes.of(EXPORTER, exporter);
      switch (m) {
        case EXPORT_QUEUE_SIZE -> points.add(point(agentStartEpochNanos, now, byExporter,
            stats.queuedBytes()));
        case EXPORT_QUEUE_AGE -> points.add(point(agentStartEpochNanos, now, byExporter,
            stats.queueAgeSeconds()));
        case EXPORT_FAILURES -> points.add(counterPoint(exporter, byExporter,
            stats.failedAttempts(), now, delta));
        default -> stats.droppedPoints().forEach((reason, total) -> points.add(counterPoint(
            exporter + '\0' + reason, Attributes.of(EXPORTER, exporter, REASON, reason), total,
            now, delta)));
      }
    });
    if (m.instrument() == EntityMetric.Instrument.COUNTER) {
      out.add(new EntityMetricData(base, scope, m.metricName(), m.description(), m.unit(),
          MetricDataType.DOUBLE_SUM, SumData.createDoubleSumData(true, temporality, points)));
    } else {
      out.add(gauge(base, m.metricName(), m.description(), m.unit(), points));
    }
  }

  private MetricData sum(Resource resource, String name, String description, String unit,
      List<DoublePointData> points, boolean delta) {
    return new EntityMetricData(resource, scope, name, description, unit,
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

  /** A producer of {@code store}'s metrics; the pipeline builder makes one per exporter view. */
  static Builder builder(EntityStore store) {
    return new Builder(store);
  }

  /** Settings of one producer. Every one has a default but the store. */
  static final class Builder {
    private final EntityStore store;
    private List<ReceiverStats> receiverStats = List.of();
    private Resource resource = Resource.empty();
    private InstrumentationScopeInfo scope = InstrumentationScopeInfo.create(PipelineBuilder.SCOPE);
    private AggregationTemporality temporality = AggregationTemporality.CUMULATIVE;
    private MetricFilter filter = MetricFilter.ALLOW_ALL;
    private int view;
    private LongSupplier epochNanosClock = Agent::epochNanos;
    private EnergyAccounting energy;
    private MemoryMode memoryMode = MemoryMode.IMMUTABLE_DATA;
    private LongSupplier scrapesAborted;
    private Map<String, DeliveryStats> delivery = Map.of();
    private Checkpoint checkpoint;

    private Builder(EntityStore store) {
      this.store = Objects.requireNonNull(store, "store");
    }

    /** The receivers whose own telemetry (polls, errors) is exported. Default: none. */
    Builder receiverStats(List<ReceiverStats> stats) {
      this.receiverStats = List.copyOf(stats);
      return this;
    }

    /** The base resource, merged into each entity's. Default: {@link Resource#empty()}. */
    Builder resource(Resource base) {
      this.resource = Objects.requireNonNull(base, "base");
      return this;
    }

    /** Default: {@code io.cgroupotel.agent}, no version. */
    Builder scope(InstrumentationScopeInfo scope) {
      this.scope = Objects.requireNonNull(scope, "scope");
      return this;
    }

    /** Default: cumulative. */
    Builder temporality(AggregationTemporality temporality) {
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
    Builder view(int view) {
      if (view < 0) {
        throw new IllegalArgumentException("view must be >= 0, got " + view);
      }
      this.view = view;
      return this;
    }

    /** Wall clock, nanoseconds since the epoch. Default: {@link Agent#epochNanos()}. */
    Builder clock(LongSupplier epochNanosClock) {
      this.epochNanosClock = Objects.requireNonNull(epochNanosClock, "epochNanosClock");
      return this;
    }

    /**
     * {@link MemoryMode#REUSABLE_DATA}: the same metric objects at every export, for an exporter
     * that is done with them when its export completes ({@link MetricExporter#getMemoryMode()}).
     * Default: {@link MemoryMode#IMMUTABLE_DATA}, fresh objects at every export.
     */
    Builder memoryMode(MemoryMode memoryMode) {
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
    Builder energy(EnergyAccounting accounting) {
      this.energy = accounting;
      return this;
    }

    /**
     * Where the agent's own process.* rows come from ({@link ProcessStats#self}). Default: none
     * (no process rows), so that fixtures and golden files do not carry this JVM's figures.
     */
    Builder processStats(java.util.function.Supplier<ProcessStats> source) {
      this.processStats = source;
      return this;
    }

    private java.util.function.Supplier<ProcessStats> processStats;

    EntityMetricProducer build() {
      EntityMetricProducer producer = new EntityMetricProducer(store, receiverStats, resource,
          scope, temporality, filter, view, epochNanosClock, memoryMode == MemoryMode.REUSABLE_DATA);
      producer.energy(energy);
      producer.scrapesAborted = scrapesAborted;
      producer.processStats = processStats;
      producer.delivery = new java.util.TreeMap<>(delivery);
      producer.checkpoint = checkpoint;
      return producer;
    }
  }
}

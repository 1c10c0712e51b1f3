package io.cgroupotel.agent.energy;

import static io.cgroupotel.agent.export.EntityMetricData.point;

import io.cgroupotel.agent.export.EntityMetricData;
import io.cgroupotel.agent.export.ReusedMetricData.Points;
import io.cgroupotel.metrics.AgentMetric;
import io.cgroupotel.metrics.EntityMetric;
import io.cgroupotel.metrics.MetricAttributes;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.resources.Resource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * One exporter view's side of the energy books: each entity's energy, carbon and attributed CPU
 * rows (a {@link EntityMetric.Source#ENERGY} row), and the node's {@code host.*} rows: totals,
 * and per receiver what the top-level entities of this export leave unattributed.
 *
 * <p>Called by the view's reader thread only: {@link #start} at each export, then {@link
 * #fill} and {@link #credit} per entity, then {@link #addHostRows}.
 */
public final class HostBooks {

  private final EnergyAccounting accounting;
  private final Resource base;
  private final InstrumentationScopeInfo scope;
  private final Predicate<String> acceptsMetric; // by full metric name
  private EnergyAccounting.Snapshot snapshot; // of the export being made
  /** Per receiver, the sum over the top-level entities of this export: [cpu, carbon, J...]. */
  private final Map<String, double[]> exportedTopSums = new HashMap<>();
  /** For delta: the host series at the last export, by series key. */
  private final Map<String, Double> lastHost = new HashMap<>();
  private final Map<String, Attributes> energyAttributes = new HashMap<>();
  private final Map<String, Attributes> receiverAttributes = new HashMap<>();

  public HostBooks(EnergyAccounting accounting, Resource base, InstrumentationScopeInfo scope,
      Predicate<String> acceptsMetric) {
    this.accounting = accounting;
    this.base = base;
    this.scope = scope;
    this.acceptsMetric = acceptsMetric;
  }

  /** Reads the books once for this export's entities. */
  public void start(List<? extends Booked> exported) {
    snapshot = accounting.snapshot(exported);
    exportedTopSums.clear();
  }

  /** The entity's [cpu, carbon, J per domain] in this export's snapshot; null: none. */
  public double[] valuesOf(Booked state) {
    return snapshot == null ? null : snapshot.values().get(state.entity().id());
  }

  /**
   * The entity's energy, carbon or attributed CPU from the books' snapshot; for delta, against
   * what the last export carried (zero at first sight: the books start there).
   */
  public void fill(EntityMetric m, double[] v, double[] before, long start, long time,
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

  /**
   * Adds a top-level entity's values (for delta: its increase since the last export) to its
   * receiver's sum; the unattributed parts are the node's totals minus these sums.
   */
  public void credit(Booked state, double[] v, double[] before) {
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
  public void addHostRows(List<MetricData> out, boolean delta, long lastExportEpochNanos) {
    EnergyAccounting.Snapshot snap = snapshot;
    snapshot = null;
    if (snap == null) {
      return;
    }
    long time = snap.node().epochNanos();
    long start = delta ? lastExportEpochNanos : snap.startEpochNanos();
    List<DoublePointData> energyPoints = new ArrayList<>();
    List<DoublePointData> unattributedEnergy = new ArrayList<>();
    List<DoublePointData> busy = new ArrayList<>();
    List<DoublePointData> unattributedCpu = new ArrayList<>();
    List<DoublePointData> scopeTime = new ArrayList<>();
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
      energyPoints.add(point(domainStart, time, energyAttributes(snap, snap.domains().get(d)),
          nodeIncrease[2 + d]));
    }
    for (String receiver : new TreeSet<>(snap.scopes().keySet())) {
      double[] sum = exportedTopSums.getOrDefault(receiver, new double[nodeValues.length]);
      Attributes byReceiver = receiverAttributes(receiver);
      unattributedCpu.add(point(start, time, byReceiver,
          nodeIncrease[0] - (sum.length > 0 ? sum[0] : 0)));
      for (int d = 0; d < snap.domains().size(); d++) {
        long domainStart = delta ? start : snap.domainStart()[d];
        unattributedEnergy.add(point(domainStart, time,
            energyAttributes(snap, snap.domains().get(d)).toBuilder()
                .put(MetricAttributes.RECEIVER, receiver).build(),
            nodeIncrease[2 + d] - (2 + d < sum.length ? sum[2 + d] : 0)));
      }
      double[] sc = snap.scopes().get(receiver);
      if (sc[2] > 0) {
        scopeTime.add(point(start, time, byReceiver,
            delta ? hostDelta("scope/" + receiver, sc[0]) : sc[0]));
        scopeUnexplained.add(point(start, time, byReceiver,
            delta ? hostDelta("scopeu/" + receiver, sc[1]) : sc[1]));
      }
    }
    emit(out, AgentMetric.HOST_ENERGY, energyPoints, delta);
    emit(out, AgentMetric.HOST_ENERGY_UNATTRIBUTED, unattributedEnergy, delta);
    emit(out, AgentMetric.HOST_CPU_BUSY_TIME, busy, delta);
    emit(out, AgentMetric.HOST_CPU_UNATTRIBUTED, unattributedCpu, delta);
    emit(out, AgentMetric.HOST_CPU_SCOPE_TIME, scopeTime, delta);
    emit(out, AgentMetric.HOST_CPU_SCOPE_UNATTRIBUTED, scopeUnexplained, delta);
  }

  /** Emits a host row on the base resource, when the filter lets it through. */
  private void emit(List<MetricData> out, AgentMetric m, List<DoublePointData> points,
      boolean delta) {
    if (points.isEmpty() || !acceptsMetric.test(m.metricName())) {
      return;
    }
    out.add(EntityMetricData.sum(base, scope, m.metricName(), m.description(), m.unit(),
        delta ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE, points));
  }

  private Attributes receiverAttributes(String receiver) {
    return receiverAttributes.computeIfAbsent(receiver,
        r -> Attributes.of(MetricAttributes.RECEIVER, r));
  }

  /** For delta: the increase of a host series since the last export. */
  private double hostDelta(String key, double value) {
    Double before = lastHost.put(key, value);
    return before == null ? value : value - before;
  }

  private static double previous(double[] before, int i) {
    return before == null || i >= before.length ? 0 : before[i];
  }

  private Attributes energyAttributes(String domain) {
    return energyAttributes(snapshot, domain);
  }

  /** One object per domain (the source does not change while the agent runs). */
  private Attributes energyAttributes(EnergyAccounting.Snapshot snap, String domain) {
    return energyAttributes.computeIfAbsent(domain, d -> Attributes.of(
        MetricAttributes.ENERGY_DOMAIN, d, MetricAttributes.ENERGY_SOURCE, snap.source()));
  }
}

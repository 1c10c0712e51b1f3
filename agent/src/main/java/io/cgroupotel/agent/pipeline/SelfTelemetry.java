package io.cgroupotel.agent.pipeline;

import static io.cgroupotel.agent.export.EntityMetricData.point;

import io.cgroupotel.agent.export.EntityMetricData;
import io.cgroupotel.agent.MetricFilter;
import io.cgroupotel.exporter.DeliveryStats;
import io.cgroupotel.metrics.AgentMetric;
import io.cgroupotel.metrics.EntityMetric;
import io.cgroupotel.metrics.MetricAttributes;
import io.opentelemetry.api.common.AttributeKey;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The agent's own metrics, on the base resource (as the Collector reports its own): per receiver
 * its polls, entities and scrape errors; the send queues; the agent's process; the Prometheus
 * exporter's aborted scrapes. The {@code host.*} rows are the energy books' ({@link
 * io.cgroupotel.agent.energy.HostBooks}).
 *
 * <p>One per exporter view; called by the view's reader thread only.
 */
final class SelfTelemetry {
  private static final AttributeKey<String> EXPORTER = AttributeKey.stringKey("exporter");
  private static final AttributeKey<String> REASON = AttributeKey.stringKey("reason");
  private static final Attributes PROCESS_USER =
      Attributes.of(MetricAttributes.CPU_MODE, "user");
  private static final Attributes PROCESS_SYSTEM =
      Attributes.of(MetricAttributes.CPU_MODE, "system");
  /** Receivers are a handful: one Attributes each, shared by every view. */
  private static final Map<String, Attributes> RECEIVER_ATTRIBUTES = new ConcurrentHashMap<>();

  private final List<ReceiverStats> receiverStats;
  private final Resource base;
  private final InstrumentationScopeInfo scope;
  private final AggregationTemporality temporality;
  private final MetricFilter filter;
  private final long agentStartEpochNanos;
  private final Supplier<ProcessStats> processStats; // null: no process.* rows
  private final LongSupplier scrapesAborted; // null without a Prometheus exporter
  private final Map<String, DeliveryStats> delivery; // by exporter name, sorted
  private final Map<String, Long> lastExportedErrors = new HashMap<>();
  private final Map<String, Long> lastExportedCounters = new HashMap<>();
  private final Map<String, Double> lastProcess = new HashMap<>();
  private long lastExportedAborted;
  // of the export being made
  private long now;
  private long lastExportEpochNanos;
  private boolean delta;

  SelfTelemetry(List<ReceiverStats> receiverStats, Resource base,
      InstrumentationScopeInfo scope,
      AggregationTemporality temporality, MetricFilter filter, long agentStartEpochNanos,
      Supplier<ProcessStats> processStats, LongSupplier scrapesAborted,
      Map<String, DeliveryStats> delivery) {
    this.receiverStats = receiverStats;
    this.base = base;
    this.scope = scope;
    this.temporality = temporality;
    this.filter = filter;
    this.agentStartEpochNanos = agentStartEpochNanos;
    this.processStats = processStats;
    this.scrapesAborted = scrapesAborted;
    this.delivery = new java.util.TreeMap<>(delivery);
  }

  static Attributes receiverAttributes(String receiver) {
    return RECEIVER_ATTRIBUTES.computeIfAbsent(receiver,
        r -> Attributes.of(MetricAttributes.RECEIVER, r));
  }

  /** Adds this export's rows; {@code lastExportEpochNanos} starts the delta points. */
  void add(List<MetricData> out, long now, long lastExportEpochNanos) {
    this.now = now;
    this.lastExportEpochNanos = lastExportEpochNanos;
    this.delta = temporality == AggregationTemporality.DELTA;
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
        durations.add(point(agentStartEpochNanos, now, attributes, stats.lastPollSeconds()));
      }
      entities.add(point(agentStartEpochNanos, now, attributes, stats.entities()));
      long total = stats.errors();
      if (delta) {
        long previous = lastExportedErrors.getOrDefault(stats.receiver(), 0L);
        lastExportedErrors.put(stats.receiver(), total);
        errors.add(point(lastExportEpochNanos, now, attributes, total - previous));
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
        addProcess(out, m, process);
      }
      switch (m) {
        case SCRAPE_DURATION -> gaugeUnlessEmpty(out, m, durations);
        case ENTITIES -> out.add(gauge(m, entities));
        case HOST_NETWORK_ENTITIES -> gaugeUnlessEmpty(out, m, hostNetwork);
        case SCRAPE_ERRORS -> out.add(sum(m, temporality, errors));
        case PROMETHEUS_SCRAPE_ABORTED -> {
          if (scrapesAborted != null) {
            long total = scrapesAborted.getAsLong();
            long start = delta ? lastExportEpochNanos : agentStartEpochNanos;
            double value = delta ? total - lastExportedAborted : total;
            lastExportedAborted = total;
            out.add(sum(m, temporality, List.of(point(start, now, Attributes.empty(), value))));
          }
        }
        case EXPORT_QUEUE_SIZE, EXPORT_QUEUE_AGE, EXPORT_FAILURES, EXPORT_DROPPED ->
            addDelivery(m, out);
        default -> {
          // the host.* rows: HostBooks
        }
      }
    }
  }

  /** The agent's own process rows. */
  private void addProcess(List<MetricData> out, AgentMetric m, ProcessStats p) {
    switch (m) {
      case PROCESS_CPU_TIME -> {
        double user = delta ? processDelta("process/user", p.userSeconds()) : p.userSeconds();
        double system = delta ? processDelta("process/system", p.systemSeconds())
            : p.systemSeconds();
        long start = delta ? lastExportEpochNanos : agentStartEpochNanos;
        out.add(sum(m, temporality, List.of(
            point(start, now, PROCESS_USER, user), point(start, now, PROCESS_SYSTEM, system))));
      }
      case PROCESS_MEMORY_USAGE -> addProcessGauge(out, m, p.residentBytes());
      case PROCESS_MEMORY_VIRTUAL -> addProcessGauge(out, m, p.virtualBytes());
      case PROCESS_OPEN_FILE_DESCRIPTORS -> addProcessGauge(out, m, p.openFileDescriptors());
      default -> { }
    }
  }

  private void addProcessGauge(List<MetricData> out, AgentMetric m, long value) {
    if (value >= 0) {
      out.add(gauge(m, List.of(point(agentStartEpochNanos, now, Attributes.empty(), value))));
    }
  }

  /** For delta: the increase of a process counter since the last export. */
  private double processDelta(String key, double value) {
    Double before = lastProcess.put(key, value);
    return before == null ? value : value - before;
  }

  /** The send queues' depth, age and dropped points, one point per exporter (and reason). */
  private void addDelivery(AgentMetric m, List<MetricData> out) {
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
            stats.failedAttempts()));
        default -> stats.droppedPoints().forEach((reason, total) -> points.add(counterPoint(
            exporter + '\0' + reason, Attributes.of(EXPORTER, exporter, REASON, reason), total)));
      }
    });
    if (m.instrument() == EntityMetric.Instrument.COUNTER) {
      out.add(sum(m, temporality, points));
    } else {
      out.add(gauge(m, points));
    }
  }

  /** A point of a counter of the agent's own: its total, or for delta its increase. */
  private DoublePointData counterPoint(String key, Attributes attributes, long total) {
    if (!delta) {
      return point(agentStartEpochNanos, now, attributes, total);
    }
    Long previous = lastExportedCounters.put(key, total);
    return point(lastExportEpochNanos, now, attributes, total - (previous == null ? 0 : previous));
  }

  private void gaugeUnlessEmpty(List<MetricData> out, AgentMetric m,
      List<DoublePointData> points) {
    if (!points.isEmpty()) {
      out.add(gauge(m, points));
    }
  }

  private MetricData sum(AgentMetric m, AggregationTemporality t, List<DoublePointData> points) {
    return EntityMetricData.sum(base, scope, m.metricName(), m.description(), m.unit(), t,
        points);
  }

  private MetricData gauge(AgentMetric m, List<DoublePointData> points) {
    return EntityMetricData.gauge(base, scope, m.metricName(), m.description(), m.unit(),
        points);
  }
}

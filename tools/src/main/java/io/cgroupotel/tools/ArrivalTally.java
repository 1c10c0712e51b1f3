package io.cgroupotel.tools;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What reached the outage benchmark's collector stand-in, and the check of it against the pods
 * the harness made: per pod (by {@code k8s.pod.uid}) every {@code k8s.pod.cpu.time} point by
 * its time, the times of the agent's exports (the points of {@code cgroup_agent.entities}, stamped
 * at export), the highest {@code cgroup_agent.export.queue.size} and the
 * {@code cgroup_agent.export.dropped} counters.
 *
 * <p>A pod's point is stamped with its sample's poll time, which precedes the export that carries
 * it: point {@code t} belongs to the first export at or after {@code t}. A pod has a gap where an
 * export between its first and its last one carried none of its points: that is a point the queue
 * should have kept. Thread-safe: the collector's handler adds, the control thread reports.
 */
final class ArrivalTally {
  static final String POD_CPU_TIME = "k8s.pod.cpu.time";
  static final String POD_UID = "k8s.pod.uid";
  static final String EXPORT_MARK = "cgroup_agent.entities";
  static final String QUEUE_SIZE = "cgroup_agent.export.queue.size";
  static final String DROPPED = "cgroup_agent.export.dropped";

  private final Map<String, TreeMap<Long, Double>> pods = new HashMap<>();
  private final TreeSet<Long> exports = new TreeSet<>();
  private final Map<String, Double> dropped = new HashMap<>(); // by exporter and reason: the highest
  private double peakQueueBytes;
  private long requests;
  private long bytes;
  private long points;
  private long upEpochNanos = -1; // when the collector came back
  private long drainedEpochNanos = -1; // the first export made after that, arrived
  private long backlogEpochNanos = -1; // the last export made before that, arrived after it

  /** One request as it arrived, {@code size} bytes on the wire, at {@code arrivalEpochNanos}. */
  synchronized void add(ExportMetricsServiceRequest request, int size, long arrivalEpochNanos) {
    requests++;
    bytes += size;
    for (ResourceMetrics rm : request.getResourceMetricsList()) {
      String uid = attribute(rm.getResource().getAttributesList(), POD_UID);
      for (ScopeMetrics sm : rm.getScopeMetricsList()) {
        for (Metric m : sm.getMetricsList()) {
          List<NumberDataPoint> dps = m.hasSum() ? m.getSum().getDataPointsList()
              : m.hasGauge() ? m.getGauge().getDataPointsList() : List.of();
          points += dps.size();
          for (NumberDataPoint p : dps) {
            record(uid, m.getName(), p, arrivalEpochNanos);
          }
        }
      }
    }
  }

  private void record(String uid, String metric, NumberDataPoint p, long arrivalEpochNanos) {
    double value = p.hasAsDouble() ? p.getAsDouble() : p.getAsInt();
    long time = p.getTimeUnixNano();
    if (uid != null) {
      if (metric.equals(POD_CPU_TIME)) {
        pods.computeIfAbsent(uid, k -> new TreeMap<>()).put(time, value);
      }
      return;
    }
    switch (metric) {
      case EXPORT_MARK -> {
        exports.add(time);
        if (upEpochNanos >= 0 && drainedEpochNanos < 0) {
          if (time <= upEpochNanos) {
            backlogEpochNanos = arrivalEpochNanos; // made before the return: the backlog
          } else {
            // the queue sends in order: the first export made after the return arriving means
            // everything queued before it has arrived
            drainedEpochNanos = arrivalEpochNanos;
          }
        }
      }
      case QUEUE_SIZE -> peakQueueBytes = Math.max(peakQueueBytes, value);
      case DROPPED -> dropped.merge(attribute(p.getAttributesList(), "exporter") + "/"
          + attribute(p.getAttributesList(), "reason"), value, Math::max);
      default -> { }
    }
  }

  /** The collector accepts again from now on: the drain time is measured from here. */
  synchronized void collectorUp(long epochNanos) {
    upEpochNanos = epochNanos;
    drainedEpochNanos = -1;
    backlogEpochNanos = -1;
  }

  /** Seconds from the collector's return to the arrival of the first export made after it. */
  synchronized double drainSeconds() {
    return drainedEpochNanos < 0 ? -1 : (drainedEpochNanos - upEpochNanos) / 1e9;
  }

  /**
   * Seconds from the collector's return to the arrival of the last export made before it, once
   * the first one made after it has arrived (so nothing older can follow); 0 when nothing was
   * queued, -1 before.
   */
  synchronized double backlogSeconds() {
    return drainedEpochNanos < 0 ? -1
        : backlogEpochNanos < 0 ? 0 : (backlogEpochNanos - upEpochNanos) / 1e9;
  }

  private static String attribute(List<KeyValue> attributes, String key) {
    for (KeyValue kv : attributes) {
      if (kv.getKey().equals(key)) {
        AnyValue v = kv.getValue();
        return v.hasStringValue() ? v.getStringValue() : v.toString().strip();
      }
    }
    return null;
  }

  /** A pod the harness made, with its {@code cpu.stat} {@code usage_usec} at its end. */
  record Expected(String uid, long finalUsageUsec, boolean endedInOutage) {
    /** {@code UID USAGE_USEC STATE}, STATE one of live, ended, ended-in-outage. */
    static Expected parse(String line) {
      String[] f = line.strip().split("\\s+");
      if (f.length != 3) {
        throw new IllegalArgumentException("expected 'UID USAGE_USEC STATE', got: " + line);
      }
      return new Expected(f[0], Long.parseLong(f[1]), f[2].equals("ended-in-outage"));
    }
  }

  /** The figures of a run; {@code pointsLost} is what the target says must be 0. */
  record Result(int podsExpected, int podsEndedInOutage, int podsArrived, List<String> missing,
      List<String> wrongFinal, long gapPoints, int exports, double longestExportGapSeconds,
      double peakQueueBytes, double dropped, long requests, long bytes, long points,
      double backlogSeconds, double drainSeconds) {
    /** Pods that never arrived, pods whose final value did not, and points missing in series. */
    long pointsLost() {
      return missing.size() + wrongFinal.size() + gapPoints;
    }

    String render() {
      return String.format(Locale.ROOT, """
          pods seen in the run:          %d (of which ended during the outage: %d)
          pods arrived:                  %d
          pods never arrived:            %d %s
          pods whose final cpu.time did not arrive: %d %s
          points missing inside series:  %d
          points lost:                   %d
          agent exports seen:            %d (longest interval between two: %.1f s)
          dropped (export.dropped):      %.0f
          peak queue (export.queue.size): %.0f bytes (%.1f MiB)
          after the collector came back: the backlog in %s, the first new export in %s
          requests: %d, %.1f MiB, %d points
          """, podsExpected, podsEndedInOutage, podsArrived, missing.size(), first(missing),
          wrongFinal.size(), first(wrongFinal), gapPoints, pointsLost(), exports,
          longestExportGapSeconds, dropped, peakQueueBytes, peakQueueBytes / (1 << 20),
          seconds(backlogSeconds), seconds(drainSeconds),
          requests, bytes / 1048576.0, points);
    }

    private static String seconds(double s) {
      return s < 0 ? "(not seen)" : String.format(Locale.ROOT, "%.1f s", s);
    }

    private static String first(List<String> items) {
      return items.isEmpty() ? "" : "(first: " + String.join(", ", items.subList(0,
          Math.min(5, items.size()))) + ")";
    }
  }

  /** Checks what arrived against the pods the harness made. */
  synchronized Result check(List<Expected> expected) {
    long[] marks = exports.stream().mapToLong(Long::longValue).toArray();
    List<String> missing = new ArrayList<>();
    List<String> wrongFinal = new ArrayList<>();
    long gaps = 0;
    int arrived = 0;
    int endedInOutage = 0;
    for (Expected e : expected) {
      if (e.endedInOutage()) {
        endedInOutage++;
      }
      TreeMap<Long, Double> series = pods.get(e.uid());
      if (series == null) {
        missing.add(e.uid());
        continue;
      }
      arrived++;
      double last = series.lastEntry().getValue();
      double want = e.finalUsageUsec() / 1e6;
      if (Math.abs(last - want) > Math.max(1e-6, want * 0.01)) {
        wrongFinal.add(e.uid() + String.format(Locale.ROOT, " %.6f s != %.6f s", last, want));
      }
      gaps += gaps(series, marks);
    }
    double longest = 0;
    for (int i = 1; i < marks.length; i++) {
      longest = Math.max(longest, (marks[i] - marks[i - 1]) / 1e9);
    }
    double drop = dropped.values().stream().mapToDouble(Double::doubleValue).sum();
    double drain = drainSeconds();
    return new Result(expected.size(), endedInOutage, arrived, missing, wrongFinal, gaps,
        marks.length, longest, peakQueueBytes, drop, requests, bytes, points, backlogSeconds(),
        drain);
  }

  /** Exports between a pod's first and last that carried none of its points. */
  static long gaps(TreeMap<Long, Double> series, long[] exportTimes) {
    TreeSet<Integer> carried = new TreeSet<>();
    for (long t : series.keySet()) {
      int i = Arrays.binarySearch(exportTimes, t);
      carried.add(i >= 0 ? i : -i - 1); // the first export at or after the sample
    }
    return carried.last() - carried.first() + 1 - carried.size();
  }
}

package io.cgroupotel.exporter.prometheus;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.prometheus.metrics.model.snapshots.Labels;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * OTel names and attribute keys as Prometheus names and label names, per the OTel
 * specification's "Prometheus and OpenMetrics compatibility" (the rules the Collector's
 * Prometheus exporters follow).
 *
 * <ul>
 *   <li>Metric: invalid characters become {@code _}, the UCUM unit is appended as a word
 *       ({@code s} as {@code seconds}, {@code By} as {@code bytes}; an annotation such as
 *       {@code {cpu}} adds nothing), a monotonic sum gets {@code _total}: {@code cgroup.cpu.time}
 *       in {@code s} is {@code cgroup_cpu_time_seconds_total}.
 *   <li>Label: every character outside {@code [a-zA-Z0-9_]} becomes {@code _} (so {@code .},
 *       {@code :}, {@code -} and any non-ASCII letter), runs of {@code _} collapse to one, and a
 *       key that starts with a digit gets the prefix {@code key_}: {@code k8s.pod.name} is
 *       {@code k8s_pod_name}, {@code 1abc} is {@code key_1abc}, {@code a:b} and {@code a__b} are
 *       {@code a_b}. When two keys end up with the same label name, the label's value is their
 *       values joined with {@code ;}, in the order of the original keys.
 * </ul>
 */
final class PrometheusNames {
  private PrometheusNames() {}

  /** As Prometheus translates OTLP names: sanitized, unit suffix, {@code _total} for counters. */
  static String metricName(String otelName, String unit, boolean counter) {
    String name = sanitizeMetricName(otelName);
    String suffix = unitSuffix(unit);
    if (!suffix.isEmpty() && !name.endsWith("_" + suffix)) {
      name += "_" + suffix;
    }
    if (counter && !name.endsWith("_total")) {
      name += "_total";
    }
    return name;
  }

  /** The Prometheus word for a UCUM unit, or "" (annotations such as {@code {cpu}}). */
  static String unitSuffix(String unit) {
    if (unit == null || unit.isEmpty() || unit.startsWith("{")) {
      return "";
    }
    int annotation = unit.indexOf('{');
    if (annotation > 0) {
      unit = unit.substring(0, annotation); // g{CO2e} -> g, as the Collector does
    }
    return switch (unit) {
      case "g" -> "grams";
      case "s" -> "seconds";
      case "ms" -> "milliseconds";
      case "us" -> "microseconds";
      case "ns" -> "nanoseconds";
      case "By" -> "bytes";
      case "J" -> "joules";
      case "W" -> "watts";
      case "1" -> "ratio";
      default -> sanitizeLabelName(unit);
    };
  }

  /** {@code [a-zA-Z_:][a-zA-Z0-9_:]*}: anything else becomes {@code _}. */
  static String sanitizeMetricName(String name) {
    StringBuilder sb = new StringBuilder(name.length());
    name.codePoints().forEach(c -> {
      boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':'
          || c >= '0' && c <= '9' && sb.length() > 0;
      sb.append(ok ? (char) c : '_');
    });
    return sb.toString();
  }

  /**
   * A legal label name ({@code [a-zA-Z_][a-zA-Z0-9_]*}) for an attribute key: see the class
   * comment.
   */
  static String sanitizeLabelName(String key) {
    StringBuilder sb = new StringBuilder(key.length() + 4);
    key.codePoints().forEach(c -> {
      boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
      if (ok) {
        sb.append((char) c);
      } else if (sb.length() == 0 || sb.charAt(sb.length() - 1) != '_') {
        sb.append('_');
      }
    });
    if (sb.length() == 0) {
      return "_";
    }
    if (sb.charAt(0) >= '0' && sb.charAt(0) <= '9') {
      sb.insert(0, "key_");
    }
    return sb.toString();
  }

  /**
   * The labels of a point: the resource's attributes, then the point's (a point attribute wins
   * over a resource attribute of the same key), with legal names; keys that become the same name
   * have their values joined by {@code ;} in the order of the original keys.
   */
  static Labels labels(Attributes resource, Attributes point) {
    Map<String, String> byKey = new TreeMap<>();
    resource.forEach((AttributeKey<?> k, Object v) -> byKey.put(k.getKey(), String.valueOf(v)));
    point.forEach((AttributeKey<?> k, Object v) -> byKey.put(k.getKey(), String.valueOf(v)));
    Map<String, String> byName = new TreeMap<>();
    byKey.forEach((key, value) -> byName.merge(sanitizeLabelName(key), value,
        (a, b) -> a + ";" + b));
    List<String> names = new ArrayList<>(byName.keySet());
    List<String> values = new ArrayList<>(byName.values());
    return Labels.of(names, values);
  }
}

package io.cgroupotel.exporter.prometheus;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.PrometheusNaming;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * OTel metric names, units and attribute keys as Prometheus names and label names, by the rules
 * of the Prometheus project's {@code otlptranslator} (github.com/prometheus/otlptranslator), the
 * Go library that Prometheus's OTLP receiver and the Collector's Prometheus exporters use, in
 * its default mode for Prometheus scrapes (escaped to legacy names, with suffixes). Ported whole
 * from {@code metric_namer.go} ({@code normalizeName}, {@code addUnitTokens}, the unit maps),
 * {@code unit_namer.go} ({@code buildUnitSuffixes}, {@code cleanUpUnit}, {@code UnitNamer.Build})
 * and {@code label_namer.go} ({@code LabelNamer.Build}); {@code PrometheusNamesTest} runs their
 * test tables.
 *
 * <ul>
 *   <li>Metric: the name is split into words at every character outside {@code [a-zA-Z0-9:]}
 *       (so {@code .}, {@code -} and runs of {@code _} become one {@code _}); the unit's words
 *       follow unless the name has them already ({@code s} → {@code seconds}, {@code By} →
 *       {@code bytes}, {@code KiBy} → {@code kibibytes}, {@code %} → {@code percent}, {@code
 *       By/s} → {@code bytes_per_second}; a unit in braces such as {@code {cpu}} or {@code
 *       g{CO2e}} adds nothing); a counter ends in {@code total}, a gauge in unit {@code 1} in
 *       {@code ratio} (each word once); a name that starts with a digit gets a leading {@code _}.
 *       {@code cgroup.cpu.time} in {@code s} is {@code cgroup_cpu_time_seconds_total}, {@code
 *       k8s.pod.carbon} in {@code g{CO2e}} is {@code k8s_pod_carbon_total}.
 *   <li>Label: each character outside {@code [a-zA-Z0-9_]} becomes {@code _} (runs are kept),
 *       a key that starts with a digit gets the prefix {@code key_}: {@code k8s.pod.name} is
 *       {@code k8s_pod_name}, {@code 1abc} is {@code key_1abc}, {@code a:b} is {@code a_b},
 *       {@code a.:-b} is {@code a___b}. A key that becomes empty or only {@code _} has no label
 *       (the translator refuses it), nor does one that starts with {@code __} (names Prometheus
 *       reserves and drops from a scrape). When two keys end up with the same label name, the
 *       label's value is their values joined with {@code ;}, in the order of the original keys.
 *       An array value is written as JSON ({@code ["a","b"]}), as the Collector's {@code
 *       AsString} does.
 * </ul>
 */
final class PrometheusNames {
  private PrometheusNames() {}

  /** The metric kinds the translator tells apart (histograms and summaries are not served). */
  enum Kind {
    /** A monotonic sum: {@code _total}. */
    COUNTER,
    /** A gauge: {@code _ratio} with unit {@code 1}. */
    GAUGE,
    /** A non-monotonic sum (an UpDownCounter): no type suffix. */
    UP_DOWN
  }

  /** metric_namer.go {@code unitMap}: OTel (UCUM) units as Prometheus words. */
  private static final Map<String, String> UNITS = Map.ofEntries(
      // time
      Map.entry("d", "days"), Map.entry("h", "hours"), Map.entry("min", "minutes"),
      Map.entry("s", "seconds"), Map.entry("ms", "milliseconds"),
      Map.entry("us", "microseconds"), Map.entry("ns", "nanoseconds"),
      // bytes (TiBy as the translator's released table and tests spell it)
      Map.entry("By", "bytes"), Map.entry("KiBy", "kibibytes"), Map.entry("MiBy", "mebibytes"),
      Map.entry("GiBy", "gibibytes"), Map.entry("TiBy", "tibibytes"),
      Map.entry("KBy", "kilobytes"), Map.entry("MBy", "megabytes"),
      Map.entry("GBy", "gigabytes"), Map.entry("TBy", "terabytes"),
      // SI
      Map.entry("m", "meters"), Map.entry("V", "volts"), Map.entry("A", "amperes"),
      Map.entry("J", "joules"), Map.entry("W", "watts"), Map.entry("g", "grams"),
      // misc
      Map.entry("Cel", "celsius"), Map.entry("Hz", "hertz"), Map.entry("1", ""),
      Map.entry("%", "percent"));

  /** metric_namer.go {@code perUnitMap}: the unit after {@code /}, singular. */
  private static final Map<String, String> PER_UNITS = Map.of("s", "second", "m", "minute",
      "h", "hour", "d", "day", "w", "week", "mo", "month", "y", "year");

  /** {@code counter}: TRUE for a monotonic sum, FALSE for a gauge. */
  static String metricName(String otelName, String unit, boolean counter) {
    return metricName(otelName, unit, counter ? Kind.COUNTER : Kind.GAUGE);
  }

  /**
   * metric_namer.go {@code normalizeName} (no namespace): the Prometheus name of a metric, or ""
   * when nothing legal is left (the translator's error case).
   */
  static String metricName(String otelName, String unit, Kind kind) {
    List<String> tokens = words(otelName);
    String[] suffixes = unitSuffixes(unit);
    addUnitTokens(tokens, cleanUpUnit(suffixes[0]), cleanUpUnit(suffixes[1]));
    if (kind == Kind.COUNTER) {
      tokens.removeIf("total"::equals);
      tokens.add("total");
    }
    if ("1".equals(unit) && kind == Kind.GAUGE) {
      tokens.removeIf("ratio"::equals);
      tokens.add("ratio");
    }
    String name = String.join("_", tokens);
    if (!name.isEmpty() && name.charAt(0) >= '0' && name.charAt(0) <= '9') {
      name = "_" + name;
    }
    return name;
  }

  /** unit_namer.go {@code UnitNamer.Build}: the unit's words ({@code bytes_per_second}), or "". */
  static String unitName(String unit) {
    String[] suffixes = unitSuffixes(unit);
    String main = cleanUpUnit(suffixes[0]);
    String per = cleanUpUnit(suffixes[1]);
    String u = !main.isEmpty() && !per.isEmpty() ? main + "_" + per
        : !main.isEmpty() ? main : per;
    if (u.startsWith("_")) {
      u = u.substring(1);
    }
    if (u.endsWith("_")) {
      u = u.substring(0, u.length() - 1);
    }
    return u;
  }

  /** The name's words: split at every character outside {@code [a-zA-Z0-9:]}, none empty. */
  private static List<String> words(String name) {
    List<String> tokens = new ArrayList<>();
    int start = -1;
    for (int i = 0; i < name.length(); i++) {
      if (legalMetricChar(name.charAt(i))) {
        if (start < 0) {
          start = i;
        }
      } else if (start >= 0) {
        tokens.add(name.substring(start, i));
        start = -1;
      }
    }
    if (start >= 0) {
      tokens.add(name.substring(start));
    }
    return tokens;
  }

  /** {@code [a-zA-Z0-9:]}: a UTF-16 surrogate is no letter here, as a non-ASCII rune is not. */
  private static boolean legalMetricChar(char c) {
    return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == ':';
  }

  /**
   * unit_namer.go {@code buildUnitSuffixes}: {main, per}, e.g. {@code By/s} → {bytes,
   * per_second}; a part that is blank or has a brace adds nothing.
   */
  private static String[] unitSuffixes(String unit) {
    String main = "";
    String per = "";
    if (unit == null) {
      return new String[] {main, per};
    }
    int slash = unit.indexOf('/');
    String mainOtel = (slash < 0 ? unit : unit.substring(0, slash)).strip();
    if (!mainOtel.isEmpty() && !hasBrace(mainOtel)) {
      main = UNITS.getOrDefault(mainOtel, mainOtel);
    }
    if (slash >= 0 && slash + 1 < unit.length()) {
      String perOtel = unit.substring(slash + 1).strip();
      if (!perOtel.isEmpty() && !hasBrace(perOtel)) {
        per = PER_UNITS.getOrDefault(perOtel, perOtel);
      }
      if (!per.isEmpty()) {
        per = "per_" + per;
      }
    }
    return new String[] {main, per};
  }

  private static boolean hasBrace(String s) {
    return s.indexOf('{') >= 0 || s.indexOf('}') >= 0;
  }

  /**
   * unit_namer.go {@code cleanUpUnit}: characters outside {@code [a-zA-Z0-9:]} as {@code _},
   * runs of {@code _} as one, no leading {@code _}.
   */
  private static String cleanUpUnit(String unit) {
    StringBuilder sb = new StringBuilder(unit.length());
    unit.codePoints().forEach(c -> {
      boolean legal = c < 0x80 && legalMetricChar((char) c);
      if (legal) {
        sb.appendCodePoint(c);
      } else if (sb.length() == 0 || sb.charAt(sb.length() - 1) != '_') {
        sb.append('_');
      }
    });
    return sb.length() > 0 && sb.charAt(0) == '_' ? sb.substring(1) : sb.toString();
  }

  /** metric_namer.go {@code addUnitTokens}: the unit's words unless the name has them. */
  private static void addUnitTokens(List<String> tokens, String main, String per) {
    if (tokens.contains(main)) {
      main = "";
    }
    if (per.equals("per_")) {
      per = "";
    } else {
      if (per.endsWith("_")) {
        per = per.substring(0, per.length() - 1);
      }
      if (tokens.contains(per)) {
        per = "";
      }
    }
    if (!per.isEmpty() && main.endsWith("_")) {
      main = main.substring(0, main.length() - 1);
    }
    if (!main.isEmpty()) {
      tokens.add(main);
    }
    if (!per.isEmpty()) {
      tokens.add(per);
    }
  }

  /**
   * label_namer.go {@code LabelNamer.Build}: each character (code point) outside {@code
   * [a-zA-Z0-9_]} as {@code _}, {@code key_} before a leading digit; "" where the translator
   * refuses the key (empty, or only {@code _} once escaped).
   */
  static String labelName(String key) {
    if (key.isEmpty()) {
      return "";
    }
    StringBuilder sb = new StringBuilder(key.length() + 4);
    key.codePoints().forEach(c -> {
      boolean legal = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
          || c == '_';
      sb.append(legal ? (char) c : '_');
    });
    if (sb.charAt(0) >= '0' && sb.charAt(0) <= '9') {
      sb.insert(0, "key_");
    }
    String name = sb.toString();
    if (!name.equals(key) && name.chars().allMatch(c -> c == '_')) {
      return "";
    }
    return name;
  }

  /**
   * The labels of a point: the resource's attributes, then the point's (a point attribute wins
   * over a resource attribute of the same key), with legal names; keys that become the same name
   * have their values joined by {@code ;} in the order of the original keys. A key with no label
   * (see the class comment) is left out and reported to {@code dropped}.
   */
  static Labels labels(Attributes resource, Attributes point, Consumer<String> dropped) {
    Map<String, String> byKey = new TreeMap<>();
    resource.forEach((AttributeKey<?> k, Object v) -> byKey.put(k.getKey(), labelValue(v)));
    point.forEach((AttributeKey<?> k, Object v) -> byKey.put(k.getKey(), labelValue(v)));
    Map<String, String> byName = new TreeMap<>();
    byKey.forEach((key, value) -> {
      String name = labelName(key);
      if (name.isEmpty() || name.startsWith("__") || !PrometheusNaming.isValidLabelName(name)) {
        dropped.accept("attribute " + key + " has no legal label name: left out");
      } else {
        byName.merge(name, value, (a, b) -> a + ";" + b);
      }
    });
    return Labels.of(new ArrayList<>(byName.keySet()), new ArrayList<>(byName.values()));
  }

  /** An attribute value as text: arrays as JSON, doubles without exponent, as Go prints them. */
  static String labelValue(Object v) {
    if (v instanceof List<?> list) {
      StringBuilder sb = new StringBuilder("[");
      for (int i = 0; i < list.size(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        Object e = list.get(i);
        if (e instanceof String s) {
          jsonString(sb, s);
        } else {
          sb.append(labelValue(e));
        }
      }
      return sb.append(']').toString();
    }
    if (v instanceof Double d) {
      if (d.isNaN()) {
        return "NaN";
      }
      if (d.isInfinite()) {
        return d > 0 ? "+Inf" : "-Inf";
      }
      return new BigDecimal(d.toString()).stripTrailingZeros().toPlainString();
    }
    return String.valueOf(v);
  }

  private static void jsonString(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20 || c == '<' || c == '>' || c == '&') { // Go's json escapes these too
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}

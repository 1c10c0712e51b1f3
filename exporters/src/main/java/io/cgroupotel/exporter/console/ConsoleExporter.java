package io.cgroupotel.exporter.console;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.ExponentialHistogramPointData;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.metrics.data.SummaryPointData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.resources.Resource;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Prints each export as a table for people: one block per resource, headed by the attributes
 * that tell it apart (its {@code cgroup.path}, pod name, job id...), then one row per point.
 *
 * <p>Thread-safe.
 */
public final class ConsoleExporter implements MetricExporter {
  /** Attributes every resource shares: not worth repeating on every block. */
  private static final List<String> SHARED_PREFIXES =
      List.of("service.", "telemetry.", "host.name");

  private final PrintStream out;

  public ConsoleExporter(PrintStream out) {
    this.out = out;
  }

  @Override
  public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
    return AggregationTemporality.CUMULATIVE;
  }

  /** Done with the data when {@code export} returns: the producer may hand out the same objects. */
  @Override
  public MemoryMode getMemoryMode() {
    return MemoryMode.REUSABLE_DATA;
  }

  @Override
  public CompletableResultCode export(Collection<MetricData> metrics) {
    Map<Resource, List<MetricData>> byResource = new LinkedHashMap<>();
    for (MetricData m : metrics) {
      byResource.computeIfAbsent(m.getResource(), r -> new ArrayList<>()).add(m);
    }
    List<Map.Entry<Resource, List<MetricData>>> blocks = new ArrayList<>(byResource.entrySet());
    blocks.sort(Comparator.comparing(e -> title(e.getKey())));
    StringBuilder sb = new StringBuilder();
    sb.append("---- ").append(Instant.now()).append(": ").append(blocks.size())
        .append(" resource(s), ").append(metrics.size()).append(" metric(s)\n");
    for (Map.Entry<Resource, List<MetricData>> block : blocks) {
      sb.append(title(block.getKey())).append('\n');
      List<MetricData> list = block.getValue();
      list.sort(Comparator.comparing(MetricData::getName));
      for (MetricData m : list) {
        for (PointData p : m.getData().getPoints()) {
          String name = m.getName() + labels(p.getAttributes());
          sb.append(String.format(Locale.ROOT, "    %-48s %s%n", name, value(p, m.getUnit())));
        }
      }
    }
    synchronized (this) {
      out.print(sb);
      out.flush();
    }
    return CompletableResultCode.ofSuccess();
  }

  static String title(Resource resource) {
    StringJoiner joiner = new StringJoiner(" ");
    resource.getAttributes().forEach((key, value) -> {
      if (SHARED_PREFIXES.stream().noneMatch(key.getKey()::startsWith)) {
        joiner.add(key.getKey() + "=" + value);
      }
    });
    return joiner.length() == 0 ? "  (agent)" : "  " + joiner;
  }

  private static String labels(Attributes attributes) {
    if (attributes.isEmpty()) {
      return "";
    }
    StringJoiner joiner = new StringJoiner(",", "{", "}");
    attributes.forEach((AttributeKey<?> k, Object v) -> joiner.add(k.getKey() + "=" + v));
    return joiner.toString();
  }

  static String value(PointData point, String unit) {
    if (point instanceof DoublePointData d) {
      return number(d.getValue(), unit);
    }
    if (point instanceof LongPointData l) {
      return number(l.getValue(), unit);
    }
    if (point instanceof HistogramPointData h) {
      return distribution(h.getCount(), h.getSum(), h.hasMin() ? h.getMin() : null,
          h.hasMax() ? h.getMax() : null, unit);
    }
    if (point instanceof ExponentialHistogramPointData e) {
      return distribution(e.getCount(), e.getSum(), e.hasMin() ? e.getMin() : null,
          e.hasMax() ? e.getMax() : null, unit);
    }
    if (point instanceof SummaryPointData s) {
      return distribution(s.getCount(), s.getSum(), null, null, unit);
    }
    return "(" + point.getClass().getSimpleName() + ")";
  }

  /** A histogram or summary as people read it: {@code count 3, sum 1.500 s, min ..., max ...}. */
  private static String distribution(long count, double sum, Double min, Double max,
      String unit) {
    StringBuilder sb = new StringBuilder().append("count ").append(count)
        .append(", sum ").append(number(sum, unit));
    if (min != null) {
      sb.append(", min ").append(number(min, unit));
    }
    if (max != null) {
      sb.append(", max ").append(number(max, unit));
    }
    return sb.toString();
  }

  private static String number(double v, String unit) {
    return switch (unit) {
      case "s" -> String.format(Locale.ROOT, "%.3f s", v);
      case "{cpu}" -> String.format(Locale.ROOT, "%.3f cores", v);
      case "By" -> bytes(v);
      default -> (v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT,
          "%.3f", v)) + (unit.isEmpty() ? "" : " " + unit.replaceAll("[{}]", ""));
    };
  }

  private static String bytes(double v) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    int i = 0;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return i == 0 ? String.format(Locale.ROOT, "%.0f B", v)
        : String.format(Locale.ROOT, "%.1f %s", v, units[i]);
  }

  @Override
  public CompletableResultCode flush() {
    out.flush();
    return CompletableResultCode.ofSuccess();
  }

  @Override
  public CompletableResultCode shutdown() {
    out.flush();
    return CompletableResultCode.ofSuccess();
  }
}

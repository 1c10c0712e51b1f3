package io.cgroupotel.exporter.console;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.PointData;
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
    double v;
    if (point instanceof io.opentelemetry.sdk.metrics.data.DoublePointData d) {
      v = d.getValue();
    } else if (point instanceof io.opentelemetry.sdk.metrics.data.LongPointData l) {
      v = l.getValue();
    } else {
      return point.toString();
    }
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

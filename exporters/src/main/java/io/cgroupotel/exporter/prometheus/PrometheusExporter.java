package io.cgroupotel.exporter.prometheus;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * Serves the last export in the Prometheus text format (0.0.4) on {@code GET /metrics}, with
 * names as Prometheus translates OTLP ({@code cgroup.cpu.time} in s, a counter, becomes {@code
 * cgroup_cpu_time_seconds_total}) and every resource attribute of the entity as a label
 * ({@code cgroup_path}, {@code k8s_pod_name}, {@code oar_job_id}...): Prometheus identifies a
 * series by its labels only, so without them every pod would collapse into one series.
 *
 * <p>Values are as of the last export (at the agent's export interval). Thread-safe.
 */
final class PrometheusExporter implements MetricExporter {
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpServer server;
  private volatile byte[] body = new byte[0];

  private PrometheusExporter(HttpServer server) {
    this.server = server;
  }

  static PrometheusExporter start(InetSocketAddress address) throws IOException {
    HttpServer server = HttpServer.create(address, 16);
    PrometheusExporter exporter = new PrometheusExporter(server);
    server.createContext("/metrics", exporter::serve);
    server.setExecutor(Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "prometheus-exporter");
      t.setDaemon(true);
      return t;
    }));
    server.start();
    return exporter;
  }

  /** The port listened on (useful when 0 was asked for). */
  int port() {
    return server.getAddress().getPort();
  }

  private void serve(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      byte[] b = body;
      exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
      if (exchange.getRequestMethod().equals("HEAD")) {
        exchange.sendResponseHeaders(200, -1);
        return;
      }
      exchange.sendResponseHeaders(200, b.length == 0 ? -1 : b.length);
      if (b.length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(b);
        }
      }
    }
  }

  @Override
  public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
    return AggregationTemporality.CUMULATIVE; // Prometheus wants totals
  }

  @Override
  public CompletableResultCode export(Collection<MetricData> metrics) {
    body = render(metrics).getBytes(StandardCharsets.UTF_8);
    return CompletableResultCode.ofSuccess();
  }

  /** The text format of {@code metrics}: one HELP and TYPE per family, then its samples. */
  static String render(Collection<MetricData> metrics) {
    Map<String, StringBuilder> families = new LinkedHashMap<>();
    for (MetricData m : metrics) {
      boolean counter = m.getType() == MetricDataType.DOUBLE_SUM && m.getDoubleSumData().isMonotonic()
          || m.getType() == MetricDataType.LONG_SUM && m.getLongSumData().isMonotonic();
      boolean gauge = m.getType() == MetricDataType.DOUBLE_GAUGE
          || m.getType() == MetricDataType.LONG_GAUGE || (!counter && (m.getType()
              == MetricDataType.DOUBLE_SUM || m.getType() == MetricDataType.LONG_SUM));
      if (!counter && !gauge) {
        continue; // histograms and summaries: the agent makes none
      }
      String name = metricName(m.getName(), m.getUnit(), counter);
      StringBuilder family = families.computeIfAbsent(name, n -> new StringBuilder()
          .append("# HELP ").append(n).append(' ').append(escapeHelp(m.getDescription()))
          .append('\n').append("# TYPE ").append(n).append(' ')
          .append(counter ? "counter" : "gauge").append('\n'));
      String resourceLabels = labels(m.getResource().getAttributes(), Attributes.empty());
      for (PointData p : m.getData().getPoints()) {
        family.append(name);
        String pointLabels = labels(Attributes.empty(), p.getAttributes());
        if (!resourceLabels.isEmpty() || !pointLabels.isEmpty()) {
          family.append('{').append(resourceLabels);
          if (!resourceLabels.isEmpty() && !pointLabels.isEmpty()) {
            family.append(',');
          }
          family.append(pointLabels).append('}');
        }
        family.append(' ').append(value(p)).append('\n');
      }
    }
    StringBuilder out = new StringBuilder();
    families.values().forEach(out::append);
    return out.toString();
  }

  /** As Prometheus translates OTLP names: sanitized, unit suffix, {@code _total} for counters. */
  static String metricName(String otelName, String unit, boolean counter) {
    String name = sanitize(otelName);
    String suffix = unitSuffix(unit);
    if (!suffix.isEmpty() && !name.endsWith("_" + suffix)) {
      name += "_" + suffix;
    }
    if (counter && !name.endsWith("_total")) {
      name += "_total";
    }
    return name;
  }

  private static String unitSuffix(String unit) {
    if (unit == null || unit.isEmpty() || unit.startsWith("{")) {
      return ""; // annotations such as {cpu} are not units
    }
    int annotation = unit.indexOf('{');
    if (annotation > 0) {
      unit = unit.substring(0, annotation); // g{CO2e} -> g, as the Collector does
    }
    return switch (unit) {
      case "s" -> "seconds";
      case "J" -> "joules";
      case "g" -> "grams";
      case "W" -> "watts";
      case "ms" -> "milliseconds";
      case "By" -> "bytes";
      case "1" -> "ratio";
      default -> sanitize(unit);
    };
  }

  static String sanitize(String name) {
    StringBuilder sb = new StringBuilder(name.length());
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':'
          || c >= '0' && c <= '9' && i > 0;
      sb.append(ok ? c : '_');
    }
    return sb.toString();
  }

  private static String labels(Attributes resource, Attributes point) {
    Map<String, String> labels = new LinkedHashMap<>();
    resource.forEach((AttributeKey<?> k, Object v) -> labels.put(sanitize(k.getKey()),
        String.valueOf(v)));
    point.forEach((AttributeKey<?> k, Object v) -> labels.put(sanitize(k.getKey()),
        String.valueOf(v)));
    StringBuilder sb = new StringBuilder();
    labels.forEach((k, v) -> {
      if (sb.length() > 0) {
        sb.append(',');
      }
      sb.append(k).append("=\"").append(escapeLabel(v)).append('"');
    });
    return sb.toString();
  }

  static String escapeLabel(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  private static String escapeHelp(String v) {
    return v.replace("\\", "\\\\").replace("\n", "\\n");
  }

  private static String value(PointData p) {
    double v = p instanceof DoublePointData d ? d.getValue()
        : p instanceof LongPointData l ? l.getValue() : Double.NaN;
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "+Inf" : "-Inf";
    }
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
  }

  @Override
  public CompletableResultCode flush() {
    return CompletableResultCode.ofSuccess();
  }

  @Override
  public CompletableResultCode shutdown() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    return CompletableResultCode.ofSuccess();
  }
}

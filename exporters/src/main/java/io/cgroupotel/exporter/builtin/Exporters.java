package io.cgroupotel.exporter.builtin;

import io.cgroupotel.exporter.ExporterFactory;
import io.cgroupotel.exporter.console.ConsoleExporterFactory;
import io.cgroupotel.exporter.file.FileExporterFactory;
import io.cgroupotel.exporter.otlp.OtlpExporterFactory;
import io.cgroupotel.exporter.prometheus.PrometheusExporterFactory;
import java.util.List;
import java.util.Map;

/** Every kind of exporter the agent knows. */
public final class Exporters {
  private Exporters() {}

  /** @param environment where the OTLP exporter reads OTEL_EXPORTER_OTLP_* (injectable) */
  public static List<ExporterFactory<?>> factories(Map<String, String> environment) {
    return List.of(new OtlpExporterFactory(environment), new FileExporterFactory(),
        new ConsoleExporterFactory(), new PrometheusExporterFactory());
  }

  /** Whether the environment names an OTLP endpoint, as the SDK's variables do. */
  public static boolean otlpEndpointConfigured(Map<String, String> env) {
    return notBlank(env.get("OTEL_EXPORTER_OTLP_ENDPOINT"))
        || notBlank(env.get("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"));
  }

  private static boolean notBlank(String s) {
    return s != null && !s.isBlank();
  }
}

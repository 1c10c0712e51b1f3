package io.cgroupotel.exporter.otlp;

import java.util.Map;

/**
 * {@code [exporters.otlp]}, as SDK properties: each key set in the file becomes the matching
 * {@code otel.exporter.otlp.*} property, and the standard {@code OTEL_EXPORTER_OTLP_*}
 * variables override them, as in every OTel SDK.
 *
 * @param properties the {@code otel.*} properties the file sets
 * @param queue {@code [exporters.otlp.queue]}
 */
public record OtlpExporterConfig(Map<String, String> properties, QueueConfig queue) {
  /** With the default queue (in memory). */
  public OtlpExporterConfig(Map<String, String> properties) {
    this(properties, QueueConfig.DEFAULT);
  }
}

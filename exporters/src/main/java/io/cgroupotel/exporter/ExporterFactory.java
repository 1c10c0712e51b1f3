package io.cgroupotel.exporter;

import io.cgroupotel.config.ConfigSection;
import io.opentelemetry.sdk.metrics.export.MetricExporter;

/**
 * Makes one kind of exporter: reads its config section, then builds it.
 *
 * @param <C> the exporter's config record
 */
public interface ExporterFactory<C> {

  /** The config section name under {@code [exporters]}, e.g. {@code otlp}. */
  String type();

  /** Reads and validates the section, recording every error in it; returns a best effort. */
  C parseConfig(ConfigSection section);

  /**
   * Builds the exporter.
   *
   * @throws ExporterStartException when it cannot work here (unreadable CA file, unwritable path)
   */
  MetricExporter create(C config) throws ExporterStartException;

  /**
   * A span exporter to the same destination with the same settings, for the agent's own traces
   * ({@code [agent] traces = true}); empty (the default) for exporters that carry no traces.
   *
   * @throws ExporterStartException when it cannot work here
   */
  default java.util.Optional<io.opentelemetry.sdk.trace.export.SpanExporter> spanExporter(
      C config) throws ExporterStartException {
    return java.util.Optional.empty();
  }

  /**
   * Where this exporter delivers receipts (one log record per ended pod, job or cgroup): the same
   * destination and settings as its metrics; empty (the default) for exporters that carry no
   * logs. Built only when {@code [agent] receipts} is on.
   *
   * @throws ExporterStartException when it cannot work here
   */
  default java.util.Optional<io.opentelemetry.sdk.logs.export.LogRecordExporter>
      logRecordExporter(C config) throws ExporterStartException {
    return java.util.Optional.empty();
  }

  /**
   * Where the exporter sends, for {@code --check} to probe (host and port); empty for exporters
   * that write locally.
   */
  default java.util.Optional<java.net.URI> endpoint(C config) {
    return java.util.Optional.empty();
  }
}

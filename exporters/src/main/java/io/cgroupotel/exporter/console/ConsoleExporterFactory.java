package io.cgroupotel.exporter.console;

import io.cgroupotel.config.ConfigSection;
import io.cgroupotel.exporter.ExporterFactory;
import io.opentelemetry.sdk.metrics.export.MetricExporter;

/** Makes the console exporter: a table for people, on standard output. No keys. */
public final class ConsoleExporterFactory implements ExporterFactory<ConsoleExporterFactory.Config> {

  /** {@code [exporters.console]} has no keys besides {@code enabled}. */
  public record Config() {}

  @Override
  public String type() {
    return "console";
  }

  @Override
  public Config parseConfig(ConfigSection section) {
    return new Config();
  }

  @Override
  public MetricExporter create(Config config) {
    return new ConsoleExporter(System.out);
  }

  /** Receipts, one readable line each, on standard output. */
  @Override
  public java.util.Optional<io.opentelemetry.sdk.logs.export.LogRecordExporter>
      logRecordExporter(Config config) {
    return java.util.Optional.of(new ConsoleReceiptExporter(System.out));
  }
}

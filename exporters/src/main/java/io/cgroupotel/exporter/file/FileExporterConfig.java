package io.cgroupotel.exporter.file;

import io.opentelemetry.sdk.metrics.data.AggregationTemporality;

/**
 * {@code [exporters.file]}.
 *
 * @param path file to append to; {@code "-"} is standard output
 * @param temporality cumulative (default) or delta
 */
public record FileExporterConfig(String path, AggregationTemporality temporality) {
  public static final String STDOUT = "-";
}

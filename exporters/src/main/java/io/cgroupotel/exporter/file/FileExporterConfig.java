package io.cgroupotel.exporter.file;

import io.opentelemetry.sdk.metrics.data.AggregationTemporality;

/**
 * {@code [exporters.file]}.
 *
 * @param path file to append metrics to; {@code "-"} is standard output
 * @param temporality cumulative (default) or delta
 * @param logsPath file to append receipts (OTLP JSON log lines) to; {@code "-"} is standard
 *     output; default {@link #defaultLogsPath beside the metrics file}
 */
public record FileExporterConfig(String path, AggregationTemporality temporality,
    String logsPath) {
  public static final String STDOUT = "-";

  /** Receipts go to the default logs path beside {@code path}. */
  public FileExporterConfig(String path, AggregationTemporality temporality) {
    this(path, temporality, defaultLogsPath(path));
  }

  /**
   * Beside the metrics file: {@code metrics} in its name becomes {@code logs} ({@code
   * metrics.jsonl} -> {@code logs.jsonl}), else {@code .logs} goes before its extension ({@code
   * out.jsonl} -> {@code out.logs.jsonl}); standard output stays standard output.
   */
  public static String defaultLogsPath(String path) {
    if (path.equals(STDOUT)) {
      return STDOUT;
    }
    int slash = path.lastIndexOf('/');
    String dir = path.substring(0, slash + 1);
    String name = path.substring(slash + 1);
    if (name.contains("metrics")) {
      return dir + name.replace("metrics", "logs");
    }
    int dot = name.lastIndexOf('.');
    return dot > 0 ? dir + name.substring(0, dot) + ".logs" + name.substring(dot)
        : dir + name + ".logs";
  }
}

package io.cgroupotel.exporter.file;

import io.cgroupotel.config.ConfigSection;
import io.cgroupotel.exporter.ExporterFactory;
import io.cgroupotel.exporter.ExporterStartException;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Makes the file exporter: OTLP JSON lines. */
public final class FileExporterFactory implements ExporterFactory<FileExporterConfig> {
  static final String DEFAULT_PATH = "/var/log/cgroup-otel-agent/metrics.jsonl";

  @Override
  public String type() {
    return "file";
  }

  @Override
  public FileExporterConfig parseConfig(ConfigSection section) {
    String path = section.string("path", DEFAULT_PATH);
    String temporality = section.choice("temporality", "cumulative",
        List.of("cumulative", "delta"));
    String logsPath = section.string("logs_path", FileExporterConfig.defaultLogsPath(path));
    if (!logsPath.equals(FileExporterConfig.STDOUT) && samePath(logsPath, path)) {
      // two writers on one file: each cuts a failed line back, and could cut the other's
      section.error("logs_path", "is the metrics' path \"" + path + "\"",
          "give receipts a file of their own, e.g. \""
              + FileExporterConfig.defaultLogsPath(path) + "\"");
    }
    return new FileExporterConfig(path, temporality.equals("delta")
        ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE, logsPath);
  }

  private static boolean samePath(String a, String b) {
    try {
      return Path.of(a).toAbsolutePath().normalize().equals(Path.of(b).toAbsolutePath()
          .normalize());
    } catch (java.nio.file.InvalidPathException e) {
      return a.equals(b);
    }
  }

  /** Receipts as OTLP JSON log lines, to {@code logs_path}. */
  @Override
  public java.util.Optional<io.opentelemetry.sdk.logs.export.LogRecordExporter>
      logRecordExporter(FileExporterConfig config) throws ExporterStartException {
    if (config.logsPath().equals(FileExporterConfig.STDOUT)) {
      return java.util.Optional.of(new OtlpJsonLogFileExporter(System.out, "standard output"));
    }
    try {
      return java.util.Optional.of(OtlpJsonLogFileExporter.open(Path.of(config.logsPath())));
    } catch (IOException | SecurityException | java.nio.file.InvalidPathException e) {
      throw new ExporterStartException("exporters.file.logs_path: cannot write "
          + config.logsPath() + " (" + e.getMessage() + "); give a writable path, \"-\" for "
          + "standard output, or set [agent] receipts = false", e);
    }
  }

  /**
   * Why the exporter would refuse {@code path} (a symbolic link, a directory on the way that
   * another user could change, another writer holding the file's lock), with what to do; null
   * when it would take it. For {@code --check}: creates and writes nothing.
   */
  public static String pathProblem(Path path) {
    String unsafe = SafePath.problem(path);
    return unsafe != null ? unsafe : AppendOnlyFile.lockProblem(path);
  }

  @Override
  public MetricExporter create(FileExporterConfig config) throws ExporterStartException {
    if (config.path().equals(FileExporterConfig.STDOUT)) {
      return new OtlpJsonFileExporter(System.out, "standard output", config.temporality());
    }
    try {
      return OtlpJsonFileExporter.open(Path.of(config.path()), config.temporality());
    } catch (AppendOnlyFile.Refused e) {
      throw new ExporterStartException("exporters.file.path: " + e.getMessage(), e);
    } catch (IOException | SecurityException | java.nio.file.InvalidPathException e) {
      throw new ExporterStartException("exporters.file.path: cannot write " + config.path() + " ("
          + e.getMessage() + "); give a writable path, or \"-\" for standard output", e);
    }
  }
}

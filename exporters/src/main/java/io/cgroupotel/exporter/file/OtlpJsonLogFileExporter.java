package io.cgroupotel.exporter.file;

import io.cgroupotel.exporter.Reopenable;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Collection;

/**
 * Writes each export of log records (the agent's receipts) as one line: an {@code
 * ExportLogsServiceRequest} in the protobuf JSON mapping ({@link OtlpJsonLogEncoder}). Whole lines
 * only, rotation followed and SIGHUP honoured as the metrics' file ({@link AppendOnlyFile}).
 *
 * <p>Thread-safe.
 */
final class OtlpJsonLogFileExporter implements LogRecordExporter, Reopenable {
  private final LineTarget target; // guarded by this
  private final OtlpJsonLogEncoder encoder = new OtlpJsonLogEncoder();

  /** Lines to a stream (standard output), never closed. */
  OtlpJsonLogFileExporter(OutputStream out, String name) {
    this.target = new LineTarget(out, name, "receipts ");
  }

  private OtlpJsonLogFileExporter(AppendOnlyFile file) {
    this.target = new LineTarget(file, "receipts ");
  }

  static OtlpJsonLogFileExporter open(Path path) throws IOException {
    return new OtlpJsonLogFileExporter(AppendOnlyFile.open(path));
  }

  @Override
  public synchronized CompletableResultCode export(Collection<LogRecordData> records) {
    if (target.isShutdown()) {
      return CompletableResultCode.ofFailure();
    }
    if (records.isEmpty()) {
      return CompletableResultCode.ofSuccess();
    }
    try {
      byte[] line = encoder.encode(records);
      if (target.file != null) {
        target.file.appendLine(out -> out.write(line, line.length));
      } else {
        synchronized (target.stdout) { // the metrics' lines may share standard output
          target.stdout.write(line);
          target.stdout.flush();
        }
      }
      target.written();
      return CompletableResultCode.ofSuccess();
    } catch (IOException | RuntimeException e) {
      return target.failed(e);
    }
  }

  @Override
  public synchronized void reopen() {
    target.reopen();
  }

  @Override
  public synchronized CompletableResultCode flush() {
    return target.flush();
  }

  @Override
  public synchronized CompletableResultCode shutdown() {
    return target.shutdown();
  }
}

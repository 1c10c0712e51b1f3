package io.cgroupotel.exporter.file;

import io.cgroupotel.exporter.Reopenable;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Collection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes each export of log records (the agent's receipts) as one line: an {@code
 * ExportLogsServiceRequest} in the protobuf JSON mapping ({@link OtlpJsonLogEncoder}). Whole lines
 * only, rotation followed and SIGHUP honoured as the metrics' file ({@link AppendOnlyFile}).
 *
 * <p>Thread-safe.
 */
final class OtlpJsonLogFileExporter implements LogRecordExporter, Reopenable {
  private static final Logger log = LoggerFactory.getLogger(OtlpJsonLogFileExporter.class);

  private final OutputStream stdout; // null when writing a file
  private final AppendOnlyFile file; // null when writing to standard output
  private final String name;
  private final OtlpJsonLogEncoder encoder = new OtlpJsonLogEncoder();
  private boolean failing; // guarded by this
  private boolean shutdown; // guarded by this

  /** Lines to a stream (standard output), never closed. */
  OtlpJsonLogFileExporter(OutputStream out, String name) {
    this.stdout = out;
    this.file = null;
    this.name = name;
  }

  private OtlpJsonLogFileExporter(AppendOnlyFile file) {
    this.stdout = null;
    this.file = file;
    this.name = file.path().toString();
  }

  static OtlpJsonLogFileExporter open(Path path) throws IOException {
    return new OtlpJsonLogFileExporter(AppendOnlyFile.open(path));
  }

  @Override
  public synchronized CompletableResultCode export(Collection<LogRecordData> records) {
    if (shutdown) {
      return CompletableResultCode.ofFailure();
    }
    if (records.isEmpty()) {
      return CompletableResultCode.ofSuccess();
    }
    try {
      byte[] line = encoder.encode(records);
      if (file != null) {
        file.appendLine(out -> out.write(line, line.length));
      } else {
        synchronized (stdout) { // the metrics' lines may share standard output
          stdout.write(line);
          stdout.flush();
        }
      }
      if (failing) {
        failing = false;
        log.info("file exporter: writing receipts to {} works again", name);
      }
      return CompletableResultCode.ofSuccess();
    } catch (IOException | RuntimeException e) {
      if (!failing) {
        failing = true;
        log.warn("file exporter: cannot write receipts to {}: {} (the line was not written; "
            + "logged once until it recovers)", name, String.valueOf(e.getMessage()));
      }
      return CompletableResultCode.ofFailure();
    }
  }

  @Override
  public synchronized void reopen() {
    if (file == null || shutdown) {
      return;
    }
    try {
      file.reopen();
    } catch (IOException e) {
      log.warn("file exporter: cannot reopen {}: {} (the next export tries again)", name,
          String.valueOf(e.getMessage()));
    }
  }

  @Override
  public synchronized CompletableResultCode flush() {
    try {
      if (stdout != null) {
        stdout.flush();
      }
      return CompletableResultCode.ofSuccess();
    } catch (IOException e) {
      return CompletableResultCode.ofFailure();
    }
  }

  @Override
  public synchronized CompletableResultCode shutdown() {
    shutdown = true;
    try {
      if (file != null) {
        file.close();
      } else {
        stdout.flush();
      }
      return CompletableResultCode.ofSuccess();
    } catch (IOException e) {
      return CompletableResultCode.ofFailure();
    }
  }
}

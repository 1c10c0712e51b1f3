package io.cgroupotel.exporter.file;

import io.opentelemetry.sdk.common.CompletableResultCode;
import java.io.IOException;
import java.io.OutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a file exporter's lines go, a file ({@link AppendOnlyFile}) or a stream (standard
 * output), with what the metrics' and the receipts' exporters do alike: the failure logged once
 * per episode, reopen for SIGHUP, flush and shutdown.
 *
 * <p>Not thread-safe: its exporter guards it with its own lock.
 */
final class LineTarget {
  private static final Logger log = LoggerFactory.getLogger(LineTarget.class);

  /** Null when writing a file. */
  final OutputStream stdout;
  /** Null when writing to standard output. */
  final AppendOnlyFile file;
  final String name;
  private final String what; // "" for metrics, "receipts " for the log records
  private boolean failing;
  private boolean shutdown;

  LineTarget(OutputStream stdout, String name, String what) {
    this.stdout = stdout;
    this.file = null;
    this.name = name;
    this.what = what;
  }

  LineTarget(AppendOnlyFile file, String what) {
    this.stdout = null;
    this.file = file;
    this.name = file.path().toString();
    this.what = what;
  }

  boolean isShutdown() {
    return shutdown;
  }

  /** A line was written: a failing episode, if any, is over. */
  void written() {
    if (failing) {
      failing = false;
      log.info("file exporter: writing {}to {} works again", what, name);
    }
  }

  /** A line could not be written: logged once until a line is written again. */
  CompletableResultCode failed(Exception e) {
    if (!failing) {
      failing = true;
      log.warn("file exporter: cannot write {}to {}: {} (the line was not written; logged once "
          + "until it recovers)", what, name, String.valueOf(e.getMessage()));
    }
    return CompletableResultCode.ofFailure();
  }

  /** Closes the file and opens its path again; does nothing for standard output. */
  void reopen() {
    if (file == null || shutdown) {
      return;
    }
    try {
      file.reopen();
      log.info("file exporter: reopened {}", name);
    } catch (IOException e) {
      log.warn("file exporter: cannot reopen {}: {} (the next export tries again)", name,
          String.valueOf(e.getMessage()));
    }
  }

  CompletableResultCode flush() {
    try {
      if (stdout != null) {
        stdout.flush();
      }
      return CompletableResultCode.ofSuccess();
    } catch (IOException e) {
      return CompletableResultCode.ofFailure();
    }
  }

  CompletableResultCode shutdown() {
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

package io.cgroupotel.exporter.file;

import io.cgroupotel.exporter.Reopenable;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Collection;

/**
 * Writes each export as one line: an {@code ExportMetricsServiceRequest} in the protobuf JSON
 * mapping, as the Collector's file exporter writes (and its otlpjsonfile receiver reads).
 *
 * <p>The JSON comes from {@link OtlpJsonEncoder}: the same JSON as the OTel SDK's own OTLP
 * marshaler writes (a test holds the two side by side), without its SDK-internal API, and cheap
 * across exports: resources, scopes and metric headers are encoded once, only points each time.
 *
 * <p>Whole lines only: a line is encoded into a buffer reused from export to export and
 * appended in parts of about {@link #PART} bytes (a line is 8 MB at 10,000 entities: a buffer
 * that size would stay on the heap for good); if a write fails partway (a full disk), the file
 * is cut back to its last whole line, so a reader never meets a torn or glued line and the next
 * export starts clean. That export fails; the failure is logged once, and recovery is logged.
 *
 * <p>Rotation: before each export the exporter checks that its path still names the file it
 * has open (same device and inode); after logrotate's {@code mv} (without {@code copytruncate})
 * or a deletion, it opens the path again, creating a new file, and the moved file is not written
 * to any more. {@link #reopen()} does the same at once: it is what the agent calls on SIGHUP
 * (logrotate's {@code postrotate}), so nothing waits for the next export. Standard output ({@code
 * path = "-"}) is never reopened.
 *
 * <p>Thread-safe.
 */
final class OtlpJsonFileExporter implements MetricExporter, Reopenable {
  private final LineTarget target; // guarded by this
  private final AggregationTemporality temporality;
  private final OtlpJsonEncoder encoder = new OtlpJsonEncoder(); // guarded by this
  /**
   * A line goes to the file in parts of about this size, so the encoder's buffer stays this
   * small; a failure partway still cuts the file back to its last whole line.
   */
  static final int PART = 256 * 1024;

  /** Lines to a stream (standard output), never closed. */
  OtlpJsonFileExporter(OutputStream out, String name, AggregationTemporality temporality) {
    this.target = new LineTarget(out, name, "");
    this.temporality = temporality;
  }

  /** Lines appended to {@code file}. */
  OtlpJsonFileExporter(AppendOnlyFile file, AggregationTemporality temporality) {
    this.target = new LineTarget(file, "");
    this.temporality = temporality;
  }

  static OtlpJsonFileExporter open(Path path, AggregationTemporality temporality)
      throws IOException {
    return new OtlpJsonFileExporter(AppendOnlyFile.open(path), temporality);
  }

  @Override
  public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
    return temporality;
  }

  /** Done with the data when {@code export} returns: the producer may hand out the same objects. */
  @Override
  public MemoryMode getMemoryMode() {
    return MemoryMode.REUSABLE_DATA;
  }

  @Override
  public synchronized CompletableResultCode export(Collection<MetricData> metrics) {
    if (target.isShutdown()) {
      return CompletableResultCode.ofFailure();
    }
    try {
      if (target.file != null) {
        target.file.appendLine(out -> {
          encoder.encode(metrics, out, PART);
          out.write(encoder.buffer(), encoder.size()); // the rest, its newline included
        });
      } else {
        OutputStream stdout = target.stdout;
        encoder.encode(metrics, (bytes, length) -> stdout.write(bytes, 0, length), PART);
        stdout.write(encoder.buffer(), 0, encoder.size());
        stdout.flush();
      }
      target.written();
      return CompletableResultCode.ofSuccess();
    } catch (IOException | RuntimeException e) {
      return target.failed(e);
    }
  }

  /**
   * Closes the file and opens its path again (see the class comment); for SIGHUP. Does nothing
   * for standard output.
   */
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

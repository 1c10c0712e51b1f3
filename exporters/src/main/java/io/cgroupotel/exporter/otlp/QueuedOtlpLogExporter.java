package io.cgroupotel.exporter.otlp;

import io.opentelemetry.exporter.internal.otlp.logs.LogsRequestMarshaler;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import java.io.IOException;
import java.util.Collection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receipts (log records) into the same send queue as the metrics of their OTLP exporter: in
 * order with them, kept through a collector outage (and, with a queue {@code path}, a restart),
 * removed only when the collector accepted them. The queue belongs to the metrics' {@link
 * QueuedOtlpExporter}: shutting this down leaves it alone.
 */
final class QueuedOtlpLogExporter implements LogRecordExporter {
  private static final Logger log = LoggerFactory.getLogger(QueuedOtlpLogExporter.class);

  private final QueuedOtlpExporter queue;

  QueuedOtlpLogExporter(QueuedOtlpExporter queue) {
    this.queue = queue;
  }

  @Override
  public CompletableResultCode export(Collection<LogRecordData> logs) {
    if (logs.isEmpty()) {
      return CompletableResultCode.ofSuccess();
    }
    byte[] gzipped;
    try {
      gzipped = QueuedOtlpExporter.gzip(LogsRequestMarshaler.create(logs)::writeBinaryTo);
    } catch (IOException | RuntimeException e) {
      log.warn("otlp exporter: cannot serialize {} receipt(s): {}", logs.size(), e.toString());
      return CompletableResultCode.ofExceptionalFailure(e);
    }
    return queue.enqueue(Signal.LOGS, gzipped, logs.size()) ? CompletableResultCode.ofSuccess()
        : CompletableResultCode.ofFailure();
  }

  @Override
  public CompletableResultCode flush() {
    return queue.flush();
  }

  @Override
  public CompletableResultCode shutdown() {
    return CompletableResultCode.ofSuccess(); // the metrics' exporter closes the queue
  }

  @Override
  public String toString() {
    return "QueuedOtlpLogExporter{" + queue + "}";
  }
}

package io.cgroupotel.exporter.otlp;

import io.cgroupotel.exporter.DeliveryStats;
import io.opentelemetry.exporter.internal.otlp.metrics.MetricsRequestMarshaler;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.AggregationTemporalitySelector;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OTLP exporter behind a send queue: {@link #export} serializes the metrics into an OTLP
 * request (the SDK's own marshaler, as its exporter does), compresses it, hands it to the {@link
 * SendQueue} and returns at once; delivery is the queue's business. So an export fails only when
 * the request could not even be queued, and an ended entity's last export is in the queue
 * whatever the collector's state.
 *
 * <p>The serialization is done before {@code export} returns, so the metric objects may be reused
 * by the caller at the next export ({@link MemoryMode#REUSABLE_DATA}).
 *
 * <p>{@link #enqueue} is the seam for other signals (logs) that share the queue.
 *
 * <p>The marshaler is an internal class of the SDK's exporter-common (there is no public one);
 * {@code SdkInternalsPinTest} pins it so an SDK upgrade that changes it fails there first.
 */
public final class QueuedOtlpExporter implements MetricExporter, DeliveryStats {
  private static final Logger log = LoggerFactory.getLogger(QueuedOtlpExporter.class);
  /**
   * What shutdown spends sending what is left before it stops, when the collector answers
   * (SIGTERM exits within 5 s: the last poll and export come first).
   */
  static final Duration SHUTDOWN_DRAIN = Duration.ofSeconds(2);

  private final SendQueue queue;
  private final AggregationTemporalitySelector temporality;
  private final String description;
  private volatile boolean shut;
  private volatile Duration shutdownDrain = SHUTDOWN_DRAIN;

  QueuedOtlpExporter(SendQueue queue, AggregationTemporalitySelector temporality,
      String description) {
    this.queue = queue;
    this.temporality = temporality;
    this.description = description;
  }

  @Override
  public CompletableResultCode export(Collection<MetricData> metrics) {
    if (shut) {
      return CompletableResultCode.ofFailure();
    }
    int points = 0;
    for (MetricData m : metrics) {
      points += m.getData().getPoints().size();
    }
    byte[] gzipped;
    try {
      gzipped = gzip(MetricsRequestMarshaler.create(metrics)::writeBinaryTo);
    } catch (IOException | RuntimeException e) {
      log.warn("otlp exporter: cannot serialize {} metric(s): {}", metrics.size(), e.toString());
      return CompletableResultCode.ofExceptionalFailure(e);
    }
    return enqueue(Signal.METRICS, gzipped, points) ? CompletableResultCode.ofSuccess()
        : CompletableResultCode.ofFailure();
  }

  /** A request body writer (the SDK marshalers' {@code writeBinaryTo}). */
  @FunctionalInterface
  public interface Body {
    void writeTo(OutputStream out) throws IOException;
  }

  /** Serializes with {@code body} into gzip (fast level: the queue's bound then holds ~10x). */
  public static byte[] gzip(Body body) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(8192);
    try (GZIPOutputStream gz = new GZIPOutputStream(bytes, 16384) {
      {
        def.setLevel(Deflater.BEST_SPEED);
      }
    }) {
      body.writeTo(gz);
    }
    return bytes.toByteArray();
  }

  /**
   * Queues a serialized, gzip-compressed OTLP request of {@code signal} carrying {@code items}
   * points or log records; false when the queue is shut or could not store it.
   */
  public boolean enqueue(Signal signal, byte[] gzippedRequest, int items) {
    return queue.enqueue(signal, gzippedRequest, items);
  }

  /** Waits (at most {@code timeout}) until the queue is empty: everything was delivered. */
  public boolean awaitDelivered(Duration timeout) {
    return queue.awaitEmpty(timeout);
  }

  @Override
  public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
    return temporality.getAggregationTemporality(instrumentType);
  }

  @Override
  public MemoryMode getMemoryMode() {
    return MemoryMode.REUSABLE_DATA;
  }

  /** Succeeds once everything queued is delivered (waits at most 10 s). */
  @Override
  public CompletableResultCode flush() {
    CompletableResultCode result = new CompletableResultCode();
    Thread t = new Thread(() -> {
      if (queue.awaitEmpty(Duration.ofSeconds(10))) {
        result.succeed();
      } else {
        result.fail();
      }
    }, "otlp-flush");
    t.setDaemon(true);
    t.start();
    return result;
  }

  /**
   * Sends what is queued for up to {@link #SHUTDOWN_DRAIN} (or what {@link #drainAtShutdown}
   * set), then stops (a request in flight is
   * cancelled). Succeeds when everything was delivered; a persistent queue keeps the rest.
   */
  @Override
  public CompletableResultCode shutdown() {
    shut = true;
    CompletableResultCode result = new CompletableResultCode();
    Thread t = new Thread(() -> {
      if (queue.close(shutdownDrain, shutdownDrain.compareTo(SHUTDOWN_DRAIN) > 0)) {
        result.succeed();
      } else {
        result.fail();
      }
    }, "otlp-shutdown");
    t.setDaemon(true);
    t.start();
    return result;
  }

  /**
   * How long {@link #shutdown} sends what is queued before it stops. A one-shot run ({@code
   * --once}) waits for its one export to be delivered, as the SDK's exporter would; a running
   * agent keeps {@link #SHUTDOWN_DRAIN} so that SIGTERM ends within its budget.
   */
  public void drainAtShutdown(Duration drain) {
    this.shutdownDrain = java.util.Objects.requireNonNull(drain, "drain");
  }

  /** Whether {@link #shutdown} was called. */
  boolean isShut() {
    return shut;
  }

  @Override
  public int queuedRequests() {
    return queue.queuedRequests();
  }

  @Override
  public long queuedBytes() {
    return queue.queuedBytes();
  }

  @Override
  public double queueAgeSeconds() {
    return queue.queueAgeSeconds();
  }

  @Override
  public long failedAttempts() {
    return queue.failedAttempts();
  }

  @Override
  public Map<String, Long> droppedPoints() {
    return queue.droppedPoints();
  }

  @Override
  public String toString() {
    return "QueuedOtlpExporter{" + description + "}";
  }
}

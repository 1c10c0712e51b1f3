package io.cgroupotel.agent.export;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.common.Clock;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wraps an exporter so that a collector that is down makes one warning, a summary every few
 * minutes and one line when it is back, instead of a stack trace per export. The SDK's own
 * exporter loggers are turned down in {@code simplelogger.properties} for that reason.
 *
 * <p>Thread-safe.
 */
public final class QuietExporter implements MetricExporter {
  private static final Logger log = LoggerFactory.getLogger(QuietExporter.class);

  private final String name;
  private final MetricExporter delegate;
  private final long summaryNanos;
  private final Clock clock;
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong failuresSinceSummary = new AtomicLong();
  private volatile long lastSummary;

  private final Tracer tracer;

  public QuietExporter(String name, MetricExporter delegate, Duration summaryInterval,
      Clock clock, Tracer tracer) {
    this.name = name;
    this.tracer = tracer;
    this.delegate = delegate;
    this.summaryNanos = summaryInterval.toNanos();
    this.clock = clock;
  }

  @Override
  public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
    return delegate.getAggregationTemporality(instrumentType);
  }

  @Override
  public MemoryMode getMemoryMode() {
    return delegate.getMemoryMode();
  }

  @Override
  public CompletableResultCode export(Collection<MetricData> metrics) {
    Span span = tracer.spanBuilder("export " + name).startSpan();
    span.setAttribute("exporter", name);
    span.setAttribute("metrics", metrics.size());
    CompletableResultCode result = delegate.export(metrics);
    result.whenComplete(() -> {
      record(result);
      if (!result.isSuccess()) {
        span.setStatus(StatusCode.ERROR, describe(result.getFailureThrowable()));
      }
      span.end();
    });
    return result;
  }

  private synchronized void record(CompletableResultCode result) {
    long now = clock.nanoTime();
    if (result.isSuccess()) {
      long failed = failures.getAndSet(0);
      if (failed > 0) {
        log.info("exporter {}: exporting works again, after {} failed export(s)", name, failed);
      }
      failuresSinceSummary.set(0);
      return;
    }
    if (failures.getAndIncrement() == 0) {
      lastSummary = now;
      log.warn("exporter {}: export failed: {} (the agent keeps measuring; this export's points "
          + "are not delivered: series that go on are whole again at the next export that "
          + "succeeds, as their counters are cumulative, but entities that ended since the last "
          + "export are lost to this exporter; repeats are summarised)", name,
          describe(result.getFailureThrowable()));
    } else if (failuresSinceSummary.incrementAndGet() > 0 && now - lastSummary >= summaryNanos) {
      log.warn("exporter {}: {} more failed export(s) in the last {}s: {}", name,
          failuresSinceSummary.getAndSet(0), (now - lastSummary) / 1_000_000_000L,
          describe(result.getFailureThrowable()));
      lastSummary = now;
    }
  }

  /**
   * The failure in words. The OTLP exporter's failures already name the HTTP status or gRPC code
   * and the endpoint; a bare exception is named by its class, never as {@code null}.
   */
  static String describe(Throwable t) {
    if (t == null) {
      return "no answer in time, or an error status";
    }
    String message = t.getMessage() == null || t.getMessage().isBlank()
        ? t.getClass().getSimpleName() : t.getMessage();
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root != t && root.getMessage() != null && !message.contains(root.getMessage())) {
      message += " (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
    }
    return message;
  }

  /** Failed exports since the last success. */
  long failures() {
    return failures.get();
  }

  @Override
  public CompletableResultCode flush() {
    return delegate.flush();
  }

  @Override
  public CompletableResultCode shutdown() {
    return delegate.shutdown();
  }

  @Override
  public void close() {
    delegate.close();
  }
}

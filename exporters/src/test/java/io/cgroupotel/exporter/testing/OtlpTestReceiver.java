package io.cgroupotel.exporter.testing;

import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * What the in-test OTLP receivers share: the requests they decoded, and the faults they can be
 * told to play (answer an error, answer slowly).
 */
public abstract class OtlpTestReceiver implements AutoCloseable {
  protected final BlockingQueue<ExportMetricsServiceRequest> requests =
      new LinkedBlockingQueue<>();
  /** Log exports (the agent's receipts), decoded. */
  protected final BlockingQueue<ExportLogsServiceRequest> logs = new LinkedBlockingQueue<>();
  protected volatile boolean failing;
  protected volatile Duration delay = Duration.ZERO;
  protected volatile long rejecting;
  /** Whether it serves logs: a collector without a logs pipeline does not (set before start). */
  protected volatile boolean servesLogs = true;

  /** The endpoint URL to give an exporter. */
  public abstract String endpoint();

  public abstract int port();

  /** Starts listening (again) on the same port. */
  public abstract void start();

  /** Stops listening: exporters then see connection refused. */
  public abstract void stop();

  @Override
  public void close() {
    stop();
  }

  /**
   * Serves metrics only, as a Collector whose OTLP receiver is in no logs pipeline: HTTP 404 on
   * /v1/logs, gRPC UNIMPLEMENTED. Takes effect at the next {@link #start}.
   */
  public void setServesLogs(boolean servesLogs) {
    this.servesLogs = servesLogs;
  }

  /** From now on, answer every export with an error (gRPC UNAVAILABLE, HTTP 503). */
  public void setFailing(boolean failing) {
    this.failing = failing;
  }

  /**
   * From now on, accept every export with a partial success that rejects {@code points} points
   * (0: a plain success).
   */
  public void setRejecting(long points) {
    this.rejecting = points;
  }

  /** The answer to an accepted export: empty, or a partial success (see setRejecting). */
  protected io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse response() {
    long n = rejecting;
    var response = io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse
        .newBuilder();
    if (n > 0) {
      response.setPartialSuccess(io.opentelemetry.proto.collector.metrics.v1
          .ExportMetricsPartialSuccess.newBuilder().setRejectedDataPoints(n)
          .setErrorMessage("told to reject " + n));
    }
    return response.build();
  }

  /** From now on, wait this long before answering. */
  public void setDelay(Duration delay) {
    this.delay = delay;
  }

  /** Waits at most {@code timeout} for the next request. */
  public ExportMetricsServiceRequest next(Duration timeout) throws InterruptedException {
    ExportMetricsServiceRequest r = requests.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (r == null) {
      throw new AssertionError("no OTLP request within " + timeout + " at " + endpoint());
    }
    return r;
  }

  /** Takes every request received so far. */
  public List<ExportMetricsServiceRequest> drain() {
    List<ExportMetricsServiceRequest> all = new ArrayList<>();
    requests.drainTo(all);
    return all;
  }

  /** Waits at most {@code timeout} for the next log export. */
  public ExportLogsServiceRequest nextLogs(Duration timeout) throws InterruptedException {
    ExportLogsServiceRequest r = logs.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (r == null) {
      throw new AssertionError("no OTLP logs request within " + timeout + " at " + endpoint());
    }
    return r;
  }

  /** Takes every log export received so far. */
  public List<ExportLogsServiceRequest> drainLogs() {
    List<ExportLogsServiceRequest> all = new ArrayList<>();
    logs.drainTo(all);
    return all;
  }

  protected void pause() {
    Duration d = delay;
    if (!d.isZero()) {
      try {
        Thread.sleep(d.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}

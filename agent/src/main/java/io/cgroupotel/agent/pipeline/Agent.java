package io.cgroupotel.agent.pipeline;

import io.cgroupotel.exporter.Reopenable;
import io.opentelemetry.sdk.common.CompletableResultCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link Pipeline}: starts its receivers' polling, polls once for --check and --once, and
 * stops it with a last poll and a last export. Building is {@link PipelineBuilder}'s part, and
 * exports happen on the readers' own timers (and once more at shutdown).
 *
 * <p>Called from one thread (the main one); SIGHUP's {@link #reopenFiles()} may come from another.
 */
public final class Agent implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Agent.class);

  private final Pipeline pipeline;
  private boolean providersShut;

  /** Runs {@code pipeline}: its receivers, readers and exporters; {@link #close} stops them. */
  public Agent(Pipeline pipeline) {
    this.pipeline = pipeline;
  }

  public Pipeline pipeline() {
    return pipeline;
  }

  /** Starts discovery and polling. Each receiver is polled once before this returns. */
  public void start() {
    for (ReceiverRunner runner : pipeline.runners()) {
      runner.receiver().start();
      runner.pollOnce();
      runner.start();
    }
    log.info("started: {}", StartLine.describe(pipeline));
  }

  /** For --check: start discovery, wait (bounded) for enrichment, poll each receiver once. */
  public void pollOnce(Duration readyTimeout) {
    for (ReceiverRunner runner : pipeline.runners()) {
      runner.receiver().start();
    }
    for (ReceiverRunner runner : pipeline.runners()) {
      runner.receiver().awaitReady(readyTimeout);
      runner.pollOnce();
    }
  }

  /**
   * One-shot: start, wait (bounded) for enrichment, poll once, export once (the readers' last
   * export at shutdown), release everything. True if every export succeeded in time.
   */
  public boolean runOnce(Duration readyTimeout, Duration exportTimeout) {
    pollOnce(readyTimeout);
    boolean exported = shutdownExporters(exportTimeout);
    closeReceivers();
    return exported;
  }

  /**
   * Stops: last poll of every receiver, last export, within {@code budget} even when a collector
   * does not answer.
   */
  public void shutdown(Duration budget) {
    long deadline = System.nanoTime() + budget.toNanos();
    for (ReceiverRunner runner : pipeline.runners()) {
      runner.stopAndPollLast(Duration.ofMillis(500));
    }
    if (!shutdownExporters(Duration.ofNanos(Math.max(100_000_000, deadline - System.nanoTime())))) {
      // the OTLP send queue logs itself what it keeps on disk for the next start or loses
      log.warn("not every exporter finished its last export within the {} s stop budget; "
          + "exiting anyway", budget.toSeconds());
    }
    closeReceivers();
  }

  /**
   * What SIGHUP does to outputs: every exporter that writes a file (the file exporter) closes it
   * and opens its path again, so a file that logrotate moved away is let go at once.
   */
  public void reopenFiles() {
    pipeline.reopenables().forEach(Reopenable::reopen);
  }

  /** Shuts the providers down: each reader collects and exports one last time. */
  private boolean shutdownExporters(Duration timeout) {
    if (providersShut) {
      return true;
    }
    providersShut = true;
    List<CompletableResultCode> results = new ArrayList<>();
    // the receipts of the last poll's ends first, while the exporters (and the OTLP send queue
    // they go into) are still open; bounded, so a stuck log exporter cannot hold the stop
    CompletableResultCode receipts = pipeline.receipts().shutdown();
    receipts.join(Math.min(1000, timeout.toMillis() / 2), TimeUnit.MILLISECONDS);
    results.add(receipts);
    for (Pipeline.View view : pipeline.views()) {
      results.add(view.provider().shutdown());
    }
    if (pipeline.tracerProvider() != null) {
      results.add(pipeline.tracerProvider().shutdown());
    }
    CompletableResultCode all = CompletableResultCode.ofAll(results);
    all.join(timeout.toMillis(), TimeUnit.MILLISECONDS);
    return all.isDone() && all.isSuccess();
  }

  private void closeReceivers() {
    for (ReceiverRunner runner : pipeline.runners()) {
      runner.close();
    }
    if (pipeline.energy() != null && providersShut) {
      pipeline.energy().close();
    }
  }

  /** Releases everything without waiting for exports (after --check, or a failed start). */
  @Override
  public void close() {
    closeReceivers();
    shutdownExporters(Duration.ofSeconds(1));
    if (pipeline.energy() != null) {
      pipeline.energy().close(); // after the exports that read it; closing twice is harmless
    }
  }
}

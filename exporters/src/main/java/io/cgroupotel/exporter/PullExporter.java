package io.cgroupotel.exporter;

import io.opentelemetry.sdk.common.CompletableResultCode;
import java.util.function.Supplier;

/**
 * An exporter that its clients read (Prometheus) rather than one that sends. The pipeline hands
 * it a way to collect now, so that a read before the first periodic export gets current values.
 */
public interface PullExporter {
  /**
   * @param collect runs a collection and an export through this exporter now (the reader's
   *     {@code forceFlush}); called by a read that finds no export yet
   */
  void collectOnDemand(Supplier<CompletableResultCode> collect);

  /** Reads whose client went away before the answer was sent, since the start. */
  long abortedReads();
}

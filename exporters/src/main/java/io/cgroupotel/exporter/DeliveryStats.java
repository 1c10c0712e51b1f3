package io.cgroupotel.exporter;

import java.util.Map;

/**
 * What an exporter with a send queue reports about delivery, for the agent's own metrics
 * ({@code cgroup_agent.export.queue.size}, {@code .queue.age}, {@code .dropped}).
 */
public interface DeliveryStats {
  /** Why points never reached the collector, as the {@code reason} attribute says it. */
  String QUEUE_FULL = "queue_full";
  String REJECTED = "rejected";
  String CORRUPT = "corrupt";

  /** Requests waiting. */
  int queuedRequests();

  /** Bytes they take (compressed; on disk with their framing for a persistent queue). */
  long queuedBytes();

  /** Seconds since the oldest waiting request was queued; 0 when none waits. */
  double queueAgeSeconds();

  /**
   * Attempts to deliver a queued request that did not succeed (no answer, an error status, a
   * stalled or non-OTLP answer), since start; the request stays queued and is sent again.
   */
  long failedAttempts();

  /** Points dropped since start, by reason ({@link #QUEUE_FULL}, {@link #REJECTED}, ...). */
  Map<String, Long> droppedPoints();
}

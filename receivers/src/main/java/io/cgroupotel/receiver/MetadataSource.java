package io.cgroupotel.receiver;

import java.time.Duration;

/**
 * What a receiver knows of its entities beyond their paths (a job's owner, what a scheduler
 * says), gathered off the poll path: entities are exported with what their path says until it
 * arrives. Given to {@link CgroupTreeReceiver#metadata}, it is refreshed after each read, answers
 * the one-shot runs' wait and is closed with the receiver.
 */
public interface MetadataSource extends AutoCloseable {

  /** Fills in what has become known since the last poll (the polling thread, after each read). */
  void refresh();

  /** As {@link Receiver#awaitReady}: resolves what it can for a one-shot run's one poll. */
  default boolean awaitReady(Duration timeout) {
    return true;
  }

  /** As {@link Receiver#notReadyReason}: why {@link #awaitReady} said no, log-safe, or null. */
  default String notReadyReason() {
    return null;
  }

  @Override
  void close();
}

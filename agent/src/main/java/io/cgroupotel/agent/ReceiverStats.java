package io.cgroupotel.agent;

import java.util.concurrent.atomic.AtomicLong;

/** The agent's own figures about one receiver, for self-telemetry. Thread-safe. */
final class ReceiverStats {
  private final String receiver;
  private volatile double lastPollSeconds = Double.NaN;
  private volatile int entities;
  private final AtomicLong errors = new AtomicLong();

  ReceiverStats(String receiver) {
    this.receiver = receiver;
  }

  String receiver() {
    return receiver;
  }

  double lastPollSeconds() {
    return lastPollSeconds;
  }

  int entities() {
    return entities;
  }

  long errors() {
    return errors.get();
  }

  void recordPoll(double seconds, int entities, int errors) {
    this.lastPollSeconds = seconds;
    this.entities = entities;
    this.errors.addAndGet(errors);
  }
}

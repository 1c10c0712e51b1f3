package io.cgroupotel.agent.pipeline;

import java.util.concurrent.atomic.AtomicLong;

/** The agent's own figures about one receiver, for self-telemetry. Thread-safe. */
public final class ReceiverStats {
  private final String receiver;
  private volatile double lastPollSeconds = Double.NaN;
  private volatile int entities;
  private final AtomicLong errors = new AtomicLong();
  private volatile int hostNetworkEntities = -1;

  public ReceiverStats(String receiver) {
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

  /**
   * Entities of the last poll in the node's own network namespace (no network series); -1 when
   * the receiver does not read the network group.
   */
  int hostNetworkEntities() {
    return hostNetworkEntities;
  }

  void recordHostNetwork(int entities) {
    this.hostNetworkEntities = entities;
  }

  public void recordPoll(double seconds, int entities, int errors) {
    this.lastPollSeconds = seconds;
    this.entities = entities;
    this.errors.addAndGet(errors);
  }
}

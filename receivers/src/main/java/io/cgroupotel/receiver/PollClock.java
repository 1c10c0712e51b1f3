package io.cgroupotel.receiver;

import java.time.Instant;

/**
 * Wall-clock timestamps for the samples of one poll without an Instant per sample: the wall
 * clock is read once, then advanced with the monotonic clock. Make one per poll.
 */
public final class PollClock {
  private final long baseEpochNanos;
  private final long baseNanoTime;

  public PollClock() {
    Instant now = Instant.now();
    baseNanoTime = System.nanoTime();
    baseEpochNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  /** Now, in nanoseconds since the epoch. */
  public long epochNanos() {
    return baseEpochNanos + (System.nanoTime() - baseNanoTime);
  }
}

package io.cgroupotel.cgroupfs;

/**
 * The counters of one {@code cpu.stat} file, in microseconds. Mutable so that a poll loop can
 * reuse one instance for thousands of cgroups.
 *
 * <p>Keys other than the three below are kept too ({@link #get}), and a key missing from the file
 * reads as {@link #ABSENT}. Not thread-safe.
 */
public final class CpuStat {
  /** Value of a key that was not in the file. */
  public static final long ABSENT = -1;

  /** {@code usage_usec}, or ABSENT. */
  public long usageUsec() {
    throw new UnsupportedOperationException("TODO");
  }

  /** {@code user_usec}, or ABSENT. */
  public long userUsec() {
    throw new UnsupportedOperationException("TODO");
  }

  /** {@code system_usec}, or ABSENT. */
  public long systemUsec() {
    throw new UnsupportedOperationException("TODO");
  }

  /** Any key of the file (e.g. {@code nr_throttled}), or ABSENT. */
  public long get(String key) {
    throw new UnsupportedOperationException("TODO");
  }

  /** Lines that were not {@code <key> <unsigned integer>} and were skipped. */
  public int garbageLines() {
    throw new UnsupportedOperationException("TODO");
  }
}

package io.cgroupotel.receiver;

/**
 * What one poll read for one entity. Counters are cumulative, as the kernel keeps them.
 *
 * @param entity what was read
 * @param usageUsec {@code cpu.stat usage_usec}, or {@link #ABSENT}
 * @param userUsec {@code cpu.stat user_usec}, or {@link #ABSENT}
 * @param systemUsec {@code cpu.stat system_usec}, or {@link #ABSENT}
 * @param memoryBytes {@code memory.current}, or {@link #ABSENT} (no memory controller)
 * @param epochNanos when it was read (wall clock, nanoseconds since the epoch)
 */
public record Sample(
    Entity entity,
    long usageUsec,
    long userUsec,
    long systemUsec,
    long memoryBytes,
    long epochNanos) {

  /** Value of a field that was not in the file. */
  public static final long ABSENT = -1;
}

package io.cgroupotel.receiver;

import io.cgroupotel.sampler.Field;
import io.cgroupotel.sampler.IoStats;
import java.util.Arrays;
import java.util.Objects;

/**
 * What one read of one entity's cgroup found. Counters are cumulative, as the kernel keeps them,
 * in the kernel's units (microseconds, bytes). Immutable: the sampler gives each sample its own
 * array and never writes to it again.
 *
 * @param entity what was read
 * @param values one value per {@link Field} (by ordinal), {@link #ABSENT} where the file or key
 *     was not there
 * @param io the per-device counters of {@code io.stat}, or null when it was not read
 * @param epochNanos when it was read (wall clock, nanoseconds since the epoch)
 */
public record Sample(Entity entity, long[] values, IoStats io, long epochNanos) {

  /** Value of a field that was not read. */
  public static final long ABSENT = -1;

  public Sample {
    Objects.requireNonNull(entity, "entity");
    Objects.requireNonNull(values, "values");
    if (values.length != Field.count()) {
      throw new IllegalArgumentException("values must have one slot per Field");
    }
  }

  /** A sample of the CPU and memory fields alone (tests, synthetic sources). */
  public static Sample of(Entity entity, long usageUsec, long userUsec, long systemUsec,
      long memoryBytes, long epochNanos) {
    long[] values = new long[Field.count()];
    Arrays.fill(values, ABSENT);
    values[Field.CPU_USAGE_USEC.ordinal()] = usageUsec;
    values[Field.CPU_USER_USEC.ordinal()] = userUsec;
    values[Field.CPU_SYSTEM_USEC.ordinal()] = systemUsec;
    values[Field.MEMORY_CURRENT.ordinal()] = memoryBytes;
    return new Sample(entity, values, null, epochNanos);
  }

  public long get(Field field) {
    return values[field.ordinal()];
  }

  /** {@code cpu.stat usage_usec}, or {@link #ABSENT}. */
  public long usageUsec() {
    return get(Field.CPU_USAGE_USEC);
  }

  /** {@code cpu.stat user_usec}, or {@link #ABSENT}. */
  public long userUsec() {
    return get(Field.CPU_USER_USEC);
  }

  /** {@code cpu.stat system_usec}, or {@link #ABSENT}. */
  public long systemUsec() {
    return get(Field.CPU_SYSTEM_USEC);
  }

  /** {@code memory.current}, or {@link #ABSENT}. */
  public long memoryBytes() {
    return get(Field.MEMORY_CURRENT);
  }

  @Override
  public String toString() {
    return "Sample[" + entity + " usage_usec=" + usageUsec() + " at " + epochNanos + "]";
  }
}

package io.cgroupotel.sampler;

import io.cgroupotel.metrics.Field;
import io.cgroupotel.metrics.NetworkStats;
import java.util.Arrays;
import java.util.Objects;

/**
 * What one read of one entity's cgroup found. Counters are cumulative, as the kernel keeps them,
 * in the kernel's units (microseconds, bytes). Immutable.
 *
 * <p>Only the fields that were read are kept (a bit per {@link Field}, and their values in field
 * order): a cgroup read for CPU alone has 3 to 6 of the 28 fields, and a sample is made per
 * entity per poll, so a full array was most of the agent's garbage and of its live heap at
 * 10,000 cgroups (two samples per entity are kept: the first and the latest).
 */
public final class Sample {

  /**
   * Value of a field that was not read. Values are the kernel's u64 bits: one above {@link
   * Long#MAX_VALUE} is a negative long (see {@link #toDouble}); the bits of ABSENT are U64_MAX,
   * which the parsers read as "no value" (the kernel's "no limit").
   */
  public static final long ABSENT = -1;

  /** The value of a field (a u64, not {@link #ABSENT}) as a double, as the metrics carry it. */
  public static double toDouble(long u64) {
    if (u64 >= 0) {
      return u64;
    }
    // Long.toUnsignedString's halving: the dropped low bit only matters for rounding
    return ((u64 >>> 1) | (u64 & 1)) * 2.0;
  }

  static {
    if (Field.count() > Long.SIZE) {
      throw new ExceptionInInitializerError("a sample keeps a bit per Field: at most 64 fields");
    }
  }

  private final Entity entity;
  private final long present; // bit i: Field with ordinal i was read
  private final long[] packed; // the read fields' values, by ascending ordinal
  private final IoStats io;
  private final NetworkStats network;
  private final long epochNanos;
  private final long usageUsec; // asked several times per sample and poll: kept apart

  /**
   * @param entity what was read
   * @param values one value per {@link Field} (by ordinal), {@link #ABSENT} where the file or key
   *     was not there; not kept (copied)
   * @param io the per-device counters of {@code io.stat}, or null when it was not read
   * @param epochNanos when it was read (wall clock, nanoseconds since the epoch)
   */
  public Sample(Entity entity, long[] values, IoStats io, long epochNanos) {
    this(entity, values, io, null, epochNanos);
  }

  /**
   * @param network the counters of the entity's network namespace ({@link NetworkStats#HOST}:
   *     the host's, no series), or null when the network group was not read
   */
  public Sample(Entity entity, long[] values, IoStats io, NetworkStats network, long epochNanos) {
    this.entity = Objects.requireNonNull(entity, "entity");
    Objects.requireNonNull(values, "values");
    if (values.length != Field.count()) {
      throw new IllegalArgumentException("values must have one slot per Field");
    }
    long bits = 0;
    for (int i = 0; i < values.length; i++) {
      if (values[i] != ABSENT) {
        bits |= 1L << i;
      }
    }
    long[] kept = new long[Long.bitCount(bits)];
    int k = 0;
    for (long b = bits; b != 0; b &= b - 1) { // the set bits, lowest first
      kept[k++] = values[Long.numberOfTrailingZeros(b)];
    }
    this.present = bits;
    this.packed = kept;
    this.usageUsec = values[Field.CPU_USAGE_USEC.ordinal()];
    this.io = io;
    this.network = network;
    this.epochNanos = epochNanos;
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

  public Entity entity() {
    return entity;
  }

  /** The per-device counters of {@code io.stat}, or null when it was not read. */
  public IoStats io() {
    return io;
  }

  /**
   * The counters of the entity's network namespace; {@link NetworkStats#HOST} when its processes
   * are in the host's; null when not read (group off, no process, skipped this poll).
   */
  public NetworkStats network() {
    return network;
  }

  /** When it was read (wall clock, nanoseconds since the epoch). */
  public long epochNanos() {
    return epochNanos;
  }

  public long get(Field field) {
    long bit = 1L << field.ordinal();
    return (present & bit) == 0 ? ABSENT : packed[Long.bitCount(present & (bit - 1))];
  }

  /** One value per {@link Field} (by ordinal), {@link #ABSENT} where not read; a new array. */
  public long[] values() {
    long[] values = new long[Field.count()];
    Arrays.fill(values, ABSENT);
    for (int i = 0, k = 0; i < values.length; i++) {
      if ((present & (1L << i)) != 0) {
        values[i] = packed[k++];
      }
    }
    return values;
  }

  /** {@code cpu.stat usage_usec}, or {@link #ABSENT}. */
  public long usageUsec() {
    return usageUsec;
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

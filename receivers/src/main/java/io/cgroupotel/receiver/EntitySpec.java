package io.cgroupotel.receiver;

/**
 * A numeric value that a receiver knows of an entity from outside its cgroup (a pod's spec): the
 * denominators of the {@code *_utilization} rows of {@link io.cgroupotel.metrics.EntityMetric}.
 * Absent ({@link Sample#ABSENT}) unless the receiver attached it with {@link Entity#setSpecs}.
 */
public enum EntitySpec {
  /** The sum of the containers' CPU limits, in millicores; absent if one has none. */
  CPU_LIMIT_MILLICORES,
  /** The sum of the containers' CPU requests, in millicores; absent if one has none. */
  CPU_REQUEST_MILLICORES,
  /** The sum of the containers' memory limits, in bytes; absent if one has none. */
  MEMORY_LIMIT_BYTES,
  /** The sum of the containers' memory requests, in bytes; absent if one has none. */
  MEMORY_REQUEST_BYTES;

  private static final EntitySpec[] ALL = values();

  /** A value per spec, all absent: fill it and hand it to {@link Entity#setSpecs}. */
  public static long[] none() {
    long[] values = new long[ALL.length];
    java.util.Arrays.fill(values, Sample.ABSENT);
    return values;
  }
}

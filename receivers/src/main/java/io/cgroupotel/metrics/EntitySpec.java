package io.cgroupotel.metrics;

/**
 * A numeric value that a receiver knows of an entity from outside its cgroup (a pod's spec): the
 * denominators of the {@code *_utilization} rows of {@link EntityMetric}. Absent ({@link #ABSENT})
 * unless the receiver attached it to the entity ({@code Entity.setSpecs}).
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

  /** A spec value not known; the same value as a sample's absent field ({@code Sample.ABSENT}). */
  public static final long ABSENT = -1;

  private static final EntitySpec[] ALL = values();

  /** A value per spec, all absent: fill it and hand it to {@code Entity.setSpecs}. */
  public static long[] none() {
    long[] values = new long[ALL.length];
    java.util.Arrays.fill(values, ABSENT);
    return values;
  }
}

package io.cgroupotel.metrics;

/**
 * One value the sampler reads from a cgroup, in the kernel's own unit (microseconds, bytes,
 * counts). The sampler's {@code Sample} answers one {@code long} per field, {@code Sample.ABSENT}
 * when the file or key was not there (it keeps only the fields read).
 *
 * <p>Fields are what is read; {@link EntityMetric} rows say how fields become exported metrics.
 * Per-device I/O counters are not fields: they vary in number and live in the sampler's
 * {@code IoStats}.
 */
public enum Field {
  CPU_USAGE_USEC(MetricGroup.CPU),
  CPU_USER_USEC(MetricGroup.CPU),
  CPU_SYSTEM_USEC(MetricGroup.CPU),
  CPU_THROTTLED_USEC(MetricGroup.CPU),
  CPU_NR_THROTTLED(MetricGroup.CPU),
  CPU_NR_PERIODS(MetricGroup.CPU),
  /** {@code cpu.max} quota over period, in millicores; absent when the quota is {@code max}. */
  CPU_LIMIT_MILLICORES(MetricGroup.CPU),
  /** Number of CPUs in {@code cpuset.cpus.effective}. */
  CPUSET_CPUS(MetricGroup.CPU),
  MEMORY_CURRENT(MetricGroup.MEMORY),
  /** {@code memory.current} minus {@code inactive_file}, not below 0 (the kubelet's). */
  MEMORY_WORKING_SET(MetricGroup.MEMORY),
  MEMORY_ANON(MetricGroup.MEMORY),
  MEMORY_FILE(MetricGroup.MEMORY),
  MEMORY_KERNEL(MetricGroup.MEMORY),
  MEMORY_SLAB_RECLAIMABLE(MetricGroup.MEMORY),
  MEMORY_INACTIVE_FILE(MetricGroup.MEMORY),
  MEMORY_PGFAULT(MetricGroup.MEMORY),
  MEMORY_PGMAJFAULT(MetricGroup.MEMORY),
  MEMORY_LIMIT(MetricGroup.MEMORY),
  MEMORY_PEAK(MetricGroup.MEMORY),
  MEMORY_SWAP_CURRENT(MetricGroup.MEMORY),
  MEMORY_OOM_KILL(MetricGroup.MEMORY),
  CPU_PRESSURE_SOME_USEC(MetricGroup.PRESSURE),
  CPU_PRESSURE_FULL_USEC(MetricGroup.PRESSURE),
  MEMORY_PRESSURE_SOME_USEC(MetricGroup.PRESSURE),
  MEMORY_PRESSURE_FULL_USEC(MetricGroup.PRESSURE),
  IO_PRESSURE_SOME_USEC(MetricGroup.PRESSURE),
  IO_PRESSURE_FULL_USEC(MetricGroup.PRESSURE),
  PIDS_CURRENT(MetricGroup.PIDS);

  private static final Field[] ALL = values();

  private final MetricGroup group;

  Field(MetricGroup group) {
    this.group = group;
  }

  /** The group whose files hold it. */
  public MetricGroup group() {
    return group;
  }

  /** Number of fields: the length of a sample's value array. */
  public static int count() {
    return ALL.length;
  }
}

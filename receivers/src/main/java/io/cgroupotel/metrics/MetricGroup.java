package io.cgroupotel.metrics;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * A set of cgroup files read together; a receiver's {@code metrics} key lists the groups it reads.
 * A group whose files a cgroup does not have (its controller is not enabled there) is absent for
 * that cgroup, not an error, and costs no read after the first.
 */
public enum MetricGroup {
  /** {@code cpu.stat} (always present on v2), {@code cpu.max}, {@code cpuset.cpus.effective}. */
  CPU,
  /** {@code memory.current}, {@code memory.stat}, {@code memory.max}, ... (memory controller). */
  MEMORY,
  /** {@code cpu.pressure}, {@code memory.pressure}, {@code io.pressure} (PSI, v2 only). */
  PRESSURE,
  /** {@code io.stat} per device (io controller). */
  IO,
  /** {@code pids.current} (pids controller). */
  PIDS,
  /**
   * Traffic of the entity's network namespace: {@code /proc/<pid>/net/dev} of one of its
   * processes, read once per namespace and poll (not a cgroup file: the same on v1 and v2).
   */
  NETWORK;

  /**
   * What a receiver reads when its config has no {@code metrics} key: {@code cpu} and {@code
   * memory}, the groups of the metrics the agent always exported (cpu.time, cpu.usage,
   * memory.usage). Each file is one pread per cgroup per poll: {@code pressure} adds three,
   * {@code io} and {@code pids} one each, for metrics fewer users need, so they are asked for
   * (GroupsBench in BENCHMARKS.md, real cgroups: the three PSI files take the poll from 6.4 to
   * 16.5 µs of CPU per cgroup, 2.6x the cpu group alone). A group whose controller a cgroup
   * lacks costs nothing after the first poll. {@code network} is asked for too: it adds one read
   * of {@code net/dev} per network namespace and poll (GroupsBench, network rows).
   */
  public static Set<MetricGroup> defaults() {
    return EnumSet.of(CPU, MEMORY);
  }

  /** The name used in the config, e.g. {@code cpu}. */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<MetricGroup> fromConfigName(String name) {
    for (MetricGroup g : values()) {
      if (g.configName().equals(name)) {
        return Optional.of(g);
      }
    }
    return Optional.empty();
  }
}

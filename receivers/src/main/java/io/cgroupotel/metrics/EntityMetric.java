package io.cgroupotel.metrics;

import static io.cgroupotel.metrics.MetricAttributes.CPU_MODE;
import static io.cgroupotel.metrics.MetricAttributes.DISK_IO_DIRECTION;
import static io.cgroupotel.metrics.MetricAttributes.PRESSURE_STALL;

import io.opentelemetry.api.common.Attributes;
import java.util.List;

/**
 * Every metric an entity can have: the one table that the producer, the filter and the README
 * derive from. The table knows metrics, not receivers: an entity kind (in the receivers) names a
 * metric with its prefix plus the row's suffix ({@code k8s.pod} + {@code .cpu.time}) and says which
 * rows it has, by {@link Source}. Every full name is listed in {@code docs/metric-names.md}
 * (generated), so a grep finds each.
 *
 * <p>Adding a metric is adding a row (and, for a new file or key, a {@link Field} and its parser).
 */
public enum EntityMetric {
  CPU_TIME(".cpu.time", Instrument.COUNTER, "s", MetricGroup.CPU,
      "Total CPU time consumed; by cpu.mode (user, system) except for pods. Semantic "
          + "conventions: container.cpu.time, k8s.pod.cpu.time",
      "`cpu.stat` `usage_usec`, `user_usec`, `system_usec`",
      "`cpuacct.usage` (ns), split into user and system by the ratio of `cpuacct.stat` "
          + "`user`, `system` (USER_HZ ticks), so that they add up to it",
      Source.CPU_TIME, List.of()),
  CPU_USAGE(".cpu.usage", Instrument.GAUGE, "{cpu}", MetricGroup.CPU,
      "CPU in use, in cores: the increase of cpu.time over the time between two polls. "
          + "Semantic conventions: `container.cpu.usage`, `k8s.pod.cpu.usage`",
      "derived from `usage_usec`", "derived from `cpuacct.usage`", Source.CPU_RATE, List.of()),
  CPU_THROTTLED_TIME(".cpu.throttled.time", Instrument.COUNTER, "s", MetricGroup.CPU,
      "Time the cgroup's threads were throttled by its CPU limit",
      "`cpu.stat` `throttled_usec`", "`cpu.stat` `throttled_time` (ns)",
      Source.FIELDS, List.of(point(Field.CPU_THROTTLED_USEC, 1e-6))),
  CPU_THROTTLED_PERIODS(".cpu.throttled.periods", Instrument.COUNTER, "{period}", MetricGroup.CPU,
      "Enforcement periods in which the cgroup was throttled",
      "`cpu.stat` `nr_throttled`", "`cpu.stat` `nr_throttled`",
      Source.FIELDS, List.of(point(Field.CPU_NR_THROTTLED, 1))),
  CPU_PERIODS(".cpu.periods", Instrument.COUNTER, "{period}", MetricGroup.CPU,
      "Enforcement periods that elapsed with runnable threads",
      "`cpu.stat` `nr_periods`", "`cpu.stat` `nr_periods`",
      Source.FIELDS, List.of(point(Field.CPU_NR_PERIODS, 1))),
  CPU_LIMIT(".cpu.limit", Instrument.GAUGE, "{cpu}", MetricGroup.CPU,
      "CPU limit in cores (quota over period); absent when unlimited",
      "`cpu.max`", "`cpu.cfs_quota_us` / `cpu.cfs_period_us` (cpu controller)",
      Source.FIELDS, List.of(point(Field.CPU_LIMIT_MILLICORES, 1e-3))),
  CPUSET_CPUS(".cpuset.cpus", Instrument.GAUGE, "{cpu}", MetricGroup.CPU,
      "CPUs the cgroup may run on (the cores a job was given)",
      "`cpuset.cpus.effective`", "`cpuset.effective_cpus`",
      Source.FIELDS, List.of(point(Field.CPUSET_CPUS, 1))),
  MEMORY_USAGE(".memory.usage", Instrument.GAUGE, "By", MetricGroup.MEMORY,
      "Memory in use, page cache included. Semantic conventions: `container.memory.usage`, "
          + "`k8s.pod.memory.usage`",
      "`memory.current`", "`memory.usage_in_bytes` (memory controller)",
      Source.FIELDS, List.of(point(Field.MEMORY_CURRENT, 1))),
  MEMORY_WORKING_SET(".memory.working_set", Instrument.GAUGE, "By", MetricGroup.MEMORY,
      "Memory in use minus inactive file pages, not below 0 (the kubelet's working set). "
          + "Semantic conventions: `k8s.pod.memory.working_set`, same definition",
      "`memory.current` - `memory.stat` `inactive_file`",
      "`memory.usage_in_bytes` - `memory.stat` `total_inactive_file`",
      Source.FIELDS, List.of(point(Field.MEMORY_WORKING_SET, 1))),
  MEMORY_RSS(".memory.rss", Instrument.GAUGE, "By", MetricGroup.MEMORY,
      "Anonymous memory (heap, stacks). Semantic conventions: `k8s.pod.memory.rss` (the "
          + "kubelet's adds the swap cache)",
      "`memory.stat` `anon`", "`memory.stat` `total_rss`",
      Source.FIELDS, List.of(point(Field.MEMORY_ANON, 1))),
  MEMORY_FILE(".memory.file", Instrument.GAUGE, "By", MetricGroup.MEMORY,
      "Page cache (file-backed memory)",
      "`memory.stat` `file`", "`memory.stat` `total_cache`",
      Source.FIELDS, List.of(point(Field.MEMORY_FILE, 1))),
  MEMORY_KERNEL(".memory.kernel", Instrument.GAUGE, "By", MetricGroup.MEMORY,
      "Kernel memory (stacks, page tables, slab, ...)",
      "`memory.stat` `kernel` (before 5.18: the sum of its parts)",
      "`memory.kmem.usage_in_bytes`", Source.FIELDS, List.of(point(Field.MEMORY_KERNEL, 1))),
  MEMORY_SLAB_RECLAIMABLE(".memory.slab.reclaimable", Instrument.GAUGE, "By", MetricGroup.MEMORY,
      "Reclaimable kernel slab memory (dentries, inodes)",
      "`memory.stat` `slab_reclaimable`", "-",
      Source.FIELDS, List.of(point(Field.MEMORY_SLAB_RECLAIMABLE, 1))),
  MEMORY_PAGE_FAULTS(".memory.page_faults", Instrument.COUNTER, "{fault}", MetricGroup.MEMORY,
      "Page faults, minor and major (kubeletstats' name; the semantic conventions' "
          + "`k8s.pod.memory.paging.faults` splits them by `system.paging.fault.type`)",
      "`memory.stat` `pgfault`", "`memory.stat` `total_pgfault`",
      Source.FIELDS, List.of(point(Field.MEMORY_PGFAULT, 1))),
  MEMORY_MAJOR_PAGE_FAULTS(".memory.major_page_faults", Instrument.COUNTER, "{fault}",
      MetricGroup.MEMORY, "Major page faults (read from disk)",
      "`memory.stat` `pgmajfault`", "`memory.stat` `total_pgmajfault`",
      Source.FIELDS, List.of(point(Field.MEMORY_PGMAJFAULT, 1))),
  MEMORY_LIMIT(".memory.limit", Instrument.GAUGE, "By", MetricGroup.MEMORY,
      "Memory limit; absent when unlimited",
      "`memory.max`", "`memory.limit_in_bytes` (its huge \"unlimited\" value: absent)",
      Source.FIELDS, List.of(point(Field.MEMORY_LIMIT, 1))),
  MEMORY_PEAK(".memory.peak", Instrument.GAUGE, "By", MetricGroup.MEMORY,
      "Highest memory use seen (where the kernel has it: 5.19 and later on v2)",
      "`memory.peak`", "`memory.max_usage_in_bytes`",
      Source.FIELDS, List.of(point(Field.MEMORY_PEAK, 1))),
  MEMORY_SWAP_USAGE(".memory.swap.usage", Instrument.GAUGE, "By", MetricGroup.MEMORY,
      "Swap in use", "`memory.swap.current`", "`memory.stat` `total_swap`",
      Source.FIELDS, List.of(point(Field.MEMORY_SWAP_CURRENT, 1))),
  MEMORY_OOM_KILLS(".memory.oom_kills", Instrument.COUNTER, "{kill}", MetricGroup.MEMORY,
      "Processes killed by the OOM killer in this cgroup",
      "`memory.events` `oom_kill`", "`memory.oom_control` `oom_kill`",
      Source.FIELDS, List.of(point(Field.MEMORY_OOM_KILL, 1))),
  CPU_PRESSURE(".cpu.pressure", Instrument.COUNTER, "s", MetricGroup.PRESSURE,
      "Time some (or, for full, all) runnable threads waited for a CPU (PSI)",
      "`cpu.pressure` `total`", "-", Source.FIELDS, List.of(
          point(Field.CPU_PRESSURE_SOME_USEC, 1e-6, PRESSURE_STALL, "some"),
          point(Field.CPU_PRESSURE_FULL_USEC, 1e-6, PRESSURE_STALL, "full"))),
  MEMORY_PRESSURE(".memory.pressure", Instrument.COUNTER, "s", MetricGroup.PRESSURE,
      "Time some (or, for full, all) threads were stalled on memory (PSI)",
      "`memory.pressure` `total`", "-", Source.FIELDS, List.of(
          point(Field.MEMORY_PRESSURE_SOME_USEC, 1e-6, PRESSURE_STALL, "some"),
          point(Field.MEMORY_PRESSURE_FULL_USEC, 1e-6, PRESSURE_STALL, "full"))),
  IO_PRESSURE(".io.pressure", Instrument.COUNTER, "s", MetricGroup.PRESSURE,
      "Time some (or, for full, all) threads were stalled on I/O (PSI)",
      "`io.pressure` `total`", "-", Source.FIELDS, List.of(
          point(Field.IO_PRESSURE_SOME_USEC, 1e-6, PRESSURE_STALL, "some"),
          point(Field.IO_PRESSURE_FULL_USEC, 1e-6, PRESSURE_STALL, "full"))),
  DISK_IO(".disk.io", Instrument.COUNTER, "By", MetricGroup.IO,
      "Bytes read and written, by disk.io.direction and system.device (MAJ:MIN). "
          + "Semantic conventions: container.disk.io",
      "`io.stat` `rbytes`, `wbytes`",
      "`blkio.throttle.io_service_bytes_recursive` (older kernels: without `_recursive`)"
          + " `Read`, `Write`",
      Source.IO_BYTES, List.of()),
  DISK_OPERATIONS(".disk.operations", Instrument.COUNTER, "{operation}", MetricGroup.IO,
      "Read and write operations, by disk.io.direction and system.device (MAJ:MIN)",
      "`io.stat` `rios`, `wios`",
      "`blkio.throttle.io_serviced_recursive` (older kernels: without `_recursive`)"
          + " `Read`, `Write`",
      Source.IO_OPERATIONS, List.of()),
  NETWORK_IO(".network.io", "By", NetworkStats.Counter.BYTES,
      "Bytes received and transmitted by the entity's network namespace, by "
          + "network.io.direction and network.interface.name. Semantic conventions: "
          + "k8s.pod.network.io"),
  NETWORK_PACKETS(".network.packets", "{packet}", NetworkStats.Counter.PACKETS,
      "Packets received and transmitted, by network.io.direction and network.interface.name"),
  NETWORK_ERRORS(".network.errors", "{error}", NetworkStats.Counter.ERRORS,
      "Receive and transmit errors, by network.io.direction and network.interface.name. "
          + "Semantic conventions: k8s.pod.network.errors"),
  NETWORK_DROPPED(".network.dropped", "{packet}", NetworkStats.Counter.DROPPED,
      "Packets dropped on receive and transmit, by network.io.direction and "
          + "network.interface.name"),
  PIDS(".pids", Instrument.GAUGE, "{process}", MetricGroup.PIDS,
      "Processes and threads in the cgroup", "`pids.current`",
      "`pids.current` (pids controller)",
      Source.FIELDS, List.of(point(Field.PIDS_CURRENT, 1))),
  ENERGY(".energy", Instrument.COUNTER, "J", MetricGroup.CPU,
      "Node energy attributed since the agent first saw the entity: each poll interval, a "
          + "domain's energy times the entity's share of the node's busy CPU time; by "
          + "`energy.domain` (RAPL zone name, or `node` for the model) and `energy.source` "
          + "(`rapl`, or `model`: an estimate). Only with `[energy]`",
      "`cpu.stat` `usage_usec` + RAPL `energy_uj` or the model + `/proc/stat`",
      "`cpuacct.usage` + RAPL `energy_uj` or the model + `/proc/stat`",
      Source.ENERGY, List.of()),
  CARBON(".carbon", Instrument.COUNTER, "g{CO2e}", MetricGroup.CPU,
      "Carbon of the attributed energy at the configured grid intensity (the whole node's "
          + "domain: `psys`, else packages and `dram`). Only with a carbon intensity",
      "as `.energy`", "as `.energy`", Source.ENERGY, List.of()),
  CPU_ATTRIBUTED_TIME(".cpu.attributed_time", Instrument.COUNTER, "s", MetricGroup.CPU,
      "CPU time the energy books counted since the agent first saw the entity: the increase of "
          + "cpu.time per poll, scaled down in the rare interval where the entities' sum "
          + "exceeds the node's busy time (/proc/stat ticks). Only with `[energy]`",
      "`cpu.stat` `usage_usec` + `/proc/stat`", "`cpuacct.usage` + `/proc/stat`",
      Source.ENERGY, List.of()),
  // Usage over a spec the receiver attaches to the entity (a pod's: kubeletstats' meaning and
  // names). Only kinds whose receiver knows a spec have these rows.
  CPU_LIMIT_UTILIZATION(".cpu_limit_utilization", MetricGroup.CPU,
      "CPU in use over the CPU limit: the sum of the containers' limits for a pod; absent when "
          + "a container has none (as kubeletstats' `k8s.pod.cpu_limit_utilization`)",
      EntitySpec.CPU_LIMIT_MILLICORES, null),
  CPU_REQUEST_UTILIZATION(".cpu_request_utilization", MetricGroup.CPU,
      "CPU in use over the CPU request: the sum of the containers' requests for a pod; absent "
          + "when a container has none (as kubeletstats' `k8s.pod.cpu_request_utilization`)",
      EntitySpec.CPU_REQUEST_MILLICORES, null),
  MEMORY_LIMIT_UTILIZATION(".memory_limit_utilization", MetricGroup.MEMORY,
      "Memory in use (`memory.usage`) over the memory limit: the sum of the containers' limits "
          + "for a pod; absent when a container has none (as kubeletstats' "
          + "`k8s.pod.memory_limit_utilization`; the semantic conventions' "
          + "`k8s.pod.memory.limit.utilization` divides the working set instead)",
      EntitySpec.MEMORY_LIMIT_BYTES, Field.MEMORY_CURRENT),
  MEMORY_REQUEST_UTILIZATION(".memory_request_utilization", MetricGroup.MEMORY,
      "Memory in use (`memory.usage`) over the memory request: the sum of the containers' "
          + "requests for a pod; absent when a container has none (as kubeletstats' "
          + "`k8s.pod.memory_request_utilization`)",
      EntitySpec.MEMORY_REQUEST_BYTES, Field.MEMORY_CURRENT);

  /** How a row is exported. */
  public enum Instrument {
    /** Monotonic double sum (cumulative, or delta as configured). */
    COUNTER,
    /** Double gauge. */
    GAUGE
  }

  /** Where a row's values come from. */
  public enum Source {
    /** The sample's fields, one point per {@link PointSpec}. */
    FIELDS,
    /** {@code usage_usec} for pods; {@code user_usec} and {@code system_usec} by mode otherwise. */
    CPU_TIME,
    /** The increase of {@code usage_usec} over the time between two samples. */
    CPU_RATE,
    /** The sample's {@code io.stat} bytes, a point per device and direction. */
    IO_BYTES,
    /** The sample's {@code io.stat} operations, a point per device and direction. */
    IO_OPERATIONS,
    /**
     * The sample's network namespace counters ({@link #networkCounter()}), a point per interface
     * and direction; none in the host's namespace.
     */
    NETWORK,
    /**
     * The agent's energy attribution state (energy per domain, carbon, attributed CPU time), not
     * the sample: filled by the producer from the energy books.
     */
    ENERGY,
    /**
     * Usage over a value of the entity's spec ({@link #spec()}): the CPU rate over millicores /
     * 1000 when {@link #points} is empty, else the one point's field over the spec value.
     */
    SPEC_RATIO
  }

  /**
   * One point of a row: a field, the factor to the exported unit, and the point's attributes.
   */
  public record PointSpec(Field field, double scale, Attributes attributes) {}

  /** The points of {@link #CPU_TIME} for kinds split by mode. */
  public static final List<PointSpec> CPU_TIME_BY_MODE = List.of(
      point(Field.CPU_USER_USEC, 1e-6, CPU_MODE, "user"),
      point(Field.CPU_SYSTEM_USEC, 1e-6, CPU_MODE, "system"));
  /** The point of {@link #CPU_TIME} for kinds that export the total. */
  public static final List<PointSpec> CPU_TIME_TOTAL = List.of(point(Field.CPU_USAGE_USEC, 1e-6));

  /** Values of {@code network.io.direction}. */
  public static final String RECEIVE = "receive";
  public static final String TRANSMIT = "transmit";

  /** Attributes of {@link Source#IO_BYTES} and {@link Source#IO_OPERATIONS} points. */
  public static final Attributes READ = Attributes.of(DISK_IO_DIRECTION, "read");
  public static final Attributes WRITE = Attributes.of(DISK_IO_DIRECTION, "write");

  private final String suffix;
  private final Instrument instrument;
  private final String unit;
  private final MetricGroup group;
  private final String description;
  private final String sourceV2;
  private final String sourceV1;
  private final Source source;
  private final List<PointSpec> points;
  private final EntitySpec spec;
  private final NetworkStats.Counter networkCounter;

  EntityMetric(String suffix, Instrument instrument, String unit, MetricGroup group,
      String description, String sourceV2, String sourceV1, Source source,
      List<PointSpec> points) {
    this.suffix = suffix;
    this.instrument = instrument;
    this.unit = unit;
    this.group = group;
    this.description = description;
    this.sourceV2 = sourceV2;
    this.sourceV1 = sourceV1;
    this.source = source;
    this.points = points;
    this.spec = null;
    this.networkCounter = null;
  }

  /**
   * A {@link Source#NETWORK} row: {@code counter} of every interface of the entity's network
   * namespace, received and transmitted. Kinds whose processes share a parent's namespace lack
   * these rows.
   */
  EntityMetric(String suffix, String unit, NetworkStats.Counter counter, String description) {
    this.suffix = suffix;
    this.instrument = Instrument.COUNTER;
    this.unit = unit;
    this.group = MetricGroup.NETWORK;
    this.description = description + ". Of one process of the entity (any depth below it); "
        + "none in the node's own namespace; not for containers or Slurm steps, which share "
        + "their pod's or job's namespace and series; `lo` only if `network_interfaces` names it";
    String file = "`/proc/<pid>/net/dev` `" + counter.name().toLowerCase(java.util.Locale.ROOT)
        .replace("errors", "errs").replace("dropped", "drop") + "`";
    this.sourceV2 = file;
    this.sourceV1 = file;
    this.source = Source.NETWORK;
    this.points = List.of();
    this.spec = null;
    this.networkCounter = counter;
  }

  /** A {@link Source#SPEC_RATIO} row: {@code numerator} (null: the CPU rate) over {@code spec}. */
  EntityMetric(String suffix, MetricGroup group, String description,
      EntitySpec spec, Field numerator) {
    this.suffix = suffix;
    this.instrument = Instrument.GAUGE;
    this.unit = "1";
    this.group = group;
    this.description = description;
    this.sourceV2 = numerator == null ? "`cpu.stat` `usage_usec` rate over the pod spec"
        : "`memory.current` over the pod spec";
    this.sourceV1 = numerator == null ? "`cpuacct.usage` rate over the pod spec"
        : "`memory.usage_in_bytes` over the pod spec";
    this.source = Source.SPEC_RATIO;
    this.points = numerator == null ? List.of() : List.of(point(numerator, 1));
    this.spec = spec;
    this.networkCounter = null;
  }

  private static PointSpec point(Field field, double scale) {
    return new PointSpec(field, scale, Attributes.empty());
  }

  private static PointSpec point(Field field, double scale,
      io.opentelemetry.api.common.AttributeKey<String> key, String value) {
    return new PointSpec(field, scale, Attributes.of(key, value));
  }

  public String suffix() {
    return suffix;
  }

  public Instrument instrument() {
    return instrument;
  }

  public String unit() {
    return unit;
  }

  public MetricGroup group() {
    return group;
  }

  public String description() {
    return description;
  }

  /** The cgroup v2 file and key it is read from (Markdown). */
  public String sourceV2() {
    return sourceV2;
  }

  /** The cgroup v1 file and key it is read from (Markdown), {@code -} where v1 has none. */
  public String sourceV1() {
    return sourceV1;
  }

  public Source source() {
    return source;
  }

  /**
   * The points of a {@link Source#FIELDS} row; for {@link #CPU_TIME}, {@link #CPU_TIME_BY_MODE} or
   * {@link #CPU_TIME_TOTAL} as the entity's kind chooses.
   */
  public List<PointSpec> points(boolean cpuTimeByMode) {
    if (source == Source.CPU_TIME) {
      return cpuTimeByMode ? CPU_TIME_BY_MODE : CPU_TIME_TOTAL;
    }
    return points;
  }

  /**
   * The field a {@link Source#SPEC_RATIO} row divides, or null when it divides the CPU rate (in
   * cores, over the spec's millicores / 1000).
   */
  public Field numerator() {
    return source == Source.SPEC_RATIO && !points.isEmpty() ? points.get(0).field() : null;
  }

  /** The counter a {@link Source#NETWORK} row exports, or null. */
  public NetworkStats.Counter networkCounter() {
    return networkCounter;
  }

  /** The spec value a {@link Source#SPEC_RATIO} row divides by, or null. */
  public EntitySpec spec() {
    return spec;
  }
}

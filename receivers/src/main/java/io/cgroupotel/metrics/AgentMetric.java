package io.cgroupotel.metrics;

/**
 * The agent's own metrics, declared once beside {@link EntityMetric}; they carry the agent's base
 * resource only; the {@code cgroup_agent.*} rows have attribute {@code receiver}. The
 * {@code host.*} rows are the node's side of the energy books (only with {@code [energy]}); the
 * {@code process.*} rows are the agent's own process, named as the Collector names its own.
 */
public enum AgentMetric {
  SCRAPE_DURATION("cgroup_agent.scrape.duration", EntityMetric.Instrument.GAUGE, "s",
      "Time of the last poll of the receiver"),
  ENTITIES("cgroup_agent.entities", EntityMetric.Instrument.GAUGE, "{entity}",
      "Pods, containers, jobs or cgroups tracked now"),
  SCRAPE_ERRORS("cgroup_agent.scrape.errors", EntityMetric.Instrument.COUNTER, "{error}",
      "Files that could not be read or parsed"),
  PROMETHEUS_SCRAPE_ABORTED("cgroup_agent.prometheus.scrape.aborted",
      EntityMetric.Instrument.COUNTER, "{scrape}",
      "Prometheus scrapes whose client went away before the answer was sent (its connection is "
          + "closed at once); only with [exporters.prometheus]"),
  HOST_NETWORK_ENTITIES("cgroup_agent.entities.host_network", EntityMetric.Instrument.GAUGE,
      "{entity}", "Entities whose processes are in the node's own network namespace at the last "
          + "poll (hostNetwork pods, most batch jobs): they have no network series, the node's "
          + "traffic not being theirs. Only with the `network` group"),
  EXPORT_QUEUE_SIZE("cgroup_agent.export.queue.size", EntityMetric.Instrument.GAUGE, "By",
      "Export requests waiting in an OTLP exporter's send queue, compressed (on disk: with their "
          + "framing); by `exporter`"),
  EXPORT_QUEUE_AGE("cgroup_agent.export.queue.age", EntityMetric.Instrument.GAUGE, "s",
      "Age of the oldest request in the send queue, 0 when it is empty; by `exporter`"),
  EXPORT_FAILURES("cgroup_agent.export.failures", EntityMetric.Instrument.COUNTER, "{attempt}",
      "Attempts to deliver a queued export request that the collector did not accept (no "
          + "answer, an error status, a stalled or non-OTLP answer); the request stays queued and "
          + "is sent again; by `exporter`"),
  EXPORT_DROPPED("cgroup_agent.export.dropped", EntityMetric.Instrument.COUNTER, "{point}",
      "Points that will never reach the collector; by `exporter` and `reason`: queue_full (the "
          + "queue was at max_size or its disk full: oldest dropped first), rejected (the "
          + "collector refused them, partial success included), corrupt (unreadable in a queue "
          + "file)"),
  HOST_ENERGY("host.energy", EntityMetric.Instrument.COUNTER, "J",
      "Node energy since the agent started, by `energy.domain` and `energy.source` (rapl, or "
          + "model: an estimate); domains nest (core is inside package): do not sum them"),
  HOST_ENERGY_UNATTRIBUTED("host.energy.unattributed", EntityMetric.Instrument.COUNTER, "J",
      "The part of host.energy that the receiver's top-level entities in this export do not "
          + "carry (system daemons, the agent, entities already gone); by `receiver`, "
          + "`energy.domain`, `energy.source`"),
  HOST_CPU_BUSY_TIME("host.cpu.busy.time", EntityMetric.Instrument.COUNTER, "s",
      "Busy CPU time of every CPU since the agent started (/proc/stat: all but idle and iowait)"),
  HOST_CPU_UNATTRIBUTED("host.cpu.unattributed", EntityMetric.Instrument.COUNTER, "s",
      "The part of host.cpu.busy.time that the receiver's top-level entities in this export do "
          + "not carry (their cpu.attributed_time); by `receiver`"),
  HOST_CPU_SCOPE_TIME("host.cpu.scope.time", EntityMetric.Instrument.COUNTER, "s",
      "CPU time of the receiver's scope cgroup (kubepods, the OAR slice, the raw receiver's "
          + "path) since the agent started; by `receiver`"),
  HOST_CPU_SCOPE_UNATTRIBUTED("host.cpu.scope.unattributed", EntityMetric.Instrument.COUNTER,
      "s", "The part of host.cpu.scope.time that no live entity explains: entities that ended "
          + "between two polls before being read, processes in the scope cgroup itself; by "
          + "`receiver`"),
  PROCESS_CPU_TIME("process.cpu.time", EntityMetric.Instrument.COUNTER, "s",
      "The agent's own CPU time since it started, by `cpu.mode` (user, system), from "
          + "/proc/self/stat (as the Collector's own process metrics)"),
  PROCESS_MEMORY_USAGE("process.memory.usage", EntityMetric.Instrument.GAUGE, "By",
      "The agent's resident memory (RSS: /proc/self/status `VmRSS`)"),
  PROCESS_MEMORY_VIRTUAL("process.memory.virtual", EntityMetric.Instrument.GAUGE, "By",
      "The agent's virtual memory size (/proc/self/status `VmSize`)"),
  PROCESS_OPEN_FILE_DESCRIPTORS("process.open_file_descriptor.count",
      EntityMetric.Instrument.GAUGE, "{file_descriptor}",
      "File descriptors the agent holds open (each tracked cgroup keeps its files open)");

  private final String metricName;
  private final EntityMetric.Instrument instrument;
  private final String unit;
  private final String description;

  AgentMetric(String metricName, EntityMetric.Instrument instrument, String unit,
      String description) {
    this.metricName = metricName;
    this.instrument = instrument;
    this.unit = unit;
    this.description = description;
  }

  public String metricName() {
    return metricName;
  }

  public EntityMetric.Instrument instrument() {
    return instrument;
  }

  public String unit() {
    return unit;
  }

  public String description() {
    return description;
  }
}

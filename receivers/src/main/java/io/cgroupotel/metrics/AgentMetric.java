package io.cgroupotel.metrics;

/**
 * The agent's own metrics, declared once beside {@link EntityMetric}; they carry the agent's base
 * resource only, with attribute {@code receiver}.
 */
public enum AgentMetric {
  SCRAPE_DURATION("cgroup_agent.scrape.duration", EntityMetric.Instrument.GAUGE, "s",
      "Time of the last poll of the receiver"),
  ENTITIES("cgroup_agent.entities", EntityMetric.Instrument.GAUGE, "{entity}",
      "Pods, containers, jobs or cgroups tracked now"),
  SCRAPE_ERRORS("cgroup_agent.scrape.errors", EntityMetric.Instrument.COUNTER, "{error}",
      "Files that could not be read or parsed");

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

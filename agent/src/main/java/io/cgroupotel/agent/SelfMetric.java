package io.cgroupotel.agent;

/** The agent's own metrics, declared once; they carry the agent's base resource only. */
enum SelfMetric {
  SCRAPE_DURATION("cgroup_agent.scrape.duration", "s", "Time of the last poll of the receiver"),
  ENTITIES("cgroup_agent.entities", "{entity}", "Pods, containers, jobs or cgroups tracked now"),
  SCRAPE_ERRORS("cgroup_agent.scrape.errors", "{error}", "Files that could not be read");

  private final String metricName;
  private final String unit;
  private final String description;

  SelfMetric(String metricName, String unit, String description) {
    this.metricName = metricName;
    this.unit = unit;
    this.description = description;
  }

  String metricName() {
    return metricName;
  }

  String unit() {
    return unit;
  }

  String description() {
    return description;
  }
}

package io.cgroupotel.receiver;

/** The metrics every entity kind has: the one table the producer and the docs derive from. */
public enum EntityMetric {
  CPU_TIME(".cpu.time", "s", Type.COUNTER, "Total CPU time consumed"),
  CPU_USAGE(".cpu.usage", "{cpu}", Type.GAUGE,
      "CPU in use, in cores: the increase of cpu.time over the time between two polls"),
  MEMORY_USAGE(".memory.usage", "By", Type.GAUGE, "Memory in use (memory.current)");

  /** How a metric is exported. */
  public enum Type {
    /** Monotonic double sum (cumulative or delta, as configured). */
    COUNTER,
    /** Double gauge. */
    GAUGE
  }

  private final String suffix;
  private final String unit;
  private final Type type;
  private final String description;

  EntityMetric(String suffix, String unit, Type type, String description) {
    this.suffix = suffix;
    this.unit = unit;
    this.type = type;
    this.description = description;
  }

  public String suffix() {
    return suffix;
  }

  public String unit() {
    return unit;
  }

  public Type type() {
    return type;
  }

  public String description() {
    return description;
  }
}

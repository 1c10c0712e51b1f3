package io.cgroupotel.receiver;

/**
 * What an entity is; decides the names of its metrics, per the metric contract.
 *
 * <p>Metric names are derived here, once, so that no scraper spells one inline.
 */
public enum EntityKind {
  /** A cgroup read by the raw receiver. */
  CGROUP("cgroup", true),
  /** A Kubernetes pod (its pod-level cgroup). */
  K8S_POD("k8s.pod", false),
  /** A container of a pod (its runtime scope). */
  CONTAINER("container", true),
  /** An OAR3 batch job (its job slice, recursively). */
  OAR_JOB("oar.job", true);

  private final String prefix;
  private final boolean cpuTimeByMode;

  EntityKind(String prefix, boolean cpuTimeByMode) {
    this.prefix = prefix;
    this.cpuTimeByMode = cpuTimeByMode;
  }

  /** Metric name prefix, e.g. {@code k8s.pod}. */
  public String prefix() {
    return prefix;
  }

  /**
   * Whether {@code <prefix>.cpu.time} is split by {@code cpu.mode} (user, system); when not, one
   * point carries the total ({@code usage_usec}).
   */
  public boolean cpuTimeByMode() {
    return cpuTimeByMode;
  }

  public String metricName(EntityMetric metric) {
    return prefix + metric.suffix();
  }
}

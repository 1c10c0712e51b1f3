package io.cgroupotel.receiver;

import io.cgroupotel.metrics.EntityMetric;

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
  OAR_JOB("oar.job", true),
  /** A Slurm job on this node (its {@code job_<id>} cgroup, every step included). */
  SLURM_JOB("slurm.job", true),
  /** A step of a Slurm job ({@code job_<id>/step_<step>}), when the slurm receiver reads steps. */
  SLURM_STEP("slurm.job.step", true);

  private final String prefix;
  private final boolean cpuTimeByMode;
  private String[] names; // per EntityMetric ordinal, made once

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

  /**
   * Whether entities of this kind have network series: not containers nor Slurm steps, whose
   * processes share their pod's or job's network namespace (the pod's or job's series carry it).
   */
  public boolean hasOwnNetwork() {
    return this != CONTAINER && this != SLURM_STEP;
  }

  /** The full name of {@code metric} for this kind, e.g. {@code k8s.pod.cpu.time}. */
  public String metricName(EntityMetric metric) {
    String[] n = names;
    if (n == null) {
      n = new String[EntityMetric.values().length];
      for (EntityMetric m : EntityMetric.values()) {
        n[m.ordinal()] = m.fullName(this);
      }
      names = n;
    }
    return n[metric.ordinal()];
  }
}

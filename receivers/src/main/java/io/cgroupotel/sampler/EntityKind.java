package io.cgroupotel.sampler;

import io.cgroupotel.metrics.EntityMetric.Source;
import io.cgroupotel.metrics.EntityMetric;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What an entity is, and so which rows of the metric table it has and how they are named.
 *
 * <p>The metric table ({@link EntityMetric}) knows no receiver: each kind declares here its prefix,
 * the kinds of rows ({@link Source}) it lacks, and whether its CPU time is split by mode. Metric
 * names are derived here, once, so that no scraper spells one inline; every full name is listed in
 * {@code docs/metric-names.md} (generated from this enum by {@code MetricTableReadmeTest}).
 *
 * <p>A new receiver whose entities fit none of these adds a constant (see {@code
 * docs/adding-a-receiver.md}).
 */
public enum EntityKind {
  /** A cgroup read by the raw receiver. */
  CGROUP("cgroup", true, EnumSet.of(Source.SPEC_RATIO)),
  /** A Kubernetes pod (its pod-level cgroup). Its CPU time is one total, as kubeletstats'. */
  K8S_POD("k8s.pod", false, EnumSet.noneOf(Source.class)),
  /**
   * A container of a pod (its runtime scope). It shares its pod's network namespace (and series);
   * its spec rows are named {@code k8s.container.*}, as kubeletstats names them.
   */
  CONTAINER("container", true, EnumSet.of(Source.NETWORK), "k8s.container"),
  /** An OAR3 batch job (its job slice, recursively). */
  OAR_JOB("oar.job", true, EnumSet.of(Source.SPEC_RATIO)),
  /** A Slurm job on this node (its {@code job_<id>} cgroup, every step included). */
  SLURM_JOB("slurm.job", true, EnumSet.of(Source.SPEC_RATIO)),
  /**
   * A step of a Slurm job ({@code job_<id>/step_<step>}), when the slurm receiver reads steps; it
   * shares its job's network namespace (and series).
   */
  SLURM_STEP("slurm.job.step", true, EnumSet.of(Source.SPEC_RATIO, Source.NETWORK));

  private final String prefix;
  private final boolean cpuTimeByMode;
  private final Set<Source> lacks;
  private final String[] names; // per EntityMetric ordinal

  EntityKind(String prefix, boolean cpuTimeByMode, Set<Source> lacks) {
    this(prefix, cpuTimeByMode, lacks, prefix);
  }

  EntityKind(String prefix, boolean cpuTimeByMode, Set<Source> lacks, String specRatioPrefix) {
    this.prefix = prefix;
    this.cpuTimeByMode = cpuTimeByMode;
    this.lacks = lacks;
    this.names = new String[EntityMetric.values().length];
    for (EntityMetric m : EntityMetric.values()) {
      names[m.ordinal()] = (m.source() == Source.SPEC_RATIO ? specRatioPrefix : prefix) + m.suffix();
    }
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
    return !lacks.contains(Source.NETWORK);
  }

  /** Whether entities of this kind can have {@code metric}. */
  public boolean has(EntityMetric metric) {
    return !lacks.contains(metric.source());
  }

  /** The points of {@code metric} for this kind (CPU time by mode or as one total). */
  public List<EntityMetric.PointSpec> points(EntityMetric metric) {
    return metric.points(cpuTimeByMode);
  }

  /** The full name of {@code metric} for this kind, e.g. {@code k8s.pod.cpu.time}. */
  public String metricName(EntityMetric metric) {
    return names[metric.ordinal()];
  }

  /** Every full metric name of every kind, sorted (for filters and docs). */
  public static Set<String> allMetricNames() {
    Set<String> all = new TreeSet<>();
    for (EntityKind kind : values()) {
      for (EntityMetric m : EntityMetric.values()) {
        if (kind.has(m)) {
          all.add(kind.metricName(m));
        }
      }
    }
    return all;
  }
}

package io.cgroupotel.receiver.slurm;

import io.cgroupotel.metrics.MetricGroup;
import io.cgroupotel.receiver.HierarchyChoice;
import io.cgroupotel.sampler.InterfaceFilter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code [receivers.slurm]} section.
 *
 * @param path cgroup v2 tree to search for Slurm jobs, at any depth (default: the host's cgroup v2
 *     mount, else {@code /sys/fs/cgroup})
 * @param pollInterval how often the jobs are read (default 1 s)
 * @param steps also one entity per step (default false)
 * @param scontrol the scontrol command (default {@code [scontrol]}, from the PATH); empty: Slurm is
 *     not asked ({@code scontrol = "off"})
 * @param scontrolTimeout how long one scontrol call may take (default 5 s)
 * @param enabled false turns the receiver off
 * @param metrics the metric groups read ({@code metrics}; default cpu and memory)
 * @param pathSet whether {@code path} was written; if not, the factory picks the hierarchy that
 *     holds Slurm's cgroups (the cgroup/v1 plugin's {@code slurm} in the v1 controllers, or the
 *     v2 {@code slurmstepd.scope})
 * @param cgroupVersions {@code cgroup_versions}: the cgroup versions allowed (1, 2); default both
 * @param networkInterfaces {@code network_interfaces}: the interfaces of the network group;
 *     default all but {@code lo}
 */
public record SlurmReceiverConfig(
    Path path,
    Duration pollInterval,
    boolean steps,
    Optional<List<String>> scontrol,
    Duration scontrolTimeout,
    boolean enabled,
    Set<MetricGroup> metrics,
    boolean pathSet,
    Set<Integer> cgroupVersions,
    InterfaceFilter networkInterfaces) {

  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);
  public static final List<String> DEFAULT_SCONTROL = List.of("scontrol");
  public static final Duration DEFAULT_SCONTROL_TIMEOUT = Duration.ofSeconds(5);
  /** Below this, a healthy slurmctld under load fails every call. */
  public static final Duration MIN_SCONTROL_TIMEOUT = Duration.ofMillis(100);
  /** Above this, a hung slurmctld holds the metadata thread for minutes. */
  public static final Duration MAX_SCONTROL_TIMEOUT = Duration.ofSeconds(60);

  public SlurmReceiverConfig {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(pollInterval, "pollInterval");
    Objects.requireNonNull(scontrol, "scontrol");
    scontrol = scontrol.map(List::copyOf);
    Objects.requireNonNull(scontrolTimeout, "scontrolTimeout");
    metrics = Set.copyOf(metrics);
    cgroupVersions = Set.copyOf(cgroupVersions);
    Objects.requireNonNull(networkInterfaces, "networkInterfaces");
  }

  /** Every interface but {@code lo} for the network group. */
  public SlurmReceiverConfig(Path path, Duration pollInterval, boolean steps,
      Optional<List<String>> scontrol, Duration scontrolTimeout, boolean enabled,
      Set<MetricGroup> metrics, boolean pathSet, Set<Integer> cgroupVersions) {
    this(path, pollInterval, steps, scontrol, scontrolTimeout, enabled, metrics, pathSet,
        cgroupVersions, InterfaceFilter.DEFAULT);
  }

  /** Reads {@code path} as written, whichever cgroup version it is. */
  public SlurmReceiverConfig(Path path, Duration pollInterval, boolean steps,
      Optional<List<String>> scontrol, Duration scontrolTimeout, boolean enabled,
      Set<MetricGroup> metrics) {
    this(path, pollInterval, steps, scontrol, scontrolTimeout, enabled, metrics, true,
        HierarchyChoice.ALL_VERSIONS);
  }

  /** With the default metric groups. */
  public SlurmReceiverConfig(Path path, Duration pollInterval, boolean steps,
      Optional<List<String>> scontrol, Duration scontrolTimeout, boolean enabled) {
    this(path, pollInterval, steps, scontrol, scontrolTimeout, enabled, MetricGroup.defaults());
  }

  /** Defaults, reading {@code path}. */
  public static SlurmReceiverConfig defaults(Path path) {
    return new SlurmReceiverConfig(path, DEFAULT_POLL_INTERVAL, false,
        Optional.of(DEFAULT_SCONTROL), DEFAULT_SCONTROL_TIMEOUT, true);
  }

  public SlurmReceiverConfig withSteps(boolean steps) {
    return new SlurmReceiverConfig(path, pollInterval, steps, scontrol, scontrolTimeout, enabled,
        metrics, pathSet, cgroupVersions, networkInterfaces);
  }

  public SlurmReceiverConfig withScontrol(Optional<List<String>> scontrol, Duration timeout) {
    return new SlurmReceiverConfig(path, pollInterval, steps, scontrol, timeout, enabled, metrics,
        pathSet, cgroupVersions, networkInterfaces);
  }

  /** The keys every cgroup receiver shares. */
  public io.cgroupotel.receiver.CgroupReceiverSettings settings() {
    return new io.cgroupotel.receiver.CgroupReceiverSettings(path, pathSet, pollInterval, metrics,
        cgroupVersions, networkInterfaces);
  }
}

package io.cgroupotel.receiver.oar3;

import io.cgroupotel.metrics.MetricGroup;
import io.cgroupotel.receiver.CgroupReceiverSettings;
import io.cgroupotel.receiver.HierarchyChoice;
import io.cgroupotel.sampler.InterfaceFilter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code [receivers.oar3]} section.
 *
 * @param path cgroup v2 tree to search for OAR3 job slices, at any depth (default: the host's
 *     cgroup v2 mount, else {@code /sys/fs/cgroup})
 * @param pollInterval how often the jobs are read (default 1 s)
 * @param prefix OAR's cgroup prefix, from its CPUSET_PATH (default {@code oar})
 * @param oarexecDirectory where OAR writes {@code <user>_<jobid>.env} (default {@code
 *     /tmp/oar_runtime})
 * @param oarApiUrl the OAR3 REST API, for job name, project and queue; empty: not asked
 * @param enabled false turns the receiver off
 * @param metrics the metric groups read ({@code metrics})
 * @param pathSet whether {@code path} was written; if not, the factory picks the hierarchy that
 *     holds OAR's cgroups (on a v1 or hybrid host: OAR 2.5's {@code oar/<user>_<jobid>} in the v1
 *     controllers)
 * @param cgroupVersions {@code cgroup_versions}: the cgroup versions allowed (1, 2); default both
 * @param networkInterfaces {@code network_interfaces}: the interfaces of the network group;
 *     default all but {@code lo}
 */
public record Oar3ReceiverConfig(
    Path path,
    Duration pollInterval,
    String prefix,
    Path oarexecDirectory,
    Optional<URI> oarApiUrl,
    boolean enabled,
    Set<MetricGroup> metrics,
    boolean pathSet,
    Set<Integer> cgroupVersions,
    InterfaceFilter networkInterfaces) {

  public static final Duration DEFAULT_POLL_INTERVAL = CgroupReceiverSettings.DEFAULT_POLL_INTERVAL;
  public static final String DEFAULT_PREFIX = "oar";
  public static final Path DEFAULT_OAREXEC_DIRECTORY = Path.of("/tmp/oar_runtime");

  public Oar3ReceiverConfig {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(pollInterval, "pollInterval");
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(oarexecDirectory, "oarexecDirectory");
    Objects.requireNonNull(oarApiUrl, "oarApiUrl");
    metrics = Set.copyOf(metrics);
    cgroupVersions = Set.copyOf(cgroupVersions);
    Objects.requireNonNull(networkInterfaces, "networkInterfaces");
  }

  /** Every interface but {@code lo} for the network group. */
  public Oar3ReceiverConfig(Path path, Duration pollInterval, String prefix,
      Path oarexecDirectory, Optional<URI> oarApiUrl, boolean enabled, Set<MetricGroup> metrics,
      boolean pathSet, Set<Integer> cgroupVersions) {
    this(path, pollInterval, prefix, oarexecDirectory, oarApiUrl, enabled, metrics, pathSet,
        cgroupVersions, InterfaceFilter.DEFAULT);
  }

  /** Reads {@code path} as written, whichever cgroup version it is. */
  public Oar3ReceiverConfig(Path path, Duration pollInterval, String prefix,
      Path oarexecDirectory, Optional<URI> oarApiUrl, boolean enabled,
      Set<MetricGroup> metrics) {
    this(path, pollInterval, prefix, oarexecDirectory, oarApiUrl, enabled, metrics, true,
        HierarchyChoice.ALL_VERSIONS);
  }

  /** With the default metric groups. */
  public Oar3ReceiverConfig(Path path, Duration pollInterval, String prefix,
      Path oarexecDirectory, Optional<URI> oarApiUrl, boolean enabled) {
    this(path, pollInterval, prefix, oarexecDirectory, oarApiUrl, enabled,
        MetricGroup.defaults());
  }

  /** The keys every cgroup receiver shares. */
  public CgroupReceiverSettings settings() {
    return new CgroupReceiverSettings(path, pathSet, pollInterval, metrics, cgroupVersions,
        networkInterfaces);
  }

  /** Defaults, reading {@code path}. */
  public static Oar3ReceiverConfig defaults(Path path) {
    return new Oar3ReceiverConfig(path, DEFAULT_POLL_INTERVAL, DEFAULT_PREFIX,
        DEFAULT_OAREXEC_DIRECTORY, Optional.empty(), true);
  }
}

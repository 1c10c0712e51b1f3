package io.cgroupotel.receiver.cgroup;

import io.cgroupotel.receiver.HierarchyChoice;
import io.cgroupotel.sampler.InterfaceFilter;
import io.cgroupotel.sampler.MetricGroup;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * {@code [receivers.cgroup]}: any cgroup tree, v2 or v1.
 *
 * @param path the cgroup directory to read; default: this host's cgroup v2 mount (used only when
 *     {@code pathSet}; else the factory picks the hierarchy)
 * @param include globs relative to {@code path} naming the cgroups to export; {@code "."} is
 *     {@code path} itself; default {@link #DEFAULT_INCLUDE}
 * @param pollInterval how often to read them; default 1 s
 * @param metrics the metric groups read ({@code metrics}); default {@link MetricGroup#defaults()}
 * @param pathSet whether {@code path} was written; if not, the factory picks the hierarchy (on a
 *     v1 or hybrid host: the v1 controllers, where the machine's processes are accounted)
 * @param cgroupVersions {@code cgroup_versions}: the cgroup versions allowed (1, 2); default both
 * @param networkInterfaces {@code network_interfaces}: the interfaces of the network group;
 *     default all but {@code lo}
 */
public record CgroupReceiverConfig(Path path, List<String> include, Duration pollInterval,
    Set<MetricGroup> metrics, boolean pathSet, Set<Integer> cgroupVersions,
    InterfaceFilter networkInterfaces) {
  /** The root (the whole machine), its top-level cgroups and the system services. */
  public static final List<String> DEFAULT_INCLUDE = List.of(".", "*", "system.slice/*.service");

  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);

  public CgroupReceiverConfig {
    metrics = Set.copyOf(metrics);
    cgroupVersions = Set.copyOf(cgroupVersions);
    Objects.requireNonNull(networkInterfaces, "networkInterfaces");
  }

  /** Every interface but {@code lo} for the network group. */
  public CgroupReceiverConfig(Path path, List<String> include, Duration pollInterval,
      Set<MetricGroup> metrics, boolean pathSet, Set<Integer> cgroupVersions) {
    this(path, include, pollInterval, metrics, pathSet, cgroupVersions, InterfaceFilter.DEFAULT);
  }

  /** Reads {@code path} as written, whichever cgroup version it is. */
  public CgroupReceiverConfig(Path path, List<String> include, Duration pollInterval,
      Set<MetricGroup> metrics) {
    this(path, include, pollInterval, metrics, true, HierarchyChoice.ALL_VERSIONS);
  }

  /** With the default metric groups. */
  public CgroupReceiverConfig(Path path, List<String> include, Duration pollInterval) {
    this(path, include, pollInterval, MetricGroup.defaults());
  }
}

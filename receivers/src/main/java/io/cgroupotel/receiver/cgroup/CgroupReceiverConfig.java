package io.cgroupotel.receiver.cgroup;

import io.cgroupotel.metrics.MetricGroup;
import io.cgroupotel.receiver.CgroupReceiverSettings;
import io.cgroupotel.receiver.HierarchyChoice;
import io.cgroupotel.sampler.InterfaceFilter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * {@code [receivers.cgroup]}: any cgroup tree, v2 or v1: the shared keys, and
 *
 * @param include globs relative to {@code path} naming the cgroups to export; {@code "."} is
 *     {@code path} itself; default {@link #DEFAULT_INCLUDE}
 */
public record CgroupReceiverConfig(CgroupReceiverSettings settings, List<String> include) {
  /** The root (the whole machine), its top-level cgroups and the system services. */
  public static final List<String> DEFAULT_INCLUDE = List.of(".", "*", "system.slice/*.service");

  public CgroupReceiverConfig {
    Objects.requireNonNull(settings, "settings");
    include = List.copyOf(include);
  }

  /** Reads {@code path} as written, whichever cgroup version it is. */
  public CgroupReceiverConfig(Path path, List<String> include, Duration pollInterval,
      Set<MetricGroup> metrics) {
    this(new CgroupReceiverSettings(path, true, pollInterval, metrics,
        HierarchyChoice.ALL_VERSIONS, InterfaceFilter.DEFAULT), include);
  }

  /** With the default metric groups. */
  public CgroupReceiverConfig(Path path, List<String> include, Duration pollInterval) {
    this(path, include, pollInterval, MetricGroup.defaults());
  }

  /** The cgroup directory read ({@code path}). */
  public Path path() {
    return settings.path();
  }
}

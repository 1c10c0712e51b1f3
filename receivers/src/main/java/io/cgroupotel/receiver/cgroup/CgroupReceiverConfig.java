package io.cgroupotel.receiver.cgroup;

import io.cgroupotel.sampler.MetricGroup;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * {@code [receivers.cgroup]}: any cgroup v2 tree.
 *
 * @param path the cgroup v2 directory to read; default: this host's cgroup v2 mount
 * @param include globs relative to {@code path} naming the cgroups to export; {@code "."} is
 *     {@code path} itself; default {@link #DEFAULT_INCLUDE}
 * @param pollInterval how often to read them; default 1 s
 * @param metrics the metric groups read ({@code metrics}); default {@link MetricGroup#defaults()}
 */
public record CgroupReceiverConfig(Path path, List<String> include, Duration pollInterval,
    Set<MetricGroup> metrics) {
  /** The root (the whole machine), its top-level cgroups and the system services. */
  public static final List<String> DEFAULT_INCLUDE = List.of(".", "*", "system.slice/*.service");

  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);

  public CgroupReceiverConfig {
    metrics = Set.copyOf(metrics);
  }

  /** With the default metric groups. */
  public CgroupReceiverConfig(Path path, List<String> include, Duration pollInterval) {
    this(path, include, pollInterval, MetricGroup.defaults());
  }
}

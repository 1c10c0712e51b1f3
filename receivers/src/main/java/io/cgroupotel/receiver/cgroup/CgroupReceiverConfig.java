package io.cgroupotel.receiver.cgroup;

import java.nio.file.Path;
import io.cgroupotel.receiver.HierarchyChoice;
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
 * @param pathSet whether {@code path} was written; if not, the factory picks the hierarchy (on a
 *     v1 or hybrid host: the v1 controllers, where the machine's processes are accounted)
 * @param cgroupVersions {@code cgroup_versions}: the cgroup versions allowed (1, 2); default both
 */
public record CgroupReceiverConfig(Path path, List<String> include, Duration pollInterval,
    boolean pathSet, Set<Integer> cgroupVersions) {
  /** A config that reads {@code path} as written, whichever version it is. */
  public CgroupReceiverConfig(Path path, List<String> include, Duration pollInterval) {
    this(path, include, pollInterval, true, HierarchyChoice.ALL_VERSIONS);
  }

  /** The root (the whole machine), its top-level cgroups and the system services. */
  public static final List<String> DEFAULT_INCLUDE = List.of(".", "*", "system.slice/*.service");

  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);
}

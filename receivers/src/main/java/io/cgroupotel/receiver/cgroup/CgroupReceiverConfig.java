package io.cgroupotel.receiver.cgroup;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * {@code [receivers.cgroup]}: any cgroup v2 tree.
 *
 * @param path the cgroup v2 directory to read; default: this host's cgroup v2 mount
 * @param include globs relative to {@code path} naming the cgroups to export; {@code "."} is
 *     {@code path} itself; default {@link #DEFAULT_INCLUDE}
 * @param pollInterval how often to read them; default 1 s
 */
public record CgroupReceiverConfig(Path path, List<String> include, Duration pollInterval) {
  /** The root (the whole machine), its top-level cgroups and the system services. */
  public static final List<String> DEFAULT_INCLUDE = List.of(".", "*", "system.slice/*.service");

  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);
}

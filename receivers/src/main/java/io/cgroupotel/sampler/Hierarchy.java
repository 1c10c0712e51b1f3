package io.cgroupotel.sampler;

import io.cgroupotel.metrics.MetricGroup;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Where a receiver's cgroups live and which files hold what: cgroup v2 (one tree, every file in
 * the cgroup's directory) or v1 (one tree per controller, the same relative path in each).
 */
public interface Hierarchy {
  /** The tree that discovery walks (on v1: the hierarchy of the CPU accounting controller). */
  Path root();

  /** 1 or 2. */
  int version();

  /**
   * The files to read for {@code groups}, in reading order; the first one is the cgroup's
   * required file (its absence means the cgroup is gone, or unreadable).
   */
  List<SourceFile> files(Set<MetricGroup> groups);

  /** The directory that holds {@code file} for the cgroup at {@code relative} (to the root). */
  Path directory(SourceFile file, Path relative);

  /** Whether cgroups have {@code cgroup.events} (v2): the end-of-life watch needs it. */
  default boolean hasEvents() {
    return version() == 2;
  }

  /** A short description for logs and {@code --check}, e.g. {@code cgroup v2 at /sys/fs/cgroup}. */
  String describe();
}

package io.cgroupotel.cgroupfs;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds and checks cgroup v2 hierarchies.
 *
 * <p>A path is on cgroup v2 when the file system holding it is {@code cgroup2} (statfs magic
 * 0x63677270), read here from {@code /proc/self/mountinfo}. On hybrid hosts the v2 hierarchy is
 * mounted beside the v1 controllers, e.g. {@code /sys/fs/cgroup/unified}.
 */
public final class Cgroup2 {
  private Cgroup2() {}

  /** Whether {@code path} is on a cgroup2 file system (false if it does not exist). */
  public static boolean isCgroup2(Path path) {
    throw new UnsupportedOperationException("TODO");
  }

  /**
   * Why {@code path} cannot be read as cgroup v2, or empty when it can. The message names the path
   * and what it found instead, e.g. {@code /sys/fs/cgroup is not cgroup v2 (it is tmpfs, a
   * cgroup v1 or hybrid layout; the v2 hierarchy is mounted at /sys/fs/cgroup/unified)}.
   */
  public static Optional<String> problemWith(Path path) {
    throw new UnsupportedOperationException("TODO");
  }

  /**
   * The host's cgroup v2 root: {@code /sys/fs/cgroup} on a pure v2 host, the cgroup2 mount (e.g.
   * {@code /sys/fs/cgroup/unified}) on a hybrid one; empty when there is none.
   */
  public static Optional<Path> findMount() {
    throw new UnsupportedOperationException("TODO");
  }
}

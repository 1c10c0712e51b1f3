package io.cgroupotel.cgroupfs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds and checks cgroup v2 hierarchies.
 *
 * <p>A path is on cgroup v2 when the file system holding it is {@code cgroup2} (statfs magic
 * 0x63677270), read here from {@code /proc/self/mountinfo}: the JDK has no statfs, and mountinfo
 * also tells where the v2 hierarchy is when the path is not on it. On hybrid hosts the v2
 * hierarchy is mounted beside the v1 controllers, e.g. {@code /sys/fs/cgroup/unified}.
 */
public final class Cgroup2 {
  static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

  /**
   * One line of mountinfo: where a file system is mounted, its type and its super options (for
   * a v1 cgroup hierarchy, its controllers: {@code rw,cpu,cpuacct}).
   */
  record Mount(Path mountPoint, String fsType, String superOptions) {
    Mount(Path mountPoint, String fsType) {
      this(mountPoint, fsType, "");
    }
  }

  private Cgroup2() {}

  /** Whether {@code path} is on a cgroup2 file system (false if it does not exist). */
  public static boolean isCgroup2(Path path) {
    return problemWith(path).isEmpty();
  }

  /**
   * Why {@code path} cannot be read as cgroup v2, or empty when it can. The message names the path
   * and what it found instead, e.g. {@code /sys/fs/cgroup is not cgroup v2 (it is tmpfs, a
   * cgroup v1 or hybrid layout; the v2 hierarchy is mounted at /sys/fs/cgroup/unified)}.
   */
  public static Optional<String> problemWith(Path path) {
    return problemWith(path, readMounts());
  }

  /**
   * The host's cgroup v2 root: {@code /sys/fs/cgroup} on a pure v2 host, the cgroup2 mount (e.g.
   * {@code /sys/fs/cgroup/unified}) on a hybrid one; empty when there is none.
   */
  public static Optional<Path> findMount() {
    return findMount(readMounts());
  }

  static Optional<String> problemWith(Path path, List<Mount> mounts) {
    Path real;
    try {
      real = path.toRealPath();
    } catch (IOException e) {
      return Optional.of(path + " is not cgroup v2: it does not exist or cannot be read ("
          + e.getClass().getSimpleName() + ")");
    }
    if (!Files.isDirectory(real)) {
      return Optional.of(path + " is not cgroup v2: it is not a directory");
    }
    Mount holder = holder(real, mounts);
    if (holder != null && holder.fsType().equals("cgroup2")) {
      return Optional.empty();
    }
    String fs = holder == null ? "unknown" : holder.fsType();
    StringBuilder message = new StringBuilder()
        .append(path).append(" is not cgroup v2 (file system type ").append(fs)
        .append(", expected cgroup2, statfs magic 0x63677270)");
    Optional<Path> v2 = findMount(mounts);
    if (fs.equals("cgroup")) {
      message.append(": this is a cgroup v1 hierarchy");
    } else if (fs.equals("tmpfs") && v2.isPresent()) {
      message.append(": a cgroup v1 or hybrid layout");
    }
    if (v2.isPresent()) {
      message.append("; the cgroup v2 hierarchy of this host is mounted at ").append(v2.get());
    } else {
      message.append("; this host has no cgroup v2 mount (boot with "
          + "systemd.unified_cgroup_hierarchy=1, or mount -t cgroup2 none <dir>)");
    }
    return Optional.of(message.toString());
  }

  static Optional<Path> findMount(List<Mount> mounts) {
    Path best = null;
    for (Mount m : mounts) {
      if (m.fsType().equals("cgroup2")) {
        // prefer the conventional places, then the shortest path (the root of a nested one)
        if (best == null || m.mountPoint().equals(Path.of("/sys/fs/cgroup"))
            || (!best.equals(Path.of("/sys/fs/cgroup"))
                && m.mountPoint().getNameCount() < best.getNameCount())) {
          best = m.mountPoint();
        }
      }
    }
    return Optional.ofNullable(best);
  }

  /** The mount holding {@code real}: the longest mount point that is a prefix of it, last wins. */
  private static Mount holder(Path real, List<Mount> mounts) {
    Mount best = null;
    for (Mount m : mounts) {
      if (real.startsWith(m.mountPoint())
          && (best == null || m.mountPoint().getNameCount() >= best.mountPoint().getNameCount())) {
        best = m;
      }
    }
    return best;
  }

  static List<Mount> readMounts() {
    try {
      return parseMountinfo(Files.readString(MOUNTINFO));
    } catch (IOException e) {
      return List.of();
    }
  }

  /**
   * Parses mountinfo: {@code id parent major:minor root mountpoint options [optional...] -
   * fstype source superoptions}. Mount points escape space, tab, newline and backslash in octal.
   */
  static List<Mount> parseMountinfo(String text) {
    List<Mount> mounts = new ArrayList<>();
    for (String line : text.split("\n")) {
      String[] fields = line.trim().split(" ");
      int dash = -1;
      for (int i = 6; i < fields.length; i++) {
        if (fields[i].equals("-")) {
          dash = i;
          break;
        }
      }
      if (fields.length < 5 || dash < 0 || dash + 1 >= fields.length) {
        continue;
      }
      mounts.add(new Mount(Path.of(unescape(fields[4])), fields[dash + 1],
          dash + 3 < fields.length ? fields[dash + 3] : ""));
    }
    return mounts;
  }

  private static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length()) {
        try {
          sb.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
          i += 3;
          continue;
        } catch (NumberFormatException | IndexOutOfBoundsException e) {
          // not an escape: keep the backslash
        }
      }
      sb.append(c);
    }
    return sb.toString();
  }
}

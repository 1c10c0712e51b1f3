package io.cgroupotel.cgroupfs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The cgroup hierarchies this host mounts, from {@code /proc/self/mountinfo}: the cgroup v2 mount
 * (if any) and, for each cgroup v1 controller, where its hierarchy is mounted. Tells pure v2,
 * hybrid (v2 beside v1 controllers, e.g. at {@code /sys/fs/cgroup/unified}) and pure v1 apart.
 *
 * <p>A controller may be mounted jointly with others ({@code cpu,cpuacct}) and the same hierarchy
 * more than once (OAR 2.5 mounts one at {@code /dev/oar_cgroups}): the conventional place under
 * {@code /sys/fs/cgroup} wins, then the first mount. Immutable.
 */
public final class CgroupMounts {
  static final Path SYS_FS_CGROUP = Path.of("/sys/fs/cgroup");
  /** Super options of a v1 cgroup mount that are not controllers. */
  private static final Set<String> NOT_CONTROLLERS = Set.of("rw", "ro", "xattr", "noprefix",
      "clone_children", "cpuset_v2_mode", "favordynmods", "none");

  /** How the host's cgroups are laid out. */
  public enum Layout {
    /** One cgroup v2 hierarchy, no v1 controller. */
    V2,
    /** A cgroup v2 hierarchy and v1 controllers (systemd's "hybrid" mode). */
    HYBRID,
    /** v1 controllers only. */
    V1,
    /** No cgroup file system mounted (or mountinfo unreadable). */
    NONE
  }

  /** One cgroup mount: where, which type, and (v1) which controllers it holds. */
  public record Mount(Path mountPoint, String fsType, Set<String> controllers) {
    public Mount {
      controllers = Collections.unmodifiableSet(new TreeSet<>(controllers));
    }
  }

  private final Path v2;
  private final Map<String, Path> v1;
  private final List<Mount> all;

  private CgroupMounts(Path v2, Map<String, Path> v1, List<Mount> all) {
    this.v2 = v2;
    this.v1 = Collections.unmodifiableMap(v1);
    this.all = List.copyOf(all);
  }

  /** This host's mounts (none when mountinfo cannot be read). */
  public static CgroupMounts read() {
    try {
      return parse(Files.readString(Cgroup2.MOUNTINFO));
    } catch (IOException e) {
      return parse("");
    }
  }

  /** Builds the view of a mountinfo text (tests give their own). */
  public static CgroupMounts parse(String mountinfo) {
    List<Mount> mounts = new ArrayList<>();
    for (Cgroup2.Mount line : Cgroup2.parseMountinfo(mountinfo)) {
      String type = line.fsType();
      if (!type.equals("cgroup") && !type.equals("cgroup2")) {
        continue;
      }
      Set<String> controllers = new TreeSet<>();
      if (type.equals("cgroup")) {
        for (String option : line.superOptions().split(",")) {
          // super options: rw,cpu,cpuacct ; name=systemd is a named hierarchy, no controller
          if (!option.isEmpty() && !option.contains("=") && !NOT_CONTROLLERS.contains(option)) {
            controllers.add(option);
          }
        }
      }
      mounts.add(new Mount(line.mountPoint(), type, controllers));
    }
    Path v2 = Cgroup2.findMount(mounts.stream()
        .map(m -> new Cgroup2.Mount(m.mountPoint(), m.fsType())).toList()).orElse(null);
    Map<String, Path> v1 = new LinkedHashMap<>();
    for (Mount m : mounts) {
      if (!m.fsType().equals("cgroup")) {
        continue;
      }
      for (String c : m.controllers()) {
        Path current = v1.get(c);
        if (current == null || (!current.startsWith(SYS_FS_CGROUP)
            && m.mountPoint().startsWith(SYS_FS_CGROUP))) {
          v1.put(c, m.mountPoint());
        }
      }
    }
    return new CgroupMounts(v2, v1, mounts);
  }

  /**
   * The mounts below {@code dir} only: a container that sees the host's cgroups at {@code
   * /host/sys/fs/cgroup} reads those, not its own {@code /sys/fs/cgroup}.
   */
  public CgroupMounts under(Path dir) {
    Path abs = dir.toAbsolutePath().normalize();
    StringBuilder text = new StringBuilder();
    for (Mount m : all) {
      if (m.mountPoint().startsWith(abs)) {
        text.append("0 0 0:0 / ").append(escape(m.mountPoint().toString())).append(" rw - ")
            .append(m.fsType()).append(' ').append(m.fsType()).append(" rw")
            .append(m.controllers().isEmpty() ? "" : "," + String.join(",", m.controllers()))
            .append('\n');
      }
    }
    return parse(text.toString());
  }

  private static String escape(String s) {
    return s.replace("\\", "\\134").replace(" ", "\\040").replace("\t", "\\011")
        .replace("\n", "\\012");
  }

  public Layout layout() {
    if (v2 != null) {
      return v1.isEmpty() ? Layout.V2 : Layout.HYBRID;
    }
    return v1.isEmpty() ? Layout.NONE : Layout.V1;
  }

  /** The cgroup v2 mount, if any. */
  public Optional<Path> v2() {
    return Optional.ofNullable(v2);
  }

  /** The mount point of each v1 controller ({@code cpuacct} -> {@code /sys/fs/cgroup/cpuacct}). */
  public Map<String, Path> v1Controllers() {
    return v1;
  }

  /** Where v1 CPU time is accounted: the {@code cpuacct} hierarchy, if mounted. */
  public Optional<Path> cpuAccounting() {
    return Optional.ofNullable(v1.get("cpuacct"));
  }

  /** The cgroup mount holding {@code path} (the longest mount point that is a prefix of it). */
  public Optional<Mount> holder(Path path) {
    Path abs = path.toAbsolutePath().normalize();
    Mount best = null;
    for (Mount m : all) {
      if (abs.startsWith(m.mountPoint())
          && (best == null || m.mountPoint().getNameCount() >= best.mountPoint().getNameCount())) {
        best = m;
      }
    }
    return Optional.ofNullable(best);
  }

  /**
   * Whether {@code path} is the directory that holds cgroup mounts (the tmpfs at {@code
   * /sys/fs/cgroup} of v1 and hybrid hosts, or the host's seen from a container): a hierarchy is
   * mounted right below it.
   */
  public boolean holdsMounts(Path path) {
    Path abs = path.toAbsolutePath().normalize();
    for (Mount m : all) {
      if (abs.equals(m.mountPoint().getParent())) {
        return true;
      }
    }
    return false;
  }

  /** For logs and {@code --check}: {@code hybrid: v2 at ..., v1 cpu at ..., ...}. */
  public String describe() {
    StringBuilder sb = new StringBuilder(layout().name().toLowerCase(java.util.Locale.ROOT));
    String sep = ": ";
    if (v2 != null) {
      sb.append(sep).append("cgroup v2 at ").append(v2);
      sep = ", ";
    }
    if (!v1.isEmpty()) {
      sb.append(sep).append("v1 controllers ").append(String.join(",", v1.keySet()));
    }
    return sb.toString();
  }
}

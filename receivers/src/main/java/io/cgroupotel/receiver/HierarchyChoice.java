package io.cgroupotel.receiver;

import io.cgroupotel.cgroupfs.Cgroup2;
import io.cgroupotel.cgroupfs.CgroupMounts;
import io.cgroupotel.config.ConfigSection;
import io.cgroupotel.sampler.Hierarchy;
import io.cgroupotel.sampler.V1Hierarchy;
import io.cgroupotel.sampler.V2Hierarchy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Which cgroup hierarchy a receiver reads, and why: the one its {@code path} is on when the path
 * names a cgroup tree; else (no path, or the {@code /sys/fs/cgroup} directory of a v1 or hybrid
 * host) the one where the receiver's layout exists. On a hybrid host, when the layout is in both
 * trees or in neither, the v1 controllers win: that is where the CPU, memory and I/O are accounted
 * and where kubelet, runc, OAR 2.x and Slurm's cgroup/v1 plugin put their cgroups on such a host.
 *
 * <p>{@code cgroup_versions} (a receiver option, default {@code ["v2", "v1"]}) lists the versions
 * allowed; {@code ["v2"]} refuses to start without cgroup v2.
 *
 * <p>A receiver uses it in its factory ({@code choose(key, path, versions, probe)}) and builds its
 * sampler on {@link #hierarchy()}; its classifier sees paths relative to the chosen root, the same
 * in every v1 controller (e.g. the slurm receiver's probe finds {@code slurm/} of Slurm's
 * cgroup/v1 plugin in each controller, or a {@code *slurmstepd.scope} on v2).
 *
 * @param hierarchy what to read
 * @param why one line for logs and {@code --check}: the hierarchy and the reason it was chosen
 */
public record HierarchyChoice(Hierarchy hierarchy, String why) {
  /** The {@code cgroup_versions} default: both. */
  public static final Set<Integer> ALL_VERSIONS = Set.of(1, 2);
  static final Path SYS_FS_CGROUP = Path.of("/sys/fs/cgroup");

  public HierarchyChoice {
    Objects.requireNonNull(hierarchy, "hierarchy");
    Objects.requireNonNull(why, "why");
  }

  /**
   * {@code path} read as cgroup v2 without a check (a receiver's tests point it at a fixture tree;
   * the factory's {@link #choose} is what checks).
   */
  public static HierarchyChoice asGiven(Path path) {
    return new HierarchyChoice(new V2Hierarchy(path), "cgroup v2 at " + path + " (as given)");
  }

  /**
   * Reads {@code cgroup_versions}: a list of {@code "v1"}, {@code "v2"}; errors recorded in the
   * section.
   */
  public static Set<Integer> parseVersions(ConfigSection section) {
    List<String> names = section.stringList("cgroup_versions", List.of("v2", "v1"));
    Set<Integer> versions = new TreeSet<>();
    for (String name : names) {
      if (name.equals("v1") || name.equals("v2")) {
        versions.add(name.charAt(1) - '0');
      } else {
        section.error("cgroup_versions", "unknown cgroup version \"" + name + "\"",
            "use \"v1\" and/or \"v2\", e.g. [\"v2\"] to refuse anything but cgroup v2");
      }
    }
    if (versions.isEmpty()) {
      if (names.isEmpty()) {
        section.error("cgroup_versions", "empty list", "e.g. [\"v2\", \"v1\"] (the default)");
      }
      return ALL_VERSIONS;
    }
    return Set.copyOf(versions);
  }

  /**
   * Chooses on this host's mounts.
   *
   * @param key the receiver's config key, e.g. {@code receivers.k8s}, for messages
   * @param path the configured {@code path}, or null when none was written
   * @param versions the allowed versions (1, 2)
   * @param layout where the receiver's cgroups are under a tree's root: a short description of
   *     what was found (e.g. {@code kubepods at /kubepods}), or null when nothing
   */
  public static HierarchyChoice choose(String key, Path path, Set<Integer> versions,
      Function<Path, String> layout) throws ReceiverStartException {
    return choose(CgroupMounts.read(), key, path, versions, layout);
  }

  /** Chooses on {@code mounts} (tests give their own). */
  public static HierarchyChoice choose(CgroupMounts mounts, String key, Path path,
      Set<Integer> versions, Function<Path, String> layout) throws ReceiverStartException {
    String allowed = versions.stream().map(v -> "\"v" + v + "\"").sorted().toList().toString();
    if (path != null) {
      boolean exists = Files.isDirectory(path);
      Path real = path;
      try {
        real = path.toRealPath(); // OAR 2's /dev/oar_cgroups_links/<controller> are links
      } catch (java.io.IOException e) {
        // does not exist: said below
      }
      Optional<CgroupMounts.Mount> holder = mounts.holder(real);
      if (exists && holder.isPresent() && holder.get().fsType().equals("cgroup2")) {
        if (!versions.contains(2)) {
          throw new ReceiverStartException(key + ".path: " + path + " is cgroup v2 but "
              + key + ".cgroup_versions = " + allowed + " leaves v2 out");
        }
        return new HierarchyChoice(new V2Hierarchy(path), "cgroup v2 at " + path
            + ": path is on the cgroup2 mount " + holder.get().mountPoint());
      }
      if (exists && holder.isPresent() && holder.get().fsType().equals("cgroup")) {
        if (!versions.contains(1)) {
          throw notV2(key, path, allowed);
        }
        Path sub = holder.get().mountPoint().relativize(real);
        V1Hierarchy h = v1(mounts, key, sub);
        return new HierarchyChoice(h, h.describe() + ": path is in the cgroup v1 "
            + String.join(",", holder.get().controllers()) + " hierarchy; each controller read"
            + " at " + (sub.toString().isEmpty() ? "its root" : "/" + sub));
      }
      if (!(exists && isParentOfMounts(mounts, path))) {
        Optional<String> problem = Cgroup2.problemWith(path);
        throw new ReceiverStartException(key + ".path: " + problem.orElse(path
            + " is not a cgroup tree") + (versions.contains(1)
            ? " (nor in a cgroup v1 controller hierarchy: set path to a cgroup v2 directory, to"
            + " a v1 controller's mount such as /sys/fs/cgroup/cpuacct, or leave it out to let"
            + " the agent find the hierarchy)" : ""));
      }
    }
    // a directory holding the mounts (/sys/fs/cgroup, or the host's seen from a container):
    // the hierarchies mounted below it
    return auto(path == null ? mounts : mounts.under(path), key, path, versions, allowed, layout);
  }

  private static HierarchyChoice auto(CgroupMounts mounts, String key, Path path,
      Set<Integer> versions, String allowed, Function<Path, String> layout)
      throws ReceiverStartException {
    Optional<Path> v2 = mounts.v2().filter(p -> versions.contains(2));
    Optional<Path> v1 = mounts.cpuAccounting().filter(p -> versions.contains(1));
    String host = "this host is " + mounts.describe();
    if (v2.isEmpty() && v1.isEmpty()) {
      if (!versions.contains(1)) {
        throw notV2(key, path == null ? SYS_FS_CGROUP : path, allowed);
      }
      throw new ReceiverStartException(key + ": no cgroup hierarchy to read: " + host
          + (mounts.v1Controllers().isEmpty() ? "" : " (no cpuacct controller mounted)")
          + "; mount cgroup2 or the cpuacct controller");
    }
    if (v1.isEmpty()) {
      return new HierarchyChoice(new V2Hierarchy(v2.get()), "cgroup v2 at " + v2.get() + ": "
          + host + found(layout, v2.get()));
    }
    V1Hierarchy h1 = v1(mounts, key, Path.of(""));
    if (v2.isEmpty()) {
      return new HierarchyChoice(h1, h1.describe() + ": " + host
          + (mounts.v2().isPresent() ? " (cgroup_versions = " + allowed + ")" : "")
          + found(layout, v1.get()));
    }
    String in1 = layout.apply(v1.get());
    String in2 = layout.apply(v2.get());
    if (in2 != null && in1 == null) {
      return new HierarchyChoice(new V2Hierarchy(v2.get()), "cgroup v2 at " + v2.get() + ": "
          + host + "; " + in2 + " in the v2 tree, none in the v1 " + v1.get());
    }
    String accounted = "on a hybrid host the CPU, memory and I/O are accounted in the v1"
        + " controllers";
    String reason = in1 != null && in2 != null
        ? in1 + " in the v1 tree (also " + in2 + " in v2 " + v2.get() + "); v1 preferred: "
            + accounted
        : in1 != null ? in1 + " in the v1 tree, none in the v2 " + v2.get()
        : "none of this receiver's cgroups in either tree yet; v1 chosen: " + accounted;
    return new HierarchyChoice(h1, h1.describe() + ": " + host + "; " + reason);
  }

  /**
   * A layout probe for receivers that read any cgroup: how many cgroups are right below the root
   * (never null: any tree will do).
   */
  public static String topLevelCgroups(Path root) {
    long n = 0;
    try (java.util.stream.Stream<Path> s = Files.list(root)) {
      n = s.filter(Files::isDirectory).count();
    } catch (java.io.IOException | RuntimeException e) {
      // an unreadable root still is a tree
    }
    return "the root and " + n + " top-level cgroup(s)";
  }

  /**
   * A layout probe's search, for cgroups that may be nested (systemd in a container): the first
   * directory at most {@code maxDepth} levels below {@code root} (or {@code root} itself) whose
   * name {@code name} accepts, as {@code /relative/path}; null when none or unreadable.
   */
  public static String findDirectory(Path root, int maxDepth, Predicate<String> name) {
    try (java.util.stream.Stream<Path> s = Files.find(root, maxDepth, (p, a) -> a.isDirectory()
        && p.getFileName() != null && name.test(p.getFileName().toString()))) {
      return s.findFirst().map(p -> "/" + root.relativize(p)).orElse(null);
    } catch (java.io.IOException | RuntimeException e) {
      return null;
    }
  }

  private static String found(Function<Path, String> layout, Path root) {
    String what = layout.apply(root);
    return what == null ? "" : "; " + what;
  }

  private static V1Hierarchy v1(CgroupMounts mounts, String key, Path sub)
      throws ReceiverStartException {
    if (mounts.cpuAccounting().isEmpty()) {
      throw new ReceiverStartException(key + ": the cpuacct controller is not mounted ("
          + mounts.describe() + "): cgroup v1 CPU time is read from it");
    }
    java.util.Map<String, Path> roots = new java.util.LinkedHashMap<>();
    mounts.v1Controllers().forEach((c, p) ->
        roots.put(c, sub.toString().isEmpty() ? p : p.resolve(sub.toString())));
    if (!Files.isDirectory(roots.get(V1Hierarchy.CPU_ACCOUNTING))) {
      throw new ReceiverStartException(key + ".path: " + roots.get(V1Hierarchy.CPU_ACCOUNTING)
          + " does not exist: the cgroup v1 tree is read from the cpuacct hierarchy");
    }
    return new V1Hierarchy(roots);
  }

  private static boolean isParentOfMounts(CgroupMounts mounts, Path path) {
    Path abs = path.toAbsolutePath().normalize();
    return mounts.holdsMounts(abs);
  }

  private static ReceiverStartException notV2(String key, Path path, String allowed) {
    String problem = Cgroup2.problemWith(path).orElse(path + " is not cgroup v2");
    return new ReceiverStartException(key + ".path: " + problem + "; " + key
        + ".cgroup_versions = " + allowed + " allows cgroup v2 only (add \"v1\" to read the"
        + " cgroup v1 controllers)");
  }
}

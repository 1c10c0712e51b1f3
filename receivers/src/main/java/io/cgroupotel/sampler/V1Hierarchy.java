package io.cgroupotel.sampler;

import io.cgroupotel.metrics.MetricGroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Cgroup v1: one tree per controller, a cgroup being the same relative path in each. Discovery
 * walks the CPU accounting tree ({@code cpuacct}, alone or mounted jointly as {@code
 * cpu,cpuacct}); each file is read from its own controller's tree at the cgroup's relative path
 * ({@link V1Files}). A controller that is not mounted is not read; a cgroup missing from one
 * controller's tree has that controller's values absent (the sampler asks again at the next poll,
 * as the kernel creates a job's directories one controller after the other).
 *
 * <p>v1 has no {@code cgroup.events}: the last counters of a vanished cgroup are those of the
 * last poll (or of its discovery). Immutable.
 */
public final class V1Hierarchy implements Hierarchy {
  /** The controller whose tree discovery walks and whose file is required. */
  public static final String CPU_ACCOUNTING = "cpuacct";

  private final Map<String, Path> roots;
  private final List<SourceFile> files;

  /**
   * @param roots the directory of each mounted controller where this receiver's tree starts (its
   *     mount point, or a directory below it: the same relative directory in each), by
   *     controller name; must hold {@value #CPU_ACCOUNTING}
   */
  public V1Hierarchy(Map<String, Path> roots) {
    Objects.requireNonNull(roots, "roots");
    Map<String, Path> copy = new LinkedHashMap<>();
    roots.forEach((c, p) -> copy.put(c, p.toAbsolutePath().normalize()));
    if (!copy.containsKey(CPU_ACCOUNTING)) {
      throw new IllegalArgumentException("no " + CPU_ACCOUNTING + " hierarchy in " + roots);
    }
    this.roots = Map.copyOf(copy);
    Path blkio = copy.get("blkio");
    boolean recursive = blkio == null
        || Files.exists(blkio.resolve("blkio.throttle.io_service_bytes_recursive"));
    List<SourceFile> mounted = new ArrayList<>();
    for (SourceFile f : V1Files.all(recursive)) {
      if (copy.containsKey(f.controller())) {
        mounted.add(f);
      }
    }
    this.files = List.copyOf(mounted);
  }

  /**
   * The hierarchy of the controllers mounted at {@code mounts}, each read from {@code sub}
   * (relative, {@code ""} for the mount point itself) below its mount.
   */
  public static V1Hierarchy of(Map<String, Path> mounts, Path sub) {
    Map<String, Path> roots = new LinkedHashMap<>();
    mounts.forEach((c, p) -> roots.put(c, sub.toString().isEmpty() ? p : p.resolve(sub)));
    return new V1Hierarchy(roots);
  }

  @Override
  public Path root() {
    return roots.get(CPU_ACCOUNTING);
  }

  @Override
  public int version() {
    return 1;
  }

  /** The directory of each controller's tree. */
  public Map<String, Path> roots() {
    return roots;
  }

  @Override
  public List<SourceFile> files(Set<MetricGroup> groups) {
    return SourceFile.select(files, groups); // cpuacct.usage first: the required file
  }

  @Override
  public Path directory(SourceFile file, Path relative) {
    Path root = roots.get(file.controller());
    if (root == null) {
      throw new IllegalArgumentException(file + ": controller not mounted");
    }
    return relative.toString().isEmpty() ? root : root.resolve(relative);
  }

  @Override
  public boolean hasEvents() {
    return false;
  }

  @Override
  public String describe() {
    StringJoiner others = new StringJoiner(", ");
    files.stream().map(SourceFile::controller).filter(c -> !c.equals(CPU_ACCOUNTING))
        .distinct().sorted().forEach(others::add);
    return "cgroup v1 at " + root() + " (cpuacct" + (others.length() == 0 ? "" : ", with "
        + others) + ")";
  }
}

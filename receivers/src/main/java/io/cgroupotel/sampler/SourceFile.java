package io.cgroupotel.sampler;

import io.cgroupotel.metrics.MetricGroup;
import java.util.Objects;

/**
 * A cgroup file the sampler reads, and how.
 *
 * @param name the file name, e.g. {@code cpu.stat}
 * @param controller on cgroup v1, the controller hierarchy holding it (e.g. {@code cpuacct});
 *     empty on v2, where every file is in the cgroup's one directory
 * @param group the metric group that reads it
 * @param parser turns its bytes into fields
 */
public record SourceFile(String name, String controller, MetricGroup group, FileParser parser) {
  public SourceFile {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(controller, "controller");
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(parser, "parser");
  }

  /** A cgroup v2 file. */
  public static SourceFile v2(String name, MetricGroup group, FileParser parser) {
    return new SourceFile(name, "", group, parser);
  }

  /**
   * The files of {@code all} that {@code groups} read, in order; the first one (the required
   * file of the hierarchy) always.
   */
  static java.util.List<SourceFile> select(java.util.List<SourceFile> all,
      java.util.Set<MetricGroup> groups) {
    java.util.List<SourceFile> out = new java.util.ArrayList<>();
    out.add(all.get(0));
    for (SourceFile f : all.subList(1, all.size())) {
      if (groups.contains(f.group())) {
        out.add(f);
      }
    }
    return out;
  }

  @Override
  public String toString() {
    return controller.isEmpty() ? name : controller + "/" + name;
  }
}

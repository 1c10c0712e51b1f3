package io.cgroupotel.sampler;

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

  @Override
  public String toString() {
    return controller.isEmpty() ? name : controller + "/" + name;
  }
}

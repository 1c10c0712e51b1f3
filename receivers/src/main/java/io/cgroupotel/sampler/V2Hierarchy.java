package io.cgroupotel.sampler;

import io.cgroupotel.metrics.Field;
import io.cgroupotel.metrics.MetricGroup;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/** A cgroup v2 tree: every file of a cgroup in its one directory. */
public final class V2Hierarchy implements Hierarchy {
  /** The files of cgroup v2, in reading order; {@code cpu.stat} first (always present). */
  static final List<SourceFile> FILES = List.of(
      SourceFile.v2("cpu.stat", MetricGroup.CPU, Parsers.keyed(Parsers.keys(
          "usage_usec", Field.CPU_USAGE_USEC,
          "user_usec", Field.CPU_USER_USEC,
          "system_usec", Field.CPU_SYSTEM_USEC,
          "nr_periods", Field.CPU_NR_PERIODS,
          "nr_throttled", Field.CPU_NR_THROTTLED,
          "throttled_usec", Field.CPU_THROTTLED_USEC))),
      SourceFile.v2("cpu.max", MetricGroup.CPU, Parsers.cpuMax(Field.CPU_LIMIT_MILLICORES)),
      SourceFile.v2("cpuset.cpus.effective", MetricGroup.CPU, Parsers.cpuList(Field.CPUSET_CPUS)),
      SourceFile.v2("memory.current", MetricGroup.MEMORY, Parsers.single(Field.MEMORY_CURRENT)),
      SourceFile.v2("memory.stat", MetricGroup.MEMORY, Parsers.memoryStat()),
      SourceFile.v2("memory.max", MetricGroup.MEMORY, Parsers.limit(Field.MEMORY_LIMIT)),
      SourceFile.v2("memory.peak", MetricGroup.MEMORY, Parsers.single(Field.MEMORY_PEAK)),
      SourceFile.v2("memory.swap.current", MetricGroup.MEMORY,
          Parsers.single(Field.MEMORY_SWAP_CURRENT)),
      SourceFile.v2("memory.events", MetricGroup.MEMORY, Parsers.keyed(Parsers.keys(
          "oom_kill", Field.MEMORY_OOM_KILL))),
      SourceFile.v2("cpu.pressure", MetricGroup.PRESSURE,
          Parsers.pressure(Field.CPU_PRESSURE_SOME_USEC, Field.CPU_PRESSURE_FULL_USEC)),
      SourceFile.v2("memory.pressure", MetricGroup.PRESSURE,
          Parsers.pressure(Field.MEMORY_PRESSURE_SOME_USEC, Field.MEMORY_PRESSURE_FULL_USEC)),
      SourceFile.v2("io.pressure", MetricGroup.PRESSURE,
          Parsers.pressure(Field.IO_PRESSURE_SOME_USEC, Field.IO_PRESSURE_FULL_USEC)),
      SourceFile.v2("io.stat", MetricGroup.IO, Parsers.ioStat()),
      SourceFile.v2("pids.current", MetricGroup.PIDS, Parsers.single(Field.PIDS_CURRENT)));

  private final Path root;

  public V2Hierarchy(Path root) {
    this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
  }

  @Override
  public Path root() {
    return root;
  }

  @Override
  public int version() {
    return 2;
  }

  @Override
  public List<SourceFile> files(Set<MetricGroup> groups) {
    return SourceFile.select(FILES, groups); // cpu.stat first: the required file
  }

  @Override
  public Path directory(SourceFile file, Path relative) {
    return root.resolve(relative);
  }

  @Override
  public String describe() {
    return "cgroup v2 at " + root;
  }
}

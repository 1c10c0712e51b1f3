package io.cgroupotel.receiver.cgroup;

import io.cgroupotel.receiver.EntityKind;
import io.cgroupotel.receiver.HierarchyChoice;
import io.cgroupotel.receiver.Receiver;
import io.cgroupotel.receiver.ScrapeResult;
import io.cgroupotel.sampler.CgroupSampler;
import io.cgroupotel.sampler.Classifier;
import io.cgroupotel.sampler.MetricGroup;
import io.cgroupotel.sampler.TrackedEntity;
import io.cgroupotel.sampler.V2Hierarchy;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.LoggerFactory;

/**
 * The raw receiver: every cgroup under {@code path} that an include glob names becomes an entity
 * with attribute {@code cgroup.path}. A classifier on the shared {@link CgroupSampler}.
 */
public final class CgroupReceiver implements Receiver {
  static final String ATTRIBUTE = "cgroup.path";

  private final CgroupReceiverConfig config;
  private final CgroupSampler sampler;
  private final HierarchyChoice choice;

  /**
   * Reads {@code config.path()} as it is: the factory is what checks that it is cgroup v2, so that
   * tests can point this at a fixture tree.
   */
  public CgroupReceiver(CgroupReceiverConfig config) {
    this(config, () -> {});
  }

  CgroupReceiver(CgroupReceiverConfig config, Runnable pollNow) {
    this(config, new HierarchyChoice(new V2Hierarchy(config.path()), "cgroup v2 at "
        + config.path() + " (as configured)"), pollNow);
  }

  /** Reads the hierarchy the factory chose (v2, or v1 controllers). */
  CgroupReceiver(CgroupReceiverConfig config, HierarchyChoice choice, Runnable pollNow) {
    this.config = config;
    this.choice = choice;
    IncludeGlobs include = new IncludeGlobs(config.include());
    Classifier classifier = new Classifier() {
      @Override
      public boolean descend(Path relative) {
        return include.mayContain(forGlobs(relative));
      }

      @Override
      public Classification classify(Path relative) {
        if (!include.includes(forGlobs(relative))) {
          return null;
        }
        String name = relative.toString().isEmpty() ? "/" : "/" + relative;
        return new Classification(EntityKind.CGROUP, Map.of(ATTRIBUTE, name));
      }
    };
    this.sampler = CgroupSampler.builder(name(), choice.hierarchy(), classifier)
        .groups(config.metrics())
        .networkInterfaces(config.networkInterfaces())
        .pollNow(pollNow)
        .build();
  }

  /**
   * The globs are default-file-system matchers: a path of the default file system is matched as
   * it is (its bytes kept, whatever the charset); a fixture's (jimfs) is rebuilt from its text.
   */
  private static Path forGlobs(Path relative) {
    return relative.getFileSystem() == FileSystems.getDefault()
        ? relative : Path.of(relative.toString());
  }

  @Override
  public String name() {
    return "cgroup";
  }

  @Override
  public String hierarchyChoice() {
    return choice.why();
  }

  @Override
  public Duration pollInterval() {
    return config.pollInterval();
  }

  @Override
  public Set<MetricGroup> metricGroups() {
    return sampler.groups();
  }

  @Override
  public void start() {
    LoggerFactory.getLogger(CgroupReceiver.class).info("cgroup: reading {}", choice.why());
    sampler.start();
  }

  /** The receiver's {@code path}: every included cgroup is below it. */
  @Override
  public Path scope() {
    // the tree read; none on v1, whose cpuacct tree has no cpu.stat for the books
    return choice.hierarchy().version() == 2 ? choice.hierarchy().root() : null;
  }

  @Override
  public ScrapeResult poll() {
    return sampler.poll();
  }

  /** The cgroups exported now, by their {@code cgroup.path}. */
  List<String> cgroupPaths() {
    return sampler.entities().stream().map(TrackedEntity::displayPath).sorted().toList();
  }

  @Override
  public void close() {
    sampler.close();
  }
}

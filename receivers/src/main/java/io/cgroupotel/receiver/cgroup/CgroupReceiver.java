package io.cgroupotel.receiver.cgroup;

import io.cgroupotel.receiver.CgroupTreeReceiver;
import io.cgroupotel.receiver.HierarchyChoice;
import io.cgroupotel.receiver.IncludeGlobs;
import io.cgroupotel.sampler.Classifier;
import io.cgroupotel.sampler.EntityKind;
import io.cgroupotel.sampler.TrackedEntity;
import io.cgroupotel.sampler.V2Hierarchy;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * The raw receiver: every cgroup under {@code path} that an include glob names becomes an entity
 * with attribute {@code cgroup.path}. The smallest receiver on the kit: a classifier, no metadata.
 */
public final class CgroupReceiver extends CgroupTreeReceiver {
  static final String TYPE = "cgroup";
  static final String ATTRIBUTE = "cgroup.path";

  /**
   * Reads {@code config.path()} as it is: the factory is what checks that it is cgroup v2, so that
   * tests can point this at a fixture tree.
   */
  public CgroupReceiver(CgroupReceiverConfig config) {
    this(config, new HierarchyChoice(new V2Hierarchy(config.path()), "cgroup v2 at "
        + config.path() + " (as configured)"), () -> {});
  }

  /** Reads the hierarchy the factory chose (v2, or v1 controllers). */
  CgroupReceiver(CgroupReceiverConfig config, HierarchyChoice choice, Runnable pollNow) {
    super(TYPE, config.settings().pollInterval(), choice);
    read(sampler(new Globs(new IncludeGlobs(config.include())), config.settings(), pollNow));
  }

  /** The include globs as a classifier: a cgroup they name is an entity. */
  private record Globs(IncludeGlobs include) implements Classifier {
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
  public void start() {
    LoggerFactory.getLogger(CgroupReceiver.class).info("cgroup: reading {}", hierarchyChoice());
    super.start();
  }

  /** The receiver's {@code path}: every included cgroup is below it. */
  @Override
  public Path scope() {
    // the tree read; none on v1, whose cpuacct tree has no cpu.stat for the books
    return choice().hierarchy().version() == 2 ? choice().hierarchy().root() : null;
  }

  /** The cgroups exported now, by their {@code cgroup.path}. */
  List<String> cgroupPaths() {
    return sampler().entities().stream().map(TrackedEntity::displayPath).sorted().toList();
  }
}

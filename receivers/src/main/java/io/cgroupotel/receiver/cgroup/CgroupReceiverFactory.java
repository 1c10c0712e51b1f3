package io.cgroupotel.receiver.cgroup;

import io.cgroupotel.cgroupfs.Cgroup2;
import io.cgroupotel.config.ConfigSection;
import io.cgroupotel.config.Durations;
import io.cgroupotel.receiver.HierarchyChoice;
import io.cgroupotel.receiver.MetricsKey;
import io.cgroupotel.receiver.Receiver;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.ReceiverFactory;
import io.cgroupotel.receiver.ReceiverStartException;
import io.cgroupotel.sampler.MetricGroup;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/** Makes the raw {@code cgroup} receiver. */
public final class CgroupReceiverFactory implements ReceiverFactory<CgroupReceiverConfig> {
  static final Path FALLBACK_ROOT = Path.of("/sys/fs/cgroup");

  @Override
  public String type() {
    return "cgroup";
  }

  @Override
  public CgroupReceiverConfig parseConfig(ConfigSection section) {
    String path = section.string("path", null);
    Path root = path != null ? Path.of(path) : Cgroup2.findMount().orElse(FALLBACK_ROOT);
    List<String> include = section.stringList("include", CgroupReceiverConfig.DEFAULT_INCLUDE);
    for (String glob : include) {
      String problem = IncludeGlobs.check(glob);
      if (problem != null) {
        section.error("include", "bad glob \"" + glob + "\": " + problem,
            "globs are relative to path, e.g. \"system.slice/*.service\"; \".\" is path itself");
      }
    }
    Duration poll = section.duration("poll_interval", CgroupReceiverConfig.DEFAULT_POLL_INTERVAL,
        Durations.MIN_POLL_INTERVAL, Durations.MAX_INTERVAL);
    Set<MetricGroup> metrics = MetricsKey.parse(section);
    return new CgroupReceiverConfig(root, include, poll, metrics, path != null,
        HierarchyChoice.parseVersions(section), MetricsKey.networkInterfaces(section, metrics));
  }

  @Override
  public Receiver create(CgroupReceiverConfig config, ReceiverContext context)
      throws ReceiverStartException {
    HierarchyChoice choice = HierarchyChoice.choose("receivers.cgroup",
        config.pathSet() ? config.path() : null, config.cgroupVersions(),
        HierarchyChoice::topLevelCgroups);
    return new CgroupReceiver(config, choice, () -> {});
  }
}

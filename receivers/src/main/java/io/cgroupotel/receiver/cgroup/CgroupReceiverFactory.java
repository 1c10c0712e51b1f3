package io.cgroupotel.receiver.cgroup;

import io.cgroupotel.config.ConfigSection;
import io.cgroupotel.receiver.CgroupReceiverSettings;
import io.cgroupotel.receiver.HierarchyChoice;
import io.cgroupotel.receiver.IncludeGlobs;
import io.cgroupotel.receiver.Receiver;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.ReceiverFactory;
import io.cgroupotel.receiver.ReceiverStartException;
import java.util.List;

/** Makes the raw {@code cgroup} receiver. */
public final class CgroupReceiverFactory implements ReceiverFactory<CgroupReceiverConfig> {

  @Override
  public String type() {
    return CgroupReceiver.TYPE;
  }

  @Override
  public CgroupReceiverConfig parseConfig(ConfigSection section) {
    CgroupReceiverSettings settings = CgroupReceiverSettings.parse(section);
    List<String> include = section.stringList("include", CgroupReceiverConfig.DEFAULT_INCLUDE);
    for (String glob : include) {
      String problem = IncludeGlobs.check(glob);
      if (problem != null) {
        section.error("include", "bad glob \"" + glob + "\": " + problem,
            "globs are relative to path, e.g. \"system.slice/*.service\"; \".\" is path itself");
      }
    }
    return new CgroupReceiverConfig(settings, include);
  }

  /** Without {@code path}, the hierarchy of the host's processes (v1 on a hybrid host). */
  @Override
  public Receiver create(CgroupReceiverConfig config, ReceiverContext context)
      throws ReceiverStartException {
    HierarchyChoice choice =
        config.settings().chooseHierarchy(type(), HierarchyChoice::topLevelCgroups);
    return new CgroupReceiver(config, choice, () -> {}); // polled on schedule only
  }
}

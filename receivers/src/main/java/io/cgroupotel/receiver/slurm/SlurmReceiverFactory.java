package io.cgroupotel.receiver.slurm;

import io.cgroupotel.config.ConfigSection;
import io.cgroupotel.receiver.CgroupReceiverSettings;
import io.cgroupotel.receiver.HierarchyChoice;
import io.cgroupotel.receiver.Receiver;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.ReceiverFactory;
import io.cgroupotel.receiver.ReceiverStartException;
import io.cgroupotel.receiver.slurm.metadata.ScontrolCommand;

/** Makes the {@code slurm} receiver: per-job (and per-step) usage of Slurm jobs from cgroup v2. */
public final class SlurmReceiverFactory implements ReceiverFactory<SlurmReceiverConfig> {
  public static final String TYPE = "slurm";

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public SlurmReceiverConfig parseConfig(ConfigSection section) {
    CgroupReceiverSettings common = CgroupReceiverSettings.parse(section);
    boolean steps = section.bool("steps", false);
    return new SlurmReceiverConfig(common, steps, ScontrolCommand.parse(section),
        ScontrolCommand.parseTimeout(section), section.bool("enabled", true));
  }

  @Override
  public Receiver create(SlurmReceiverConfig config, ReceiverContext context)
      throws ReceiverStartException {
    CgroupReceiverSettings s = config.settings();
    HierarchyChoice choice;
    try {
      // the tree that holds Slurm's cgroups: v2, or the cgroup/v1 plugin's
      choice = HierarchyChoice.choose("receivers." + TYPE, s.pathSet() ? s.path() : null,
          s.cgroupVersions(), SlurmTrees::slurmTree);
    } catch (ReceiverStartException e) {
      if (s.cgroupVersions().contains(1)) {
        SlurmTrees.refuseUnlessCgroup2(s.path()); // not a cgroup tree: what it looks like
      }
      throw e;
    }
    return new SlurmReceiver(config, choice, context);
  }
}

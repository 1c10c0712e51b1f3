package io.cgroupotel.receiver.slurm;

import io.cgroupotel.receiver.CgroupReceiverSettings;
import io.cgroupotel.receiver.slurm.metadata.ScontrolCommand;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code [receivers.slurm]} section.
 *
 * @param settings the keys every cgroup receiver shares; without {@code path}, the factory picks
 *     the hierarchy that holds Slurm's cgroups (the cgroup/v1 plugin's {@code slurm} in the v1
 *     controllers, or the v2 {@code slurmstepd.scope})
 * @param steps also one entity per step (default false)
 * @param scontrol the scontrol command (default {@code [scontrol]}, from the PATH); empty: Slurm is
 *     not asked ({@code scontrol = "off"})
 * @param scontrolTimeout how long one scontrol call may take (default 5 s)
 * @param enabled false turns the receiver off
 */
public record SlurmReceiverConfig(CgroupReceiverSettings settings, boolean steps,
    Optional<List<String>> scontrol, Duration scontrolTimeout, boolean enabled) {

  public SlurmReceiverConfig {
    Objects.requireNonNull(settings, "settings");
    scontrol = Objects.requireNonNull(scontrol, "scontrol").map(List::copyOf);
    Objects.requireNonNull(scontrolTimeout, "scontrolTimeout");
  }

  /** Defaults, reading {@code path} as given. */
  public static SlurmReceiverConfig defaults(Path path) {
    return new SlurmReceiverConfig(CgroupReceiverSettings.of(path), false,
        Optional.of(ScontrolCommand.DEFAULT), ScontrolCommand.DEFAULT_TIMEOUT, true);
  }

  public SlurmReceiverConfig withSteps(boolean steps) {
    return new SlurmReceiverConfig(settings, steps, scontrol, scontrolTimeout, enabled);
  }

  public SlurmReceiverConfig withScontrol(Optional<List<String>> scontrol, Duration timeout) {
    return new SlurmReceiverConfig(settings, steps, scontrol, timeout, enabled);
  }

  /** The cgroup directory read ({@code path}). */
  public Path path() {
    return settings.path();
  }
}

package io.cgroupotel.receiver.slurm;

import java.nio.file.Path;
import java.util.List;

/**
 * The real Slurm of {@link RealSlurm}, for tests outside this package (the agent's). Only one
 * runs on a machine at a time: run such tests under {@code flock /tmp/real-slurm.lock}.
 */
public final class RealSlurmFacility implements AutoCloseable {
  private final RealSlurm slurm;

  private RealSlurmFacility(RealSlurm slurm) {
    this.slurm = slurm;
  }

  /** Starts it, or skips the test where it cannot run (fails instead under CI=true). */
  public static RealSlurmFacility start() throws Exception {
    return new RealSlurmFacility(RealSlurm.start());
  }

  /** The cgroup2 mount its jobs are under: the slurm receiver's {@code path}. */
  public Path mount() {
    return slurm.mount();
  }

  /** Where its jobs are: {@code <mount>/system.slice/<node>_slurmstepd.scope}. */
  public Path scope() {
    return slurm.scope();
  }

  /** The receiver's {@code scontrol} command for this Slurm, as one string. */
  public String scontrolCommand() {
    return String.join(" ", slurm.scontrol());
  }

  /** Runs a command (srun, sbatch...) with its environment; returns exit code and output. */
  public Result run(List<String> command, long timeoutSeconds) throws Exception {
    RealSlurm.Result r = slurm.run(command, timeoutSeconds);
    return new Result(r.exit(), r.out());
  }

  public record Result(int exit, String out) {}

  @Override
  public void close() throws Exception {
    slurm.close();
  }
}

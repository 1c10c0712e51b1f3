package io.cgroupotel.receiver.slurm;

import io.cgroupotel.receiver.CgroupTreeReceiver;
import io.cgroupotel.receiver.HierarchyChoice;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.UserNames;
import io.cgroupotel.receiver.slurm.metadata.SlurmJobMetadata;
import io.cgroupotel.sampler.Classifier;
import io.cgroupotel.sampler.EntityKind;
import io.cgroupotel.sampler.TrackedEntity;
import io.opentelemetry.sdk.common.Clock;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every Slurm job on the node from Slurm's cgroup/v2 tree: one entity per {@code
 * system.slice/[<node>_]slurmstepd.scope/job_<id>} (found at any depth below {@code path}), or per
 * directory of that scope that holds steps whatever its name (Slurm 26.05 names jobs by SLUID),
 * whose files cover every step; with {@code steps = true}, one more per step.
 * Slurm's daemons ({@code slurmstepd.scope/system}, {@code slurmd}) are never read.
 *
 * <p>A classifier ({@link SlurmNames}) on the kit's {@link CgroupTreeReceiver} (discovery, open
 * files, final counters), with a watcher that reads a job's counters when its tasks end. What is
 * Slurm's own beyond the names is the metadata ({@link SlurmJobMetadata}, in {@code
 * slurm.metadata}: the tasks' owner, the id of a SLUID job, scontrol), the kit's metadata source:
 * refreshed after each read, never blocking a poll, and what one-shot runs ({@code --once},
 * {@code --check}) wait for. {@link #poll()} is called from one thread; discovery on another.
 */
public final class SlurmReceiver extends CgroupTreeReceiver {
  private static final Logger LOG = LoggerFactory.getLogger(SlurmReceiver.class);

  private final SlurmReceiverConfig config;
  private final SlurmJobMetadata metadata;
  private volatile Path scope; // system.slice/[<node>_]slurmstepd.scope, once discovery saw it
  private final TaskEndWatcher taskEnd; // null: no inotify

  /** Reads the hierarchy the factory chose (v2, or the v1 controllers). */
  SlurmReceiver(SlurmReceiverConfig config, HierarchyChoice choice, ReceiverContext context) {
    this(config, choice, context, Clock.getDefault(), new UserNames(), Path.of("/proc"));
  }

  /** Reads {@code config.path()} as a cgroup v2 tree, with the given clock, names and proc. */
  SlurmReceiver(SlurmReceiverConfig config, ReceiverContext context, Clock clock,
      UserNames userNames, Path proc) {
    this(config, HierarchyChoice.asGiven(config.path()), context, clock, userNames, proc);
  }

  private SlurmReceiver(SlurmReceiverConfig config, HierarchyChoice choice,
      ReceiverContext context, Clock clock, UserNames userNames, Path proc) {
    super(SlurmReceiverFactory.TYPE, config.settings().pollInterval(), choice);
    this.config = config;
    this.metadata = new SlurmJobMetadata(config.scontrol(), config.scontrolTimeout(),
        context.hostName(), userNames, proc, clock);
    metadata(metadata);
    this.taskEnd = TaskEndWatcher.openOrNull(this::tasksEnded);
    read(sampler(new JobClassifier(), config.settings(), context.pollNow()).clock(clock));
  }

  /** Job (and step) directories are entities; nothing below a step is looked at. */
  private final class JobClassifier implements Classifier {
    @Override
    public boolean descend(Path relative) {
      Path dir = absolute(relative);
      if (scope == null && SlurmNames.isStepdScope(dir)) {
        scope = dir; // the energy books' scope: every job of this node is below it
      }
      return SlurmNames.descendInto(dir, config.steps());
    }

    @Override
    public Classification classify(Path relative) {
      Path dir = absolute(relative);
      OptionalLong jobId = SlurmNames.jobId(dir);
      if (jobId.isPresent()) {
        return new Classification(EntityKind.SLURM_JOB, metadata.base(jobId.getAsLong(), null));
      }
      String name = dir.getFileName() == null ? "" : dir.getFileName().toString();
      if (SlurmNames.jobCandidate(dir)) {
        // a job named by its SLUID (Slurm 26.05): a job once it holds steps
        return SlurmTrees.hasSteps(dir)
            ? new Classification(EntityKind.SLURM_JOB, metadata.base(-1, name)) : null;
      }
      if (SlurmNames.inStepdScope(dir)) {
        if (name.startsWith(SlurmNames.JOB_PREFIX)) {
          metadata.logOnce("job name", "slurm: {} ignored: not job_<decimal job id> (logged once)",
              dir);
        }
        return null; // system, slurmd: Slurm's daemons
      }
      Path parent = dir.getParent();
      Path parentRelative = relative.getParent() == null ? Path.of("") : relative.getParent();
      if (parent == null || !SlurmNames.jobCandidate(parent)) {
        return null;
      }
      if (!metadata.isJob(parentRelative) && name.startsWith(SlurmNames.STEP_PREFIX)) {
        sampler().reclassify(parentRelative); // its first step: the SLUID directory is a job now
      }
      if (config.steps() && metadata.isJob(parentRelative)) {
        String stepId = SlurmNames.stepId(dir);
        if (stepId != null) {
          return new Classification(EntityKind.SLURM_STEP,
              metadata.stepBase(parentRelative, stepId));
        }
        if (name.startsWith(SlurmNames.STEP_PREFIX)) {
          metadata.logOnce("step name", "slurm: {} ignored: not step_<step id> (its CPU time still "
              + "counts in the job; logged once)", dir);
        }
      }
      return null;
    }

    @Override
    public void added(TrackedEntity t) {
      Path dir = absolute(t.relative());
      if (t.entity().kind() == EntityKind.SLURM_JOB) {
        metadata.addJob(t.relative(), dir, SlurmNames.jobId(dir), SlurmNames.v1JobUid(dir),
            t.entity());
        if (taskEnd != null) {
          taskEnd.watchJob(dir);
        }
      } else if (t.entity().kind() == EntityKind.SLURM_STEP) {
        metadata.addStep(t.relative().getParent(), SlurmNames.stepId(dir), t.entity());
      }
    }

    @Override
    public void removed(TrackedEntity t) {
      if (t.entity().kind() == EntityKind.SLURM_JOB) {
        metadata.removeJob(t.relative());
        if (taskEnd != null) {
          taskEnd.forget(absolute(t.relative()));
        }
      } else {
        metadata.removeStep(t.relative().getParent(), t.entity());
      }
    }
  }

  /**
   * The tasks of a step have all exited: Slurm is about to remove the step and, when it was the
   * last, the job; their counters are read now (on the inotify thread), while they are there.
   */
  private void tasksEnded(Path jobDir, Path stepDir) {
    sampler().readNow(relative(jobDir));
    if (config.steps()) {
      sampler().readNow(relative(stepDir));
    }
  }

  /** The metadata source (for tests: its warnings and scontrol calls). */
  SlurmJobMetadata jobMetadata() {
    return metadata;
  }

  @Override
  public void start() {
    super.start();
    LOG.info("slurm: watching {} for system.slice/[<node>_]slurmstepd.scope/job_<id> or <SLUID>"
            + "{}, {} jobs now; scontrol: {}", config.path(), config.steps() ? "/step_<step>" : "",
        metadata.size(), metadata.scontrolShown());
  }

  @Override
  public Path scope() {
    return scope;
  }

  /** Stops the task-end watches first: their callback reads through the sampler. */
  @Override
  public void close() {
    if (taskEnd != null) {
      taskEnd.close();
    }
    super.close();
  }
}

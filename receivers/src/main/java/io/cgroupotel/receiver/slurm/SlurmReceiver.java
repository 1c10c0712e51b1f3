package io.cgroupotel.receiver.slurm;

import io.cgroupotel.receiver.Entity;
import io.cgroupotel.receiver.EntityKind;
import io.cgroupotel.receiver.HierarchyChoice;
import io.cgroupotel.receiver.Receiver;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.ScrapeResult;
import io.cgroupotel.receiver.UserNames;
import io.cgroupotel.sampler.CgroupSampler;
import io.cgroupotel.sampler.Classifier;
import io.cgroupotel.sampler.MetricGroup;
import io.cgroupotel.sampler.TrackedEntity;
import io.cgroupotel.sampler.V2Hierarchy;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every Slurm job on the node from Slurm's cgroup/v2 tree: one entity per {@code
 * system.slice/[<node>_]slurmstepd.scope/job_<id>} (found at any depth below {@code path}), whose
 * files cover every step; with {@code steps = true}, one more per {@code job_<id>/step_<step>}.
 * Slurm's daemons ({@code slurmstepd.scope/system}, {@code slurmd}) are never read.
 *
 * <p>A classifier on the shared {@link CgroupSampler} (discovery, open files, final counters).
 * What is Slurm's own here is the metadata, which never blocks a poll: the owner of the job's task
 * processes ({@code /proc/<pid>/status}) and its name ({@link UserNames}), and what {@code scontrol
 * show job -o <id>} says (asked on a thread of its own, see {@link Scontrol}). A job is exported by
 * id from its first read; attributes are added when they are known. {@link #poll()} is called from
 * one thread; discovery runs on another.
 */
public final class SlurmReceiver implements Receiver {
  private static final Logger LOG = LoggerFactory.getLogger(SlurmReceiver.class);
  /** How long the owner of a new job is looked for at every poll (its tasks start meanwhile). */
  static final Duration OWNER_EAGER = Duration.ofSeconds(5);
  /** Then how often, and how often an unnamed uid is asked again. */
  static final Duration RETRY = Duration.ofSeconds(10);
  /** When scontrol is asked again about a job after it failed. */
  static final Duration SCONTROL_RETRY = Duration.ofSeconds(60);

  private final SlurmReceiverConfig config;
  private final ReceiverContext context;
  private final UserNames userNames;
  private final Scontrol scontrol; // null: off
  private final TaskOwner owner;
  private final LongSupplier nanoClock;
  private final Path root;
  private volatile Path scope; // system.slice/[<node>_]slurmstepd.scope, once discovery saw it
  private final Map<Path, Job> jobs = new ConcurrentHashMap<>();
  private final Set<String> logged = ConcurrentHashMap.newKeySet();
  private final AtomicInteger warnings = new AtomicInteger();
  private final CgroupSampler sampler;
  private final HierarchyChoice choice;
  private final TaskEndWatcher taskEnd; // null: no inotify

  SlurmReceiver(SlurmReceiverConfig config, ReceiverContext context) {
    this(config, context, Clock.systemUTC(), System::nanoTime, new UserNames(), Path.of("/proc"));
  }

  /** Reads the hierarchy the factory chose (v2, or the v1 controllers). */
  SlurmReceiver(SlurmReceiverConfig config, HierarchyChoice choice, ReceiverContext context) {
    this(config, choice, context, Clock.systemUTC(), System::nanoTime, new UserNames(),
        Path.of("/proc"));
  }

  SlurmReceiver(SlurmReceiverConfig config, ReceiverContext context, Clock clock,
      LongSupplier nanoClock, UserNames userNames, Path proc) {
    this(config, new HierarchyChoice(new V2Hierarchy(config.path()), "cgroup v2 at "
        + config.path() + " (as given)"), context, clock, nanoClock, userNames, proc);
  }

  SlurmReceiver(SlurmReceiverConfig config, HierarchyChoice choice, ReceiverContext context,
      Clock clock, LongSupplier nanoClock, UserNames userNames, Path proc) {
    this.config = config;
    this.choice = choice;
    this.context = context;
    this.userNames = userNames;
    this.nanoClock = nanoClock;
    this.owner = new TaskOwner(proc);
    this.scontrol = config.scontrol()
        .map(cmd -> new Scontrol(cmd, config.scontrolTimeout(), SCONTROL_RETRY, nanoClock))
        .orElse(null);
    TaskEndWatcher watcher = null;
    try {
      watcher = new TaskEndWatcher(this::tasksEnded);
    } catch (java.io.IOException e) {
      LOG.warn("slurm: no inotify for the end of jobs' tasks ({}): a job's last CPU time is the "
          + "one of the last poll", e.toString());
    }
    this.taskEnd = watcher;
    io.cgroupotel.sampler.Hierarchy hierarchy = choice.hierarchy();
    this.root = hierarchy.root();
    this.sampler = CgroupSampler.builder(SlurmReceiverFactory.TYPE, hierarchy, new JobClassifier())
        .groups(config.metrics())
        .networkInterfaces(config.networkInterfaces())
        .pollNow(context.pollNow())
        .clock(clock)
        .build();
  }

  /**
   * One job and what is known of it; the metadata is written under the job's lock (the polling
   * thread, and the discovery thread when the job or a step appears).
   */
  private static final class Job {
    final long jobId;
    final Path dir;
    final Entity entity;
    final long seenNanos;
    final Map<String, Step> steps = new ConcurrentHashMap<>(); // by entity id
    long uid = -1;
    String userName;
    ScontrolJob info;
    long ownerCheckedNanos;
    long userCheckedNanos;

    Job(long jobId, Path dir, Entity entity, long seenNanos) {
      this.jobId = jobId;
      this.dir = dir;
      this.entity = entity;
      this.seenNanos = seenNanos;
      this.ownerCheckedNanos = seenNanos - RETRY.toNanos();
      this.userCheckedNanos = seenNanos - RETRY.toNanos();
    }
  }

  private record Step(String stepId, Entity entity) {}

  /** Job (and step) directories are entities; nothing below a step is looked at. */
  private final class JobClassifier implements Classifier {
    @Override
    public boolean descend(Path relative) {
      Path dir = root.resolve(relative);
      if (scope == null && SlurmNames.isStepdScope(dir)) {
        scope = dir; // the energy books' scope: every job of this node is below it
      }
      return SlurmNames.descendInto(dir, config.steps());
    }

    @Override
    public Classification classify(Path relative) {
      Path dir = root.resolve(relative);
      OptionalLong jobId = SlurmNames.jobId(dir);
      if (jobId.isPresent()) {
        return new Classification(EntityKind.SLURM_JOB, base(jobId.getAsLong()));
      }
      String name = dir.getFileName() == null ? "" : dir.getFileName().toString();
      if (SlurmNames.inStepdScope(dir)) {
        if (name.startsWith(SlurmNames.JOB_PREFIX)) {
          logOnce("job name", "slurm: {} ignored: not job_<decimal job id> (logged once)", dir);
        }
        return null; // system, slurmd: Slurm's daemons
      }
      Path parent = dir.getParent();
      if (config.steps() && parent != null && SlurmNames.jobId(parent).isPresent()) {
        String stepId = SlurmNames.stepId(dir);
        if (stepId != null) {
          Map<String, Object> a = base(SlurmNames.jobId(parent).getAsLong());
          a.put(SlurmAttributes.STEP_ID, stepId);
          return new Classification(EntityKind.SLURM_STEP, a);
        }
        if (name.startsWith(SlurmNames.STEP_PREFIX)) {
          logOnce("step name", "slurm: {} ignored: not step_<step id> (its CPU time still "
              + "counts in the job; logged once)", dir);
        }
      }
      return null;
    }

    @Override
    public void added(TrackedEntity t) {
      Path dir = root.resolve(t.relative());
      if (t.entity().kind() == EntityKind.SLURM_JOB) {
        Job job = new Job(SlurmNames.jobId(dir).getAsLong(), dir, t.entity(),
            nanoClock.getAsLong());
        synchronized (job) {
          // at once: a job shorter than a poll is still named (its tasks may not be there yet)
          lookUpOwner(job, job.seenNanos);
          job.entity.setAttributes(attributes(job, null));
        }
        jobs.put(t.relative(), job);
        if (taskEnd != null) {
          taskEnd.watchJob(dir);
        }
        if (scontrol != null) {
          scontrol.lookup(job.jobId); // asked now: the answer is there by the first polls
        }
        LOG.debug("slurm: job {} appeared at {}", job.jobId, t.displayPath());
      } else if (t.entity().kind() == EntityKind.SLURM_STEP) {
        Job job = jobs.get(t.relative().getParent());
        if (job != null) {
          Step step = new Step(SlurmNames.stepId(dir), t.entity());
          synchronized (job) {
            job.steps.put(t.entity().id(), step);
            if (job.uid < 0) {
              lookUpOwner(job, nanoClock.getAsLong());
              job.entity.setAttributes(attributes(job, null));
            }
            step.entity.setAttributes(attributes(job, step.stepId));
          }
        }
      }
    }

    @Override
    public void removed(TrackedEntity t) {
      if (t.entity().kind() == EntityKind.SLURM_JOB) {
        Job job = jobs.remove(t.relative());
        if (taskEnd != null) {
          taskEnd.forget(root.resolve(t.relative()));
        }
        if (job != null) {
          LOG.debug("slurm: job {} ended ({} removed)", job.jobId, t.displayPath());
          if (scontrol != null) {
            scontrol.forget(job.jobId);
          }
        }
      } else {
        Job job = jobs.get(t.relative().getParent());
        if (job != null) {
          job.steps.remove(t.entity().id());
        }
      }
    }
  }

  /**
   * The tasks of a step have all exited: Slurm is about to remove the step and, when it was the
   * last, the job; their counters are read now (on the watcher's thread), while they are there.
   */
  private void tasksEnded(Path jobDir, Path stepDir) {
    sampler.readNow(root.relativize(jobDir));
    if (config.steps()) {
      sampler.readNow(root.relativize(stepDir));
    }
  }

  private Map<String, Object> base(long jobId) {
    Map<String, Object> a = new LinkedHashMap<>();
    a.put(SlurmAttributes.JOB_ID, jobId);
    a.put(SlurmAttributes.HOST_NAME, context.hostName());
    return a;
  }

  private void logOnce(String kind, String format, Object... args) {
    if (logged.add(kind)) {
      warnings.incrementAndGet();
      LOG.warn(format, args);
    } else {
      LOG.debug(format, args);
    }
  }

  /** The kinds of problems logged as warnings so far (for tests). */
  Set<String> warned() {
    Set<String> all = new TreeSet<>(logged);
    if (scontrol != null) {
      for (String k : scontrol.warned()) {
        all.add("scontrol " + k);
      }
    }
    return all;
  }

  /** Warnings logged so far, scontrol's included (for tests: each kind of problem once). */
  int warnings() {
    return warnings.get() + (scontrol == null ? 0 : scontrol.warnings());
  }

  /** scontrol calls made so far (for tests). */
  int scontrolCalls() {
    return scontrol == null ? 0 : scontrol.calls();
  }

  @Override
  public String hierarchyChoice() {
    return choice.why();
  }

  @Override
  public String name() {
    return SlurmReceiverFactory.TYPE;
  }

  @Override
  public Set<MetricGroup> metricGroups() {
    return sampler.groups();
  }

  @Override
  public Duration pollInterval() {
    return config.pollInterval();
  }

  @Override
  public void start() {
    sampler.start();
    LOG.info("slurm: watching {} for system.slice/[<node>_]slurmstepd.scope/job_<id>{}, {} jobs "
            + "now; scontrol: {}", config.path(), config.steps() ? "/step_<step>" : "",
        jobs.size(), config.scontrol().map(c -> String.join(" ", c)).orElse("off"));
  }

  /**
   * For one-shot runs ({@code --once}, {@code --check}): waits at most {@code timeout} for scontrol
   * to answer about every job found. False when a call failed or did not answer in time (the
   * jobs are exported by id all the same).
   */
  @Override
  public boolean awaitReady(Duration timeout) {
    if (scontrol == null) {
      return true;
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      boolean waiting = false;
      for (Job job : jobs.values()) {
        Scontrol.Status s = scontrol.status(job.jobId);
        if (s == Scontrol.Status.FAILED) {
          return false;
        }
        waiting |= s == Scontrol.Status.WAITING;
      }
      if (!waiting) {
        return true;
      }
      if (System.nanoTime() - deadline >= 0) {
        return false;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }

  @Override
  public Path scope() {
    return scope;
  }

  @Override
  public ScrapeResult poll() {
    ScrapeResult result = sampler.poll();
    long now = nanoClock.getAsLong();
    for (Job job : jobs.values()) {
      refresh(job, now);
    }
    return result;
  }

  /** Fills in what has become known since the last poll; cheap when nothing is missing. */
  private void refresh(Job job, long now) {
    synchronized (job) {
      refreshLocked(job, now);
    }
  }

  /** Reads the owner of the job's tasks; returns whether it was found now. */
  private boolean lookUpOwner(Job job, long now) {
    job.ownerCheckedNanos = now;
    long v1Uid = job.dir.getParent() == null ? -1 : SlurmNames.v1Uid(job.dir.getParent());
    OptionalLong uid = v1Uid >= 0 && SlurmNames.isStepdScope(job.dir.getParent())
        ? OptionalLong.of(v1Uid) : owner.find(job.dir); // v1: slurm/uid_<UID>/job_<ID>
    if (uid.isPresent()) {
      job.uid = uid.getAsLong();
      job.userName = userNames.lookup(job.uid).orElse(null);
      job.userCheckedNanos = now;
      return true;
    }
    return false;
  }

  private void refreshLocked(Job job, long now) {
    boolean changed = false;
    if (job.uid < 0 && (now - job.seenNanos < OWNER_EAGER.toNanos()
        || now - job.ownerCheckedNanos >= RETRY.toNanos())) {
      if (lookUpOwner(job, now)) {
        changed = true;
      } else if (now - job.seenNanos >= OWNER_EAGER.toNanos()) {
        logOnce("owner", "slurm: job {}: no live process in {}/step_*/user/task_* to read its "
            + "owner from; exported without slurm.job.user.id until one shows (logged once)",
            job.jobId, job.dir);
      }
    }
    long uid = effectiveUid(job);
    if (uid >= 0 && job.userName == null && (now - job.seenNanos < OWNER_EAGER.toNanos()
        || now - job.userCheckedNanos >= RETRY.toNanos())) {
      job.userCheckedNanos = now;
      job.userName = userNames.lookup(uid).orElse(null);
      changed |= job.userName != null;
    }
    if (scontrol != null && job.info == null) {
      job.info = scontrol.lookup(job.jobId).orElse(null);
      changed |= job.info != null;
    }
    if (changed) {
      job.entity.setAttributes(attributes(job, null));
      for (Step step : job.steps.values()) {
        step.entity.setAttributes(attributes(job, step.stepId));
      }
    }
  }

  /** The owner of the tasks, else the UserId scontrol gave; -1 when neither is known. */
  private static long effectiveUid(Job job) {
    if (job.uid >= 0) {
      return job.uid;
    }
    return job.info == null ? -1 : job.info.userId().orElse(-1);
  }

  private Map<String, Object> attributes(Job job, String stepId) {
    Map<String, Object> a = base(job.jobId);
    if (stepId != null) {
      a.put(SlurmAttributes.STEP_ID, stepId);
    }
    long uid = effectiveUid(job);
    if (uid >= 0) {
      a.put(SlurmAttributes.USER_ID, uid);
      String name = job.userName;
      if (name == null && job.info != null && job.info.userId().orElse(-1) == uid) {
        name = job.info.userName().orElse(null);
      }
      if (name != null) {
        a.put(SlurmAttributes.USER, name);
      }
    }
    ScontrolJob info = job.info;
    if (info != null) {
      info.name().ifPresent(v -> a.put(SlurmAttributes.NAME, v));
      info.account().ifPresent(v -> a.put(SlurmAttributes.ACCOUNT, v));
      info.partition().ifPresent(v -> a.put(SlurmAttributes.PARTITION, v));
      info.qos().ifPresent(v -> a.put(SlurmAttributes.QOS, v));
      info.cpus().ifPresent(v -> a.put(SlurmAttributes.CPUS, v));
      info.memoryBytes().ifPresent(v -> a.put(SlurmAttributes.MEMORY, v));
      info.nodes().ifPresent(v -> a.put(SlurmAttributes.NODES, v));
      info.arrayJobId().ifPresent(v -> a.put(SlurmAttributes.ARRAY_JOB_ID, v));
      info.arrayTaskId().ifPresent(v -> a.put(SlurmAttributes.ARRAY_TASK_ID, v));
    }
    return a;
  }

  @Override
  public void close() {
    sampler.close();
    if (taskEnd != null) {
      taskEnd.close();
    }
    userNames.close();
    if (scontrol != null) {
      scontrol.close();
    }
  }
}

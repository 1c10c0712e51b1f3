package io.cgroupotel.receiver.slurm.metadata;

import io.cgroupotel.receiver.MetadataSource;
import io.cgroupotel.receiver.UserNames;
import io.cgroupotel.sampler.Entity;
import io.opentelemetry.sdk.common.Clock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The slurm receiver's metadata source: what Slurm knows of a job beyond its cgroup's name, which
 * never blocks a poll. The owner of the job's task processes ({@code /proc/<pid>/status}, {@link
 * TaskOwner}) and its name ({@link UserNames}); a SLUID job's numeric id from its tasks'
 * environment ({@link JobIdFinder}); what {@code scontrol show job -o <id>} says (asked on a
 * thread of its own, see {@link Scontrol}). A job is exported by id from its first read;
 * attributes are added when they are known, by {@link #refresh()} after each read.
 *
 * <p>The receiver tells it which jobs and steps exist ({@code add*}, {@code remove*}, on the
 * discovery thread), calls {@link #refresh()} after each poll, and asks {@link #base} for the
 * identity a new entity starts with. Jobs are keyed by their path relative to the tree read.
 */
public final class SlurmJobMetadata implements MetadataSource {
  // the receiver's logger: operators set one level for everything the slurm receiver says
  private static final Logger LOG =
      LoggerFactory.getLogger("io.cgroupotel.receiver.slurm.SlurmReceiver");
  /** How long the owner of a new job is looked for at every poll (its tasks start meanwhile). */
  public static final Duration OWNER_EAGER = Duration.ofSeconds(5);
  /** Then how often, and how often an unnamed uid is asked again. */
  static final Duration RETRY = Duration.ofSeconds(10);
  /** When scontrol is asked again about a job after it failed. */
  static final Duration SCONTROL_RETRY = Duration.ofSeconds(60);

  private final Duration scontrolTimeout;
  private final String scontrolShown;
  private final String hostName;
  private final UserNames userNames;
  private final Scontrol scontrol; // null: off
  private final TaskOwner owner;
  private final Clock clock; // retries and holds: nanoTime()
  private final Map<Path, Job> jobs = new ConcurrentHashMap<>(); // by path relative to the tree
  private final Set<String> logged = ConcurrentHashMap.newKeySet();
  private final AtomicInteger warnings = new AtomicInteger();
  private final JobIdFinder idFinder; // SLUID jobs: SLURM_JOB_ID of their tasks
  private volatile boolean oneShot; // awaitReady was called: --once or --check

  /**
   * @param scontrol the scontrol command ({@link ScontrolCommand#parse}); empty: Slurm is not asked
   * @param scontrolTimeout how long one scontrol call may take
   * @param hostName the {@code host.name} of every job
   * @param userNames names the owners' uids (closed with this)
   * @param proc the proc file system, {@code /proc}
   * @param clock spaces retries ({@code nanoTime()})
   */
  public SlurmJobMetadata(Optional<List<String>> scontrol, Duration scontrolTimeout,
      String hostName, UserNames userNames, Path proc, Clock clock) {
    this.scontrolTimeout = scontrolTimeout;
    this.scontrolShown = ScontrolCommand.describe(scontrol);
    this.hostName = hostName;
    this.userNames = userNames;
    this.clock = clock;
    this.owner = new TaskOwner(proc);
    this.idFinder = new JobIdFinder(proc, RETRY.toNanos(), clock);
    this.scontrol = scontrol
        .map(cmd -> new Scontrol(cmd, scontrolTimeout, SCONTROL_RETRY, clock))
        .orElse(null);
  }

  /**
   * One job and what is known of it; the metadata is written under the job's lock (the polling
   * thread, and the discovery thread when the job or a step appears).
   */
  private static final class Job {
    final String sluid; // the directory's name when it is not job_<id> (Slurm 26.05: the SLUID)
    final Path dir;
    final long layoutUid; // the uid the path gives (cgroup/v1: slurm/uid_<UID>/job_<id>), or -1
    final Entity entity;
    final long seenNanos;
    final Map<String, Step> steps = new ConcurrentHashMap<>(); // by entity id
    volatile long jobId; // -1: not known yet (a SLUID directory)
    boolean idFromEnviron;
    boolean environRejected; // scontrol's record for the environment's id names another SLUID
    long uid = -1;
    String userName;
    ScontrolJob info;
    long ownerCheckedNanos;
    long userCheckedNanos;

    Job(long jobId, String sluid, Path dir, long layoutUid, Entity entity, long seenNanos) {
      this.jobId = jobId;
      this.sluid = sluid;
      this.dir = dir;
      this.layoutUid = layoutUid;
      this.entity = entity;
      this.seenNanos = seenNanos;
      this.ownerCheckedNanos = seenNanos - RETRY.toNanos();
      this.userCheckedNanos = seenNanos - RETRY.toNanos();
    }

    String display() {
      return jobId >= 0 ? Long.toString(jobId) : "SLUID " + sluid;
    }
  }

  private record Step(String stepId, Entity entity) {}

  /** Whether the job directory at {@code relative} is a job known here. */
  public boolean isJob(Path relative) {
    return jobs.containsKey(relative);
  }

  /** Jobs known now. */
  public int size() {
    return jobs.size();
  }

  /** The identity of step {@code stepId} of the job at {@code jobRelative}, or null: no such job. */
  public Map<String, Object> stepBase(Path jobRelative, String stepId) {
    Job job = jobs.get(jobRelative);
    if (job == null) {
      return null;
    }
    Map<String, Object> a = base(job.jobId, job.sluid);
    a.put(SlurmAttributes.STEP_ID, stepId);
    return a;
  }

  /**
   * A job appeared at {@code relative} ({@code dir} absolute): named at once, asked about.
   *
   * @param id its id when its directory is {@code job_<id>}; empty: a SLUID directory
   * @param layoutUid the owner's uid when the layout gives it (cgroup/v1), else empty
   */
  public void addJob(Path relative, Path dir, OptionalLong id, OptionalLong layoutUid,
      Entity entity) {
    Job job = new Job(id.orElse(-1), id.isPresent() ? null : dir.getFileName().toString(),
        dir, layoutUid.orElse(-1), entity, clock.nanoTime());
    synchronized (job) {
      // at once: a job shorter than a poll is still named (its tasks may not be there yet)
      lookUpOwner(job, job.seenNanos);
      job.entity.setAttributes(attributes(job, null));
    }
    jobs.put(relative, job);
    if (job.jobId < 0) {
      idFinder.lookup(dir, true); // looked for now: the answer is there by the first polls
    } else if (scontrol != null) {
      scontrol.lookup(job.jobId); // asked now: the answer is there by the first polls
    }
    LOG.debug("slurm: job {} appeared at {}", job.display(), dir);
  }

  /** A step of the job at {@code jobRelative} appeared. */
  public void addStep(Path jobRelative, String stepId, Entity entity) {
    Job job = jobs.get(jobRelative);
    if (job == null) {
      return;
    }
    Step step = new Step(stepId, entity);
    synchronized (job) {
      job.steps.put(entity.id(), step);
      if (job.uid < 0) {
        lookUpOwner(job, clock.nanoTime());
        job.entity.setAttributes(attributes(job, null));
      }
      step.entity.setAttributes(attributes(job, step.stepId));
    }
  }

  /** The job at {@code relative} ended: what was asked about it is forgotten. */
  public void removeJob(Path relative) {
    Job job = jobs.remove(relative);
    if (job == null) {
      return;
    }
    LOG.debug("slurm: job {} ended ({} removed)", job.display(), job.dir);
    idFinder.forget(job.dir);
    if (scontrol != null) {
      if (job.jobId >= 0) {
        scontrol.forget(job.jobId);
      }
      if (job.sluid != null) {
        scontrol.forgetSluid(job.sluid);
      }
    }
  }

  /** A step of the job at {@code jobRelative} ended. */
  public void removeStep(Path jobRelative, Entity entity) {
    Job job = jobs.get(jobRelative);
    if (job != null) {
      job.steps.remove(entity.id());
    }
  }

  /** Fills in what has become known of every job since the last poll. */
  @Override
  public void refresh() {
    long now = clock.nanoTime();
    for (Job job : jobs.values()) {
      refresh(job, now);
    }
  }

  /** The job's identity: its id when known, its SLUID when the layout gives it, the node. */
  public Map<String, Object> base(long jobId, String sluid) {
    Map<String, Object> a = new LinkedHashMap<>();
    if (jobId >= 0) {
      a.put(SlurmAttributes.JOB_ID, jobId);
    }
    if (sluid != null) {
      a.put(SlurmAttributes.SLUID, sluid);
    }
    a.put(SlurmAttributes.HOST_NAME, hostName);
    return a;
  }

  /** Logs a warning the first time a kind of problem is met, then at debug level. */
  public void logOnce(String kind, String format, Object... args) {
    if (logged.add(kind)) {
      warnings.incrementAndGet();
      LOG.warn(format, args);
    } else {
      LOG.debug(format, args);
    }
  }

  /** The kinds of problems logged as warnings so far (for tests). */
  public Set<String> warned() {
    Set<String> all = new TreeSet<>(logged);
    if (scontrol != null) {
      for (String k : scontrol.warned()) {
        all.add("scontrol " + k);
      }
    }
    return all;
  }

  /** Warnings logged so far, scontrol's included (for tests: each kind of problem once). */
  public int warnings() {
    return warnings.get() + (scontrol == null ? 0 : scontrol.warnings());
  }

  /** scontrol calls made so far (for tests). */
  public int scontrolCalls() {
    return scontrol == null ? 0 : scontrol.calls();
  }

  /**
   * For one-shot runs ({@code --once}, {@code --check}), before their one poll: resolves what it
   * can now (owners, the ids of SLUID jobs, scontrol's answers) and waits at most {@code timeout}
   * for the rest. False when a call failed or did not answer in time (the jobs are exported all
   * the same, with what is known).
   */
  @Override
  public boolean awaitReady(Duration timeout) {
    oneShot = true;
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      boolean waiting = false;
      long now = clock.nanoTime();
      for (Job job : jobs.values()) {
        refresh(job, now);
        Scontrol.Status s = readiness(job);
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

  /** Whether what can be known of a job is known (KNOWN), still coming, or failed. */
  private Scontrol.Status readiness(Job job) {
    if (job.jobId < 0) {
      if (idFinder.outcome(job.dir) == null && !job.environRejected) {
        return Scontrol.Status.WAITING; // its tasks' environment not read yet
      }
      if (scontrol == null) {
        return Scontrol.Status.KNOWN; // as known as it gets: exported by SLUID (and said once)
      }
      return scontrol.sluidFailed(job.sluid) ? Scontrol.Status.FAILED : Scontrol.Status.WAITING;
    }
    if (scontrol == null || job.info != null) {
      return Scontrol.Status.KNOWN;
    }
    return scontrol.status(job.jobId);
  }

  /** Why {@link #awaitReady} said no: what scontrol did (its error, log-safe), or null. */
  @Override
  public String notReadyReason() {
    if (scontrol == null) {
      return null;
    }
    String failure = scontrol.lastFailure();
    return failure != null ? "scontrol failed: " + failure
        : "scontrol had not answered about every job (each call may take up to "
            + scontrolTimeout.toMillis() + " ms)";
  }

  /** Where Slurm's metadata comes from, for the start-up log: the scontrol command, or off. */
  public String scontrolShown() {
    return scontrolShown;
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
    OptionalLong uid = job.layoutUid >= 0
        ? OptionalLong.of(job.layoutUid) : owner.find(job.dir); // v1: slurm/uid_<UID>/job_<ID>
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
    if (job.jobId < 0) {
      changed |= resolveJobId(job, now);
    }
    if (scontrol != null && job.info == null && job.jobId >= 0) {
      ScontrolJob info = scontrol.lookup(job.jobId).orElse(null);
      boolean otherUid = info != null && job.uid >= 0 && info.userId().isPresent()
          && info.userId().getAsLong() != job.uid;
      if (info != null && job.idFromEnviron
          && (info.namesAnotherSluid(job.sluid) || otherUid)) {
        // the environment's id is another job's: the task's owner set SLURM_JOB_ID
        logOnce("sluid mismatch", "slurm: {}: its tasks say SLURM_JOB_ID={}, but scontrol's "
            + "record of that job is not this directory's (SLUID {}, uid {}): the id is not used "
            + "(logged once)", job.dir, job.jobId,
            SlurmText.printable(String.join(",", info.sluids()), 64),
            info.userId().orElse(-1));
        scontrol.forget(job.jobId);
        job.jobId = -1;
        job.idFromEnviron = false;
        job.environRejected = true;
        changed = true;
      } else if (info != null) {
        job.info = info;
        changed = true;
      }
    }
    if (job.info != null && job.info.ambiguous()) {
      logOnce("ambiguous", "slurm: job {}: a value its owner set (name, comment, command...) "
          + "mimics scontrol's fields, so the true ones cannot be told apart: its name, account, "
          + "partition, QOS and sizes are not exported (logged once)", job.display());
    }
    if (changed) {
      job.entity.setAttributes(attributes(job, null));
      for (Step step : job.steps.values()) {
        step.entity.setAttributes(attributes(job, step.stepId));
      }
    }
  }

  /**
   * A SLUID job's numeric id: its tasks' {@code SLURM_JOB_ID}, else scontrol's listing; when
   * neither can tell, a warning (once) says how to get it. Returns whether it was found now.
   */
  private boolean resolveJobId(Job job, long now) {
    OptionalLong fromEnviron = job.environRejected ? OptionalLong.empty()
        : idFinder.lookup(job.dir, now - job.seenNanos < OWNER_EAGER.toNanos());
    if (fromEnviron.isPresent()) {
      job.jobId = fromEnviron.getAsLong();
      job.idFromEnviron = true;
      if (scontrol != null) {
        scontrol.lookup(job.jobId);
      }
      return true;
    }
    JobIdFinder.Outcome looked = idFinder.outcome(job.dir);
    if (looked == JobIdFinder.Outcome.FOUND && !job.environRejected) {
      return false; // found since the lookup above: taken at the next refresh
    }
    if (scontrol != null && (looked != null || job.environRejected)) {
      Optional<ScontrolJob> listed = scontrol.lookupSluid(job.sluid);
      if (listed.isPresent() && listed.get().jobId().isPresent()) {
        job.jobId = listed.get().jobId().getAsLong();
        job.info = listed.get();
        return true;
      }
    }
    boolean scontrolDone = scontrol == null || scontrol.sluidFailed(job.sluid);
    // settled: what the tasks say will not change (not root, contradictory, refused), or the
    // job's first seconds (its tasks starting) are over, or a one-shot run exports now
    boolean settled = looked == JobIdFinder.Outcome.UNREADABLE
        || looked == JobIdFinder.Outcome.DISAGREE || job.environRejected || oneShot
        || now - job.seenNanos >= OWNER_EAGER.toNanos();
    if ((looked != null || job.environRejected) && settled && scontrolDone) {
      logOnce("no job id", "slurm: job directory {} (SLUID {}): no numeric job id: {}{}; exported "
          + "with slurm.job.sluid alone. To export slurm.job.id: set CgroupJobIdPaths=yes in "
          + "cgroup.conf (Slurm 26.05.2 and later), or run the agent as root (it then reads "
          + "SLURM_JOB_ID from the job's tasks){} (logged once)", job.dir, job.sluid,
          looked == null ? "its tasks not read yet"
              : switch (looked) {
                case UNREADABLE -> "its tasks' environment is unreadable (root only)";
                case NO_TASK -> "no task process to read SLURM_JOB_ID from";
                case NO_VARIABLE -> "its tasks have no SLURM_JOB_ID";
                case DISAGREE -> "its tasks disagree on SLURM_JOB_ID";
                case FOUND -> "its SLURM_JOB_ID was refused";
              },
          scontrol == null ? ", and scontrol is off" : ", and scontrol's job list does not name it",
          scontrol == null ? ", or turn scontrol on" : "");
    }
    return false;
  }

  /** The owner of the tasks, else the UserId scontrol gave; -1 when neither is known. */
  private long effectiveUid(Job job) {
    if (job.uid >= 0) {
      return job.uid;
    }
    ScontrolJob info = usableInfo(job);
    return info == null ? -1 : info.userId().orElse(-1);
  }

  /**
   * scontrol's record, unless its uid is not the owner of the job's tasks (the record is then
   * about someone else's job: a spoofed SLURM_JOB_ID, or a forged record), logged once.
   */
  private ScontrolJob usableInfo(Job job) {
    ScontrolJob info = job.info;
    if (info == null) {
      return null;
    }
    OptionalLong said = info.userId();
    if (job.uid >= 0 && said.isPresent() && said.getAsLong() != job.uid) {
      logOnce("uid mismatch", "slurm: job {}: scontrol says uid {}, its tasks run as uid {}: "
          + "Slurm's metadata is not used for it (logged once)", job.display(),
          said.getAsLong(), job.uid);
      return null;
    }
    return info;
  }

  private Map<String, Object> attributes(Job job, String stepId) {
    Map<String, Object> a = base(job.jobId, job.sluid);
    if (stepId != null) {
      a.put(SlurmAttributes.STEP_ID, stepId);
    }
    ScontrolJob info = usableInfo(job);
    long uid = effectiveUid(job);
    if (uid >= 0) {
      a.put(SlurmAttributes.USER_ID, uid);
      String name = job.userName;
      if (name == null && info != null && info.userId().orElse(-1) == uid) {
        name = info.userName().orElse(null);
      }
      if (name != null) {
        a.put(SlurmAttributes.USER, SlurmText.attribute(name));
      }
    }
    if (info != null) {
      info.name().ifPresent(v -> a.put(SlurmAttributes.NAME, SlurmText.attribute(v)));
      info.account().ifPresent(v -> a.put(SlurmAttributes.ACCOUNT, SlurmText.attribute(v)));
      info.partition().ifPresent(v -> a.put(SlurmAttributes.PARTITION, SlurmText.attribute(v)));
      info.qos().ifPresent(v -> a.put(SlurmAttributes.QOS, SlurmText.attribute(v)));
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
    idFinder.close();
    userNames.close();
    if (scontrol != null) {
      scontrol.close();
    }
  }
}

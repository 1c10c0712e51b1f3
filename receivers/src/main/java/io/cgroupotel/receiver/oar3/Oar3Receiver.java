package io.cgroupotel.receiver.oar3;

import io.cgroupotel.cgroupfs.CgroupFiles;
import io.cgroupotel.cgroupfs.CgroupWatcher;
import io.cgroupotel.cgroupfs.CpuStat;
import io.cgroupotel.cgroupfs.ReadStatus;
import io.cgroupotel.receiver.Entity;
import io.cgroupotel.receiver.EntityKind;
import io.cgroupotel.receiver.Receiver;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.Sample;
import io.cgroupotel.receiver.ScrapeError;
import io.cgroupotel.receiver.ScrapeResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the CPU time (and memory, where the controller is on) of every OAR3 job on the node: one
 * entity per job slice {@code <prefix>.slice/<prefix>-u<UID>.slice/<prefix>-u<UID>-j<JOBID>.slice},
 * found at any depth below {@code path}. The job slice's {@code cpu.stat} is recursive: it already
 * covers the job's process scopes and oarsh sub-task slices, which are never added on top.
 *
 * <p>Discovery: a {@link CgroupWatcher} (inotify + periodic rescan) that does not descend below
 * job slices. A new job is read at once on its inotify event and a poll is asked for, so that a
 * job shorter than the poll interval is still exported. A job that disappears is reported once
 * more with the last sample read, then dropped.
 *
 * <p>Metadata (user name, env file, OAR API) never blocks a poll: what is not known yet is added
 * to the entity's attributes when it arrives. {@link #poll()} is called from one thread; the
 * watcher's listener runs on another. Thread-safe in that sense.
 */
public final class Oar3Receiver implements Receiver {
  private static final Logger LOG = LoggerFactory.getLogger(Oar3Receiver.class);
  static final Duration RESCAN_INTERVAL = Duration.ofSeconds(60);
  /** How often the env file of a job that has none (yet) is looked for again. */
  static final Duration ENV_RETRY = Duration.ofSeconds(5);

  private final Oar3ReceiverConfig config;
  private final ReceiverContext context;
  private final Clock clock;
  private final UserNames userNames;
  private final OarApiClient api; // null: no oar_api_url
  private final Map<Path, Job> jobs = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Job> removed = new ConcurrentLinkedQueue<>();
  private final CgroupFiles pollFiles = new CgroupFiles();
  private final CpuStat pollStat = new CpuStat();
  private final CgroupFiles listenerFiles = new CgroupFiles(); // guarded by itself
  private final CpuStat listenerStat = new CpuStat();
  private CgroupWatcher watcher;
  private JobEndWatcher endWatcher; // null when inotify is not available

  Oar3Receiver(Oar3ReceiverConfig config, ReceiverContext context) {
    this(config, context, Clock.systemUTC(), new UserNames());
  }

  Oar3Receiver(Oar3ReceiverConfig config, ReceiverContext context, Clock clock,
      UserNames userNames) {
    this.config = config;
    this.context = context;
    this.clock = clock;
    this.userNames = userNames;
    this.api = config.oarApiUrl().map(OarApiClient::new).orElse(null);
  }

  /** One job slice and what is known of it. */
  /** How often a uid that does not resolve (yet: NSS answers in the background) is asked. */
  static final Duration USER_RETRY = Duration.ofSeconds(10);

  private static final class Job {
    final Path path;
    final Path cpuStat; // resolved once: this runs for every job every poll
    final Path memoryCurrent; // null without the memory controller: no exception per poll
    final long uid;
    final long jobId;
    final Entity entity;
    final AtomicBoolean finalReported = new AtomicBoolean();
    private Sample last; // guarded by this

    /** Keeps the newer of the two: counters only grow, whichever thread read them first. */
    synchronized void offer(Sample s) {
      if (last == null || s.usageUsec() >= last.usageUsec()) {
        last = s;
      }
    }

    synchronized Sample last() {
      return last;
    }
    // metadata; touched by the polling thread only (the listener only creates the job)
    String userName;
    OarEnvFile.Parsed env;
    long envCheckedNanos = Long.MIN_VALUE;
    long userCheckedNanos = Long.MIN_VALUE;
    FileTime envTime;
    OarApiClient.JobInfo apiInfo;

    Job(Path path, long uid, long jobId, Entity entity) {
      this.path = path;
      this.cpuStat = path.resolve("cpu.stat");
      Path memory = path.resolve("memory.current");
      this.memoryCurrent = Files.exists(memory) ? memory : null;
      this.uid = uid;
      this.jobId = jobId;
      this.entity = entity;
    }
  }

  @Override
  public String name() {
    return Oar3ReceiverFactory.TYPE;
  }

  @Override
  public Duration pollInterval() {
    return config.pollInterval();
  }

  @Override
  public void start() {
    String prefix = config.prefix();
    try {
      endWatcher = new JobEndWatcher(this::jobEventsChanged);
    } catch (IOException e) {
      LOG.warn("oar3: no inotify for job ends ({}): the last CPU time of a job is the one of the"
          + " last poll", e.toString());
    }
    watcher = new CgroupWatcher(config.path(), dir -> OarNames.descendInto(dir, prefix),
        RESCAN_INTERVAL, new CgroupWatcher.Listener() {
          @Override
          public void added(Path cgroup) {
            jobAdded(cgroup);
          }

          @Override
          public void removed(Path cgroup) {
            jobRemoved(cgroup);
          }
        });
    watcher.start();
    LOG.info("oar3: watching {} for {}.slice/{}-u<UID>.slice/{}-u<UID>-j<JOBID>.slice, {} jobs now",
        config.path(), prefix, prefix, prefix, jobs.size());
  }

  private void jobAdded(Path cgroup) {
    Optional<OarNames.JobName> name = OarNames.parseJob(cgroup, config.prefix());
    if (name.isEmpty()) {
      return;
    }
    Job job = jobs.computeIfAbsent(cgroup, p -> newJob(p, name.get()));
    if (endWatcher != null) {
      endWatcher.watch(cgroup);
    }
    readNow(job);
    LOG.debug("oar3: job {} of uid {} appeared at {}", job.jobId, job.uid, cgroup);
    context.pollNow().run();
  }

  /** Reads a job off the polling thread (new job, job end), keeping the newest sample. */
  private void readNow(Job job) {
    synchronized (listenerFiles) {
      Sample s = read(listenerFiles, listenerStat, job, null);
      if (s != null) {
        job.offer(s);
      }
    }
  }

  /** The job's cgroup.events changed: typically populated 0, its last process exited. */
  private void jobEventsChanged(Path cgroup) {
    Job job = jobs.get(cgroup);
    LOG.debug("oar3: cgroup.events of {} changed (job known: {})", cgroup, job != null);
    if (job != null) {
      readNow(job);
    }
  }

  private void jobRemoved(Path cgroup) {
    if (endWatcher != null) {
      endWatcher.forget(cgroup);
    }
    Job job = jobs.remove(cgroup);
    if (job != null) {
      removed.add(job);
      LOG.debug("oar3: job {} ended ({} removed)", job.jobId, cgroup);
      context.pollNow().run();
    }
  }

  private Job newJob(Path path, OarNames.JobName name) {
    Job job = new Job(path, name.uid(), name.jobId(),
        new Entity("oar3:" + path, EntityKind.OAR_JOB, Map.of()));
    job.userName = userNames.lookup(name.uid()).orElse(null);
    job.entity.setAttributes(attributes(job));
    return job;
  }

  @Override
  public ScrapeResult poll() {
    List<Sample> samples = new ArrayList<>(jobs.size() + 4);
    List<Entity> retained = new ArrayList<>();
    List<ScrapeError> errors = new ArrayList<>();
    for (Job job : jobs.values()) {
      Sample s = read(pollFiles, pollStat, job, errors);
      if (s != null) {
        job.offer(s);
        samples.add(s);
        refreshMetadata(job);
      } else if (pollFiles.lastStatus() == ReadStatus.GONE) {
        // gone before the watcher told us: report the last sample once, now
        if (jobs.remove(job.path, job)) {
          finish(job, samples);
        }
      } else {
        retained.add(job.entity);
      }
    }
    Job gone;
    while ((gone = removed.poll()) != null) {
      finish(gone, samples);
    }
    return new ScrapeResult(samples, retained, errors);
  }

  /** Reports a job that is gone one last time, with its last sample, then forgets it. */
  private void finish(Job job, List<Sample> samples) {
    if (job.finalReported.compareAndSet(false, true)) {
      Sample last = job.last();
      if (last != null) {
        samples.add(last);
      }
      if (api != null) {
        api.forget(job.jobId);
      }
    }
  }

  /**
   * Reads one job; null when its cpu.stat could not be read (status in {@code files}). Errors
   * (not a vanished cgroup) are added to {@code errors} when given.
   */
  private Sample read(CgroupFiles files, CpuStat stat, Job job, List<ScrapeError> errors) {
    ReadStatus status = files.readCpuStatFile(job.cpuStat, stat);
    if (status != ReadStatus.OK) {
      if (errors != null && status != ReadStatus.GONE) {
        errors.add(new ScrapeError("reading cpu.stat", "OAR job " + job.jobId + " (" + job.path
            + ")", status == ReadStatus.ABSENT ? "no cpu.stat file" : files.lastError()));
      }
      return null;
    }
    long usage = stat.usageUsec();
    long user = stat.userUsec();
    long system = stat.systemUsec();
    long memory = Sample.ABSENT;
    if (job.memoryCurrent != null) {
      memory = files.readMemoryCurrentFile(job.memoryCurrent);
      if (files.lastStatus() == ReadStatus.ERROR && errors != null) {
        errors.add(new ScrapeError("reading memory.current", "OAR job " + job.jobId + " ("
            + job.path + ")", files.lastError()));
      }
      if (files.lastStatus() != ReadStatus.OK) {
        memory = Sample.ABSENT;
      }
    }
    Instant now = clock.instant();
    long nanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
    return new Sample(job.entity, usage, user, system, memory, nanos);
  }

  /** Fills in what has become known since the last poll; cheap when nothing changed. */
  private void refreshMetadata(Job job) {
    boolean changed = false;
    long now = System.nanoTime();
    // a uid the node cannot name is asked again now and then, not at every poll
    if (job.userName == null && (job.userCheckedNanos == Long.MIN_VALUE
        || now - job.userCheckedNanos >= USER_RETRY.toNanos())) {
      job.userCheckedNanos = now;
      job.userName = userNames.lookup(job.uid).orElse(null);
      changed = job.userName != null;
    }
    changed |= refreshEnv(job, now);
    if (api != null && job.apiInfo == null) {
      job.apiInfo = api.lookup(job.jobId).orElse(null);
      changed |= job.apiInfo != null;
    }
    if (changed) {
      job.entity.setAttributes(attributes(job));
    }
  }

  /** (Re)reads the env file when it is due and changed; returns whether the metadata changed. */
  private boolean refreshEnv(Job job, long now) {
    if (job.envCheckedNanos != Long.MIN_VALUE && now - job.envCheckedNanos < ENV_RETRY.toNanos()) {
      return false;
    }
    job.envCheckedNanos = now;
    Optional<Path> file = OarEnvFile.find(config.oarexecDirectory(), job.userName, job.jobId);
    if (file.isEmpty()) {
      return false;
    }
    try {
      FileTime time = Files.getLastModifiedTime(file.get());
      if (time.equals(job.envTime)) {
        return false;
      }
      job.envTime = time;
      OarEnvFile.Parsed parsed = OarEnvFile.read(file.get());
      String fileJobId = parsed.variables().get("OAR_JOBID");
      if (fileJobId != null && !fileJobId.equals(Long.toString(job.jobId))) {
        LOG.debug("oar3: {} is about job {}, not {}: ignored", file.get(), fileJobId, job.jobId);
        return false;
      }
      if (parsed.badLines() > 0) {
        LOG.debug("oar3: {}: {} lines skipped", file.get(), parsed.badLines());
      }
      job.env = parsed;
      return true;
    } catch (IOException | RuntimeException e) {
      LOG.debug("oar3: cannot read {}: {}", file.get(), e.toString());
      return false;
    }
  }

  private Map<String, Object> attributes(Job job) {
    Map<String, Object> a = new LinkedHashMap<>();
    a.put(Oar3Attributes.JOB_ID, job.jobId);
    a.put(Oar3Attributes.JOB_USER_ID, job.uid);
    if (job.userName != null) {
      a.put(Oar3Attributes.JOB_USER, job.userName);
    }
    a.put(Oar3Attributes.HOST_NAME, context.hostName());
    if (job.apiInfo != null) {
      putIfText(a, Oar3Attributes.JOB_NAME, job.apiInfo.name());
      putIfText(a, Oar3Attributes.JOB_PROJECT, job.apiInfo.project());
      putIfText(a, Oar3Attributes.JOB_QUEUE, job.apiInfo.queue());
    }
    if (job.env != null) {
      Map<String, String> v = job.env.variables();
      putIfText(a, Oar3Attributes.JOB_NAME, v.get("OAR_JOB_NAME"));
      putIfText(a, Oar3Attributes.JOB_PROJECT, v.get("OAR_PROJECT_NAME"));
      String walltime = v.get("OAR_JOB_WALLTIME_SECONDS");
      long seconds = walltime == null ? -1 : OarNames.parseId(walltime.strip());
      if (seconds >= 0) {
        a.put(Oar3Attributes.JOB_WALLTIME, seconds);
      }
    }
    return a;
  }

  private static void putIfText(Map<String, Object> a, String key, String value) {
    if (value != null && !value.isBlank()) {
      a.put(key, value);
    }
  }

  /** Jobs tracked now (for tests and the agent's entity count). */
  int jobCount() {
    return jobs.size();
  }

  @Override
  public void close() {
    if (watcher != null) {
      watcher.close();
    }
    if (endWatcher != null) {
      endWatcher.close();
    }
    userNames.close();
    if (api != null) {
      api.close();
    }
  }
}

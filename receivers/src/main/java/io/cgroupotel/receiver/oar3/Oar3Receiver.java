package io.cgroupotel.receiver.oar3;

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
import io.cgroupotel.receiver.Entity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every OAR3 job on the node: one entity per job slice {@code
 * <prefix>.slice/<prefix>-u<UID>.slice/<prefix>-u<UID>-j<JOBID>.slice}, found at any depth below
 * {@code path}. The job slice's files are recursive: they already cover the job's process scopes
 * and oarsh sub-task slices, which are never added on top.
 *
 * <p>A classifier on the shared {@link CgroupSampler}, which finds jobs (inotify + rescan), reads
 * a new job at once, reads its final counters when its last process exits and reports a vanished
 * job once more with them. What is OAR's own here is the metadata (user name, env file, OAR API),
 * which never blocks a poll: what is not known yet is added to the job's attributes when it
 * arrives. {@link #poll()} is called from one thread; discovery runs on another.
 */
public final class Oar3Receiver implements Receiver {
  private static final Logger LOG = LoggerFactory.getLogger(Oar3Receiver.class);
  /** How often the env file of a job that has none (yet) is looked for again. */
  static final Duration ENV_RETRY = Duration.ofSeconds(5);
  /** How often a uid that does not resolve (yet: NSS answers in the background) is asked. */
  static final Duration USER_RETRY = Duration.ofSeconds(10);

  private final Oar3ReceiverConfig config;
  private final ReceiverContext context;
  private final UserNames userNames;
  private final OarApiClient api; // null: no oar_api_url
  private final Map<String, Job> jobs = new ConcurrentHashMap<>();
  private final CgroupSampler sampler;
  private final HierarchyChoice choice;
  /** Whether OAR 2.5's {@code <prefix>/<user>_<jobid>} directories are read (cgroup v1). */
  private final boolean oar2;
  private volatile Path scope; // the OAR slice, once discovery has seen it

  Oar3Receiver(Oar3ReceiverConfig config, ReceiverContext context) {
    this(config, context, Clock.systemUTC(), new UserNames());
  }

  Oar3Receiver(Oar3ReceiverConfig config, ReceiverContext context, Clock clock,
      UserNames userNames) {
    this(config, new HierarchyChoice(new V2Hierarchy(config.path()), "cgroup v2 at "
        + config.path() + " (as given)"), context, clock, userNames);
  }

  /**
   * Reads the hierarchy the factory chose; on cgroup v1 the OAR 2.5 job directories {@code
   * <prefix>/<user>_<jobid>} are jobs too.
   */
  Oar3Receiver(Oar3ReceiverConfig config, HierarchyChoice choice, ReceiverContext context,
      Clock clock, UserNames userNames) {
    this.config = config;
    this.choice = choice;
    this.oar2 = choice.hierarchy().version() == 1;
    this.context = context;
    this.userNames = userNames;
    this.api = config.oarApiUrl().map(OarApiClient::new).orElse(null);
    this.sampler = CgroupSampler.builder(Oar3ReceiverFactory.TYPE,
            choice.hierarchy(), new JobClassifier())
        .groups(config.metrics())
        .networkInterfaces(config.networkInterfaces())
        .pollNow(context.pollNow())
        .clock(clock)
        .build();
  }

  /**
   * One job and what is known of it; the metadata is touched by the polling thread only. An OAR
   * 2 job has its user's login from its name and no UID ({@code -1}).
   */
  private static final class Job {
    final long uid;
    final long jobId;
    final Entity entity;
    String userName;
    OarEnvFile.Parsed env;
    long envCheckedNanos = Long.MIN_VALUE;
    long userCheckedNanos = Long.MIN_VALUE;
    FileTime envTime;
    OarApiClient.JobInfo apiInfo;

    Job(long uid, long jobId, Entity entity) {
      this.uid = uid;
      this.jobId = jobId;
      this.entity = entity;
    }
  }

  /**
   * Job slices are entities; nothing below a job slice is looked at. Names are matched on the
   * absolute path: {@code path} may be a user slice, whose parents still say it is OAR's.
   */
  private final class JobClassifier implements Classifier {
    @Override
    public boolean descend(Path relative) {
      Path last = relative.getFileName();
      if (scope == null && last != null
          && last.toString().equals(config.prefix() + ".slice")) {
        scope = absolute(relative);
      }
      return OarNames.descendInto(absolute(relative), config.prefix())
          && (!oar2 || Oar2Names.parseJob(absolute(relative), config.prefix()).isEmpty());
    }

    @Override
    public Classification classify(Path relative) {
      Optional<Oar2Names.JobName> v1Job = oar2
          ? Oar2Names.parseJob(absolute(relative), config.prefix()) : Optional.empty();
      if (v1Job.isPresent()) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put(Oar3Attributes.JOB_ID, v1Job.get().jobId());
        a.put(Oar3Attributes.JOB_USER, v1Job.get().user());
        a.put(Oar3Attributes.HOST_NAME, context.hostName());
        return new Classification(EntityKind.OAR_JOB, a);
      }
      return OarNames.parseJob(absolute(relative), config.prefix())
          .map(name -> new Classification(EntityKind.OAR_JOB, baseAttributes(name)))
          .orElse(null);
    }

    @Override
    public void added(TrackedEntity t) {
      Optional<Oar2Names.JobName> v1Job = oar2
          ? Oar2Names.parseJob(absolute(t.relative()), config.prefix()) : Optional.empty();
      if (v1Job.isPresent()) {
        Job job = new Job(-1, v1Job.get().jobId(), t.entity());
        job.userName = v1Job.get().user();
        job.entity.setAttributes(attributes(job));
        jobs.put(t.entity().id(), job);
        LOG.debug("oar3: OAR 2 job {} of {} appeared at {}", job.jobId, job.userName,
            t.displayPath());
        return;
      }
      OarNames.JobName name =
          OarNames.parseJob(absolute(t.relative()), config.prefix()).orElseThrow();
      Job job = new Job(name.uid(), name.jobId(), t.entity());
      job.userName = userNames.lookup(name.uid()).orElse(null);
      job.entity.setAttributes(attributes(job));
      jobs.put(t.entity().id(), job);
      LOG.debug("oar3: job {} of uid {} appeared at {}", job.jobId, job.uid, t.displayPath());
    }

    @Override
    public void removed(TrackedEntity t) {
      Job job = jobs.remove(t.entity().id());
      if (job != null) {
        LOG.debug("oar3: job {} ended ({} removed)", job.jobId, t.displayPath());
        if (api != null) {
          api.forget(job.jobId);
        }
      }
    }
  }

  private Path absolute(Path relative) {
    return sampler.hierarchy().root().resolve(relative);
  }

  private Map<String, Object> baseAttributes(OarNames.JobName name) {
    Map<String, Object> a = new LinkedHashMap<>();
    a.put(Oar3Attributes.JOB_ID, name.jobId());
    a.put(Oar3Attributes.JOB_USER_ID, name.uid());
    a.put(Oar3Attributes.HOST_NAME, context.hostName());
    return a;
  }

  @Override
  public String name() {
    return Oar3ReceiverFactory.TYPE;
  }

  @Override
  public Set<MetricGroup> metricGroups() {
    return sampler.groups();
  }

  @Override
  public String hierarchyChoice() {
    return choice.why();
  }

  @Override
  public Duration pollInterval() {
    return config.pollInterval();
  }

  @Override
  public void start() {
    sampler.start();
    String prefix = config.prefix();
    if (oar2) {
      LOG.info("oar3: watching {} for OAR 3 job slices and OAR 2.5 jobs {}/<user>_<jobid>, {} jobs"
          + " now (reading {})", choice.hierarchy().root(), prefix, jobs.size(), choice.why());
    } else {
      LOG.info("oar3: watching {} for {}.slice/{}-u<UID>.slice/{}-u<UID>-j<JOBID>.slice, {} jobs"
          + " now (reading {})", choice.hierarchy().root(), prefix, prefix, prefix, jobs.size(),
          choice.why());
    }
  }

  /** The OAR slice ({@code <prefix>.slice}), where discovery found it. */
  @Override
  public Path scope() {
    Path found = scope;
    return found != null ? found
        : config.path().toAbsolutePath().resolve(config.prefix() + ".slice");
  }

  @Override
  public ScrapeResult poll() {
    ScrapeResult result = sampler.poll();
    for (Job job : jobs.values()) {
      refreshMetadata(job);
    }
    return result;
  }

  /** Fills in what has become known since the last poll; cheap when nothing changed. */
  private void refreshMetadata(Job job) {
    boolean changed = false;
    long now = System.nanoTime();
    // a uid the node cannot name is asked again now and then, not at every poll
    if (job.userName == null && job.uid >= 0 && (job.userCheckedNanos == Long.MIN_VALUE
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
    if (job.uid >= 0) {
      a.put(Oar3Attributes.JOB_USER_ID, job.uid);
    }
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
    return sampler.size();
  }

  @Override
  public void close() {
    sampler.close();
    userNames.close();
    if (api != null) {
      api.close();
    }
  }
}

package io.cgroupotel.receiver.oar3;

import io.cgroupotel.receiver.EntityKind;
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
  private volatile Path scope; // the OAR slice, once discovery has seen it

  Oar3Receiver(Oar3ReceiverConfig config, ReceiverContext context) {
    this(config, context, Clock.systemUTC(), new UserNames());
  }

  Oar3Receiver(Oar3ReceiverConfig config, ReceiverContext context, Clock clock,
      UserNames userNames) {
    this.config = config;
    this.context = context;
    this.userNames = userNames;
    this.api = config.oarApiUrl().map(OarApiClient::new).orElse(null);
    this.sampler = CgroupSampler.builder(Oar3ReceiverFactory.TYPE,
            new V2Hierarchy(config.path()), new JobClassifier())
        .groups(config.metrics())
        .pollNow(context.pollNow())
        .clock(clock)
        .build();
  }

  /** One job and what is known of it; the metadata is touched by the polling thread only. */
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
      return OarNames.descendInto(absolute(relative), config.prefix());
    }

    @Override
    public Classification classify(Path relative) {
      return OarNames.parseJob(absolute(relative), config.prefix())
          .map(name -> new Classification(EntityKind.OAR_JOB, baseAttributes(name)))
          .orElse(null);
    }

    @Override
    public void added(TrackedEntity t) {
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
  public Duration pollInterval() {
    return config.pollInterval();
  }

  @Override
  public void start() {
    sampler.start();
    String prefix = config.prefix();
    LOG.info("oar3: watching {} for {}.slice/{}-u<UID>.slice/{}-u<UID>-j<JOBID>.slice, {} jobs now",
        config.path(), prefix, prefix, prefix, jobs.size());
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

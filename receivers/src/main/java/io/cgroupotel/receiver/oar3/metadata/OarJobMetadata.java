package io.cgroupotel.receiver.oar3.metadata;

import io.cgroupotel.receiver.Ids;
import io.cgroupotel.receiver.UserNames;
import io.cgroupotel.sampler.Entity;
import io.opentelemetry.sdk.common.Clock;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What OAR knows of a job beyond its cgroup name (the user's name, OAR's env file, the OAR API). It
 * never blocks a poll: what is not known yet is added to the job's attributes when it arrives.
 * Touched by the polling thread, but for {@link #add} and {@link #remove} from discovery.
 */
final class OarJobMetadata implements JobMetadata {
  private static final Logger LOG = LoggerFactory.getLogger(OarJobMetadata.class);
  /** How often the env file of a job that has none (yet) is looked for again. */
  static final Duration ENV_RETRY = Duration.ofSeconds(5);
  /** How often a uid that does not resolve (yet: NSS answers in the background) is asked. */
  static final Duration USER_RETRY = Duration.ofSeconds(10);

  private final String hostName;
  private final Path oarexecDirectory;
  private final UserNames userNames;
  private final Clock clock;
  private final OarApiClient api; // null: no oar_api_url
  private final Map<String, Job> jobs = new ConcurrentHashMap<>();

  /** @param clock its {@code nanoTime()} spaces the retries of unknown users and API requests */
  OarJobMetadata(Path oarexecDirectory, Optional<URI> oarApiUrl, String hostName,
      UserNames userNames, Clock clock) {
    this.clock = clock;
    this.hostName = hostName;
    this.oarexecDirectory = oarexecDirectory;
    this.userNames = userNames;
    this.api = oarApiUrl.map(url -> new OarApiClient(url, clock)).orElse(null);
  }

  /**
   * One job and what is known of it. An OAR 2 job has its user's login from its name and no UID
   * ({@code -1}).
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

  @Override
  public Map<String, Object> nameAttributes(OarJob job) {
    return nameAttributes(job.jobId(), job.uid(), job.user());
  }

  private Map<String, Object> nameAttributes(long jobId, long uid, String user) {
    Map<String, Object> a = new LinkedHashMap<>();
    a.put(Oar3Attributes.JOB_ID, jobId);
    if (uid >= 0) {
      a.put(Oar3Attributes.JOB_USER_ID, uid);
    }
    if (user != null) {
      a.put(Oar3Attributes.JOB_USER, user);
    }
    a.put(Oar3Attributes.HOST_NAME, hostName);
    return a;
  }

  @Override
  public void add(Entity entity, OarJob name) {
    Job job = new Job(name.uid(), name.jobId(), entity);
    job.userName = name.user() != null ? name.user() : userNames.lookup(name.uid()).orElse(null);
    entity.setAttributes(attributes(job));
    jobs.put(entity.id(), job);
  }

  @Override
  public void remove(Entity entity) {
    Job job = jobs.remove(entity.id());
    if (job != null && api != null) {
      api.forget(job.jobId);
    }
  }

  /** Fills in what has become known of every job since the last poll; cheap when nothing has. */
  @Override
  public void refresh() {
    for (Job job : jobs.values()) {
      refresh(job);
    }
  }

  private void refresh(Job job) {
    boolean changed = false;
    long now = clock.nanoTime();
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
    Optional<Path> file = OarEnvFile.find(oarexecDirectory, job.userName, job.jobId);
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
    Map<String, Object> a = nameAttributes(job.jobId, job.uid, job.userName);
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
      long seconds = walltime == null ? -1 : Ids.parseId(walltime.strip());
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

  @Override
  public void close() {
    userNames.close();
    if (api != null) {
      api.close();
    }
  }
}

package io.cgroupotel.receiver.oar3;

import io.cgroupotel.cgroupfs.CgroupFiles;
import io.cgroupotel.cgroupfs.CgroupWatcher;
import io.cgroupotel.cgroupfs.CpuStat;
import io.cgroupotel.cgroupfs.ReadStatus;
import io.cgroupotel.receiver.Entity;
import io.cgroupotel.receiver.EntityKind;
import io.cgroupotel.receiver.PollClock;
import io.cgroupotel.receiver.Receiver;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.Sample;
import io.cgroupotel.receiver.ScrapeError;
import io.cgroupotel.receiver.ScrapeResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OAR3 jobs of this node, one entity per job slice. The job slice's own {@code cpu.stat}
 * already counts its process scopes and oarsh sub-task slices, so it is the only file read.
 *
 * <p>OAR removes a job's slice when the job ends, and its final counters with it. So a job is
 * read as soon as inotify reports it (and a poll asked for), and a job that came and went
 * between two polls is reported once with what was read of it.
 *
 * <p>Thread-safe: discovery runs on the watcher's thread, {@link #poll()} on the scheduler's.
 */
public final class Oar3Receiver implements Receiver {
  private static final Logger log = LoggerFactory.getLogger(Oar3Receiver.class);
  static final Duration METADATA_RETRY = Duration.ofSeconds(10);

  private final Oar3ReceiverConfig config;
  private final Path root;
  private final ReceiverContext context;
  private final OarCgroupNames names;
  private final UserNames users;
  private final JobEnvFiles envFiles;
  private final CgroupWatcher watcher;
  private final Map<Path, Job> jobs = new ConcurrentHashMap<>();
  /** Jobs that ended before any poll saw them: reported once by the next poll. */
  private final Map<Path, Job> endedUnseen = new ConcurrentHashMap<>();
  private final CgroupFiles files = new CgroupFiles(); // poll thread only
  private final CpuStat cpu = new CpuStat();

  /** A job being followed; {@code first} is what was read when it appeared. */
  private static final class Job {
    final Path dir;
    final Path cpuStat;
    final Path memoryCurrent; // null without the memory controller
    final Entity entity;
    final long jobId;
    final long uid;
    volatile Sample first;
    volatile boolean polled;
    volatile boolean metadataDone;
    volatile long nextMetadataTry;

    Job(Path dir, Entity entity, long jobId, long uid) {
      this.dir = dir;
      this.cpuStat = dir.resolve("cpu.stat");
      Path memory = dir.resolve("memory.current");
      this.memoryCurrent = Files.exists(memory) ? memory : null;
      this.entity = entity;
      this.jobId = jobId;
      this.uid = uid;
    }
  }

  /**
   * Reads {@code config.path()} as it is: the factory checks that it is cgroup v2, so tests can
   * use a fixture tree. User names from the system.
   */
  public Oar3Receiver(Oar3ReceiverConfig config, ReceiverContext context) {
    this(config, context, UserNames.system());
  }

  Oar3Receiver(Oar3ReceiverConfig config, ReceiverContext context, UserNames users) {
    this.config = config;
    this.root = config.path().toAbsolutePath().normalize();
    this.context = context;
    this.names = new OarCgroupNames(config.prefix());
    this.users = users;
    this.envFiles = new JobEnvFiles(config.oarexecDirectory());
    this.watcher = new CgroupWatcher(root,
        dir -> names.descend(dir, root.relativize(dir).getNameCount()), CgroupWatcher.DEFAULT_RESCAN_INTERVAL,
        new CgroupWatcher.Listener() {
          @Override
          public void added(Path cgroup) {
            Oar3Receiver.this.added(cgroup);
          }

          @Override
          public void removed(Path cgroup) {
            Oar3Receiver.this.removed(cgroup);
          }
        });
  }

  @Override
  public String name() {
    return "oar3";
  }

  @Override
  public Duration pollInterval() {
    return config.pollInterval();
  }

  @Override
  public void start() {
    watcher.start();
    log.info("oar3: {} job(s) below {}", jobs.size(), root);
  }

  private void added(Path dir) {
    Optional<OarCgroupNames.Job> parsed = names.job(dir);
    if (parsed.isEmpty()) {
      return;
    }
    long jobId = parsed.get().jobId();
    long uid = parsed.get().uid();
    Map<String, Object> attributes = new LinkedHashMap<>();
    attributes.put("oar.job.id", jobId);
    attributes.put("oar.job.user.id", uid);
    users.name(uid).ifPresent(name -> attributes.put("oar.job.user", name));
    attributes.put("host.name", context.hostName());
    Job job = new Job(dir, new Entity("oar3:" + dir, EntityKind.OAR_JOB, attributes), jobId,
        uid);
    // read at once: a short job's slice may be gone by the next tick
    job.first = read(new CgroupFiles(), new CpuStat(), job, new PollClock());
    jobs.put(dir, job);
    log.debug("oar3: job {} of uid {} appeared at {}", jobId, uid, dir);
    context.pollNow().run();
  }

  private void removed(Path dir) {
    Job job = jobs.remove(dir);
    if (job != null && !job.polled && job.first != null) {
      endedUnseen.put(dir, job);
      context.pollNow().run();
    }
  }

  @Override
  public ScrapeResult poll() {
    List<Sample> samples = new ArrayList<>(jobs.size());
    List<Entity> retained = new ArrayList<>(0);
    List<ScrapeError> errors = new ArrayList<>(0);
    PollClock clock = new PollClock();
    // most nodes have no env files for most jobs: one look at the directory, not one per job
    boolean envFiles = Files.isDirectory(config.oarexecDirectory());
    for (Job job : jobs.values()) {
      if (envFiles) {
        enrich(job);
      }
      Sample sample = read(files, cpu, job, clock);
      if (sample != null) {
        samples.add(sample);
        job.polled = true;
      } else if (files.lastStatus() == ReadStatus.GONE) {
        ended(job, samples);
      } else {
        errors.add(new ScrapeError("reading cpu.stat", "job " + job.jobId + " (cgroup /"
            + root.relativize(job.dir) + ")", files.lastError()));
        retained.add(job.entity);
      }
    }
    for (Map.Entry<Path, Job> e : endedUnseen.entrySet()) {
      endedUnseen.remove(e.getKey(), e.getValue()); // one at a time: discovery may add more
      ended(e.getValue(), samples);
    }
    return new ScrapeResult(samples, retained, errors);
  }

  /** A job gone before a poll read it: its first reading is all there is. */
  private static void ended(Job job, List<Sample> samples) {
    if (!job.polled && job.first != null) {
      samples.add(job.first);
      job.polled = true;
    }
  }

  /** Reads the job's counters; null when they could not be read (see files.lastStatus()). */
  private static Sample read(CgroupFiles files, CpuStat cpu, Job job, PollClock clock) {
    if (files.readCpuStatFile(job.cpuStat, cpu) != ReadStatus.OK) {
      return null;
    }
    long memory = job.memoryCurrent == null ? -1 : files.readMemoryCurrentFile(job.memoryCurrent);
    return new Sample(job.entity, cpu.usageUsec(), cpu.userUsec(), cpu.systemUsec(),
        memory < 0 ? Sample.ABSENT : memory, clock.epochNanos());
  }

  /** Adds the env file's attributes once they can be read; retried now and then, never blocks. */
  private void enrich(Job job) {
    if (job.metadataDone || System.nanoTime() - job.nextMetadataTry < 0) {
      return;
    }
    Optional<Map<String, Object>> extra = envFiles.attributes(job.jobId, users.name(job.uid));
    if (extra.isPresent()) {
      Map<String, Object> attributes = new LinkedHashMap<>(job.entity.attributes());
      attributes.putAll(extra.get());
      job.entity.setAttributes(attributes);
      job.metadataDone = true;
    } else {
      job.nextMetadataTry = System.nanoTime() + METADATA_RETRY.toNanos();
    }
  }

  /** The jobs followed now, by id (for tests). */
  List<Long> jobIds() {
    return jobs.values().stream().map(j -> j.jobId).sorted().toList();
  }

  @Override
  public void close() {
    watcher.close();
  }
}

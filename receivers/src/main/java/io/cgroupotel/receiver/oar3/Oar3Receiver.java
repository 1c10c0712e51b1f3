package io.cgroupotel.receiver.oar3;

import io.cgroupotel.receiver.CgroupTreeReceiver;
import io.cgroupotel.receiver.HierarchyChoice;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.UserNames;
import io.cgroupotel.receiver.oar3.metadata.JobMetadata;
import io.cgroupotel.receiver.oar3.metadata.OarJob;
import io.cgroupotel.sampler.Classifier;
import io.cgroupotel.sampler.EntityKind;
import io.cgroupotel.sampler.TrackedEntity;
import io.opentelemetry.sdk.common.Clock;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every OAR3 job on the node: one entity per job slice {@code
 * <prefix>.slice/<prefix>-u<UID>.slice/<prefix>-u<UID>-j<JOBID>.slice}, found at any depth below
 * {@code path}. The job slice's files are recursive: they already cover the job's process scopes
 * and oarsh sub-task slices, which are never added on top. On cgroup v1, OAR 2.5's {@code
 * <prefix>/<user>_<jobid>} directories are jobs too.
 *
 * <p>A classifier ({@link OarNames}, {@link Oar2Names}) on the kit's {@link CgroupTreeReceiver};
 * what is OAR's own beyond the names is the metadata ({@link JobMetadata}), refreshed after each
 * read. {@link #poll()} is called from one thread; discovery runs on another.
 */
public final class Oar3Receiver extends CgroupTreeReceiver {
  private static final Logger LOG = LoggerFactory.getLogger(Oar3Receiver.class);

  private final Oar3ReceiverConfig config;
  private final JobMetadata metadata;
  /** Whether OAR 2.5's {@code <prefix>/<user>_<jobid>} directories are read (cgroup v1). */
  private final boolean oar2;
  private volatile Path scope; // the OAR slice, once discovery has seen it

  /** Reads the hierarchy the factory chose (tests: {@link HierarchyChoice#asGiven}). */
  Oar3Receiver(Oar3ReceiverConfig config, HierarchyChoice choice, ReceiverContext context,
      Clock clock, UserNames userNames) {
    super(Oar3ReceiverFactory.TYPE, config.settings().pollInterval(), choice);
    this.config = config;
    this.oar2 = choice.hierarchy().version() == 1;
    this.metadata = JobMetadata.open(config.oarexecDirectory(), config.oarApiUrl(),
        context.hostName(), userNames, clock);
    metadata(metadata);
    read(sampler(new JobClassifier(), config.settings(), context.pollNow()).clock(clock));
  }

  /**
   * The job at {@code relative}: an OAR 3 job slice or (on v1) an OAR 2 job directory. Names are
   * matched on the absolute path: {@code path} may be a user slice, whose parents say it is OAR's.
   */
  private Optional<OarJob> job(Path relative) {
    Path dir = absolute(relative);
    Optional<OarJob> v1Job = oar2 ? Oar2Names.parseJob(dir, config.prefix()) : Optional.empty();
    return v1Job.or(() -> OarNames.parseJob(dir, config.prefix()));
  }

  /** Job slices are entities; nothing below a job slice is looked at. */
  private final class JobClassifier implements Classifier {
    @Override
    public boolean descend(Path relative) {
      Path last = relative.getFileName();
      if (scope == null && last != null
          && last.toString().equals(config.prefix() + ".slice")) {
        scope = absolute(relative);
      }
      return job(relative).isEmpty();
    }

    @Override
    public Classification classify(Path relative) {
      return job(relative)
          .map(job -> new Classification(EntityKind.OAR_JOB, metadata.nameAttributes(job)))
          .orElse(null);
    }

    @Override
    public void added(TrackedEntity t) {
      OarJob job = job(t.relative()).orElseThrow();
      metadata.add(t.entity(), job);
      if (job.user() != null) {
        LOG.debug("oar3: OAR 2 job {} of {} appeared at {}", job.jobId(), job.user(),
            t.displayPath());
      } else {
        LOG.debug("oar3: job {} of uid {} appeared at {}", job.jobId(), job.uid(),
            t.displayPath());
      }
    }

    @Override
    public void removed(TrackedEntity t) {
      LOG.debug("oar3: job ended ({} removed)", t.displayPath());
      metadata.remove(t.entity());
    }
  }

  @Override
  public void start() {
    super.start();
    String prefix = config.prefix();
    Path root = choice().hierarchy().root();
    if (oar2) {
      LOG.info("oar3: watching {} for OAR 3 job slices and OAR 2.5 jobs {}/<user>_<jobid>, {} jobs"
          + " now (reading {})", root, prefix, size(), hierarchyChoice());
    } else {
      LOG.info("oar3: watching {} for {}.slice/{}-u<UID>.slice/{}-u<UID>-j<JOBID>.slice, {} jobs"
          + " now (reading {})", root, prefix, prefix, prefix, size(), hierarchyChoice());
    }
  }

  /** The OAR slice ({@code <prefix>.slice}), where discovery found it. */
  @Override
  public Path scope() {
    Path found = scope;
    return found != null ? found
        : config.path().toAbsolutePath().resolve(config.prefix() + ".slice");
  }

  /** Jobs tracked now (for tests and the agent's entity count). */
  int jobCount() {
    return size();
  }
}

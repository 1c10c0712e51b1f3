package io.cgroupotel.receiver.oar3;

import io.cgroupotel.receiver.CgroupTreeReceiver;
import io.cgroupotel.receiver.HierarchyChoice;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.UserNames;
import io.cgroupotel.sampler.Classifier;
import io.cgroupotel.sampler.EntityKind;
import io.cgroupotel.sampler.ScrapeResult;
import io.cgroupotel.sampler.TrackedEntity;
import io.cgroupotel.sampler.V2Hierarchy;
import io.opentelemetry.sdk.common.Clock;
import java.nio.file.Path;
import java.time.Duration;
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
 * what is OAR's own beyond the names is the metadata ({@link OarJobMetadata}), refreshed after
 * each read. {@link #poll()} is called from one thread; discovery runs on another.
 */
public final class Oar3Receiver extends CgroupTreeReceiver {
  private static final Logger LOG = LoggerFactory.getLogger(Oar3Receiver.class);
  /** How often the env file of a job that has none (yet) is looked for again. */
  static final Duration ENV_RETRY = OarJobMetadata.ENV_RETRY;

  private final Oar3ReceiverConfig config;
  private final OarJobMetadata metadata;
  /** Whether OAR 2.5's {@code <prefix>/<user>_<jobid>} directories are read (cgroup v1). */
  private final boolean oar2;
  private volatile Path scope; // the OAR slice, once discovery has seen it

  Oar3Receiver(Oar3ReceiverConfig config, ReceiverContext context) {
    this(config, context, Clock.getDefault(), new UserNames());
  }

  Oar3Receiver(Oar3ReceiverConfig config, ReceiverContext context, Clock clock,
      UserNames userNames) {
    this(config, new HierarchyChoice(new V2Hierarchy(config.path()), "cgroup v2 at "
        + config.path() + " (as given)"), context, clock, userNames);
  }

  /** Reads the hierarchy the factory chose. */
  Oar3Receiver(Oar3ReceiverConfig config, HierarchyChoice choice, ReceiverContext context,
      Clock clock, UserNames userNames) {
    super(Oar3ReceiverFactory.TYPE, config.pollInterval(), choice);
    this.config = config;
    this.oar2 = choice.hierarchy().version() == 1;
    this.metadata = new OarJobMetadata(config, context.hostName(), userNames, clock);
    read(sampler(new JobClassifier(), config.settings(), context.pollNow()).clock(clock));
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
      Optional<Oar2Names.JobName> v1Job = oar2Job(relative);
      if (v1Job.isPresent()) {
        return new Classification(EntityKind.OAR_JOB,
            metadata.nameAttributes(v1Job.get().jobId(), -1, v1Job.get().user()));
      }
      return OarNames.parseJob(absolute(relative), config.prefix())
          .map(name -> new Classification(EntityKind.OAR_JOB,
              metadata.nameAttributes(name.jobId(), name.uid(), null)))
          .orElse(null);
    }

    @Override
    public void added(TrackedEntity t) {
      Optional<Oar2Names.JobName> v1Job = oar2Job(t.relative());
      if (v1Job.isPresent()) {
        metadata.add(t.entity(), v1Job.get().jobId(), -1, v1Job.get().user());
        LOG.debug("oar3: OAR 2 job {} of {} appeared at {}", v1Job.get().jobId(),
            v1Job.get().user(), t.displayPath());
        return;
      }
      OarNames.JobName name =
          OarNames.parseJob(absolute(t.relative()), config.prefix()).orElseThrow();
      metadata.add(t.entity(), name.jobId(), name.uid(), null);
      LOG.debug("oar3: job {} of uid {} appeared at {}", name.jobId(), name.uid(),
          t.displayPath());
    }

    @Override
    public void removed(TrackedEntity t) {
      LOG.debug("oar3: job ended ({} removed)", t.displayPath());
      metadata.remove(t.entity());
    }

    private Optional<Oar2Names.JobName> oar2Job(Path relative) {
      return oar2 ? Oar2Names.parseJob(absolute(relative), config.prefix()) : Optional.empty();
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

  @Override
  public ScrapeResult poll() {
    ScrapeResult result = super.poll();
    metadata.refresh();
    return result;
  }

  /** Jobs tracked now (for tests and the agent's entity count). */
  int jobCount() {
    return size();
  }

  @Override
  public void close() {
    super.close();
    metadata.close();
  }
}

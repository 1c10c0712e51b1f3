package io.cgroupotel.receiver.oar3.metadata;

import io.cgroupotel.receiver.MetadataSource;
import io.cgroupotel.receiver.UserNames;
import io.cgroupotel.sampler.Entity;
import io.opentelemetry.sdk.common.Clock;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The oar3 receiver's metadata source: a job's resource attributes ({@link Oar3Attributes}), from
 * its name at once and from the node and OAR as they answer. {@link #add} and {@link #remove} are
 * called from discovery, {@link #refresh} from the polling thread.
 */
public interface JobMetadata extends MetadataSource {
  /** How often the env file of a job that has none (yet) is looked for again. */
  Duration ENV_RETRY = OarJobMetadata.ENV_RETRY;

  /**
   * Reads {@code <oarexecDirectory>/<user>_<jobid>.env} and, when a URL is given, the OAR API.
   *
   * @param clock its {@code nanoTime()} spaces the retries of unknown users and API requests
   */
  static JobMetadata open(Path oarexecDirectory, Optional<URI> oarApiUrl, String hostName,
      UserNames userNames, Clock clock) {
    return new OarJobMetadata(oarexecDirectory, oarApiUrl, hostName, userNames, clock);
  }

  /** The attributes a job has from its name alone (what the classifier gives the sampler). */
  Map<String, Object> nameAttributes(OarJob job);

  /** A job appeared: its attributes are set, with its user's name where the node knows it. */
  void add(Entity entity, OarJob job);

  /** A job ended. */
  void remove(Entity entity);
}

package io.cgroupotel.receiver.oar3;

import io.cgroupotel.receiver.CgroupReceiverSettings;
import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code [receivers.oar3]}: the shared keys and OAR's own.
 *
 * @param settings the shared keys (without {@code path}, the factory picks the tree that holds
 *     OAR's cgroups: on a v1 or hybrid host, OAR 2.5's {@code <prefix>/<user>_<jobid>} in the v1
 *     controllers)
 * @param prefix OAR's cgroup prefix, from its CPUSET_PATH (default {@code oar})
 * @param oarexecDirectory where OAR writes {@code <user>_<jobid>.env} (default {@code
 *     /tmp/oar_runtime})
 * @param oarApiUrl the OAR3 REST API, for job name, project and queue; empty: not asked
 * @param enabled false turns the receiver off
 */
public record Oar3ReceiverConfig(CgroupReceiverSettings settings, String prefix,
    Path oarexecDirectory, Optional<URI> oarApiUrl, boolean enabled) {
  public static final String DEFAULT_PREFIX = "oar";
  public static final Path DEFAULT_OAREXEC_DIRECTORY = Path.of("/tmp/oar_runtime");

  public Oar3ReceiverConfig {
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(oarexecDirectory, "oarexecDirectory");
    Objects.requireNonNull(oarApiUrl, "oarApiUrl");
  }

  /** Defaults, reading {@code path} as written, whichever cgroup version it is. */
  public static Oar3ReceiverConfig defaults(Path path) {
    return new Oar3ReceiverConfig(CgroupReceiverSettings.of(path,
        CgroupReceiverSettings.DEFAULT_POLL_INTERVAL), DEFAULT_PREFIX, DEFAULT_OAREXEC_DIRECTORY,
        Optional.empty(), true);
  }

  /** The cgroup directory searched for jobs ({@code path}), at any depth. */
  public Path path() {
    return settings.path();
  }
}

package io.cgroupotel.receiver.oar3;

import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code [receivers.oar3]}: the jobs of an OAR3 compute node.
 *
 * @param path cgroup v2 directory searched for OAR's slices, at any depth; default: this host's
 *     cgroup v2 mount
 * @param pollInterval how often the jobs are read; default 1 s
 * @param prefix OAR's CPUSET_PATH without its slash; default {@code oar}
 * @param oarexecDirectory where OAR writes {@code <user>_<jobid>.env} on the node; default
 *     {@code /tmp/oar_runtime}
 */
public record Oar3ReceiverConfig(
    Path path, Duration pollInterval, String prefix, Path oarexecDirectory) {
  public static final String DEFAULT_PREFIX = "oar";
  public static final Path DEFAULT_OAREXEC_DIRECTORY = Path.of("/tmp/oar_runtime");
}

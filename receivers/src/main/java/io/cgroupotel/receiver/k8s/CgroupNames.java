package io.cgroupotel.receiver.k8s;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Parses the names kubelet and the container runtimes give to pod and container cgroups
 * (the layouts in this receiver's README). Pure functions of a directory name: no file system, no guessing. A name
 * that does not match a known layout exactly is not a pod or a container.
 *
 * <p>Pod UIDs are returned canonical: with dashes ({@code 0b1c...-...}), as the API writes them.
 * Static pods (kubelet manifests) have a 32-hex UID without dashes; it is kept as is.
 */
final class CgroupNames {
  private CgroupNames() {}

  /** A container cgroup name, parsed. */
  record ContainerName(String id, String runtime) {}

  private static final Pattern UUID =
      Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  private static final Pattern STATIC_POD_UID = Pattern.compile("[0-9a-fA-F]{32}");
  private static final Pattern CONTAINER_ID = Pattern.compile("[0-9a-f]{64}");

  /**
   * The pod UID of a systemd-driver pod slice: {@code [<prefix>-]kubepods[-<qos>]-pod<uid_>.slice},
   * where {@code -} in the UID is escaped as {@code _} (e.g. kind's
   * {@code kubelet-kubepods-burstable-pod<uid_>.slice}).
   */
  static Optional<String> systemdPodUid(String name) {
    if (!name.endsWith(".slice")) {
      return Optional.empty();
    }
    String unit = name.substring(0, name.length() - ".slice".length());
    int dash = unit.lastIndexOf('-');
    if (dash <= 0) {
      return Optional.empty();
    }
    String last = unit.substring(dash + 1);
    String prefix = unit.substring(0, dash);
    if (!last.startsWith("pod") || !isKubepodsUnitPrefix(prefix)) {
      return Optional.empty();
    }
    return canonicalUid(last.substring(3).replace('_', '-'));
  }

  /** Whether a systemd slice prefix is {@code kubepods}, optionally with a QoS class and a root. */
  private static boolean isKubepodsUnitPrefix(String prefix) {
    String[] parts = prefix.split("-", -1);
    for (int i = 0; i < parts.length; i++) {
      if (parts[i].equals("kubepods")) {
        int rest = parts.length - i - 1;
        return rest == 0 || (rest == 1 && isQosClass(parts[i + 1]));
      }
    }
    return false;
  }

  /** The pod UID of a cgroupfs-driver pod directory: {@code pod<uid>} (dashes kept). */
  static Optional<String> cgroupfsPodUid(String name) {
    if (!name.startsWith("pod")) {
      return Optional.empty();
    }
    return canonicalUid(name.substring(3));
  }

  /** {@code kubepods} (cgroupfs driver) or a systemd kubepods slice without a pod. */
  static boolean isKubepodsRoot(String name) {
    if (name.equals("kubepods")) {
      return true;
    }
    if (!name.endsWith(".slice")) {
      return false;
    }
    String unit = name.substring(0, name.length() - ".slice".length());
    return unit.equals("kubepods") || unit.endsWith("-kubepods");
  }

  /** {@code burstable} or {@code besteffort}: the cgroupfs driver's QoS levels. */
  static boolean isQosClass(String name) {
    return name.equals("burstable") || name.equals("besteffort");
  }

  /** A systemd QoS slice: {@code [<prefix>-]kubepods-burstable.slice}, {@code ...-besteffort.slice}. */
  static boolean isSystemdQosSlice(String name) {
    if (!name.endsWith(".slice")) {
      return false;
    }
    String unit = name.substring(0, name.length() - ".slice".length());
    int dash = unit.lastIndexOf('-');
    return dash > 0 && isQosClass(unit.substring(dash + 1))
        && isKubepodsRoot(unit.substring(0, dash) + ".slice");
  }

  /**
   * A container cgroup inside a pod cgroup: {@code cri-containerd-<id>.scope} (containerd),
   * {@code crio-<id>.scope} or {@code crio-<id>} (CRI-O, systemd or cgroupfs manager),
   * {@code docker-<id>.scope} (docker, cri-dockerd), {@code libpod-<id>.scope} (podman), or a bare
   * {@code <id>} (cgroupfs driver, containerd or docker: runtime unknown, {@code ""}). Conmon scopes
   * ({@code crio-conmon-}, {@code libpod-conmon-}) are not containers.
   */
  static Optional<ContainerName> container(String name) {
    if (CONTAINER_ID.matcher(name).matches()) {
      return Optional.of(new ContainerName(name, ""));
    }
    String unit = name.endsWith(".scope") ? name.substring(0, name.length() - 6) : name;
    int dash = unit.lastIndexOf('-');
    if (dash <= 0) {
      return Optional.empty();
    }
    String id = unit.substring(dash + 1);
    if (!CONTAINER_ID.matcher(id).matches()) {
      return Optional.empty();
    }
    String runtime;
    switch (unit.substring(0, dash)) {
      case "cri-containerd" -> runtime = "containerd";
      case "crio" -> runtime = "cri-o";
      case "docker" -> runtime = "docker";
      case "libpod" -> runtime = "podman";
      default -> {
        return Optional.empty();
      }
    }
    if (!name.endsWith(".scope") && !runtime.equals("cri-o")) {
      return Optional.empty();
    }
    return Optional.of(new ContainerName(id, runtime));
  }

  /** A container whose cgroup name also names its pod (the mixed-driver layout), parsed. */
  record PodContainerName(String podUid, ContainerName container) {}

  /**
   * A container cgroup of the mixed-driver layout: the kubelet uses the systemd driver but the
   * runtime runs runc with the cgroupfs driver, which takes the systemd-style cgroups path
   * {@code <pod slice>:<prefix>:<id>} literally as one directory name, e.g. {@code
   * kubepods-besteffort-pod<uid_>.slice:cri-containerd:<64hex>} (containerd 1.6 with {@code
   * SystemdCgroup = false}, Kubernetes 1.21-1.24), {@code ...:crio:<id>}, {@code ...:docker:<id>}.
   * Such a directory sits outside the pod slice (at the root of the hierarchy, or below the
   * runtime's own unit, e.g. {@code system.slice/containerd.service/}): the pod comes from the
   * name. The pod slice part is parsed as {@link #systemdPodUid} parses a pod slice (every QoS
   * class, guaranteed pods, a prefix such as kind's {@code kubelet-}).
   */
  static Optional<PodContainerName> mixedDriverContainer(String name) {
    int first = name.indexOf(':');
    if (first < 0) {
      return Optional.empty();
    }
    int second = name.indexOf(':', first + 1);
    if (second < 0 || name.indexOf(':', second + 1) >= 0) {
      return Optional.empty();
    }
    String id = name.substring(second + 1);
    if (!CONTAINER_ID.matcher(id).matches()) {
      return Optional.empty();
    }
    String runtime = switch (name.substring(first + 1, second)) {
      case "cri-containerd" -> "containerd";
      case "crio" -> "cri-o";
      case "docker" -> "docker";
      default -> null;
    };
    if (runtime == null) {
      return Optional.empty();
    }
    return systemdPodUid(name.substring(0, first))
        .map(uid -> new PodContainerName(uid, new ContainerName(id, runtime)));
  }

  /** A container ID as the API writes it in {@code containerStatuses[].containerID}. */
  static Optional<ContainerName> statusContainerId(String containerId) {
    if (containerId == null) {
      return Optional.empty();
    }
    int sep = containerId.indexOf("://");
    String id = sep < 0 ? containerId : containerId.substring(sep + 3);
    if (!CONTAINER_ID.matcher(id).matches()) {
      return Optional.empty();
    }
    String scheme = sep < 0 ? "" : containerId.substring(0, sep);
    return Optional.of(new ContainerName(id, scheme.equals("cri-o") || scheme.equals("crio")
        ? "cri-o" : scheme));
  }

  private static Optional<String> canonicalUid(String uid) {
    if (UUID.matcher(uid).matches() || STATIC_POD_UID.matcher(uid).matches()) {
      return Optional.of(uid);
    }
    return Optional.empty();
  }
}

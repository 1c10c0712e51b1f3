package io.cgroupotel.receiver.k8s;

import io.cgroupotel.receiver.k8s.CgroupNames.ContainerName;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Places a cgroup directory in the kubelet layouts its README lists (systemd and cgroupfs
 * drivers, v1 and v2), from its path relative to the receiver's root: a pod, a container of a
 * pod, or something else to search below (kubepods may sit under any prefix: kind, k3s, nested
 * runtimes). Pure: looks at names only.
 */
final class PodCgroupLayout {
  private PodCgroupLayout() {}

  /** Deeper than this below the root, nothing is searched (bounds the inotify watches). */
  static final int MAX_DEPTH = 16;

  /** What a cgroup directory is. */
  sealed interface Node permits Pod, Container, Other {}

  /** A pod cgroup; {@code uid} canonical (with dashes, or 32 hex for a static pod). */
  record Pod(String uid) implements Node {}

  /**
   * A container cgroup of the pod {@code podUid}: its child, or, in the mixed-driver layout
   * ({@link CgroupNames#mixedDriverContainer}), anywhere, named after it.
   */
  record Container(String podUid, ContainerName name) implements Node {}

  /** Neither. {@code insidePod}: a non-container child of a pod (e.g. a conmon scope). */
  record Other(boolean insidePod) implements Node {}

  /** Classifies {@code relative} (a path relative to the root; empty path = the root). */
  static Node classify(Path relative) {
    int n = relative.getNameCount();
    if (n == 0 || relative.toString().isEmpty()) {
      return new Other(false);
    }
    String name = relative.getFileName().toString();
    Optional<CgroupNames.PodContainerName> mixed = CgroupNames.mixedDriverContainer(name);
    if (mixed.isPresent()) {
      // mixed-driver layout: the name carries the pod, wherever the directory sits
      return new Container(mixed.get().podUid(), mixed.get().container());
    }
    Optional<String> uid = podUid(relative);
    if (uid.isPresent()) {
      return new Pod(uid.get());
    }
    if (n >= 2) {
      Optional<String> parentPod = podUid(relative.getParent());
      if (parentPod.isPresent()) {
        Optional<ContainerName> container = CgroupNames.container(name);
        return container.<Node>map(c -> new Container(parentPod.get(), c))
            .orElse(new Other(true));
      }
    }
    return new Other(false);
  }

  /** Whether the directory may have pods or containers below it. */
  static boolean descend(Path relative) {
    if (relative.toString().isEmpty()) {
      return true;
    }
    if (relative.getNameCount() >= MAX_DEPTH) {
      return false;
    }
    Node node = classify(relative);
    if (node instanceof Pod) {
      return true;
    }
    if (node instanceof Container || (node instanceof Other o && o.insidePod())) {
      return false; // containers sit right below their pod: nothing to find deeper
    }
    String name = relative.getFileName().toString();
    // systemd units that never hold other cgroups
    return !(name.equals("init.scope") || name.endsWith(".mount") || name.endsWith(".socket")
        || name.endsWith(".swap") || name.endsWith(".device"));
  }

  private static Optional<String> podUid(Path relative) {
    String name = relative.getFileName().toString();
    Optional<String> systemd = CgroupNames.systemdPodUid(name);
    if (systemd.isPresent()) {
      return systemd;
    }
    if (!name.startsWith("pod") || relative.getNameCount() < 2) {
      return Optional.empty();
    }
    // cgroupfs driver: kubepods/pod<uid> or kubepods/{burstable,besteffort}/pod<uid>
    Path parent = relative.getParent();
    String parentName = parent.getFileName().toString();
    boolean underKubepods = parentName.equals("kubepods")
        || (CgroupNames.isQosClass(parentName) && parent.getNameCount() >= 2
            && parent.getParent().getFileName().toString().equals("kubepods"));
    return underKubepods ? CgroupNames.cgroupfsPodUid(name) : Optional.empty();
  }
}

package io.cgroupotel.receiver.k8s;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What the API says about one pod, reduced to resource attributes.
 *
 * @param uid the pod's UID in the API
 * @param cgroupUid the UID in its cgroup name: the UID, or for a static pod's mirror the hash in
 *     the {@code kubernetes.io/config.mirror} annotation
 * @param attributes pod attributes (name, namespace, node, owner, opted-in labels)
 * @param containers container id (64 hex) to its name and runtime
 */
record PodInfo(
    String uid, String cgroupUid, Map<String, Object> attributes,
    Map<String, ContainerInfo> containers) {

  /** A container of the pod, as its status names it. */
  record ContainerInfo(String name, String runtime) {}

  static final String MIRROR_ANNOTATION = "kubernetes.io/config.mirror";
  private static final Pattern CRONJOB_JOB = Pattern.compile("(.+)-\\d{8,}");

  static PodInfo from(Pod pod, List<String> podLabels) {
    ObjectMeta meta = pod.getMetadata();
    Map<String, Object> attrs = new LinkedHashMap<>();
    put(attrs, K8sAttributes.POD_NAME, meta.getName());
    put(attrs, K8sAttributes.NAMESPACE_NAME, meta.getNamespace());
    if (pod.getSpec() != null) {
      put(attrs, K8sAttributes.NODE_NAME, pod.getSpec().getNodeName());
    }
    Map<String, String> labels = meta.getLabels() == null ? Map.of() : meta.getLabels();
    ownerAttributes(meta, labels, attrs);
    for (String key : podLabels) {
      put(attrs, K8sAttributes.POD_LABEL_PREFIX + key, labels.get(key));
    }
    Map<String, ContainerInfo> containers = new LinkedHashMap<>();
    PodStatus status = pod.getStatus();
    if (status != null) {
      List<ContainerStatus> all = new ArrayList<>();
      addAll(all, status.getInitContainerStatuses());
      addAll(all, status.getContainerStatuses());
      addAll(all, status.getEphemeralContainerStatuses());
      for (ContainerStatus cs : all) {
        CgroupNames.statusContainerId(cs.getContainerID()).ifPresent(
            id -> containers.put(id.id(), new ContainerInfo(cs.getName(), id.runtime())));
        // a restarted container: its previous id may still have a cgroup for a moment
        if (cs.getLastState() != null && cs.getLastState().getTerminated() != null) {
          CgroupNames.statusContainerId(cs.getLastState().getTerminated().getContainerID())
              .ifPresent(id -> containers.putIfAbsent(id.id(),
                  new ContainerInfo(cs.getName(), id.runtime())));
        }
      }
    }
    String uid = meta.getUid();
    Map<String, String> annotations = meta.getAnnotations() == null ? Map.of()
        : meta.getAnnotations();
    String cgroupUid = Optional.ofNullable(annotations.get(MIRROR_ANNOTATION)).orElse(uid);
    return new PodInfo(uid, cgroupUid, Map.copyOf(attrs), Map.copyOf(containers));
  }

  /**
   * The owning workload from the controller owner reference. A Deployment is derived from its
   * ReplicaSet's name minus the {@code pod-template-hash} label (no extra API call or RBAC); a
   * CronJob from its Job's name minus the scheduled-time suffix.
   */
  private static void ownerAttributes(ObjectMeta meta, Map<String, String> labels,
      Map<String, Object> attrs) {
    if (meta.getOwnerReferences() == null) {
      return;
    }
    OwnerReference owner = meta.getOwnerReferences().stream()
        .filter(o -> Boolean.TRUE.equals(o.getController())).findFirst()
        .orElse(meta.getOwnerReferences().isEmpty() ? null : meta.getOwnerReferences().get(0));
    if (owner == null || owner.getKind() == null || owner.getName() == null) {
      return;
    }
    String name = owner.getName();
    switch (owner.getKind()) {
      case "ReplicaSet" -> {
        put(attrs, K8sAttributes.REPLICASET_NAME, name);
        String hash = labels.get("pod-template-hash");
        if (hash != null && !hash.isEmpty() && name.endsWith("-" + hash)) {
          put(attrs, K8sAttributes.DEPLOYMENT_NAME,
              name.substring(0, name.length() - hash.length() - 1));
        }
      }
      case "StatefulSet" -> put(attrs, K8sAttributes.STATEFULSET_NAME, name);
      case "DaemonSet" -> put(attrs, K8sAttributes.DAEMONSET_NAME, name);
      case "Job" -> {
        put(attrs, K8sAttributes.JOB_NAME, name);
        var m = CRONJOB_JOB.matcher(name);
        if (m.matches()) {
          put(attrs, K8sAttributes.CRONJOB_NAME, m.group(1));
        }
      }
      default -> { }
    }
  }

  private static void addAll(List<ContainerStatus> into, List<ContainerStatus> from) {
    if (from != null) {
      into.addAll(from);
    }
  }

  private static void put(Map<String, Object> attrs, String key, String value) {
    if (value != null && !value.isEmpty()) {
      attrs.put(key, value);
    }
  }
}

package io.cgroupotel.receiver.k8s;

import io.cgroupotel.metrics.EntitySpec;
import io.cgroupotel.sampler.Sample;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.math.BigDecimal;
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
 * @param podSpecs the pod's {@link EntitySpec} values: the sums over its containers (not its init
 *     containers), each absent when a container has none, as kubeletstats makes them
 * @param containerSpecs per container name, its own {@link EntitySpec} values
 */
record PodInfo(
    String uid, String cgroupUid, Map<String, Object> attributes,
    Map<String, ContainerInfo> containers, long[] podSpecs, Map<String, long[]> containerSpecs) {

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
    long[] podSpecs = EntitySpec.none();
    Map<String, long[]> containerSpecs = new LinkedHashMap<>();
    List<Container> specContainers = pod.getSpec() == null || pod.getSpec().getContainers() == null
        ? List.of() : pod.getSpec().getContainers();
    for (int i = 0; i < specContainers.size(); i++) {
      Container c = specContainers.get(i);
      long[] own = specs(c.getResources());
      if (c.getName() != null) {
        containerSpecs.put(c.getName(), own);
      }
      for (int s = 0; s < own.length; s++) {
        // a sum over every container, or absent as soon as one has no value
        podSpecs[s] = own[s] == Sample.ABSENT || (i > 0 && podSpecs[s] == Sample.ABSENT)
            ? Sample.ABSENT : (i == 0 ? 0 : podSpecs[s]) + own[s];
      }
    }
    return new PodInfo(uid, cgroupUid, Map.copyOf(attrs), Map.copyOf(containers), podSpecs,
        Map.copyOf(containerSpecs));
  }

  /** A container's limits and requests; a missing or zero quantity is absent (kubeletstats'). */
  static long[] specs(ResourceRequirements resources) {
    long[] out = EntitySpec.none();
    if (resources == null) {
      return out;
    }
    Map<String, Quantity> limits = resources.getLimits() == null ? Map.of()
        : resources.getLimits();
    Map<String, Quantity> requests = resources.getRequests() == null ? Map.of()
        : resources.getRequests();
    out[EntitySpec.CPU_LIMIT_MILLICORES.ordinal()] = amount(limits.get("cpu"), 1000);
    out[EntitySpec.CPU_REQUEST_MILLICORES.ordinal()] = amount(requests.get("cpu"), 1000);
    out[EntitySpec.MEMORY_LIMIT_BYTES.ordinal()] = amount(limits.get("memory"), 1);
    out[EntitySpec.MEMORY_REQUEST_BYTES.ordinal()] = amount(requests.get("memory"), 1);
    return out;
  }

  private static long amount(Quantity q, long scale) {
    if (q == null) {
      return Sample.ABSENT;
    }
    try {
      long v = q.getNumericalAmount().multiply(BigDecimal.valueOf(scale)).setScale(0,
          java.math.RoundingMode.CEILING).longValueExact();
      return v > 0 ? v : Sample.ABSENT;
    } catch (ArithmeticException | IllegalArgumentException e) {
      return Sample.ABSENT; // not a quantity the API would accept: no ratio rather than a wrong one
    }
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

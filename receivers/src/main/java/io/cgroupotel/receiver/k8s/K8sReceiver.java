package io.cgroupotel.receiver.k8s;

import io.cgroupotel.receiver.CgroupTreeReceiver;
import io.cgroupotel.receiver.HierarchyChoice;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.k8s.PodCgroupLayout.Container;
import io.cgroupotel.receiver.k8s.PodCgroupLayout.Node;
import io.cgroupotel.receiver.k8s.PodCgroupLayout.Pod;
import io.cgroupotel.sampler.Classifier;
import io.cgroupotel.sampler.Entity;
import io.cgroupotel.sampler.EntityKind;
import io.cgroupotel.sampler.TrackedEntity;
import io.cgroupotel.sampler.V2Hierarchy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pods and containers of this node, from their cgroups, named by the Kubernetes API.
 *
 * <p>A classifier on the shared sampler of the kit ({@link CgroupTreeReceiver}): it searches the whole tree below {@code
 * path} for kubelet's layouts, at any depth, and does not descend into containers. Metadata comes
 * from {@link PodMetadata}; until the API answers, entities carry {@code k8s.pod.uid} and {@code
 * k8s.node.name} alone and are enriched in place when it does.
 *
 * <p>Thread-safe: discovery and metadata threads update a concurrent map; {@link #poll()} runs on
 * the scheduler's thread.
 */
final class K8sReceiver extends CgroupTreeReceiver {
  private static final Logger log = LoggerFactory.getLogger(K8sReceiver.class);

  /** A tracked pod ({@code container} null) or container. */
  private record Tracked(Entity entity, String podUid, CgroupNames.ContainerName container) {
    boolean isPod() {
      return container == null;
    }
  }

  private final K8sReceiverConfig config;
  private final Path root;
  private final String nodeName;
  private final PodMetadata metadata;
  private final Map<String, Tracked> tracked = new ConcurrentHashMap<>(); // by entity id
  private final Map<String, String> podIds = new ConcurrentHashMap<>(); // pod uid -> entity id
  private volatile Path kubepods; // the kubepods cgroup, once discovery has seen it

  /**
   * @param api where the metadata comes from, or null for none (cgroups only)
   */
  K8sReceiver(K8sReceiverConfig config, Path root, String nodeName, KubeApiSettings api,
      ReceiverContext context) {
    this(config, new HierarchyChoice(new V2Hierarchy(root.toAbsolutePath()), "cgroup v2 at "
        + root.toAbsolutePath() + " (as given)"), nodeName, api, context);
  }

  /** Reads the hierarchy the factory chose (v2, or the v1 controllers). */
  K8sReceiver(K8sReceiverConfig config, HierarchyChoice choice, String nodeName,
      KubeApiSettings api, ReceiverContext context) {
    super(K8sReceiverFactory.TYPE, config.pollInterval(), choice);
    this.config = config;
    this.root = choice.hierarchy().root();
    this.nodeName = nodeName;
    this.metadata = api == null ? null
        : new PodMetadata(api, nodeName, config.podLabels(), this::metadataChanged);
    read(sampler(new PodClassifier(), config.settings(), context.pollNow()));
  }

  @Override
  public void start() {
    startMetadata();
    startDiscovery();
    log.info("k8s: found {} pod(s) below {} on node {} (reading {})", podIds.size(), root,
        nodeName, hierarchyChoice());
  }

  /** Starts the informer, in the background: cgroups are exported by UID until it answers. */
  void startMetadata() {
    if (metadata != null) {
      metadata.start();
    }
  }

  /** Walks and watches the cgroup tree (the first reads happen here). */
  void startDiscovery() {
    super.start();
  }

  @Override
  public boolean awaitReady(Duration timeout) {
    return metadata == null || metadata.awaitSynced(timeout);
  }

  /** The entities tracked now (for tests and the agent's entity count). */
  List<Entity> entities() {
    return tracked.values().stream().map(Tracked::entity).toList();
  }

  /** The kubepods cgroup, once discovery has found it (null before). */
  @Override
  public Path scope() {
    return kubepods;
  }

  // --- discovery (sampler's discovery thread) ---

  /** Pod and container cgroups are entities; nothing below a container is looked at. */
  private final class PodClassifier implements Classifier {
    @Override
    public boolean descend(Path relative) {
      Path last = relative.getFileName();
      if (kubepods == null && last != null && CgroupNames.isKubepodsRoot(last.toString())) {
        kubepods = root.resolve(relative);
      }
      return PodCgroupLayout.descend(relative);
    }

    @Override
    public Classification classify(Path relative) {
      Node node = PodCgroupLayout.classify(relative);
      if (node instanceof Pod pod) {
        if (podIds.containsKey(pod.uid())) {
          log.warn("k8s: pod {} has a second cgroup, /{}: keeping the first", pod.uid(), relative);
          return null;
        }
        return new Classification(EntityKind.K8S_POD, podAttributes(pod.uid()));
      }
      if (node instanceof Container c && config.containers()) {
        return new Classification(EntityKind.CONTAINER,
            containerAttributes(c.podUid(), c.name()));
      }
      return null;
    }

    @Override
    public void added(TrackedEntity t) {
      Node node = PodCgroupLayout.classify(t.relative());
      Entity entity = t.entity();
      if (node instanceof Pod pod) {
        podIds.put(pod.uid(), entity.id());
        tracked.put(entity.id(), new Tracked(entity, pod.uid(), null));
        entity.setAttributes(podAttributes(pod.uid())); // metadata may have come meanwhile
        entity.setSpecs(podSpecs(pod.uid()));
        log.debug("k8s: pod {} appeared at {}", pod.uid(), t.displayPath());
      } else if (node instanceof Container c) {
        tracked.put(entity.id(), new Tracked(entity, c.podUid(), c.name()));
        entity.setAttributes(containerAttributes(c.podUid(), c.name()));
        entity.setSpecs(containerSpecs(c.podUid(), c.name()));
      }
    }

    @Override
    public void removed(TrackedEntity t) {
      Tracked gone = tracked.remove(t.entity().id());
      if (gone != null && gone.isPod()) {
        podIds.remove(gone.podUid(), t.entity().id());
        log.debug("k8s: pod {} went away", gone.podUid());
      }
    }
  }

  // --- metadata (informer thread) ---

  private void metadataChanged(String cgroupUid) {
    for (Tracked t : tracked.values()) {
      if (t.podUid().equals(cgroupUid)) {
        t.entity().setAttributes(t.isPod() ? podAttributes(t.podUid())
            : containerAttributes(t.podUid(), t.container()));
        t.entity().setSpecs(t.isPod() ? podSpecs(t.podUid())
            : containerSpecs(t.podUid(), t.container()));
      }
    }
  }

  private Optional<PodInfo> info(String podUid) {
    return metadata == null ? Optional.empty() : metadata.get(podUid);
  }

  Map<String, Object> podAttributes(String podUid) {
    Map<String, Object> attrs = new LinkedHashMap<>();
    info(podUid).ifPresent(i -> attrs.putAll(i.attributes()));
    attrs.put(K8sAttributes.POD_UID, podUid);
    attrs.putIfAbsent(K8sAttributes.NODE_NAME, nodeName);
    return attrs;
  }

  /** The pod's limits and requests for the *_utilization rows, or null before the API answers. */
  long[] podSpecs(String podUid) {
    return info(podUid).map(PodInfo::podSpecs).orElse(null);
  }

  long[] containerSpecs(String podUid, CgroupNames.ContainerName name) {
    return info(podUid).flatMap(i -> Optional.ofNullable(i.containers().get(name.id()))
        .map(c -> i.containerSpecs().get(c.name()))).orElse(null);
  }

  Map<String, Object> containerAttributes(String podUid, CgroupNames.ContainerName name) {
    Map<String, Object> attrs = podAttributes(podUid);
    attrs.put(K8sAttributes.CONTAINER_ID, name.id());
    String runtime = name.runtime();
    Optional<PodInfo.ContainerInfo> status =
        info(podUid).map(i -> i.containers().get(name.id()));
    if (status.isPresent()) {
      attrs.put(K8sAttributes.CONTAINER_NAME, status.get().name());
      if (runtime.isEmpty()) {
        runtime = status.get().runtime();
      }
    }
    if (!runtime.isEmpty()) {
      attrs.put(K8sAttributes.CONTAINER_RUNTIME, runtime);
    }
    return attrs;
  }

  @Override
  public void close() {
    super.close();
    if (metadata != null) {
      metadata.close();
    }
  }
}

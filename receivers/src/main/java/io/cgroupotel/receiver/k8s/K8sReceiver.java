package io.cgroupotel.receiver.k8s;

import io.cgroupotel.cgroupfs.CgroupFiles;
import io.cgroupotel.cgroupfs.CgroupWatcher;
import io.cgroupotel.cgroupfs.CpuStat;
import io.cgroupotel.cgroupfs.ReadStatus;
import io.cgroupotel.receiver.Entity;
import io.cgroupotel.receiver.EntityKind;
import io.cgroupotel.receiver.PollClock;
import io.cgroupotel.receiver.Receiver;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.Sample;
import io.cgroupotel.receiver.ScrapeError;
import io.cgroupotel.receiver.ScrapeResult;
import io.cgroupotel.receiver.k8s.PodCgroupLayout.Container;
import io.cgroupotel.receiver.k8s.PodCgroupLayout.Node;
import io.cgroupotel.receiver.k8s.PodCgroupLayout.Pod;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
 * <p>Discovery runs on a {@link CgroupWatcher} (inotify + rescans) that searches the whole tree
 * below {@code path} for kubelet's layouts, at any depth, and does not descend into containers.
 * Metadata comes from {@link PodMetadata}; until the API answers, entities carry {@code
 * k8s.pod.uid} and {@code k8s.node.name} alone and are enriched in place when it does.
 *
 * <p>Thread-safe: discovery and metadata threads update a concurrent map; {@link #poll()} runs on
 * the scheduler's thread.
 */
final class K8sReceiver implements Receiver {
  private static final Logger log = LoggerFactory.getLogger(K8sReceiver.class);
  static final Duration RESCAN_INTERVAL = CgroupWatcher.DEFAULT_RESCAN_INTERVAL;

  /** A discovered pod or container cgroup. */
  private record Tracked(Path cgroup, Path cpuStat, Path memoryCurrent, Entity entity,
      String podUid, CgroupNames.ContainerName container) {
    /**
     * File paths resolved once; {@code memoryCurrent} null when the cgroup had no memory
     * controller when found (a missing file costs an exception per read).
     */
    static Tracked of(Path cgroup, Entity entity, String podUid,
        CgroupNames.ContainerName container) {
      Path memory = cgroup.resolve("memory.current");
      return new Tracked(cgroup, cgroup.resolve("cpu.stat"),
          java.nio.file.Files.exists(memory) ? memory : null, entity, podUid, container);
    }

    boolean isPod() {
      return container == null;
    }
  }

  private final K8sReceiverConfig config;
  private final Path root;
  private final String nodeName;
  private final ReceiverContext context;
  private final PodMetadata metadata;
  private final Map<Path, Tracked> tracked = new ConcurrentHashMap<>();
  private final Map<String, Path> podPaths = new ConcurrentHashMap<>();
  private final CgroupFiles files = new CgroupFiles();
  private final CpuStat cpu = new CpuStat();
  private CgroupWatcher watcher;

  /**
   * @param api where the metadata comes from, or null for none (cgroups only)
   */
  K8sReceiver(K8sReceiverConfig config, Path root, String nodeName, KubeApiSettings api,
      ReceiverContext context) {
    this.config = config;
    this.root = root.toAbsolutePath();
    this.nodeName = nodeName;
    this.context = context;
    this.metadata = api == null ? null
        : new PodMetadata(api, nodeName, config.podLabels(), this::metadataChanged);
  }

  @Override
  public String name() {
    return K8sReceiverFactory.TYPE;
  }

  @Override
  public Duration pollInterval() {
    return config.pollInterval();
  }

  @Override
  public void start() {
    startMetadata();
    watcher = new CgroupWatcher(root,
        p -> PodCgroupLayout.descend(root.relativize(p)), RESCAN_INTERVAL,
        new CgroupWatcher.Listener() {
          @Override
          public void added(Path cgroup) {
            K8sReceiver.this.added(cgroup);
          }

          @Override
          public void removed(Path cgroup) {
            K8sReceiver.this.removed(cgroup);
          }
        });
    watcher.start();
    log.info("k8s: found {} pod(s) below {} on node {}", podPaths.size(), root, nodeName);
  }

  /** Starts the informer, in the background: cgroups are exported by UID until it answers. */
  void startMetadata() {
    if (metadata != null) {
      metadata.start();
    }
  }

  @Override
  public boolean awaitReady(Duration timeout) {
    return metadata == null || metadata.awaitSynced(timeout);
  }

  /** The entities tracked now (for tests and the agent's entity count). */
  List<Entity> entities() {
    return tracked.values().stream().map(Tracked::entity).toList();
  }

  @Override
  public ScrapeResult poll() {
    List<Sample> samples = new ArrayList<>(tracked.size());
    List<Entity> retained = new ArrayList<>();
    List<ScrapeError> errors = new ArrayList<>();
    PollClock clock = new PollClock();
    for (Tracked t : tracked.values()) {
      ReadStatus status = files.readCpuStatFile(t.cpuStat(), cpu);
      if (status == ReadStatus.GONE) {
        continue; // removed under our feet: the watcher reports it
      }
      if (status != ReadStatus.OK) {
        errors.add(new ScrapeError("reading cpu.stat", describe(t),
            status == ReadStatus.ABSENT ? "no cpu.stat file" : files.lastError()));
        retained.add(t.entity());
        continue;
      }
      long usage = cpu.usageUsec();
      long user = cpu.userUsec();
      long system = cpu.systemUsec();
      long memory = t.memoryCurrent() == null ? -1
          : files.readMemoryCurrentFile(t.memoryCurrent());
      if (t.memoryCurrent() != null && files.lastStatus() == ReadStatus.ERROR) {
        errors.add(new ScrapeError("reading memory.current", describe(t), files.lastError()));
      }
      long now = clock.epochNanos();
      samples.add(new Sample(t.entity(), usage, user, system,
          memory < 0 ? Sample.ABSENT : memory, now));
    }
    return new ScrapeResult(samples, retained, errors);
  }

  private String describe(Tracked t) {
    return (t.isPod() ? "pod " + t.podUid() : "container " + t.container().id())
        + " (cgroup /" + root.relativize(t.cgroup()) + ")";
  }

  // --- discovery (watcher thread) ---

  void added(Path cgroup) {
    Node node = PodCgroupLayout.classify(root.relativize(cgroup));
    if (node instanceof Pod pod) {
      Path other = podPaths.putIfAbsent(pod.uid(), cgroup);
      if (other != null && !other.equals(cgroup)) {
        log.warn("k8s: pod {} has two cgroups, {} and {}: keeping the first", pod.uid(), other,
            cgroup);
        return;
      }
      Entity entity = new Entity("k8s.pod/" + pod.uid(), EntityKind.K8S_POD,
          podAttributes(pod.uid()));
      tracked.putIfAbsent(cgroup, Tracked.of(cgroup, entity, pod.uid(), null));
      entity.setAttributes(podAttributes(pod.uid())); // metadata may have come meanwhile
      log.debug("k8s: pod {} appeared at {}", pod.uid(), cgroup);
      context.pollNow().run();
    } else if (node instanceof Container c && config.containers()) {
      Entity entity = new Entity("container/" + c.name().id(), EntityKind.CONTAINER,
          containerAttributes(c.podUid(), c.name()));
      tracked.putIfAbsent(cgroup, Tracked.of(cgroup, entity, c.podUid(), c.name()));
      entity.setAttributes(containerAttributes(c.podUid(), c.name()));
      context.pollNow().run();
    }
  }

  void removed(Path cgroup) {
    Tracked t = tracked.remove(cgroup);
    if (t != null && t.isPod()) {
      podPaths.remove(t.podUid(), cgroup);
      log.debug("k8s: pod {} went away", t.podUid());
    }
  }

  // --- metadata (informer thread) ---

  private void metadataChanged(String cgroupUid) {
    for (Tracked t : tracked.values()) {
      if (t.podUid().equals(cgroupUid)) {
        t.entity().setAttributes(t.isPod() ? podAttributes(t.podUid())
            : containerAttributes(t.podUid(), t.container()));
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
    if (watcher != null) {
      watcher.close();
      watcher = null;
    }
    if (metadata != null) {
      metadata.close();
    }
  }
}

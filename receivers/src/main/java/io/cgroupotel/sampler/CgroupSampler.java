package io.cgroupotel.sampler;

import io.cgroupotel.cgroupfs.NativeFiles;
import io.cgroupotel.cgroupfs.CgroupWatcher;
import io.cgroupotel.cgroupfs.ReadStatus;
import io.cgroupotel.metrics.Field;
import io.cgroupotel.metrics.MetricGroup;
import io.cgroupotel.metrics.NetworkStats;
import io.opentelemetry.sdk.common.Clock;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one sampler under every receiver. For each cgroup a {@link Classifier} calls an entity it
 * owns: discovery (one walk, inotify, one safety-net rescan policy), the entity's files kept open
 * and re-read with one positional read each, one read policy (gone vs absent vs error, garbled
 * lines counted), one clock, one entity id format ({@code <receiver>:<path>}), a read as soon as a
 * cgroup is found, a final read when it empties ({@code cgroup.events}, populated 0), and the
 * hand-off of that final sample when it vanishes. With the {@code network} group, the counters of
 * each entity's network namespace too ({@link NetworkNamespaces}).
 *
 * <p>{@link #poll()} is called by one thread at a time; discovery runs on the shared {@code
 * cgroup-discovery} thread and the end watch on the shared {@code inotify} one. Thread-safe in that sense.
 */
public final class CgroupSampler implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CgroupSampler.class);

  /**
   * The safety-net rescan: inotify does the work, so the full walk (a stat of every entry of
   * every cgroup) runs rarely; an inotify overflow triggers one at once.
   */
  public static final Duration RESCAN_INTERVAL = CgroupWatcher.DEFAULT_RESCAN_INTERVAL;

  private final String receiver;
  private final Hierarchy hierarchy;
  private final Classifier classifier;
  private final List<SourceFile> sources;
  private final Set<MetricGroup> groups;
  private final Runnable pollNow;
  private final Clock clock;
  private final CgroupWatcher watcher;
  /** The namespaces of the network group, or null when it is not read. */
  private final NetworkNamespaces network;
  /** By the cgroup's absolute path, the watcher's own Path object (no second copy per cgroup). */
  private final Map<Path, TrackedEntity> tracked = new ConcurrentHashMap<>();
  private final Set<String> ids = ConcurrentHashMap.newKeySet();
  private final ConcurrentLinkedQueue<TrackedEntity> removed = new ConcurrentLinkedQueue<>();
  private final CgroupReader pollReader = new CgroupReader();
  private final SampleBuffer pollBuffer = new SampleBuffer();
  /** For reads off the poll thread (discovery, end watch); guarded by itself. */
  private final CgroupReader sideReader = new CgroupReader();
  private final SampleBuffer sideBuffer = new SampleBuffer();
  private EndWatcher endWatcher;
  private long polls; // by the polling thread only

  private CgroupSampler(Builder b) {
    this.receiver = b.receiver;
    this.hierarchy = b.hierarchy;
    this.classifier = b.classifier;
    this.groups = EnumSet.copyOf(b.groups);
    this.groups.add(MetricGroup.CPU);
    this.sources = List.copyOf(hierarchy.files(groups));
    this.pollNow = b.pollNow;
    this.clock = b.clock;
    this.network = groups.contains(MetricGroup.NETWORK)
        ? new NetworkNamespaces(b.proc, b.interfaces) : null;
    Path root = hierarchy.root();
    this.watcher = new CgroupWatcher(root, dir -> classifier.descend(root.relativize(dir)),
        b.rescanInterval, new CgroupWatcher.Listener() {
          @Override
          public void added(Path cgroup) {
            CgroupSampler.this.added(cgroup);
          }

          @Override
          public void removed(Path cgroup) {
            CgroupSampler.this.removed(cgroup);
          }
        });
  }

  public static Builder builder(String receiver, Hierarchy hierarchy, Classifier classifier) {
    return new Builder(receiver, hierarchy, classifier);
  }

  /** Builds a sampler; every setting but the three given has a default. */
  public static final class Builder {
    private final String receiver;
    private final Hierarchy hierarchy;
    private final Classifier classifier;
    private Set<MetricGroup> groups = MetricGroup.defaults();
    private Runnable pollNow = () -> {};
    private Clock clock = Clock.getDefault();
    private Duration rescanInterval = RESCAN_INTERVAL;
    private InterfaceFilter interfaces = InterfaceFilter.DEFAULT;
    private Path proc = Path.of("/proc");

    private Builder(String receiver, Hierarchy hierarchy, Classifier classifier) {
      this.receiver = Objects.requireNonNull(receiver, "receiver");
      this.hierarchy = Objects.requireNonNull(hierarchy, "hierarchy");
      this.classifier = Objects.requireNonNull(classifier, "classifier");
    }

    /** The metric groups to read; default {@link MetricGroup#defaults()}; CPU is always read. */
    public Builder groups(Set<MetricGroup> groups) {
      this.groups = Objects.requireNonNull(groups, "groups");
      return this;
    }

    /** Asked when discovery saw a new or vanished entity; default: nothing. */
    public Builder pollNow(Runnable pollNow) {
      this.pollNow = Objects.requireNonNull(pollNow, "pollNow");
      return this;
    }

    /** The clock of sample timestamps; default {@link Clock#getDefault()}. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The safety-net full rescan; default {@link #RESCAN_INTERVAL}. */
    public Builder rescanInterval(Duration interval) {
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("rescanInterval must be positive");
      }
      this.rescanInterval = interval;
      return this;
    }

    /**
     * The interfaces whose counters the {@code network} group exports; default {@link
     * InterfaceFilter#DEFAULT} (all but {@code lo}).
     */
    public Builder networkInterfaces(InterfaceFilter interfaces) {
      this.interfaces = Objects.requireNonNull(interfaces, "interfaces");
      return this;
    }

    /** Where procfs is, for the {@code network} group; default {@code /proc}. */
    Builder proc(Path proc) {
      this.proc = Objects.requireNonNull(proc, "proc");
      return this;
    }

    public CgroupSampler build() {
      return new CgroupSampler(this);
    }
  }

  public Hierarchy hierarchy() {
    return hierarchy;
  }

  /** The groups read (CPU always among them). */
  public Set<MetricGroup> groups() {
    return EnumSet.copyOf(groups);
  }

  /** The network namespaces (null without the network group), for tests. */
  NetworkNamespaces network() {
    return network;
  }

  /** The files read for each entity, in order. */
  public List<SourceFile> sources() {
    return sources;
  }

  /** Logged once per process: how many files the node lets the agent keep open. */
  private static final java.util.concurrent.atomic.AtomicBoolean limitLogged =
      new java.util.concurrent.atomic.AtomicBoolean();

  /**
   * The JVM raises the soft open-file limit to the hard one at start (HotSpot's MaxFDLimit, on by
   * default on Linux); this says what it came to, since every tracked cgroup keeps its files open
   * and, past the limit, further files fall back to open/read/close at each poll.
   */
  private static void logOpenFileLimit() {
    if (!limitLogged.compareAndSet(false, true)) {
      return;
    }
    NativeFiles.logMode();
    Descriptors.OpenFileLimit limit = Descriptors.LIMIT;
    if (limit != null) {
      log.info("open-file limit {} (hard {}): each tracked cgroup keeps its files open; past "
          + "the limit, files are opened and closed at each read instead", limit.soft(),
          limit.hard());
    }
  }

  /** Walks the tree (the first reads happen here), then watches it. */
  public void start() {
    logOpenFileLimit();
    if (hierarchy.hasEvents()) {
      try {
        endWatcher = new EndWatcher(receiver, this::emptied);
      } catch (IOException e) {
        log.warn("{}: no inotify for the end of cgroups ({}): the last CPU time of an entity is "
            + "the one of the last poll", receiver, e.toString());
      }
    }
    watcher.start();
  }

  /** Entities tracked now. */
  public List<TrackedEntity> entities() {
    return List.copyOf(tracked.values());
  }

  public int size() {
    return tracked.size();
  }

  /** Reads every tracked entity once, and hands over the final samples of vanished ones. */
  public ScrapeResult poll() {
    List<Sample> samples = new ArrayList<>(tracked.size() + removed.size());
    List<Entity> retained = new ArrayList<>(0);
    List<ScrapeError> errors = new ArrayList<>(0);
    long base = epochNanos();
    long baseNano = clock.nanoTime();
    long poll = ++polls;
    for (TrackedEntity t : tracked.values()) {
      long now = base + (clock.nanoTime() - baseNano);
      ReadStatus status;
      try {
        NetworkStats net = network != null && t.entity().kind().hasOwnNetwork()
            ? readNetwork(t, poll, errors) : null;
        status = read(t, pollReader, pollBuffer, net, now, errors);
      } catch (RuntimeException e) {
        // one cgroup the reader cannot handle costs that cgroup, not the poll
        addError(errors, "reading", t, e.toString());
        status = ReadStatus.ERROR;
      }
      if (status == ReadStatus.OK) {
        t.emittedPoll = poll;
        samples.add(t.last());
      } else if (status == ReadStatus.GONE) {
        // gone before discovery told us: its final sample now, once
        if (tracked.remove(t.cgroup(), t)) {
          retire(t);
        }
      } else {
        retained.add(t.entity());
      }
    }
    if (network != null) {
      network.endPoll(poll);
    }
    TrackedEntity gone;
    while ((gone = removed.poll()) != null) {
      Sample last = gone.last();
      // once (it may be queued twice: by discovery, and by a poll that read it gone), unless
      // this very poll read it already (a file still open when the cgroup went)
      if (!gone.finalReported && last != null && gone.emittedPoll != poll) {
        samples.add(last);
      }
      gone.finalReported = true;
    }
    return new ScrapeResult(samples, retained, errors);
  }

  /** The counters of the entity's network namespace; a fault costs the network alone. */
  private NetworkStats readNetwork(TrackedEntity t, long poll, List<ScrapeError> errors) {
    try {
      return network.read(t, poll, pollReader, errors);
    } catch (RuntimeException e) {
      t.network = null;
      addError(errors, "reading the network namespace", t, e.toString());
      return null;
    }
  }

  /**
   * Reads the entity's files into {@code buffer}, then makes the sample and offers it. Returns
   * the status of its required file (the first); the other files' problems go into {@code
   * errors} (when given) and cost their own values only.
   */
  private ReadStatus read(TrackedEntity t, CgroupReader reader, SampleBuffer buffer,
      NetworkStats network, long now, List<ScrapeError> errors) {
    synchronized (t) {
      buffer.clear();
      OpenFile[] files = t.files;
      boolean absent = false;
      String missing = null; // v1: a controller whose tree lacks the cgroup now
      for (int i = 0; i < files.length; i++) {
        OpenFile f = files[i];
        if (missing != null && f.source.controller().equals(missing)) {
          continue; // one failed open per missing controller and read, not one per file
        }
        ReadStatus s = reader.read(f);
        absent |= s == ReadStatus.ABSENT;
        if (s == ReadStatus.OK) {
          int bad = f.source.parser().parse(reader.bytes(), reader.length(), buffer);
          if (i == 0 && buffer.get(Field.CPU_USAGE_USEC) == Sample.ABSENT
              && buffer.get(Field.CPU_USER_USEC) == Sample.ABSENT) {
            addError(errors, "reading " + f.source, t, reader.length() == 0 ? "empty file"
                : "no usage_usec, user_usec or system_usec in it (" + bad
                    + " unreadable line(s))");
            return ReadStatus.ERROR;
          }
          if (bad > 0) {
            addError(errors, "parsing " + f.source, t, bad + " unreadable line(s) skipped");
          }
        } else if (i == 0) {
          if (s == ReadStatus.ERROR) {
            addError(errors, "reading " + f.source, t, reader.error());
          } else if (s == ReadStatus.ABSENT) {
            addError(errors, "reading " + f.source, t, "no such file in the cgroup");
            return ReadStatus.ERROR;
          }
          return s;
        } else if (s == ReadStatus.ERROR) {
          addError(errors, "reading " + f.source, t, reader.error());
        } else if (s == ReadStatus.GONE) {
          // v1: another controller's tree may lack this cgroup, or not have it yet
          // (a job's directories are made one controller after the other): its values are
          // absent this time, and the file is tried again next time; only the required file
          // (cpuacct, the tree discovery walks) says whether the cgroup is gone.
          if (!f.source.controller().equals(t.files[0].source.controller())) {
            missing = f.source.controller();
            continue;
          }
          return s;
        }
      }
      if (absent) {
        t.dropAbsent();
      }
      if (files.length > 0 && files[0].source == V1Files.CPUACCT_USAGE) {
        V1Files.splitUsage(buffer, t.last()); // v1: user + system = cpuacct.usage
      }
      buffer.derive();
      t.offer(new Sample(t.entity(), buffer.values, buffer.io(), network, now)); // packs a copy
      return ReadStatus.OK;
    }
  }

  private static void addError(List<ScrapeError> errors, String operation, TrackedEntity t,
      String cause) {
    if (errors != null) {
      errors.add(new ScrapeError(operation, t.entity().kind().prefix() + " "
          + t.displayPath(), cause));
    }
  }

  private long epochNanos() {
    return clock.now();
  }

  /**
   * Reads the tracked entity at {@code relative} now, off the poll thread; nothing when it is not
   * tracked. For a receiver that learns of an entity's end before the entity's own {@code
   * cgroup.events} can tell it in time: Slurm removes {@code job_<id>} within 2 ms of its last
   * process leaving (measured), so the end read below loses that race, while the steps' {@code
   * user} cgroups empty some 10-30 ms earlier. (Added by the slurm receiver's engineer.)
   */
  public void readNow(Path relative) {
    TrackedEntity t = tracked.get(hierarchy.root().resolve(relative));
    if (t != null) {
      readNow(t);
    }
  }

  /**
   * Classifies the cgroup at {@code relative} again when it is not tracked: for a receiver that
   * knows an entity only by what appears inside it later (Slurm 26.05 names a job's directory by
   * its SLUID: the {@code step_*} directories made in it make it a job). Call it on the discovery
   * thread, from {@link Classifier#classify} of a child; nothing when the directory is gone.
   * (Added by the slurm receiver's engineer.)
   */
  public void reclassify(Path relative) {
    Path cgroup = hierarchy.root().resolve(relative);
    if (!tracked.containsKey(cgroup) && java.nio.file.Files.isDirectory(cgroup)) {
      added(cgroup);
    }
  }

  /** Reads one entity off the poll thread (just found, or just emptied). */
  private void readNow(TrackedEntity t) {
    synchronized (sideReader) {
      try {
        // the namespace is read by the poll only: an off-poll read carries the last one's
        Sample last = t.last();
        read(t, sideReader, sideBuffer, last == null ? null : last.network(), epochNanos(),
            null);
      } catch (RuntimeException e) {
        log.debug("{}: reading {} now: {}", receiver, t.displayPath(), e.toString());
      }
    }
  }

  // --- discovery (the cgroup-discovery thread) ---

  private void added(Path cgroup) {
    Path relative = hierarchy.root().relativize(cgroup);
    Classifier.Classification what = classifier.classify(relative);
    if (what == null || tracked.containsKey(cgroup)) {
      return;
    }
    String id = uniqueId(receiver + ":" + CgroupPaths.display(relative));
    Entity entity = new Entity(id, what.kind(), what.attributes(), parentOf(cgroup));
    entity.discovered(epochNanos());
    OpenFile[] files = new OpenFile[sources.size()];
    Map<String, Path> dirs = new HashMap<>(4); // one Path per controller's directory, shared
    for (int i = 0; i < files.length; i++) {
      SourceFile s = sources.get(i);
      Path dir = dirs.computeIfAbsent(s.controller(), c -> {
        Path d = hierarchy.directory(s, relative);
        return d.equals(cgroup) ? cgroup : d;
      });
      files[i] = new OpenFile(s, dir, i == 0);
    }
    TrackedEntity t = new TrackedEntity(entity, hierarchy.root(), cgroup, files);
    tracked.put(cgroup, t);
    if (endWatcher != null) {
      endWatcher.watch(cgroup);
    }
    readNow(t); // a cgroup that lives less than a poll interval is still measured
    classifier.added(t);
    pollNow.run();
  }

  /** The id of the nearest tracked ancestor (a container's pod), or null. */
  private String parentOf(Path cgroup) {
    Path root = hierarchy.root();
    if (cgroup.equals(root)) {
      return null;
    }
    for (Path p = cgroup.getParent(); p != null && p.startsWith(root); p = p.getParent()) {
      TrackedEntity parent = tracked.get(p);
      if (parent != null) {
        return parent.entity().id();
      }
    }
    return null;
  }

  private String uniqueId(String wanted) {
    // two names that differ only in bytes the JVM's charset cannot decode show alike
    String id = wanted;
    for (int n = 2; !ids.add(id); n++) {
      id = wanted + "#" + n;
    }
    return id;
  }

  private void emptied(Path cgroup) {
    TrackedEntity t = tracked.get(cgroup);
    if (t != null) {
      readNow(t);
    }
  }

  private void removed(Path cgroup) {
    if (endWatcher != null) {
      endWatcher.forget(cgroup);
    }
    TrackedEntity t = tracked.get(cgroup);
    if (t == null) {
      return;
    }
    // queued for its hand-off before it leaves the map: a poll between the two would find it in
    // neither, miss its final sample, and the store would take it for gone, then its final
    // sample a poll later for a new series (seen under load in Oar3ReceiverRealCgroupTest)
    removed.add(t);
    if (tracked.remove(cgroup, t)) {
      retire(t);
    }
    pollNow.run();
  }

  private void retire(TrackedEntity t) {
    t.closeFiles();
    ids.remove(t.entity().id());
    removed.add(t);
    try {
      classifier.removed(t);
    } catch (RuntimeException e) {
      log.warn("{}: after {} went away: {}", receiver, t.displayPath(), e.toString());
    }
  }

  @Override
  public void close() {
    watcher.close();
    if (endWatcher != null) {
      endWatcher.close();
    }
    for (TrackedEntity t : tracked.values()) {
      t.closeFiles();
    }
    if (network != null) {
      network.close();
    }
  }
}

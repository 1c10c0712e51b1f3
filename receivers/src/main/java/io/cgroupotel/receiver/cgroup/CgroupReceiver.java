package io.cgroupotel.receiver.cgroup;

import io.cgroupotel.cgroupfs.CgroupFiles;
import io.cgroupotel.cgroupfs.CgroupWatcher;
import io.cgroupotel.cgroupfs.CpuStat;
import io.cgroupotel.cgroupfs.ReadStatus;
import io.cgroupotel.receiver.Entity;
import io.cgroupotel.receiver.EntityKind;
import io.cgroupotel.receiver.PollClock;
import io.cgroupotel.receiver.Receiver;
import io.cgroupotel.receiver.Sample;
import io.cgroupotel.receiver.ScrapeError;
import io.cgroupotel.receiver.ScrapeResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The raw receiver: every cgroup under {@code path} that an include glob names becomes an entity
 * with attribute {@code cgroup.path}. Discovery is the watcher's (inotify + rescan); a poll only
 * reads the files of the cgroups already known.
 *
 * <p>{@link #poll()} is called by one thread at a time; discovery runs on the watcher's thread.
 */
public final class CgroupReceiver implements Receiver {
  static final String ATTRIBUTE = "cgroup.path";

  private final CgroupReceiverConfig config;
  private final Path root;
  private final IncludeGlobs include;
  private final CgroupWatcher watcher;
  private final Map<Path, Tracked> tracked = new ConcurrentHashMap<>();
  private final CgroupFiles files = new CgroupFiles();
  private final CpuStat cpu = new CpuStat();

  /**
   * A cgroup read by each poll, with its file paths resolved once. {@code memoryCurrent} is null
   * when the cgroup had no memory controller when found: a missing file costs an exception per
   * read, which at thousands of cgroups a second is most of the poll.
   */
  private record Tracked(Path dir, Path cpuStat, Path memoryCurrent, Entity entity, String name) {
    static Tracked of(Path dir, Entity entity, String name) {
      Path memory = dir.resolve("memory.current");
      return new Tracked(dir, dir.resolve("cpu.stat"), Files.exists(memory) ? memory : null,
          entity, name);
    }
  }

  /**
   * Reads {@code config.path()} as it is: the factory is what checks that it is cgroup v2, so that
   * tests can point this at a fixture tree.
   */
  public CgroupReceiver(CgroupReceiverConfig config) {
    this.config = config;
    this.root = config.path().toAbsolutePath().normalize();
    this.include = new IncludeGlobs(config.include());
    this.watcher = new CgroupWatcher(root, dir -> include.mayContain(relative(dir)),
        CgroupWatcher.DEFAULT_RESCAN_INTERVAL, new CgroupWatcher.Listener() {
          @Override
          public void added(Path cgroup) {
            Path rel = relative(cgroup);
            if (include.includes(rel)) {
              String name = "/" + rel;
              tracked.put(cgroup, Tracked.of(cgroup,
                  new Entity("cgroup:" + root + ":" + name, EntityKind.CGROUP,
                      Map.of(ATTRIBUTE, name)), name));
            }
          }

          @Override
          public void removed(Path cgroup) {
            tracked.remove(cgroup);
          }
        });
  }

  /** Path of {@code dir} relative to the root, on the default file system (for the globs). */
  private Path relative(Path dir) {
    return Path.of(root.relativize(dir).toString());
  }

  @Override
  public String name() {
    return "cgroup";
  }

  @Override
  public Duration pollInterval() {
    return config.pollInterval();
  }

  @Override
  public void start() {
    watcher.start();
  }

  @Override
  public ScrapeResult poll() {
    List<Sample> samples = new ArrayList<>(tracked.size());
    List<Entity> retained = new ArrayList<>(0);
    List<ScrapeError> errors = new ArrayList<>(0);
    PollClock clock = new PollClock();
    for (Tracked t : tracked.values()) {
      ReadStatus status = files.readCpuStatFile(t.cpuStat(), cpu);
      if (status == ReadStatus.GONE || status == ReadStatus.ABSENT) {
        continue; // vanished mid-read: the watcher is about to tell; not an error
      }
      if (status == ReadStatus.ERROR) {
        errors.add(new ScrapeError("reading cpu.stat", "cgroup " + t.name(), files.lastError()));
        retained.add(t.entity());
        continue;
      }
      if (cpu.garbageLines() > 0) {
        errors.add(new ScrapeError("parsing cpu.stat", "cgroup " + t.name(),
            "unreadable line(s) skipped"));
      }
      long memory = t.memoryCurrent() == null ? -1 : files.readMemoryCurrentFile(t.memoryCurrent());
      if (t.memoryCurrent() != null && files.lastStatus() == ReadStatus.ERROR) {
        errors.add(new ScrapeError("reading memory.current", "cgroup " + t.name(),
            files.lastError()));
      }
      samples.add(new Sample(t.entity(), cpu.usageUsec(), cpu.userUsec(), cpu.systemUsec(),
          memory < 0 ? Sample.ABSENT : memory, clock.epochNanos()));
    }
    return new ScrapeResult(samples, retained, errors);
  }

  /** The cgroups exported now, by their {@code cgroup.path}. */
  List<String> cgroupPaths() {
    return tracked.values().stream().map(Tracked::name).sorted().toList();
  }

  @Override
  public void close() {
    watcher.close();
  }
}

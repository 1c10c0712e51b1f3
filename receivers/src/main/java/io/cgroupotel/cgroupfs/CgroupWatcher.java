package io.cgroupotel.cgroupfs;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.WatchEvent;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the set of cgroup directories under a root up to date: one walk at start, then inotify
 * (one JDK WatchService registration per directory, it is not recursive), with a periodic full
 * rescan as a safety net and after a watch overflow.
 *
 * <p>The watches are registrations on the process's one {@link Inotify} thread, which only hands
 * the events over: the walks they cause, and the periodic rescan (a scheduled task with its own
 * timing), run on the {@code cgroup-discovery} thread shared by every CgroupWatcher, so the end
 * watch's final reads on the inotify thread never wait behind a walk. An overflow rescans.
 *
 * <p>Listeners are called on the discovery thread (and on the caller's thread during {@link
 * #start()}, and on the thread calling {@link #rescan()}), parents before children on add,
 * children before parents on remove. Paths given to listeners are absolute (root resolved).
 *
 * <p>Thread-safe.
 */
public final class CgroupWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CgroupWatcher.class);

  /** Told of cgroups as they come and go. */
  public interface Listener {
    void added(Path cgroup);

    void removed(Path cgroup);
  }

  /**
   * The safety-net rescan: inotify does the work, so the full walk (a stat of every file of every
   * cgroup) runs rarely; an inotify overflow triggers one at once.
   */
  public static final Duration DEFAULT_RESCAN_INTERVAL = Duration.ofMinutes(5);

  private final Path root;
  private final Predicate<Path> descend;
  private final Duration rescanInterval;
  private final Listener listener;
  /**
   * The cgroups known, each mapped to itself: a walk carries the known Path object, not the new
   * one its listing made. At 10,000 cgroups the 5-minute rescan's own copies of every path lived
   * through the young collections of its walk (14 in 0.7 s) and were promoted: a full GC came
   * with the first rescan; with the known objects the old generation stays flat through it.
   */
  private final Map<Path, Path> known = new ConcurrentHashMap<>();
  private final Map<Path, Inotify.Handle> keys = new ConcurrentHashMap<>();
  private final Object lock = new Object();
  private final Inotify.Callback callback = new Inotify.Callback() {
    @Override
    public void events(Path dir, List<WatchEvent<?>> events, boolean valid) {
      // on the inotify thread: hand the walk over, in order
      submit(() -> handle(dir, events, valid));
    }

    @Override
    public void overflow() {
      log.info("cgroup watcher: inotify queue overflowed under {}; rescanning", root);
      submit(CgroupWatcher.this::safeRescan);
    }
  };
  private boolean watching;
  private ScheduledFuture<?> rescans;
  private volatile boolean closed;
  private boolean watchLimitWarned;

  /**
   * One thread for the walks and rescans of every CgroupWatcher of the process: they are rare
   * (a new cgroup, every 5 minutes) and need no parallelism; created with the first watcher.
   */
  private static final class Discovery {
    static final ScheduledExecutorService EXECUTOR = Executors.newSingleThreadScheduledExecutor(
        r -> {
          Thread t = new Thread(r, "cgroup-discovery");
          t.setDaemon(true);
          return t;
        });
  }

  /**
   * @param root directory to watch (must exist)
   * @param descend whether to look inside a directory (gets absolute paths): lets a receiver skip
   *     subtrees it does not care about and keep the number of watches down
   * @param rescanInterval how often to walk the whole tree anyway ({@link
   *     #DEFAULT_RESCAN_INTERVAL} when null)
   * @param listener told of additions and removals
   */
  public CgroupWatcher(
      Path root, Predicate<Path> descend, Duration rescanInterval, Listener listener) {
    this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
    this.descend = Objects.requireNonNull(descend, "descend");
    this.rescanInterval = rescanInterval == null ? DEFAULT_RESCAN_INTERVAL : rescanInterval;
    if (this.rescanInterval.isNegative() || this.rescanInterval.isZero()) {
      throw new IllegalArgumentException("rescanInterval must be positive");
    }
    this.listener = Objects.requireNonNull(listener, "listener");
  }

  /**
   * Walks the tree (calling {@code added} for the root and each directory found), installs the
   * watches and schedules the rescan. Returns after the initial walk.
   */
  public void start() {
    synchronized (lock) {
      watching = true;
      addTree(root);
    }
    long every = rescanInterval.toNanos();
    rescans = Discovery.EXECUTOR.scheduleWithFixedDelay(this::safeRescan, every, every,
        TimeUnit.NANOSECONDS);
  }

  private void submit(Runnable task) {
    if (!closed) {
      Discovery.EXECUTOR.execute(() -> {
        if (!closed) {
          task.run();
        }
      });
    }
  }

  /** A rescan that never lets one odd directory end discovery. */
  private void safeRescan() {
    if (closed) {
      return;
    }
    try {
      rescan();
    } catch (RuntimeException | LinkageError | AssertionError e) {
      log.warn("cgroup watcher: rescan of {} failed ({}); next try in {}s", root, e,
          rescanInterval.toSeconds());
    }
  }

  /** Walks the whole tree now and reports what changed. */
  public void rescan() {
    synchronized (lock) {
      Set<Path> found = new LinkedHashSet<>();
      walk(root, found);
      List<Path> gone = new ArrayList<>();
      for (Path p : known.keySet()) {
        if (!found.contains(p)) {
          gone.add(p);
        }
      }
      gone.sort(Comparator.comparingInt(Path::getNameCount).reversed());
      for (Path p : gone) {
        forget(p);
      }
      for (Path p : found) {
        if (!known.containsKey(p)) {
          addOne(p);
        }
      }
    }
  }

  /** The cgroups known now (absolute paths). */
  public Set<Path> cgroups() {
    return Set.copyOf(known.keySet());
  }

  /** Stops the thread and drops the watches. */
  @Override
  public void close() {
    closed = true;
    if (rescans != null) {
      rescans.cancel(false);
    }
    synchronized (lock) {
      watching = false;
      for (Inotify.Handle h : keys.values()) {
        h.cancel();
      }
      keys.clear();
    }
  }

  private void handle(Path dir, List<WatchEvent<?>> events, boolean valid) {
    try {
      synchronized (lock) {
        for (WatchEvent<?> event : events) {
          Path child = dir.resolve((Path) event.context());
          if (event.kind() == ENTRY_CREATE) {
            if (Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS) && !known.containsKey(child)) {
              addTree(child);
            }
          } else if (event.kind() == ENTRY_DELETE) {
            removeTree(child);
          }
        }
        if (!valid) {
          keys.remove(dir);
          if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            removeTree(dir);
          }
        }
      }
    } catch (RuntimeException | LinkageError | AssertionError e) {
      // never let one odd event end discovery: log it, and the rescan puts things right
      log.warn("cgroup watcher: {} while handling an event under {}; rescanning", e, root);
      safeRescan();
    }
  }

  /** Adds {@code top} and everything below it, parents first. Caller holds the lock. */
  private void addTree(Path top) {
    Set<Path> found = new LinkedHashSet<>();
    walk(top, found);
    for (Path p : found) {
      if (!known.containsKey(p)) {
        addOne(p);
      }
    }
  }

  private void addOne(Path p) {
    known.put(p, p);
    try {
      listener.added(p);
    } catch (RuntimeException e) {
      // one cgroup the listener cannot take (an odd name, say) must not stop discovery of the rest
      warnListener("adding", p, e);
    }
  }

  private final Set<String> listenerFaults = ConcurrentHashMap.newKeySet();

  private void warnListener(String what, Path p, RuntimeException e) {
    String key = what + e.getClass().getName();
    if (listenerFaults.add(key)) {
      log.warn("cgroup watcher: {} {} failed ({}); it is skipped, discovery goes on (further "
          + "failures of this kind are logged at debug level)", what, p, e.toString());
    } else {
      log.debug("cgroup watcher: {} {} failed ({})", what, p, e.toString());
    }
  }

  /** Forgets {@code top} and everything below it, children first. Caller holds the lock. */
  private void removeTree(Path top) {
    List<Path> gone = new ArrayList<>();
    for (Path p : known.keySet()) {
      if (p.startsWith(top)) {
        gone.add(p);
      }
    }
    gone.sort(Comparator.comparingInt(Path::getNameCount).reversed());
    for (Path p : gone) {
      forget(p);
    }
  }

  private void forget(Path p) {
    if (known.remove(p) != null) {
      Inotify.Handle key = keys.remove(p);
      if (key != null) {
        key.cancel();
      }
      try {
        listener.removed(p);
      } catch (RuntimeException e) {
        warnListener("removing", p, e);
      }
    }
  }

  /**
   * Collects {@code top} and the directories below it, parents first, iteratively (deep trees do
   * not grow the stack). Registers watches first, then lists, so that a child created in between
   * is seen by one or the other.
   */
  private void walk(Path top, Set<Path> into) {
    if (!Files.isDirectory(top, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Deque<Path> pending = new ArrayDeque<>();
    pending.add(top);
    while (!pending.isEmpty()) {
      Path dir = pending.poll();
      into.add(dir);
      if (!descend.test(dir)) {
        continue;
      }
      register(dir);
      try (DirectoryStream<Path> children = Files.newDirectoryStream(dir,
          p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))) {
        for (Path child : children) {
          pending.add(known.getOrDefault(child, child));
        }
      } catch (IOException | java.nio.file.DirectoryIteratorException e) {
        // removed while we looked, or unreadable: the next event or rescan tells
      }
    }
  }

  private void register(Path dir) {
    if (!watching || keys.containsKey(dir)) {
      return;
    }
    try {
      keys.put(dir, Inotify.shared().register(dir, callback, ENTRY_CREATE, ENTRY_DELETE));
    } catch (UnsupportedOperationException e) {
      if (!watchLimitWarned) {
        watchLimitWarned = true;
        log.warn("cannot watch {} ({}): new cgroups are found by the rescan every {}s only",
            root, e.getMessage(), rescanInterval.toSeconds());
      }
    } catch (IOException e) {
      if (!watchLimitWarned && String.valueOf(e.getMessage()).contains("limit")) {
        watchLimitWarned = true;
        log.warn("cannot watch more directories under {} ({}): raise "
            + "fs.inotify.max_user_watches; until then new cgroups are found by the rescan",
            root, e.getMessage());
      }
    } catch (ClosedWatchServiceException e) {
      // closing
    }
  }
}

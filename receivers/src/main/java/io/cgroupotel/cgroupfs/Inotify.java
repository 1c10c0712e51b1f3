package io.cgroupotel.cgroupfs;

import static java.nio.file.StandardWatchEventKinds.OVERFLOW;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one inotify watcher of the process: every directory watch of the agent (discovery of
 * cgroups, the final read of an emptied cgroup, the end of a Slurm job's tasks) is a registration
 * here, served by one WatchService and one thread ({@code inotify}) for the default filesystem.
 * The JDK ties a WatchService to its filesystem, so another filesystem (jimfs in tests) gets a
 * service and thread of its own; the agent itself only watches the default one.
 *
 * <p>How it stays safe when shared:
 *
 * <ul>
 *   <li><b>The thread only dispatches.</b> A callback runs on the watcher thread and must be
 *       short: a final read of one cgroup's counters (the sampler's end watch) is; a directory
 *       walk or a rescan is not, and is handed to the registrant's own executor ({@link
 *       CgroupWatcher} queues its events on the discovery thread), so a final read never waits
 *       behind a long walk during churn.
 *   <li><b>Overflow reaches everyone.</b> An inotify queue overflow loses events of every
 *       registrant of the service, so {@link Callback#overflow()} is called on all of them, each
 *       doing its own recovery (discovery rescans, the end watch re-checks its cgroups'
 *       {@code populated}). The JDK reports two kinds: the kernel's queue overflowing (it then
 *       signals every key) and one key holding more than 512 unread events (that key only);
 *       both are fanned out here, the second conservatively.
 *   <li><b>A directory watched by two registrants keeps both.</b> A WatchService hands out one
 *       key per directory, and registering it again replaces its event kinds: the key is
 *       registered for the union of its registrants' kinds, and each event goes only to the
 *       registrants that asked for its kind. Cancelling one registration narrows the key again.
 *   <li><b>No timing of its own.</b> It blocks until an event; periodic work (the discovery
 *       rescan) is a scheduled task of its owner, not a poll timeout here.
 * </ul>
 *
 * <p>Threads: this one, plus the JDK's own reader of the inotify descriptor ({@code
 * FileSystemWatcher}) per WatchService; with the discovery thread, three for the whole agent
 * whatever the number of receivers (before: two per watcher, up to three watchers per receiver).
 *
 * <p>Thread-safe. Lock order: a registrant's own lock, then this one's; callbacks are called
 * with no lock of this class held.
 */
public final class Inotify {
  private static final Logger log = LoggerFactory.getLogger(Inotify.class);
  private static final Inotify SHARED = new Inotify();

  /** Told of the events of one watched directory. Runs on the watcher thread: keep it short. */
  public interface Callback {
    /**
     * @param dir the directory registered
     * @param events its events of the kinds asked for (never OVERFLOW)
     * @param valid false when the watch ended (the directory is gone): no more events come
     */
    void events(Path dir, List<WatchEvent<?>> events, boolean valid);

    /** Events of this service were lost: recover (rescan, re-check) from the files. */
    void overflow();
  }

  /** One registration; {@link #cancel()} ends it (idempotent). */
  public interface Handle {
    void cancel();
  }

  private final Map<FileSystem, Loop> loops = new ConcurrentHashMap<>();

  private Inotify() {}

  /** The process-wide watcher. */
  public static Inotify shared() {
    return SHARED;
  }

  /**
   * Watches {@code dir} for events of {@code kinds} (OVERFLOW is always delivered, to {@link
   * Callback#overflow()}).
   *
   * @throws IOException when the directory cannot be watched (gone, inotify limit reached)
   * @throws UnsupportedOperationException when its filesystem cannot be watched at all
   */
  public Handle register(Path dir, Callback callback, WatchEvent.Kind<?>... kinds)
      throws IOException {
    Objects.requireNonNull(callback, "callback");
    Loop loop = loop(dir.getFileSystem());
    return loop.register(dir, callback, Set.of(kinds));
  }

  private Loop loop(FileSystem fs) throws IOException {
    try {
      return loops.computeIfAbsent(fs, f -> {
        try {
          return new Loop(f);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
    } catch (java.io.UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /** One registrant of a key. */
  private record Registration(Path dir, Callback callback, Set<WatchEvent.Kind<?>> kinds) {}

  /** One WatchService and its thread. */
  private final class Loop implements Runnable {
    private final FileSystem fs;
    private final WatchService service;
    private final Map<WatchKey, List<Registration>> byKey = new ConcurrentHashMap<>();
    private final Map<Path, WatchKey> byDir = new ConcurrentHashMap<>();
    private final Object lock = new Object();

    Loop(FileSystem fs) throws IOException {
      this.fs = fs;
      this.service = fs.newWatchService();
      Thread thread = new Thread(this, fs == java.nio.file.FileSystems.getDefault()
          ? "inotify" : "inotify-" + fs.getClass().getSimpleName());
      thread.setDaemon(true);
      thread.start();
    }

    Handle register(Path dir, Callback callback, Set<WatchEvent.Kind<?>> kinds)
        throws IOException {
      Registration r = new Registration(dir, callback, kinds);
      synchronized (lock) {
        WatchKey existing = keyOf(dir);
        Set<WatchEvent.Kind<?>> union = new LinkedHashSet<>(kinds);
        if (existing != null) {
          for (Registration other : byKey.get(existing)) {
            union.addAll(other.kinds());
          }
        }
        WatchKey key = dir.register(service, union.toArray(WatchEvent.Kind<?>[]::new));
        List<Registration> list = byKey.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>());
        if (existing != null && existing != key) {
          // a service that makes a new key per registration (jimfs polls): one key per directory
          list.addAll(byKey.remove(existing));
          existing.cancel();
        }
        list.add(r);
        byDir.put(dir, key);
        return () -> cancel(key, r);
      }
    }

    /** The valid key registered for {@code dir}, if any. Caller holds the lock. */
    private WatchKey keyOf(Path dir) {
      WatchKey key = byDir.get(dir);
      if (key != null && (!key.isValid() || !byKey.containsKey(key))) {
        byDir.remove(dir, key);
        byKey.remove(key);
        return null;
      }
      return key;
    }

    private void cancel(WatchKey key, Registration r) {
      synchronized (lock) {
        List<Registration> list = byKey.get(key);
        if (list == null || !list.remove(r)) {
          return;
        }
        if (list.isEmpty()) {
          byKey.remove(key);
          byDir.remove(r.dir(), key);
          key.cancel();
          return;
        }
        Set<WatchEvent.Kind<?>> union = new LinkedHashSet<>();
        for (Registration other : list) {
          union.addAll(other.kinds());
        }
        try {
          if (key.isValid()) {
            r.dir().register(service, union.toArray(WatchEvent.Kind<?>[]::new));
          }
        } catch (IOException | ClosedWatchServiceException e) {
          // gone meanwhile: its key ends, the remaining registrants are told then
        }
      }
    }

    @Override
    public void run() {
      try {
        while (true) {
          WatchKey key = service.take();
          List<WatchEvent<?>> events = key.pollEvents();
          boolean valid = key.reset();
          List<Registration> regs = byKey.getOrDefault(key, List.of());
          if (!valid) {
            synchronized (lock) {
              if (byKey.remove(key, regs) && !regs.isEmpty()) {
                byDir.remove(regs.get(0).dir(), key);
              }
            }
          }
          boolean overflow = false;
          for (WatchEvent<?> e : events) {
            overflow |= e.kind() == OVERFLOW;
          }
          if (overflow) {
            overflowAll();
          }
          for (Registration r : regs) {
            deliver(r, events, valid);
          }
        }
      } catch (InterruptedException | ClosedWatchServiceException e) {
        loops.remove(fs, this); // its filesystem was closed (a test's jimfs)
      }
    }

    private void deliver(Registration r, List<WatchEvent<?>> events, boolean valid) {
      List<WatchEvent<?>> mine = new ArrayList<>(events.size());
      for (WatchEvent<?> e : events) {
        if (e.kind() != OVERFLOW && r.kinds().contains(e.kind())) {
          mine.add(e);
        }
      }
      if (mine.isEmpty() && valid) {
        return;
      }
      try {
        r.callback().events(r.dir(), mine, valid);
      } catch (RuntimeException | LinkageError | AssertionError e) {
        // one registrant's fault must not end every watch of the process
        log.warn("inotify: a watcher of {} failed ({}); the others go on", r.dir(), e.toString());
      }
    }

    /** Tells every registrant, once each, that events were lost. */
    private void overflowAll() {
      Set<Callback> told = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
      for (List<Registration> list : byKey.values()) {
        for (Registration r : list) {
          if (told.add(r.callback())) {
            try {
              r.callback().overflow();
            } catch (RuntimeException e) {
              log.warn("inotify: recovery after an overflow failed ({})", e.toString());
            }
          }
        }
      }
    }
  }
}

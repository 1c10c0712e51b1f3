package io.cgroupotel.sampler;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells when a tracked cgroup's {@code cgroup.events} changes: the kernel notifies it when {@code
 * populated} drops to 0, i.e. when the last process below it exited. The sampler reads the
 * cgroup's counters then, just before the kubelet, OAR or Slurm removes it and its counters with
 * it, so the last CPU time of a pod or job is not lost between the last poll and its end.
 *
 * <p>One inotify watch per entity directory (IN_MODIFY on the directory reports its files) and one
 * open {@code cgroup.events} per entity (kernfs only notifies files whose inode is in memory).
 * Best effort: without it, the last poll's sample is used. Thread-safe; the callback runs on the
 * watcher's own thread.
 */
final class EndWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EndWatcher.class);
  private static final String EVENTS = "cgroup.events";

  private final WatchService service;
  private final Consumer<Path> onChange;
  private final Map<WatchKey, Path> keys = new ConcurrentHashMap<>();
  private final Map<Path, WatchKey> byPath = new ConcurrentHashMap<>();
  /**
   * Per cgroup, its open {@code cgroup.events}: a bare descriptor (an Integer) through the native
   * reader, else a FileChannel (some 300 bytes of heap more each: 5,000 pods, 1.5 MB).
   */
  private final Map<Path, Object> pins = new ConcurrentHashMap<>();
  private final Thread thread;
  private volatile boolean warned;

  /** @param onChange told of a cgroup whose {@code cgroup.events} changed */
  EndWatcher(String name, Consumer<Path> onChange) throws IOException {
    this.service = FileSystems.getDefault().newWatchService();
    this.onChange = onChange;
    this.thread = new Thread(this::run, "end-watch-" + name);
    this.thread.setDaemon(true);
    this.thread.start();
  }

  void watch(Path cgroup) {
    try {
      WatchKey key = cgroup.register(service, StandardWatchEventKinds.ENTRY_MODIFY);
      keys.put(key, cgroup);
      byPath.put(cgroup, key);
      // kernfs notifies only files whose inode is in memory: keep cgroup.events open, while
      // the descriptor budget lasts (past it, the inode is usually still cached: best effort)
      if (!Descriptors.tryAcquirePin()) {
        return;
      }
      try {
        Object old = pins.put(cgroup, pin(cgroup.resolve(EVENTS)));
        if (old != null) {
          unpin(old);
          Descriptors.release();
        }
      } catch (IOException e) {
        Descriptors.release();
        if (!(e instanceof NoSuchFileException)) {
          throw e;
        }
        // gone already, or not a cgroupfs: nothing to pin
        LOG.debug("no {} in {}", EVENTS, cgroup);
      }
    } catch (NoSuchFileException e) {
      LOG.debug("{} is gone already", cgroup);
    } catch (IOException | ClosedWatchServiceException e) {
      if (!warned) {
        warned = true;
        LOG.warn("cannot watch {} for the end of its processes ({}): the last CPU time of an "
              + "entity is the one of the last poll", cgroup, e.toString());
      }
    }
  }

  private static Object pin(Path events) throws IOException {
    byte[] name = NativeFiles.available() ? NativeFiles.nameBytes(events) : null;
    return name != null ? (Object) NativeFiles.open(name, events)
        : FileChannel.open(events, StandardOpenOption.READ);
  }

  private static void unpin(Object pin) {
    if (pin instanceof Integer fd) {
      NativeFiles.close(fd);
    } else {
      try {
        ((FileChannel) pin).close();
      } catch (IOException e) {
        // nothing to do
      }
    }
  }

  void forget(Path cgroup) {
    Object pin = pins.remove(cgroup);
    if (pin != null) {
      Descriptors.release();
      unpin(pin);
    }
    WatchKey key = byPath.remove(cgroup);
    if (key != null) {
      keys.remove(key);
      key.cancel();
    }
  }

  private void run() {
    try {
      while (true) {
        WatchKey key = service.take();
        Path dir = keys.get(key);
        boolean changed = false;
        for (WatchEvent<?> event : key.pollEvents()) {
          changed |= event.context() instanceof Path p && p.toString().equals(EVENTS);
        }
        if (!key.reset() && dir != null) {
          forget(dir);
        }
        if (changed && dir != null) {
          // never let one failed read end the watch: a RuntimeException is logged below
          try {
            onChange.accept(dir);
          } catch (RuntimeException e) {
            LOG.warn("reading ended cgroup {}", dir, e);
          }
        }
      }
    } catch (InterruptedException | ClosedWatchServiceException e) {
      // closing
    }
  }

  @Override
  public void close() {
    try {
      service.close();
    } catch (IOException e) {
      // nothing to do
    }
    thread.interrupt();
    for (Path p : List.copyOf(pins.keySet())) {
      forget(p);
    }
  }
}

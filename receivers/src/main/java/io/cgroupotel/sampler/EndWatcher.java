package io.cgroupotel.sampler;

import io.cgroupotel.cgroupfs.NativeFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import io.cgroupotel.cgroupfs.Inotify;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
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
 * Best effort: without it, the last poll's sample is used. Thread-safe.
 *
 * <p>The watches are registrations on the process's one {@link Inotify} thread, and the callback
 * (one cgroup's final read, short) runs on it, so that read is not queued behind anything but
 * other short callbacks; discovery's walks run elsewhere. After an inotify overflow every watched
 * cgroup whose {@code cgroup.events} says {@code populated 0} is reported, as its event may be
 * the one lost.
 */
final class EndWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EndWatcher.class);
  private static final String EVENTS = "cgroup.events";

  private final Inotify inotify = Inotify.shared();
  private final Consumer<Path> onChange;
  private final Map<Path, Inotify.Handle> byPath = new ConcurrentHashMap<>();
  /**
   * Per cgroup, its open {@code cgroup.events}: a bare descriptor (an Integer) through the native
   * reader, else a FileChannel (some 300 bytes of heap more each: 5,000 pods, 1.5 MB).
   */
  private final Map<Path, Object> pins = new ConcurrentHashMap<>();
  private volatile boolean warned;
  private volatile boolean closed;
  private final Inotify.Callback callback = new Inotify.Callback() {
    @Override
    public void events(Path dir, List<WatchEvent<?>> events, boolean valid) {
      boolean changed = false;
      for (WatchEvent<?> event : events) {
        changed |= event.context() instanceof Path p && p.toString().equals(EVENTS);
      }
      if (!valid) {
        forget(dir);
      }
      if (changed) {
        report(dir);
      }
    }

    @Override
    public void overflow() {
      for (Path cgroup : List.copyOf(byPath.keySet())) {
        if (!populated(cgroup)) {
          report(cgroup);
        }
      }
    }
  };

  /** @param onChange told of a cgroup whose {@code cgroup.events} changed */
  EndWatcher(String name, Consumer<Path> onChange) throws IOException {
    this.onChange = onChange;
  }

  private void report(Path cgroup) {
    if (closed) {
      return;
    }
    // never let one failed read end the watch
    try {
      onChange.accept(cgroup);
    } catch (RuntimeException e) {
      LOG.warn("reading ended cgroup {}", cgroup, e);
    }
  }

  private static boolean populated(Path cgroup) {
    try {
      return !Files.readString(cgroup.resolve(EVENTS)).contains("populated 0");
    } catch (IOException e) {
      return false; // gone: read what is left
    }
  }

  void watch(Path cgroup) {
    if (closed) {
      return;
    }
    try {
      Inotify.Handle previous = byPath.put(cgroup,
          inotify.register(cgroup, callback, StandardWatchEventKinds.ENTRY_MODIFY));
      if (previous != null) {
        previous.cancel();
      }
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
    } catch (IOException | UnsupportedOperationException e) {
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
    Inotify.Handle key = byPath.remove(cgroup);
    if (key != null) {
      key.cancel();
    }
  }

  @Override
  public void close() {
    closed = true;
    for (Path p : List.copyOf(byPath.keySet())) {
      forget(p);
    }
    for (Path p : List.copyOf(pins.keySet())) {
      forget(p);
    }
  }
}

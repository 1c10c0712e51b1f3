package io.cgroupotel.receiver.oar3;

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
 * Tells when a job slice's {@code cgroup.events} changes: the kernel notifies it when {@code
 * populated} drops to 0, i.e. when the last process of the job (sub-tasks included) exited. The
 * receiver reads the job's counters then, just before OAR removes the slice and its counters with
 * it, so a job's last CPU time is not lost between the last poll and its end.
 *
 * <p>One inotify watch per job slice (IN_MODIFY on the directory reports its files) and one open
 * {@code cgroup.events} per job (kernfs only notifies files whose inode is in memory). Best
 * effort: without it, the last poll's sample is used. Thread-safe; the callback runs on the
 * watcher's own thread.
 */
final class JobEndWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(JobEndWatcher.class);
  private static final String EVENTS = "cgroup.events";

  private final WatchService service;
  private final Consumer<Path> onChange;
  private final Map<WatchKey, Path> keys = new ConcurrentHashMap<>();
  private final Map<Path, WatchKey> byPath = new ConcurrentHashMap<>();
  private final Map<Path, FileChannel> pins = new ConcurrentHashMap<>();
  private final Thread thread;
  private volatile boolean warned;

  /** @param onChange told of a job slice whose {@code cgroup.events} changed */
  JobEndWatcher(Consumer<Path> onChange) throws IOException {
    this.service = FileSystems.getDefault().newWatchService();
    this.onChange = onChange;
    this.thread = new Thread(this::run, "oar3-job-end");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  void watch(Path jobSlice) {
    try {
      WatchKey key = jobSlice.register(service, StandardWatchEventKinds.ENTRY_MODIFY);
      keys.put(key, jobSlice);
      byPath.put(jobSlice, key);
      // kernfs notifies only files whose inode is in memory: keep cgroup.events open
      try {
        FileChannel pin = FileChannel.open(jobSlice.resolve(EVENTS), StandardOpenOption.READ);
        FileChannel old = pins.put(jobSlice, pin);
        if (old != null) {
          old.close();
        }
      } catch (NoSuchFileException e) {
        // gone already, or not a cgroupfs: nothing to pin
        LOG.debug("oar3: no {} in {}", EVENTS, jobSlice);
      }
    } catch (NoSuchFileException e) {
      LOG.debug("oar3: {} is gone already", jobSlice);
    } catch (IOException | ClosedWatchServiceException e) {
      if (!warned) {
        warned = true;
        LOG.warn("oar3: cannot watch {} for the end of the job ({}): the last CPU time of jobs"
            + " is the one of the last poll", jobSlice, e.toString());
      }
    }
  }

  void forget(Path jobSlice) {
    FileChannel pin = pins.remove(jobSlice);
    if (pin != null) {
      try {
        pin.close();
      } catch (IOException e) {
        // nothing to do
      }
    }
    WatchKey key = byPath.remove(jobSlice);
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
          try {
            onChange.accept(dir);
          } catch (RuntimeException e) {
            LOG.warn("oar3: reading ended job {}", dir, e);
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

package io.cgroupotel.receiver.slurm;

import java.io.IOException;
import java.nio.channels.FileChannel;
import io.cgroupotel.cgroupfs.Inotify;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.WatchEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;

/**
 * Tells when the tasks of a job's step have all exited: {@code job_<id>/step_<s>/user} reports
 * {@code populated 0} in its {@code cgroup.events}. Slurm removes {@code job_<id>} within 2 ms of
 * its last process (slurmstepd) leaving, too fast for a read on the job's own {@code
 * cgroup.events}; the steps' {@code user} cgroups empty 10-30 ms before that (measured with Slurm
 * 22.05 here), time enough to read the job's final counters.
 *
 * <p>inotify watches: the job directory (new steps), each step directory (its {@code user}
 * cgroup appearing) and each {@code user} cgroup (its files changing; {@code cgroup.events} kept
 * open, as kernfs only notifies files whose inode is in memory). Best effort: without it, the
 * last poll's sample is a job's last. Thread-safe.
 *
 * <p>The watches are registrations on the process's one {@link Inotify} thread; the callback runs
 * there and is short (a step's directory listing, one {@code cgroup.events} read, the job's final
 * read). After an inotify overflow every watched job is looked at again: steps that appeared are
 * watched, and steps whose {@code user} cgroup is empty reported.
 */
final class TaskEndWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TaskEndWatcher.class);
  private static final String EVENTS = "cgroup.events";

  /** What a watch key is watching. */
  private record Watched(Path job, Path dir, int level) {} // level 0 job, 1 step, 2 step/user

  private final BiConsumer<Path, Path> emptied; // (job dir, step dir)
  private final Map<Path, Watched> watched = new ConcurrentHashMap<>();
  private final Map<Path, List<Inotify.Handle>> byJob = new ConcurrentHashMap<>();
  private final Map<Path, List<FileChannel>> pins = new ConcurrentHashMap<>();
  private volatile boolean closed;
  private final Inotify.Callback callback = new Inotify.Callback() {
    @Override
    public void events(Path dir, List<WatchEvent<?>> events, boolean valid) {
      Watched w = watched.get(dir);
      if (w == null || closed) {
        return;
      }
      if (!valid) {
        watched.remove(dir, w);
      }
      List<Path> created = new ArrayList<>();
      boolean changed = false;
      for (WatchEvent<?> event : events) {
        if (event.context() instanceof Path p) {
          if (event.kind() == ENTRY_CREATE) {
            created.add(p);
          } else if (p.toString().equals(EVENTS)) {
            changed = true;
          }
        }
      }
      try {
        handle(w, created, changed);
      } catch (RuntimeException e) {
        LOG.debug("slurm: watching {}: {}", w.dir, e.toString());
      }
    }

    @Override
    public void overflow() {
      for (Path job : List.copyOf(byJob.keySet())) {
        for (Path step : children(job, SlurmNames.STEP_PREFIX)) {
          if (!watched.containsKey(step)) {
            watchStep(job, step);
          }
          Path user = step.resolve("user");
          if (!watched.containsKey(user) && Files.isDirectory(user)) {
            watchUser(job, user);
          }
          if (watched.containsKey(user) && !populated(user)) {
            emptied.accept(job, step);
          }
        }
      }
    }
  };

  /**
   * A watcher telling {@code emptied}, or null (said once) when inotify is not available: a job's
   * last CPU time is then the one of the last poll.
   */
  static TaskEndWatcher openOrNull(BiConsumer<Path, Path> emptied) {
    try {
      return new TaskEndWatcher(emptied);
    } catch (IOException e) {
      LOG.warn("slurm: no inotify for the end of jobs' tasks ({}): a job's last CPU time is the "
          + "one of the last poll", e.toString());
      return null;
    }
  }

  /** @param emptied told (job dir, step dir) when a step's tasks have all exited */
  TaskEndWatcher(BiConsumer<Path, Path> emptied) throws IOException {
    this.emptied = emptied;
  }

  /** Watches the steps of the job at {@code job} (absolute), present and to come. */
  void watchJob(Path job) {
    if (register(job, job, 0, ENTRY_CREATE)) {
      for (Path step : children(job, SlurmNames.STEP_PREFIX)) {
        watchStep(job, step);
      }
    }
  }

  private void watchStep(Path job, Path step) {
    if (register(job, step, 1, ENTRY_CREATE)) {
      Path user = step.resolve("user");
      if (Files.isDirectory(user)) {
        watchUser(job, user);
      }
    }
  }

  private void watchUser(Path job, Path user) {
    if (register(job, user, 2, ENTRY_MODIFY)) {
      try {
        FileChannel pin = FileChannel.open(user.resolve(EVENTS), StandardOpenOption.READ);
        pins.computeIfAbsent(job, k -> new ArrayList<>()).add(pin);
        if (!byJob.containsKey(job)) { // forgotten meanwhile
          closeAll(pins.remove(job));
        }
      } catch (IOException e) {
        // gone already, or not a cgroupfs
      }
    }
  }

  private boolean register(Path job, Path dir, int level, WatchEvent.Kind<?> kind) {
    if (closed) {
      return false;
    }
    try {
      watched.put(dir, new Watched(job, dir, level));
      Inotify.Handle key = Inotify.shared().register(dir, callback, kind);
      List<Inotify.Handle> list = byJob.computeIfAbsent(job, k -> new ArrayList<>());
      synchronized (list) {
        list.add(key);
      }
      if (byJob.get(job) != list) { // forgotten meanwhile
        key.cancel();
      }
      return true;
    } catch (IOException | UnsupportedOperationException e) {
      watched.remove(dir);
      LOG.debug("slurm: cannot watch {}: {}", dir, e.toString());
      return false;
    }
  }

  /** Stops watching a job that ended. */
  void forget(Path job) {
    List<Inotify.Handle> list = byJob.remove(job);
    if (list != null) {
      synchronized (list) {
        for (Inotify.Handle k : list) {
          k.cancel();
        }
      }
    }
    watched.values().removeIf(w -> w.job().equals(job));
    closeAll(pins.remove(job));
  }

  private static void closeAll(List<FileChannel> channels) {
    if (channels != null) {
      for (FileChannel c : channels) {
        try {
          c.close();
        } catch (IOException e) {
          // nothing to do
        }
      }
    }
  }

  private void handle(Watched w, List<Path> created, boolean events) {
    for (Path name : created) {
      Path child = w.dir.resolve(name);
      if (w.level == 0 && name.toString().startsWith(SlurmNames.STEP_PREFIX)) {
        watchStep(w.job, child);
      } else if (w.level == 1 && name.toString().equals("user")) {
        watchUser(w.job, child);
      }
    }
    if (events && w.level == 2 && !populated(w.dir)) {
      emptied.accept(w.job, w.dir.getParent());
    }
  }

  private static boolean populated(Path cgroup) {
    try {
      return !Files.readString(cgroup.resolve(EVENTS)).contains("populated 0");
    } catch (IOException e) {
      return false; // gone: its job is being removed, read what is left
    }
  }

  private static List<Path> children(Path dir, String prefix) {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, prefix + "*")) {
      for (Path p : ds) {
        if (Files.isDirectory(p)) {
          out.add(p);
        }
      }
    } catch (IOException | RuntimeException e) {
      // gone
    }
    return out;
  }

  @Override
  public void close() {
    closed = true;
    for (Path job : List.copyOf(byJob.keySet())) {
      forget(job);
    }
    for (Path job : List.copyOf(pins.keySet())) {
      closeAll(pins.remove(job));
    }
  }
}

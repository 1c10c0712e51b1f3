package io.cgroupotel.cgroupfs;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Keeps the set of cgroup directories under a root up to date: one walk at start, then inotify
 * (one JDK WatchService registration per directory, it is not recursive), with a periodic full
 * rescan as a safety net and after a watch overflow.
 *
 * <p>Listeners are called on the watcher's own thread (and on the caller's thread during {@link
 * #start()}), parents before children on add, children before parents on remove. Paths given to
 * listeners are absolute (root resolved).
 *
 * <p>Thread-safe.
 */
public final class CgroupWatcher implements AutoCloseable {

  /** Told of cgroups as they come and go. */
  public interface Listener {
    void added(Path cgroup);

    void removed(Path cgroup);
  }

  /**
   * @param root directory to watch (must exist)
   * @param descend whether to look inside a directory (gets absolute paths): lets a receiver skip
   *     subtrees it does not care about and keep the number of watches down
   * @param rescanInterval how often to walk the whole tree anyway (default 60 s)
   * @param listener told of additions and removals
   */
  public CgroupWatcher(
      Path root, Predicate<Path> descend, Duration rescanInterval, Listener listener) {
    throw new UnsupportedOperationException("TODO");
  }

  /**
   * Walks the tree (calling {@code added} for the root and each directory found), installs the
   * watches and starts the watcher thread. Returns after the initial walk.
   */
  public void start() {
    throw new UnsupportedOperationException("TODO");
  }

  /** Walks the whole tree now and reports what changed. */
  public void rescan() {
    throw new UnsupportedOperationException("TODO");
  }

  /** The cgroups known now (absolute paths). */
  public Set<Path> cgroups() {
    throw new UnsupportedOperationException("TODO");
  }

  /** Stops the thread and drops the watches. */
  @Override
  public void close() {
    throw new UnsupportedOperationException("TODO");
  }
}

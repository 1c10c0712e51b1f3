package io.cgroupotel.sampler;

import java.nio.file.Path;

/**
 * One entity the sampler tracks: its cgroup, its open files and its newest sample.
 *
 * <p>Reads take the entity's lock (the poll thread and the end watch may both read it); the
 * newest sample is kept whichever thread read it, as counters only grow.
 */
public final class TrackedEntity {
  private final Entity entity;
  private final Path root;
  private final Path cgroup;
  /** The files still read, the required one first; absent ones are dropped (guarded by this). */
  OpenFile[] files;
  private volatile Sample last;
  volatile boolean finalReported;
  /** The last poll whose result carries this entity's sample (polling thread only). */
  long emittedPoll;
  /** The network namespace its processes were found in, or null (polling thread only). */
  NetworkNamespaces.Binding network;

  TrackedEntity(Entity entity, Path root, Path cgroup, OpenFile[] files) {
    this.entity = entity;
    this.root = root;
    this.cgroup = cgroup;
    this.files = files;
  }

  public Entity entity() {
    return entity;
  }

  /**
   * The cgroup's path relative to the hierarchy's root (bytes kept); made when asked, as only
   * discovery and metadata ask.
   */
  public Path relative() {
    return root.relativize(cgroup);
  }

  /** The cgroup's absolute path (in the tree discovery walks). */
  Path cgroup() {
    return cgroup;
  }

  /**
   * The cgroup's path as shown: {@code /a/b}, undecodable bytes as U+FFFD. Made when asked (for
   * logs and errors), not kept: one string less per cgroup.
   */
  public String displayPath() {
    return CgroupPaths.display(relative());
  }

  /** The newest sample read, or null before the first read succeeded. */
  public Sample last() {
    return last;
  }

  /** Keeps the newer of the two: a late read from another thread never rolls counters back. */
  synchronized void offer(Sample s) {
    Sample current = last;
    // u64 order with ABSENT (U64_MAX's bits) first: + 1 maps it to 0 and every value v to v + 1
    if (current == null
        || Long.compareUnsigned(s.usageUsec() + 1, current.usageUsec() + 1) >= 0) {
      last = s;
    }
  }

  /** Drops the files found absent: a poll then touches only the files that exist. */
  void dropAbsent() {
    int live = 0;
    for (OpenFile f : files) {
      if (f.state != OpenFile.ABSENT) {
        live++;
      }
    }
    if (live < files.length && live > 0 && files[0].state != OpenFile.ABSENT) {
      OpenFile[] kept = new OpenFile[live];
      int i = 0;
      for (OpenFile f : files) {
        if (f.state != OpenFile.ABSENT) {
          kept[i++] = f;
        }
      }
      files = kept;
    }
  }

  synchronized void closeFiles() {
    for (OpenFile f : files) {
      f.close();
    }
  }
}

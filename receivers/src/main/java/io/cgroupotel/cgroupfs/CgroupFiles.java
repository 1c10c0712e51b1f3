package io.cgroupotel.cgroupfs;

import java.nio.file.Path;

/**
 * Reads the files of cgroups with one reused buffer: a poll loop makes one instance and calls it
 * for every cgroup, allocating nothing per file on the happy path.
 *
 * <p>Not thread-safe: one instance per polling thread.
 */
public final class CgroupFiles {

  /** Reads {@code <cgroup>/cpu.stat} into {@code into}. On ERROR, {@link #lastError()} says why. */
  public ReadStatus readCpuStat(Path cgroup, CpuStat into) {
    throw new UnsupportedOperationException("TODO");
  }

  /**
   * Reads {@code <cgroup>/memory.current}: bytes, or {@code -1} when the status is not OK; the
   * status is in {@link #lastStatus()}.
   */
  public long readMemoryCurrent(Path cgroup) {
    throw new UnsupportedOperationException("TODO");
  }

  /** Status of the last read. */
  public ReadStatus lastStatus() {
    throw new UnsupportedOperationException("TODO");
  }

  /** Why the last read failed, e.g. {@code permission denied}; empty if it did not. */
  public String lastError() {
    throw new UnsupportedOperationException("TODO");
  }
}

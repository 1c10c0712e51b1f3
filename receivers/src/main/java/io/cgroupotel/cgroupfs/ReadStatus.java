package io.cgroupotel.cgroupfs;

/** Outcome of reading one file of one cgroup. */
public enum ReadStatus {
  /** Read. */
  OK,
  /** The file does not exist in a cgroup that does (e.g. memory.current without the controller). */
  ABSENT,
  /** The cgroup went away before or while it was read (ENOENT, ENODEV): not an error. */
  GONE,
  /** Could not be read (permission, I/O, garbage only): an error for the caller to report. */
  ERROR
}

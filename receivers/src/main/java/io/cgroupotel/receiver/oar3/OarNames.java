package io.cgroupotel.receiver.oar3;

import io.cgroupotel.receiver.Ids;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Recognizes the cgroups that OAR3's systemd job manager creates (job_resource_manager_systemd.pl):
 *
 * <pre>
 * &lt;prefix&gt;.slice/&lt;prefix&gt;-u&lt;UID&gt;.slice/&lt;prefix&gt;-u&lt;UID&gt;-j&lt;JOBID&gt;.slice   the job
 *    ...-j&lt;JOBID&gt;-p&lt;RAND&gt;.scope                                     processes (not a job)
 *    ...-j&lt;JOBID&gt;-t&lt;N&gt;.slice                                         oarsh sub-task (not a job)
 * </pre>
 *
 * A directory is a job only when its name, its parent's and its grandparent's all match, with the
 * same UID in the user slice and the job slice. Ids are unsigned decimal numbers without leading
 * zeros (OAR prints them so); anything else is not a job. Pure functions, thread-safe.
 */
final class OarNames {
  /** Largest UID Linux has (uid_t is 32-bit unsigned). */
  static final long MAX_UID = 0xFFFF_FFFFL;

  private OarNames() {}

  /** What a job slice's name says. */
  record JobName(long uid, long jobId) {}

  /**
   * Parses {@code dir} (absolute or relative, at least three names long) as a job slice.
   *
   * @param prefix OAR's cgroup prefix, e.g. {@code oar}
   */
  static Optional<JobName> parseJob(Path dir, String prefix) {
    int n = dir.getNameCount();
    if (n < 3) {
      return Optional.empty();
    }
    return parseJob(dir.getName(n - 3).toString(), dir.getName(n - 2).toString(),
        dir.getName(n - 1).toString(), prefix);
  }

  /** Parses the names of a grandparent, parent and directory as a job slice. */
  static Optional<JobName> parseJob(
      String grandparent, String parent, String name, String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    if (!grandparent.equals(prefix + ".slice")) {
      return Optional.empty();
    }
    OptionalLong parentUid = parseUserSlice(parent, prefix);
    if (parentUid.isEmpty()) {
      return Optional.empty();
    }
    Optional<JobName> job = parseJobSlice(name, prefix);
    if (job.isEmpty() || job.get().uid() != parentUid.getAsLong()) {
      return Optional.empty();
    }
    return job;
  }

  /** {@code <prefix>-u<UID>.slice} -> UID. */
  static OptionalLong parseUserSlice(String name, String prefix) {
    String head = prefix + "-u";
    String tail = ".slice";
    if (!name.startsWith(head) || !name.endsWith(tail)
        || name.length() <= head.length() + tail.length()) {
      return OptionalLong.empty();
    }
    long uid = parseId(name.substring(head.length(), name.length() - tail.length()));
    return uid < 0 || uid > MAX_UID ? OptionalLong.empty() : OptionalLong.of(uid);
  }

  /** {@code <prefix>-u<UID>-j<JOBID>.slice} -> (UID, JOBID), without looking at the parents. */
  static Optional<JobName> parseJobSlice(String name, String prefix) {
    String head = prefix + "-u";
    String tail = ".slice";
    if (!name.startsWith(head) || !name.endsWith(tail)
        || name.length() <= head.length() + tail.length()) {
      return Optional.empty();
    }
    String middle = name.substring(head.length(), name.length() - tail.length()); // UID-jJOBID
    int j = middle.indexOf("-j");
    if (j < 0) {
      return Optional.empty();
    }
    long uid = parseId(middle.substring(0, j));
    long jobId = parseId(middle.substring(j + 2)); // "-t1" or "-p2" after the id makes it fail
    if (uid < 0 || uid > MAX_UID || jobId < 0) {
      return Optional.empty();
    }
    return Optional.of(new JobName(uid, jobId));
  }

  /** Whether the watcher should look inside {@code dir}: not below a job slice. */
  static boolean descendInto(Path dir, String prefix) {
    return parseJob(dir, prefix).isEmpty();
  }

  /** Unsigned decimal without sign or leading zeros; -1 if not one or too large. */
  static long parseId(String s) {
    return Ids.parseId(s);
  }
}

package io.cgroupotel.receiver.oar3;

import io.cgroupotel.receiver.Ids;
import io.cgroupotel.receiver.oar3.metadata.OarJob;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

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
 * zeros (OAR prints them so, see {@link Ids#parseId}); anything else is not a job. Pure functions,
 * thread-safe.
 */
final class OarNames {
  private OarNames() {}

  /**
   * Parses {@code dir} (absolute or relative, at least three names long) as a job slice: its job
   * id and its user's UID.
   *
   * @param prefix OAR's cgroup prefix, e.g. {@code oar}
   */
  static Optional<OarJob> parseJob(Path dir, String prefix) {
    int n = dir.getNameCount();
    if (n < 3) {
      return Optional.empty();
    }
    return parseJob(dir.getName(n - 3).toString(), dir.getName(n - 2).toString(),
        dir.getName(n - 1).toString(), prefix);
  }

  /** Parses the names of a grandparent, parent and directory as a job slice. */
  static Optional<OarJob> parseJob(
      String grandparent, String parent, String name, String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    String uidText = between(parent, prefix + "-u", ".slice");
    if (!grandparent.equals(prefix + ".slice") || uidText == null) {
      return Optional.empty();
    }
    long uid = Ids.parseUid(uidText); // at most 32 bits, as uid_t
    // the job slice repeats the user slice's UID, as written there ("-t1" or "-p2" after the
    // job id makes the id fail to parse: sub-tasks and scopes are not jobs)
    String jobText = between(name, prefix + "-u" + uidText + "-j", ".slice");
    long jobId = jobText == null ? -1 : Ids.parseId(jobText);
    if (uid < 0 || jobId < 0) {
      return Optional.empty();
    }
    return Optional.of(new OarJob(jobId, uid, null));
  }

  /** What {@code name} has between {@code head} and {@code tail}; null if not that shape. */
  private static String between(String name, String head, String tail) {
    if (!name.startsWith(head) || !name.endsWith(tail)
        || name.length() <= head.length() + tail.length()) {
      return null;
    }
    return name.substring(head.length(), name.length() - tail.length());
  }
}

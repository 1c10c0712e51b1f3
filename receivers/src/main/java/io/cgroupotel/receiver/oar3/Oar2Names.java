package io.cgroupotel.receiver.oar3;

import io.cgroupotel.receiver.oar3.metadata.OarJob;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recognizes the cgroups of OAR 2.5 on cgroup v1 (job_resource_manager_cgroups.pl): one directory
 * {@code <prefix>/<user>_<jobid>} per job under each controller ({@code prefix} from OAR's
 * CPUSET_PATH, {@code /oar} by default), reached by OAR through the links in {@code
 * /dev/oar_cgroups_links/<controller>}. The job's processes are in that directory (no scopes
 * below). The name gives the user's login and the job id; OAR 2 writes no UID in it. Pure
 * functions, thread-safe.
 */
final class Oar2Names {
  /** A login as OAR accepts it, then {@code _}, then the job id (the last {@code _} splits). */
  private static final Pattern JOB = Pattern.compile("([A-Za-z_][A-Za-z0-9_.-]*)_([1-9][0-9]{0,17})");

  private Oar2Names() {}

  /**
   * Parses {@code dir} as {@code .../<prefix>/<user>_<jobid>}: its job id and its user's login
   * (no UID: -1).
   */
  static Optional<OarJob> parseJob(Path dir, String prefix) {
    int n = dir.getNameCount();
    if (n < 2 || dir.toString().isEmpty() || !dir.getName(n - 2).toString().equals(prefix)) {
      return Optional.empty();
    }
    Matcher m = JOB.matcher(dir.getName(n - 1).toString());
    if (!m.matches()) {
      return Optional.empty();
    }
    return Optional.of(new OarJob(Long.parseLong(m.group(2)), -1, m.group(1)));
  }
}

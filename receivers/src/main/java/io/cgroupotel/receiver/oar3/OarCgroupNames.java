package io.cgroupotel.receiver.oar3;

import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names OAR3's systemd job manager gives cgroups: {@code <prefix>.slice/<prefix>-u<UID>.slice/
 * <prefix>-u<UID>-j<JOBID>.slice}. Process scopes ({@code -p<RAND>.scope}) and oarsh sub-task
 * slices ({@code -t<N>.slice}) live below a job and are not jobs. Anything else is ignored,
 * never guessed at. Immutable, thread-safe.
 */
final class OarCgroupNames {
  /** A job slice: its ids. */
  record Job(long jobId, long uid) {}

  private final String prefix;
  private final Pattern userSlice;
  private final Pattern jobSlice;

  OarCgroupNames(String prefix) {
    this.prefix = prefix;
    String p = Pattern.quote(prefix);
    this.userSlice = Pattern.compile(p + "-u(\\d{1,10})\\.slice");
    this.jobSlice = Pattern.compile(p + "-u(\\d{1,10})-j(\\d{1,18})\\.slice");
  }

  /** The job of a directory, when it is a job slice under its user slice under the top slice. */
  Optional<Job> job(Path dir) {
    if (dir.getNameCount() < 3 || dir.getFileName() == null) {
      return Optional.empty();
    }
    Matcher j = jobSlice.matcher(dir.getFileName().toString());
    if (!j.matches()) {
      return Optional.empty();
    }
    Path userDir = dir.getParent();
    Matcher u = userSlice.matcher(userDir.getFileName().toString());
    if (!u.matches() || !u.group(1).equals(j.group(1))
        || !userDir.getParent().getFileName().toString().equals(prefix + ".slice")) {
      return Optional.empty(); // a uid that does not match its user slice: not OAR's
    }
    try {
      return Optional.of(new Job(Long.parseLong(j.group(2)), Long.parseLong(j.group(1))));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** Whether discovery should look inside: not below a job (its slice is read recursively). */
  boolean descend(Path dir, int depth) {
    return depth < 16 && job(dir).isEmpty();
  }
}

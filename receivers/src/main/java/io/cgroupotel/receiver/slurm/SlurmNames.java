package io.cgroupotel.receiver.slurm;

import io.cgroupotel.receiver.Ids;
import io.cgroupotel.receiver.slurm.metadata.SlurmAttributes;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Recognizes the cgroups of Slurm's cgroup/v2 plugin (22.05 and later):
 *
 * <pre>
 * system.slice/[&lt;nodename&gt;_]slurmstepd.scope/          (MULTIPLE_SLURMD builds add the node name)
 *    system                                                   slurmstepd parking: never a job
 *    slurmd                                                   slurmd itself: never a job
 *    job_&lt;JOBID&gt;/                                        the job
 *    &lt;SLUID&gt;/                                           the job on Slurm 26.05+ (e.g. sEKNKTV3WPV500),
 *                                                             unless cgroup.conf has CgroupJobIdPaths=yes
 *       step_&lt;STEP&gt;/                                    a step: 0, 1, 0+1 (het), batch, extern, interactive
 *          slurm                                              the step's slurmstepd
 *          user/task_&lt;N&gt; | user/task_special            the step's processes
 * </pre>
 *
 * On cgroup v1 (the cgroup/v1 plugin), under each controller:
 *
 * <pre>
 * slurm[_&lt;nodename&gt;]/uid_&lt;UID&gt;/                     plays the part of the slurmstepd scope
 *    job_&lt;JOBID&gt;/step_&lt;STEP&gt;/task_&lt;N&gt;              (_&lt;nodename&gt;: MULTIPLE_SLURMD builds)
 * </pre>
 *
 * A job is recognized by its name ({@code job_<id>}) or, whatever its name, by its structure: a
 * child of the scope, other than Slurm's daemons, that holds {@code step_*} directories (see
 * {@link #jobCandidate}; the structure is checked by the receiver, which can list directories).
 *
 * Names are checked on absolute paths, so that a receiver whose {@code path} is inside that tree
 * still sees the parents. Pure functions, thread-safe.
 */
final class SlurmNames {
  static final String SCOPE = "slurmstepd.scope";
  static final String SLICE = "system.slice";
  static final String JOB_PREFIX = "job_";
  static final String STEP_PREFIX = "step_";
  /** cgroup/v1 plugin: {@code slurm/uid_<UID>/job_<ID>} under each controller. */
  static final String V1_ROOT = "slurm";
  static final String V1_UID_PREFIX = "uid_";
  /** Slurm's own cgroups in the scope: never a job. */
  static final java.util.Set<String> DAEMONS = java.util.Set.of("system", "slurmd");

  private SlurmNames() {}

  /**
   * Whether {@code dir} is {@code system.slice/[<node>_]slurmstepd.scope}, or the cgroup/v1
   * plugin's {@code slurm/uid_<UID>}, which holds the jobs the same way.
   */
  static boolean isStepdScope(Path dir) {
    int n = dir.getNameCount();
    if (n >= 2 && isV1Root(name(dir, n - 2)) && v1Uid(dir) >= 0) {
      return true;
    }
    if (n < 2 || !name(dir, n - 2).equals(SLICE)) {
      return false;
    }
    String s = name(dir, n - 1);
    return s.equals(SCOPE)
        || (s.endsWith("_" + SCOPE) && s.length() > SCOPE.length() + 1);
  }

  /** {@code slurm}, or {@code slurm_<nodename>} (cgroup/v1 plugin, MULTIPLE_SLURMD builds). */
  static boolean isV1Root(String name) {
    return name.equals(V1_ROOT) || (name.startsWith(V1_ROOT + "_") && name.length() > 6);
  }

  /**
   * Whether {@code dir} may be a job: a child of a slurmstepd scope that is {@code job_<id>}, or
   * whose name could be a SLUID-like id (any name but Slurm's daemons and malformed {@code job_}
   * names); the caller confirms the latter by its {@code step_*} children.
   */
  static boolean jobCandidate(Path dir) {
    if (!inStepdScope(dir)) {
      return false;
    }
    if (jobId(dir).isPresent()) {
      return true;
    }
    String s = name(dir, dir.getNameCount() - 1);
    return !DAEMONS.contains(s) && !s.startsWith(JOB_PREFIX) && validStepId(s);
  }

  /** The UID of a {@code uid_<UID>} directory (cgroup/v1 plugin), else -1. */
  static long v1Uid(Path dir) {
    if (dir.getNameCount() == 0 || dir.getFileName() == null) {
      return -1;
    }
    String s = dir.getFileName().toString();
    long uid = s.startsWith(V1_UID_PREFIX) ? parseId(s.substring(V1_UID_PREFIX.length())) : -1;
    return uid > 0xFFFF_FFFFL ? -1 : uid;
  }

  /** The owner's UID of a cgroup/v1 job, {@code slurm/uid_<UID>/job_<id>}; empty on v2. */
  static OptionalLong v1JobUid(Path jobDir) {
    Path parent = jobDir.getParent();
    long uid = parent == null ? -1 : v1Uid(parent);
    return uid >= 0 && isStepdScope(parent) ? OptionalLong.of(uid) : OptionalLong.empty();
  }

  /** Whether {@code dir}'s parent is a slurmstepd scope (a job, or a daemon, or junk). */
  static boolean inStepdScope(Path dir) {
    Path parent = dir.getParent();
    return parent != null && isStepdScope(parent);
  }

  /** The job id of {@code dir}, a {@code job_<id>} directory of a slurmstepd scope; else empty. */
  static OptionalLong jobId(Path dir) {
    if (!inStepdScope(dir)) {
      return OptionalLong.empty();
    }
    String s = name(dir, dir.getNameCount() - 1);
    if (!s.startsWith(JOB_PREFIX)) {
      return OptionalLong.empty();
    }
    long id = parseId(s.substring(JOB_PREFIX.length()));
    return id < 0 || id > SlurmAttributes.MAX_JOB_ID ? OptionalLong.empty() : OptionalLong.of(id);
  }

  /** The step id of {@code dir}, a {@code step_<id>} directory of a (candidate) job; else null. */
  static String stepId(Path dir) {
    Path parent = dir.getParent();
    if (parent == null || !jobCandidate(parent)) {
      return null;
    }
    String s = name(dir, dir.getNameCount() - 1);
    if (!s.startsWith(STEP_PREFIX)) {
      return null;
    }
    String id = s.substring(STEP_PREFIX.length());
    return validStepId(id) ? id : null;
  }

  /** Non-empty, letters, digits and {@code + . _ -} only (Slurm prints {@code 0}, {@code 0+1}, {@code batch}). */
  static boolean validStepId(String id) {
    if (id.isEmpty() || id.length() > 64) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      boolean ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
          || c == '+' || c == '.' || c == '_' || c == '-';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether the watcher should look inside {@code dir}: everywhere until a slurmstepd scope; in a
   * scope only into jobs (never {@code system}, {@code slurmd} or odd names); into a job only for
   * its steps; never below a step.
   */
  static boolean descendInto(Path dir, boolean steps) {
    if (jobId(dir).isPresent()) {
      return steps;
    }
    if (jobCandidate(dir)) {
      return true; // a SLUID job: its step_* directories, when they come, make it one
    }
    if (inStepdScope(dir)) {
      return false; // system, slurmd, job_abc, ...
    }
    Path parent = dir.getParent();
    return parent == null || !jobCandidate(parent); // below a job: steps are leaves
  }

  /** Unsigned decimal without sign or leading zeros; -1 if not one or too large. */
  static long parseId(String s) {
    return Ids.parseId(s);
  }

  private static String name(Path p, int i) {
    return p.getName(i).toString();
  }
}

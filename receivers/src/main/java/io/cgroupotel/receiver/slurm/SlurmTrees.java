package io.cgroupotel.receiver.slurm;

import io.cgroupotel.cgroupfs.Cgroup2;
import io.cgroupotel.receiver.ReceiverStartException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What the file system shows of Slurm's layout where names alone ({@link SlurmNames}, pure) cannot
 * tell: which tree holds Slurm's cgroups (the factory's layout probe), whether a SLUID directory
 * holds steps yet, and what to say at start when {@code path} is no tree the receiver can read.
 */
final class SlurmTrees {
  /** The cgroup v1 controllers under which Slurm's cgroup/v1 plugin makes {@code slurm/}. */
  private static final List<String> V1_CONTROLLERS =
      List.of("", "cpuacct", "cpu,cpuacct", "memory", "freezer", "cpuset", "devices");

  private SlurmTrees() {}

  /** Layout probe: {@code slurm} (cgroup/v1 plugin) or a slurmstepd scope (v2), or null. */
  static String slurmTree(Path root) {
    if (Files.isDirectory(root.resolve(SlurmNames.V1_ROOT))) {
      return "/" + SlurmNames.V1_ROOT;
    }
    // multiple-slurmd builds: slurm_<nodename>
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, SlurmNames.V1_ROOT + "_*")) {
      for (Path p : ds) {
        if (Files.isDirectory(p) && SlurmNames.isV1Root(p.getFileName().toString())) {
          return "/" + p.getFileName();
        }
      }
    } catch (IOException | RuntimeException e) {
      // not listable: the v2 probe below
    }
    try (Stream<Path> s = Files.find(root, 3, (p, a) -> a.isDirectory()
        && SlurmNames.isStepdScope(p))) {
      return s.findFirst().map(p -> "/" + root.relativize(p)).orElse(null);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** Whether a job directory holds a {@code step_*} directory (what makes a SLUID one a job). */
  static boolean hasSteps(Path dir) {
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, SlurmNames.STEP_PREFIX + "*")) {
      for (Path p : ds) {
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          return true;
        }
      }
    } catch (IOException | RuntimeException e) {
      // gone
    }
    return false;
  }

  /**
   * Refuses a path that is not cgroup v2, naming Slurm's cgroup/v1 layout when it is there (for
   * when the hierarchy could not be chosen and cgroup v1 was allowed).
   */
  static void refuseUnlessCgroup2(Path path) throws ReceiverStartException {
    Optional<String> problem = Cgroup2.problemWith(path);
    if (problem.isEmpty()) {
      return;
    }
    String hint;
    try {
      hint = Cgroup2.findMount().map(m -> problem.get().contains(m.toString()) ? ""
          : " (on this host: " + m + ")").orElse(" (this host has none mounted)");
    } catch (RuntimeException e) {
      hint = "";
    }
    List<String> v1 = v1Jobs(path);
    String v2 = " The slurm receiver reads Slurm's cgroup/v2 plugin (CgroupPlugin=cgroup/v2, Slurm"
        + " >= 22.05: system.slice/[<node>_]slurmstepd.scope/job_<id>) on cgroup v2 only: set path"
        + " to the cgroup2 mount" + hint;
    if (!v1.isEmpty()) {
      throw new ReceiverStartException("receivers.slurm: " + problem.get()
          + ". This is Slurm's cgroup/v1 layout (slurm/uid_<uid>/job_<id>: "
          + String.join(", ", v1) + "), read where it is a mounted cgroup v1 controller:"
          + " leave path out, or set it to a v1 controller's mount)." + v2);
    }
    throw new ReceiverStartException("receivers.slurm: " + problem.get() + "." + v2);
  }

  /** Up to three {@code slurm/uid_<uid>/job_<id>} directories of a cgroup v1 tree at path. */
  static List<String> v1Jobs(Path path) {
    List<String> found = new ArrayList<>();
    for (String controller : V1_CONTROLLERS) {
      Path slurm = (controller.isEmpty() ? path : path.resolve(controller)).resolve("slurm");
      if (!Files.isDirectory(slurm)) {
        continue;
      }
      try (DirectoryStream<Path> users = Files.newDirectoryStream(slurm, "uid_*")) {
        for (Path user : users) {
          try (DirectoryStream<Path> jobs = Files.newDirectoryStream(user, "job_*")) {
            for (Path job : jobs) {
              if (found.size() < 3) {
                found.add(job.toString());
              }
            }
          }
        }
      } catch (IOException | RuntimeException e) {
        // what we could see is enough
      }
      if (found.isEmpty()) {
        found.add(slurm + " exists");
      }
    }
    return found;
  }
}

package io.cgroupotel.receiver.slurm.metadata;

import io.cgroupotel.receiver.Ids;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;

/**
 * The owner of a job's processes: the real UID ({@code Uid:} line of {@code /proc/<pid>/status})
 * of the first live process found in {@code job_<id>/step_<s>/user/task_<n>/cgroup.procs}. Never
 * in the steps' {@code slurm} cgroups (slurmstepd, root) nor in {@code step_extern}, whose task
 * holds Slurm's own {@code sleep} (root, seen with a real Slurm 22.05 and PrologFlags=Contain).
 * Pure file reads, thread-safe.
 */
final class TaskOwner {
  /** A job's steps: {@code step_0}, {@code step_batch}, ... (where its tasks are). */
  static final String STEP_PREFIX = "step_";
  private final Path proc;

  /** @param proc the proc file system, {@code /proc} */
  TaskOwner(Path proc) {
    this.proc = proc;
  }

  /** The UID owning the tasks of the job at {@code jobDir}; empty when no task process is left. */
  OptionalLong find(Path jobDir) {
    for (Path step : steps(jobDir)) {
      for (Path task : children(step.resolve("user"), "task_")) {
        OptionalLong uid = ownerOfProcs(task.resolve("cgroup.procs"));
        if (uid.isPresent()) {
          return uid;
        }
      }
    }
    return OptionalLong.empty();
  }

  private static List<Path> steps(Path jobDir) {
    List<Path> steps = children(jobDir, STEP_PREFIX);
    steps.removeIf(p -> p.getFileName().toString().equals("step_extern"));
    return steps;
  }

  /** The directories {@code prefix*} of {@code dir}, sorted by name; none when it is gone. */
  static List<Path> children(Path dir, String prefix) {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, prefix + "*")) {
      for (Path p : ds) {
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          out.add(p);
        }
      }
    } catch (IOException | RuntimeException e) {
      // gone, or not there yet
    }
    out.sort(Comparator.comparing(p -> p.getFileName().toString()));
    return out;
  }

  private OptionalLong ownerOfProcs(Path procs) {
    List<String> pids;
    try {
      pids = Files.readAllLines(procs, StandardCharsets.US_ASCII);
    } catch (IOException | RuntimeException e) {
      return OptionalLong.empty();
    }
    for (String pid : pids) {
      long n = Ids.parseId(pid.strip());
      if (n <= 0) {
        continue;
      }
      OptionalLong uid = uidOf(n);
      if (uid.isPresent()) {
        return uid;
      }
    }
    return OptionalLong.empty();
  }

  /** The real UID of {@code pid}, or empty when it has exited. */
  OptionalLong uidOf(long pid) {
    try {
      for (String line : Files.readAllLines(proc.resolve(Long.toString(pid)).resolve("status"),
          StandardCharsets.UTF_8)) {
        if (line.startsWith("Uid:")) {
          String[] f = line.substring(4).strip().split("\\s+");
          long uid = Ids.parseId(f[0]);
          return uid < 0 || uid > 0xFFFF_FFFFL ? OptionalLong.empty() : OptionalLong.of(uid);
        }
      }
    } catch (IOException | RuntimeException e) {
      // exited between cgroup.procs and its status
    }
    return OptionalLong.empty();
  }
}

package io.cgroupotel.receiver.oar3;

import io.cgroupotel.cgroupfs.Cgroup2;
import io.cgroupotel.receiver.ReceiverStartException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Why the oar3 receiver cannot read a path, in OAR's words: an OAR 2.x layout on cgroup v1 is
 * named as such, with what to set instead. Only at start, when no hierarchy could be chosen.
 */
final class Oar2Hints {
  /** OAR 2.x cpuset job directories: {@code <user>_<jobid>}. */
  private static final Pattern OAR2_JOB = Pattern.compile(".+_[0-9]+");

  private Oar2Hints() {}

  /** Refuses a path that is not cgroup v2, saying so louder when it looks like OAR 2.x. */
  static void checkCgroup2(Path path, String prefix) throws ReceiverStartException {
    Optional<String> problem = Cgroup2.problemWith(path);
    if (problem.isEmpty()) {
      return;
    }
    List<String> signs = oar2Signs(path, prefix);
    String hint = hybridHint(problem.get());
    String oar3Layout = " The oar3 receiver reads the job slices of OAR3's systemd job manager ("
        + prefix + ".slice/" + prefix + "-u<UID>.slice/" + prefix + "-u<UID>-j<JOBID>.slice) on"
        + " cgroup v2, and OAR 2.5's " + prefix + "/<user>_<jobid> directories in the mounted"
        + " cgroup v1 controllers: leave path out (the agent finds the hierarchy), set it to a v1"
        + " controller's mount (e.g. /sys/fs/cgroup/cpuacct) or to the cgroup2 mount" + hint;
    if (signs.stream().anyMatch(s -> s.contains("OAR 2.x job"))) {
      throw new ReceiverStartException("receivers.oar3: " + problem.get()
          + ". This is an OAR 2.x layout on cgroup v1 (" + String.join("; ", signs) + ")."
          + oar3Layout);
    }
    if (!signs.isEmpty()) {
      throw new ReceiverStartException("receivers.oar3: " + problem.get()
          + ". This is a cgroup v1 layout, as OAR 2.x uses (" + String.join("; ", signs) + ")."
          + oar3Layout);
    }
    throw new ReceiverStartException("receivers.oar3: " + problem.get()
        + ". The oar3 receiver needs cgroup v2: set path to the cgroup2 mount" + hint);
  }

  private static String hybridHint(String problem) {
    try {
      return Cgroup2.findMount()
          .map(m -> problem.contains(m.toString()) ? "" : " (on this host: " + m + ")")
          .orElse(" (this host has none mounted)");
    } catch (RuntimeException e) {
      return "";
    }
  }

  /** What under {@code path} looks like OAR 2.x on cgroup v1; empty when nothing does. */
  static List<String> oar2Signs(Path path, String prefix) {
    List<String> signs = new ArrayList<>();
    String fsType = mountType(path);
    if ("cgroup".equals(fsType)) {
      signs.add(path + " is a cgroup v1 hierarchy");
    }
    for (Path dir : List.of(path.resolve(prefix), path.resolve("cpuset").resolve(prefix))) {
      if (Files.isDirectory(dir)) {
        List<String> jobs = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, Files::isDirectory)) {
          for (Path child : ds) {
            if (OAR2_JOB.matcher(child.getFileName().toString()).matches() && jobs.size() < 3) {
              jobs.add(child.getFileName().toString());
            }
          }
        } catch (IOException e) {
          // what we could see is enough
        }
        signs.add(jobs.isEmpty() ? dir + " exists"
            : dir + " holds OAR 2.x job cpusets <user>_<jobid>: " + String.join(", ", jobs));
      }
    }
    if (Files.isRegularFile(path.resolve("cpuset").resolve("cpuset.cpus"))
        || Files.isRegularFile(path.resolve("cpuset.cpus"))) {
      if (signs.stream().noneMatch(s -> s.contains("cpuset"))) {
        signs.add("a cgroup v1 cpuset hierarchy is there");
      }
    }
    return signs;
  }

  /** The file system type of the mount holding {@code path}, from /proc/self/mountinfo. */
  static String mountType(Path path) {
    Path abs;
    try {
      abs = path.toAbsolutePath().normalize();
    } catch (RuntimeException e) {
      return "";
    }
    String best = "";
    String bestType = "";
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"),
          StandardCharsets.UTF_8)) {
        String[] f = line.split(" ");
        int dash = java.util.Arrays.asList(f).indexOf("-");
        if (f.length < 5 || dash < 0 || dash + 1 >= f.length) {
          continue;
        }
        String mountPoint = f[4].replace("\\040", " ");
        if (abs.startsWith(mountPoint) && mountPoint.length() >= best.length()) {
          best = mountPoint;
          bestType = f[dash + 1];
        }
      }
    } catch (IOException | RuntimeException e) {
      return "";
    }
    return bestType;
  }
}

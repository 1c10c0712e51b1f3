package io.cgroupotel.receiver.slurm;

import io.cgroupotel.cgroupfs.Cgroup2;
import io.cgroupotel.config.ConfigSection;
import io.cgroupotel.receiver.CgroupReceiverSettings;
import io.cgroupotel.receiver.HierarchyChoice;
import io.cgroupotel.receiver.Receiver;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.ReceiverFactory;
import io.cgroupotel.receiver.ReceiverStartException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Makes the {@code slurm} receiver: per-job (and per-step) usage of Slurm jobs from cgroup v2. */
public final class SlurmReceiverFactory implements ReceiverFactory<SlurmReceiverConfig> {
  public static final String TYPE = "slurm";
  /** {@code scontrol = "off"} (any case): no Slurm metadata. */
  static final String SCONTROL_OFF = "off";
  private static final String DEFAULT_SCONTROL_TEXT = "scontrol";
  private static final String SCONTROL_HINT = "the scontrol command, e.g. \"scontrol\" or "
      + "\"/usr/bin/scontrol\" (arguments may follow), or \"off\" for no Slurm metadata";
  /** The cgroup v1 controllers under which Slurm's cgroup/v1 plugin makes {@code slurm/}. */
  private static final List<String> V1_CONTROLLERS =
      List.of("", "cpuacct", "cpu,cpuacct", "memory", "freezer", "cpuset", "devices");

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public SlurmReceiverConfig parseConfig(ConfigSection section) {
    CgroupReceiverSettings common = CgroupReceiverSettings.parse(section);
    boolean steps = section.bool("steps", false);
    Optional<List<String>> scontrol = parseScontrol(section);
    Duration timeout = section.duration("scontrol_timeout",
        SlurmReceiverConfig.DEFAULT_SCONTROL_TIMEOUT, SlurmReceiverConfig.MIN_SCONTROL_TIMEOUT,
        SlurmReceiverConfig.MAX_SCONTROL_TIMEOUT);
    boolean enabled = section.bool("enabled", true);
    return new SlurmReceiverConfig(common.path(), common.pollInterval(), steps, scontrol, timeout,
        enabled, common.metrics(), common.pathSet(), common.cgroupVersions(),
        common.networkInterfaces());
  }

  /**
   * {@code scontrol}: the command (and its leading arguments), run as it is written; {@code "off"}
   * (in any case) turns Slurm's metadata off. Anything else must name a command that can run
   * here, an absolute path to an executable file or a bare name found on the PATH, else it is a
   * positioned error: a word like {@code "none"} or {@code "disabled"} is never run by accident.
   * The default, {@code scontrol} (unset, or empty as every string key), is taken as it is: where
   * the PATH lacks it, the receiver says so once at run time.
   */
  static Optional<List<String>> parseScontrol(ConfigSection section) {
    String text = section.string("scontrol", DEFAULT_SCONTROL_TEXT).strip();
    if (text.equalsIgnoreCase(SCONTROL_OFF)) {
      return Optional.empty();
    }
    if (text.isEmpty()) {
      section.error("scontrol", "blank command", SCONTROL_HINT);
      return Optional.of(SlurmReceiverConfig.DEFAULT_SCONTROL);
    }
    List<String> argv = Arrays.asList(text.split("\\s+"));
    if (argv.equals(SlurmReceiverConfig.DEFAULT_SCONTROL)) {
      return Optional.of(argv);
    }
    String problem = unrunnable(argv.get(0), System.getenv("PATH"));
    if (problem != null) {
      section.error("scontrol", problem, SCONTROL_HINT);
      return Optional.empty();
    }
    return Optional.of(argv);
  }

  /** Why {@code command} cannot be run from {@code path} (the PATH), or null when it can. */
  static String unrunnable(String command, String path) {
    String shown = SlurmText.printable(command, 200);
    if (command.indexOf('/') >= 0) {
      Path p;
      try {
        p = Path.of(command);
      } catch (InvalidPathException e) {
        return "bad path \"" + shown + "\": " + e.getReason();
      }
      if (!p.isAbsolute()) {
        return "\"" + shown + "\" is a relative path: write the absolute path, or a bare command "
            + "name found on the PATH";
      }
      if (!Files.isRegularFile(p)) {
        return "\"" + shown + "\": no such file";
      }
      return Files.isExecutable(p) ? null : "\"" + shown + "\" is not executable";
    }
    for (String dir : (path == null ? "" : path).split(":")) {
      if (dir.isEmpty()) {
        continue;
      }
      try {
        Path p = Path.of(dir, command);
        if (Files.isRegularFile(p) && Files.isExecutable(p)) {
          return null;
        }
      } catch (InvalidPathException e) {
        // not a directory name: the next one
      }
    }
    return "no command \"" + shown + "\" on the PATH (" + (path == null ? "unset" : path) + ")";
  }

  @Override
  public Receiver create(SlurmReceiverConfig config, ReceiverContext context)
      throws ReceiverStartException {
    HierarchyChoice choice;
    try {
      // the tree that holds Slurm's cgroups: v2, or the cgroup/v1 plugin's
      choice = HierarchyChoice.choose("receivers.slurm", config.pathSet() ? config.path() : null,
          config.cgroupVersions(), SlurmReceiverFactory::slurmTree);
    } catch (ReceiverStartException e) {
      if (config.cgroupVersions().contains(1)) {
        refuseUnlessCgroup2(config.path()); // not a cgroup tree: what it looks like
      }
      throw e;
    }
    return new SlurmReceiver(config, choice, context);
  }

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
    try (java.util.stream.Stream<Path> s = Files.find(root, 3, (p, a) -> a.isDirectory()
        && SlurmNames.isStepdScope(p))) {
      return s.findFirst().map(p -> "/" + root.relativize(p)).orElse(null);
    } catch (java.io.IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * Refuses a path that is not cgroup v2, naming Slurm's cgroup/v1 layout when it is there. The one
   * place to replace when the receiver learns cgroup v1.
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

package io.cgroupotel.receiver.oar3;

import io.cgroupotel.cgroupfs.Cgroup2;
import io.cgroupotel.config.ConfigSection;
import io.cgroupotel.config.Durations;
import io.cgroupotel.receiver.HierarchyChoice;
import io.cgroupotel.receiver.MetricsKey;
import io.cgroupotel.receiver.Receiver;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.ReceiverFactory;
import io.cgroupotel.receiver.ReceiverStartException;
import io.cgroupotel.receiver.UserNames;
import io.cgroupotel.sampler.MetricGroup;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** Makes the {@code oar3} receiver: per-job CPU time of OAR3 batch jobs from cgroup v2. */
public final class Oar3ReceiverFactory implements ReceiverFactory<Oar3ReceiverConfig> {
  public static final String TYPE = "oar3";
  static final Path FALLBACK_PATH = Path.of("/sys/fs/cgroup");
  private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_.]+");
  /** OAR 2.x cpuset job directories: {@code <user>_<jobid>}. */
  private static final Pattern OAR2_JOB = Pattern.compile(".+_[0-9]+");

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public Oar3ReceiverConfig parseConfig(ConfigSection section) {
    Path path = defaultPath();
    if (section.has("path")) {
      path = absolutePath(section, "path", path);
    }
    var pollInterval = section.duration("poll_interval", Oar3ReceiverConfig.DEFAULT_POLL_INTERVAL,
        Durations.MIN_POLL_INTERVAL, Durations.MAX_INTERVAL);
    String prefix = section.string("prefix", Oar3ReceiverConfig.DEFAULT_PREFIX);
    if (!PREFIX.matcher(prefix).matches()) {
      section.error("prefix", "bad prefix \"" + prefix + "\"",
          "OAR's CPUSET_PATH without the slash, e.g. \"oar\" for /oar; letters, digits, _ and .");
      prefix = Oar3ReceiverConfig.DEFAULT_PREFIX;
    }
    Path oarexec = Oar3ReceiverConfig.DEFAULT_OAREXEC_DIRECTORY;
    if (section.has("oarexec_directory")) {
      oarexec = absolutePath(section, "oarexec_directory", oarexec);
    }
    Optional<URI> api = Optional.empty();
    Optional<String> apiText = section.optionalString("oar_api_url");
    if (apiText.isPresent()) {
      try {
        URI uri = new URI(apiText.get());
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
            || uri.getHost() == null) {
          section.error("oar_api_url", "not an http(s) URL: \"" + apiText.get() + "\"",
              "e.g. \"http://oar-server/oarapi\"");
        } else {
          api = Optional.of(uri);
        }
      } catch (URISyntaxException e) {
        section.error("oar_api_url", "bad URL \"" + apiText.get() + "\": " + e.getReason(),
            "e.g. \"http://oar-server/oarapi\"");
      }
    }
    boolean enabled = section.bool("enabled", true);
    Set<MetricGroup> metrics = MetricsKey.parse(section);
    return new Oar3ReceiverConfig(path, pollInterval, prefix, oarexec, api, enabled, metrics,
        section.has("path"), HierarchyChoice.parseVersions(section),
        MetricsKey.networkInterfaces(section, metrics));
  }

  private static Path absolutePath(ConfigSection section, String key, Path fallback) {
    String text = section.string(key, fallback.toString());
    try {
      Path p = Path.of(text);
      if (!p.isAbsolute()) {
        section.error(key, "not an absolute path: \"" + text + "\"", "start it with /");
        return fallback;
      }
      return p.normalize();
    } catch (InvalidPathException e) {
      section.error(key, "bad path \"" + text + "\": " + e.getReason(), "");
      return fallback;
    }
  }

  /** The host's cgroup v2 mount, else {@code /sys/fs/cgroup}. */
  static Path defaultPath() {
    try {
      return Cgroup2.findMount().orElse(FALLBACK_PATH);
    } catch (RuntimeException e) {
      return FALLBACK_PATH;
    }
  }

  @Override
  public Receiver create(Oar3ReceiverConfig config, ReceiverContext context)
      throws ReceiverStartException {
    String prefix = config.prefix();
    HierarchyChoice choice;
    try {
      choice = HierarchyChoice.choose("receivers.oar3", config.pathSet() ? config.path() : null,
          config.cgroupVersions(), root -> oarTree(root, prefix));
    } catch (ReceiverStartException e) {
      if (config.cgroupVersions().contains(1)) {
        checkCgroup2(config.path(), prefix); // not a cgroup tree: what it looks like, OAR 2 hints
      }
      throw e; // (cgroup_versions = ["v2"]: the message says so)
    }
    return new Oar3Receiver(config, choice, context, java.time.Clock.systemUTC(),
        new UserNames());
  }

  /**
   * Layout probe: OAR's top cgroup below {@code root} ({@code <prefix>.slice} of OAR 3's systemd
   * job manager, {@code <prefix>} of OAR 2.5's cgroup v1 manager), or null.
   */
  static String oarTree(Path root, String prefix) {
    for (String name : List.of(prefix + ".slice", prefix)) {
      if (Files.isDirectory(root.resolve(name))) {
        return "/" + name;
      }
    }
    // a few levels down (nested systemd, containers), as the receiver searches at any depth
    try (java.util.stream.Stream<Path> s = Files.find(root, 3, (p, a) -> a.isDirectory()
        && p.getFileName() != null && p.getFileName().toString().equals(prefix + ".slice"))) {
      return s.findFirst().map(p -> "/" + root.relativize(p)).orElse(null);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

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

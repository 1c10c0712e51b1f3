package io.cgroupotel.agent.cli;

import io.cgroupotel.agent.AgentConfig;
import io.cgroupotel.agent.pipeline.Agent;
import io.cgroupotel.agent.pipeline.EntityState;
import io.cgroupotel.agent.pipeline.Pipeline;
import io.cgroupotel.agent.pipeline.ReceiverRunner;
import io.cgroupotel.agent.pipeline.StartLine;
import io.cgroupotel.exporter.ExporterFactory;
import io.cgroupotel.exporter.file.FileExporterConfig;
import io.cgroupotel.exporter.file.FileExporterFactory;
import io.cgroupotel.exporter.otlp.OtlpExporterConfig;
import io.cgroupotel.exporter.otlp.OtlpExporterFactory;
import io.cgroupotel.exporter.prometheus.PrometheusExporterConfig;
import io.cgroupotel.receiver.cgroup.CgroupReceiverConfig;
import io.cgroupotel.receiver.k8s.K8sReceiverConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code --check}: validates, then probes without side effects. Receivers are started and polled
 * once (they only read); no exporter is built, so nothing is written, no directory is created and
 * no data point is sent. The OTLP endpoint gets an empty export request ({@link OtlpProbe}); a
 * file exporter's path is checked for writability without opening it.
 */
final class Check {
  /** Bound of each network probe and of the wait for a receiver's metadata source. */
  static final Duration TIMEOUT = Duration.ofSeconds(4);
  /** At most this many directories are listed to find unreadable ones. */
  static final int MAX_DIRS = 100_000;

  /** Lists a directory's subdirectories; throws as {@link Files#newDirectoryStream} does. */
  interface Lister {
    List<Path> subdirectories(Path dir) throws IOException;
  }

  private Check() {}

  static int run(AgentConfig config, Map<String, String> env, PrintStream out) {
    out.println("config: " + config.source() + ": valid");
    out.println("host.name: " + config.settings().hostName());
    out.println("export interval: " + StartLine.human(config.settings().exportInterval()));
    boolean ok = true;
    Pipeline pipeline = Pipeline.builder(config).env(env).mode(Pipeline.Mode.CHECK).build();
    Agent agent = new Agent(pipeline);
    try {
      try (Progress p = Progress.start(out, "the receivers' first poll and metadata sources",
          TIMEOUT)) {
        agent.pollOnce(TIMEOUT);
      } catch (RuntimeException e) {
        out.println("probe failed: " + e);
        ok = false;
      }
      for (ReceiverRunner runner : pipeline.runners()) {
        String name = runner.receiver().name();
        boolean ready = runner.receiver().awaitReady(Duration.ZERO);
        Object receiverConfig = config.receivers().stream().filter(c -> c.name().equals(name))
            .findFirst().map(AgentConfig.Component::config).orElse(null);
        // a config that runs without the API on purpose passes: what is missing is only names
        boolean apiOptional = receiverConfig instanceof K8sReceiverConfig k8s
            && k8s.tokenRetrieval() == K8sReceiverConfig.TokenRetrieval.NONE;
        String why = ready ? null : runner.receiver().notReadyReason(); // what failed, if known
        out.println("receiver " + name + ": ok, "
            + StartLine.plural(pipeline.store().live(name), "entity", "entities") + " found"
            + (ready ? "" : why != null ? "; " + why : apiOptional
                ? "; WARNING: the Kubernetes API did not answer in " + TIMEOUT.toSeconds()
                    + " s (token_retrieval = \"none\"): pods are exported by k8s.pod.uid and "
                    + "k8s.node.name, without names"
                : "; its metadata source (e.g. the Kubernetes API) did not answer in "
                    + TIMEOUT.toSeconds() + " s"));
        String hierarchy = runner.receiver().hierarchyChoice(); // v1 branch: which tree and why
        GroupReport.lines(runner.receiver().metricGroups(), pipeline.store().states(name),
            hierarchy != null && hierarchy.startsWith("cgroup v1")).forEach(out::println);
        if (hierarchy != null) {
          out.println("receiver " + name + ": reads " + hierarchy);
        }
        // the embedded default's globs are meant to match what the host happens to have
        if (receiverConfig instanceof CgroupReceiverConfig cg
            && !config.source().equals(AgentConfig.EMBEDDED_SOURCE)) {
          for (String glob : unmatched(cg.include(), pipeline.store().states(name))) {
            out.println("receiver " + name + ": WARNING: include glob \"" + glob
                + "\" matches no cgroup now (a typo? globs are relative to the receiver's "
                + "path; cgroups created later are still found)");
          }
        }
        ok &= ready || apiOptional;
      }
      for (AgentConfig.Component<?> c : config.receivers()) {
        if (c.config() instanceof CgroupReceiverConfig cg && cg.path() != null) {
          for (Path dir : unreadable(cg.path(), cg.include(), Check::listDirectories)) {
            out.println("receiver " + c.name() + ": WARNING: cannot list " + dir
                + " (permission denied): cgroups an include glob names under it are not seen");
          }
        }
      }
      if (!pipeline.hasReceivers()) {
        ok = false;
      }
      if (config.exporters().isEmpty()) {
        ok = false;
      }
      for (AgentConfig.Component<ExporterFactory<?>> c : config.exporters()) {
        ok &= exporter(c, out);
      }
      // printed after the receivers' lines, but before the verdict: what could not start
      for (Pipeline.StartProblem p : pipeline.problems()) {
        out.println(p.component() + ": FAILED: " + p.message());
        ok = false;
      }
    } finally {
      agent.close();
    }
    out.println(ok ? "check: ok" : "check: problems found");
    return ok ? Main.OK : Main.BAD_CONFIG;
  }

  /** Probes one exporter, prints one line; true when fine. Writes and sends no data. */
  private static boolean exporter(AgentConfig.Component<ExporterFactory<?>> c, PrintStream out) {
    String name = "exporter " + c.name() + ": ";
    if (c.factory() instanceof OtlpExporterFactory otlp
        && c.config() instanceof OtlpExporterConfig config) {
      String where = StartLine.endpoint(otlp, config).map(URI::toString).orElse("?")
          + " (" + otlp.protocol(config) + ")";
      String problem;
      try (Progress p = Progress.start(out, "the OTLP endpoint " + where, TIMEOUT)) {
        problem = OtlpProbe.probe(otlp, config, TIMEOUT);
      }
      out.println(name + where + (problem == null
          ? " answers OTLP (an empty export was accepted)" : " FAILED: " + problem));
      StringBuilder queue = new StringBuilder();
      String queueProblem = otlp.checkQueue(config, queue);
      out.println(name + "send queue: " + queue
          + (queueProblem == null ? "" : " FAILED: " + queueProblem));
      return problem == null && queueProblem == null;
    }
    if (c.config() instanceof FileExporterConfig file
        && !file.path().equals(FileExporterConfig.STDOUT)) {
      String problem = FileExporterFactory.pathProblem(Path.of(file.path())); // links, dirs
      problem = problem != null ? problem : fileWritable(Path.of(file.path()));
      out.println(name + file.path() + (problem == null
          ? " writable (not opened: --check writes nothing)" : " FAILED: " + problem));
      return problem == null;
    }
    if (c.config() instanceof PrometheusExporterConfig prometheus) {
      String problem = bindable(prometheus.host(), prometheus.port());
      out.println(name + prometheus.host() + ":" + prometheus.port() + (problem == null
          ? " free (bound and released at once: the scrape endpoint opens when the agent runs)"
          : " FAILED: " + problem));
      return problem == null;
    }
    Optional<URI> endpoint = StartLine.endpoint(c.factory(), c.config());
    String where = endpoint.map(URI::toString).orElse(StartLine.where(c.config()));
    out.println(name + "ok" + (where.isEmpty() ? "" : " (" + where + ", not probed)"));
    return true;
  }

  /**
   * The include globs that name none of the receiver's cgroups now ({@code "."} is the root,
   * {@code cgroup.path} "/"), matched as the receiver matches them: on the path relative to its
   * root, without the leading slash.
   */
  static List<String> unmatched(List<String> include, List<EntityState> states) {
    List<Path> paths = new ArrayList<>();
    for (EntityState state : states) {
      Object p = state.entity().attributes().get("cgroup.path");
      if (p != null) {
        try {
          paths.add(Path.of(p.toString().replaceFirst("^/+", "")));
        } catch (java.nio.file.InvalidPathException e) {
          // a name the JVM's charset cannot carry (bytes that are not UTF-8, no locale): it
          // matched an include glob to be read at all, so no glob is reported for its sake
          return List.of();
        }
      }
    }
    List<String> unmatched = new ArrayList<>();
    for (String glob : include) {
      String g = glob.trim().replaceAll("^/+|/+$", "");
      boolean root = g.isEmpty() || g.equals(".");
      PathMatcher matcher = root ? null
          : FileSystems.getDefault().getPathMatcher("glob:" + g);
      boolean any = paths.stream().anyMatch(p -> root
          ? p.toString().isEmpty() : !p.toString().isEmpty() && matcher.matches(p));
      if (!any) {
        unmatched.add(glob);
      }
    }
    return unmatched;
  }

  /** Null when {@code host:port} can be listened on now (another process may hold it). */
  static String bindable(String host, int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(host, port));
      return null;
    } catch (IOException | IllegalArgumentException | SecurityException e) {
      return "cannot listen on " + host + ":" + port + ": " + e.getMessage()
          + " (another process holds the port? set [exporters.prometheus] port)";
    }
  }

  /**
   * What the file exporter would need: the file writable, or its directory, or (when the
   * directory does not exist yet) the nearest existing ancestor, where it would be created.
   * Null when fine.
   */
  static String fileWritable(Path file) {
    Path absolute = file.toAbsolutePath();
    if (Files.exists(absolute)) {
      return Files.isRegularFile(absolute) || !Files.isDirectory(absolute)
          ? (Files.isWritable(absolute) ? null : "not writable")
          : "is a directory";
    }
    Path parent = absolute.getParent();
    while (parent != null && !Files.exists(parent)) {
      parent = parent.getParent();
    }
    if (parent == null || !Files.isDirectory(parent)) {
      return "no directory to create it in";
    }
    return Files.isWritable(parent) ? null : parent + " is not writable";
  }

  /**
   * Directories under {@code root} that cannot be listed and under which an include glob could
   * name a cgroup (so what is there is silently missed).
   */
  static List<Path> unreadable(Path root, List<String> include, Lister lister) {
    List<Glob> globs = new ArrayList<>();
    for (String g : include) {
      if (!g.equals(".")) {
        globs.add(new Glob(g));
      }
    }
    List<Path> found = new ArrayList<>();
    if (globs.isEmpty()) {
      return found;
    }
    Deque<Path> todo = new ArrayDeque<>();
    todo.add(root);
    int listed = 0;
    while (!todo.isEmpty() && listed++ < MAX_DIRS) {
      Path dir = todo.poll();
      Path rel = root.relativize(dir);
      List<String> segments = new ArrayList<>();
      if (!rel.toString().isEmpty()) {
        rel.forEach(s -> segments.add(s.toString()));
      }
      if (globs.stream().noneMatch(g -> g.mayReachBelow(segments))) {
        continue;
      }
      try {
        todo.addAll(lister.subdirectories(dir));
      } catch (AccessDeniedException e) {
        found.add(dir);
      } catch (IOException e) {
        // gone meanwhile, or not a directory: nothing to report here
      }
    }
    return found;
  }

  static List<Path> listDirectories(Path dir) throws IOException {
    List<Path> dirs = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, Files::isDirectory)) {
      stream.forEach(dirs::add);
    }
    return dirs;
  }

  /** A glob split into path segments, each matched on its own. */
  private static final class Glob {
    private final List<PathMatcher> segments = new ArrayList<>();
    private final boolean anyDepth;

    Glob(String glob) {
      anyDepth = glob.contains("**");
      for (String s : glob.split("/")) {
        if (!s.isEmpty()) {
          segments.add(FileSystems.getDefault().getPathMatcher("glob:" + s));
        }
      }
    }

    /** Whether the glob could name a directory strictly below {@code dir} (its segments). */
    boolean mayReachBelow(List<String> dir) {
      if (anyDepth) {
        return true;
      }
      if (dir.size() >= segments.size()) {
        return false;
      }
      for (int i = 0; i < dir.size(); i++) {
        if (!segments.get(i).matches(Path.of(dir.get(i)))) {
          return false;
        }
      }
      return true;
    }
  }
}

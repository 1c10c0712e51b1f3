package io.cgroupotel.agent.cli;

import io.cgroupotel.agent.AgentConfig;
import io.cgroupotel.agent.Version;
import io.cgroupotel.agent.pipeline.Agent;
import io.cgroupotel.agent.pipeline.Pipeline;
import io.cgroupotel.agent.pipeline.StartLine;
import io.cgroupotel.config.ConfigError;
import io.cgroupotel.config.ConfigException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** The command line. Exit codes: 0 fine, 1 runtime failure, 2 bad config or environment. */
@Command(
    name = "cgroup-otel-agent",
    mixinStandardHelpOptions = true,
    versionProvider = Main.VersionProvider.class,
    sortOptions = false,
    // one element per paragraph: picocli wraps each at the terminal's width
    description = {
      "Measures what cgroups use (CPU time, memory, pressure, I/O, processes, energy) and "
          + "exports it as OpenTelemetry metrics, one resource per entity: Kubernetes pods and "
          + "containers, OAR3 and Slurm jobs, or any cgroup tree (cgroup v2, v1 and hybrid "
          + "hosts), over OTLP, to a file, to the console or to a Prometheus endpoint.",
      "",
      "Without --config, runs the embedded default: the raw cgroup receiver on this whole "
          + "machine (the cgroup v2 root on a pure v2 host, the v1 controllers on a v1 or "
          + "hybrid host), printed to the console every 10 s, and sent over OTLP as well when "
          + "OTEL_EXPORTER_OTLP_ENDPOINT is set.",
      ""
    },
    footerHeading = "%n",
    footer = {"Runs until SIGTERM or SIGINT, then makes one last collection and export and "
        + "exits 0. SIGHUP reopens the file exporter's file. Logs go to standard error."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:fine (also after SIGTERM or SIGINT, at any moment)",
      "1:runtime failure (--once: an export failed)",
      "2:bad configuration or unusable environment"
    })
public final class Main implements Callable<Integer> {
  public static final int OK = 0;
  static final int RUNTIME_FAILURE = 1;
  public static final int BAD_CONFIG = 2;
  /** SIGTERM to exit: collection, export and shutdown must fit in this. */
  static final Duration SHUTDOWN_BUDGET = Duration.ofMillis(4500);

  @Option(names = {"-c", "--config"}, paramLabel = "FILE",
      description = "TOML configuration file (default: the embedded default)")
  Path config;

  @Option(names = "--once",
      description = "Poll every receiver once, export once, exit (1 if an export failed)")
  boolean once;

  @Option(names = "--check",
      description = "Validate the config and probe the environment, print what was found, exit")
  boolean check;

  @Option(names = "--print-config",
      description = "Print the effective configuration (the embedded default when no --config; "
          + "$${VAR} expanded, secrets redacted) and exit")
  boolean printConfig;

  @Option(names = "--log-level", paramLabel = "LEVEL",
      description = "trace, debug, info (default), warn, error or off; also "
          + LogLevel.ENV)
  String logLevel;

  private final Map<String, String> env;
  private final PrintStream out;
  private final PrintStream err;
  private final CountDownLatch stop = new CountDownLatch(1);
  /** Set once {@link #runUntilSignal} waits: a signal then stops the agent the orderly way. */
  private volatile boolean running;
  /** What a SIGTERM or SIGINT before that interrupts, for the line it prints. */
  private volatile String phase = "start-up";

  public Main(Map<String, String> env, PrintStream out, PrintStream err) {
    this.env = env;
    this.out = out;
    this.err = err;
  }

  public static void main(String[] args) {
    Main main = new Main(System.getenv(), System.out, System.err);
    // first, so that Ctrl-C at any moment (loading the config, --check, --once) exits 0 too
    Signals.onTermination(signal -> main.terminated(signal, () -> System.exit(OK)));
    int code = new CommandLine(main).execute(args);
    System.exit(code);
  }

  /**
   * SIGTERM or SIGINT: while the agent runs, the orderly stop (last collection and export);
   * before that, or during --once or --check, there is nothing to flush yet: say so and exit 0.
   */
  void terminated(String signal, Runnable exit) {
    if (running) {
      stop.countDown();
      return;
    }
    err.println("cgroup-otel-agent: SIG" + signal + " during " + phase + ": stopping (exit 0)"
        + (phase.equals("--check") ? ", the check is unfinished" : ", nothing was exported"));
    err.flush();
    exit.run();
  }

  @Override
  public Integer call() {
    String levelProblem = LogLevel.apply(logLevel, env);
    if (levelProblem != null) {
      err.println("cgroup-otel-agent: " + levelProblem);
      return BAD_CONFIG;
    }
    // after the level is set: the bridge's first log call fixes it for good
    org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
    org.slf4j.bridge.SLF4JBridgeHandler.install();
    phase = "loading the configuration";
    AgentConfig agentConfig;
    try {
      agentConfig = config == null
          ? AgentConfig.embeddedDefault(env) : AgentConfig.load(config, env);
    } catch (ConfigException e) {
      err.println("cgroup-otel-agent: the configuration has "
          + StartLine.plural(e.errors().size(), "problem", "problems") + ":");
      for (ConfigError error : e.errors()) {
        err.println(error);
      }
      return BAD_CONFIG;
    }
    if (printConfig) {
      out.print(EffectiveConfig.render(agentConfig, config == null
          ? AgentConfig.embeddedDefaultText(env) : null, env));
      return OK;
    }
    if (check) {
      phase = "--check";
      return Check.run(agentConfig, env, out);
    }
    phase = once ? "--once" : "start-up";
    Pipeline pipeline = Pipeline.builder(agentConfig).env(env)
        .mode(once ? Pipeline.Mode.ONCE : Pipeline.Mode.RUN).build();
    Agent agent = new Agent(pipeline);
    for (Pipeline.StartProblem p : pipeline.problems()) {
      err.println("cgroup-otel-agent: " + p.component() + " cannot start: " + p.message());
    }
    // as the Collector: an exporter the config asks for and that cannot start (a port in use, a
    // path that cannot be written) fails the start, rather than a run that silently lacks it
    if (pipeline.problems().stream().anyMatch(p -> p.component().startsWith("exporter "))) {
      err.println("cgroup-otel-agent: not starting: a configured exporter cannot start (fix it, "
          + "or set enabled = false in its section)");
      agent.close();
      return BAD_CONFIG;
    }
    if (!pipeline.hasReceivers() || !pipeline.hasExporters()) {
      err.println("cgroup-otel-agent: no " + (pipeline.hasReceivers() ? "exporter" : "receiver")
          + " could start; nothing to do");
      agent.close();
      return BAD_CONFIG;
    }
    if (once) {
      // the readers have no timer here: the one export is the one at the end of runOnce
      boolean ok;
      try (Progress p = Progress.start(err, "the poll and the one export",
          Duration.ofSeconds(20))) {
        ok = agent.runOnce(Duration.ofSeconds(5), Duration.ofSeconds(15));
      }
      if (!ok) {
        err.println("cgroup-otel-agent: an export failed (see the log above)");
      }
      return ok ? OK : RUNTIME_FAILURE;
    }
    return runUntilSignal(agent);
  }

  private int runUntilSignal(Agent agent) {
    Logger log = LoggerFactory.getLogger(Main.class);
    running = true; // from here a signal ends stop.await() below, also one during start()
    Signals.onHangup(() -> {
      log.info("SIGHUP: reopening output files; measuring and exporting go on");
      agent.reopenFiles();
    });
    agent.start();
    warnUnmatchedGlobs(agent.pipeline(), log);
    try {
      stop.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    log.info("stopping: last collection and export");
    agent.shutdown(SHUTDOWN_BUDGET);
    log.info("stopped");
    return OK;
  }

  /** As --check does: an include glob that names no cgroup is most likely a typo. */
  private static void warnUnmatchedGlobs(Pipeline pipeline, Logger log) {
    AgentConfig config = pipeline.config();
    if (config.source().equals(AgentConfig.EMBEDDED_SOURCE)) {
      return; // its globs are meant to match whatever the host has
    }
    for (AgentConfig.Component<?> c : config.receivers()) {
      if (c.config() instanceof io.cgroupotel.receiver.cgroup.CgroupReceiverConfig cg) {
        for (String glob : Check.unmatched(cg.include(), pipeline.store().states(c.name()))) {
          log.warn("{}: include glob \"{}\" matches no cgroup now (a typo? globs are relative to "
              + "the receiver's path; cgroups created later are still found)", c.name(), glob);
        }
      }
    }
  }

  /** For tests: ends {@link #runUntilSignal} as SIGTERM does. */
  public void requestStop() {
    stop.countDown();
  }

  /** Reads the version written into the jar. */
  static final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"cgroup-otel-agent " + Version.get()};
    }
  }
}

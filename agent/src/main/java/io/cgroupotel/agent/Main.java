package io.cgroupotel.agent;

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
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The command line. Exit codes: 0 fine, 1 runtime failure, 2 bad config or environment. */
@Command(
    name = "cgroup-otel-agent",
    mixinStandardHelpOptions = true,
    versionProvider = Main.VersionProvider.class,
    sortOptions = false,
    description = {
      "Measures the CPU time and memory of cgroups (Kubernetes pods and containers, OAR3 jobs,",
      "any cgroup v2 tree) and exports them as OpenTelemetry metrics, one resource per entity.",
      "Without --config, runs the embedded default: the raw cgroup receiver on this host's",
      "cgroup v2 root, printed to the console (and sent to OTLP when",
      "OTEL_EXPORTER_OTLP_ENDPOINT is set)."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:fine (also after SIGTERM/SIGINT)",
      "1:runtime failure (--once: an export failed)",
      "2:bad configuration or unusable environment"
    })
public final class Main implements Callable<Integer> {
  static final int OK = 0;
  static final int RUNTIME_FAILURE = 1;
  static final int BAD_CONFIG = 2;
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

  private final Map<String, String> env;
  private final PrintStream out;
  private final PrintStream err;
  private final CountDownLatch stop = new CountDownLatch(1);

  Main(Map<String, String> env, PrintStream out, PrintStream err) {
    this.env = env;
    this.out = out;
    this.err = err;
  }

  public static void main(String[] args) {
    org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
    org.slf4j.bridge.SLF4JBridgeHandler.install();
    Main main = new Main(System.getenv(), System.out, System.err);
    int code = new CommandLine(main).execute(args);
    System.exit(code);
  }

  @Override
  public Integer call() {
    AgentConfig agentConfig;
    try {
      agentConfig = config == null
          ? AgentConfig.embeddedDefault(env) : AgentConfig.load(config, env);
    } catch (ConfigException e) {
      err.println("cgroup-otel-agent: the configuration has "
          + e.errors().size() + " problem(s):");
      for (ConfigError error : e.errors()) {
        err.println(error);
      }
      return BAD_CONFIG;
    }
    if (check) {
      return Check.run(agentConfig, env, out);
    }
    Pipeline pipeline = Pipeline.builder(agentConfig).env(env)
        .mode(once ? Pipeline.Mode.ONCE : Pipeline.Mode.RUN).build();
    Agent agent = new Agent(pipeline);
    for (Pipeline.StartProblem p : pipeline.problems()) {
      err.println("cgroup-otel-agent: " + p.component() + " cannot start: " + p.message());
    }
    if (!pipeline.hasReceivers() || !pipeline.hasExporters()) {
      err.println("cgroup-otel-agent: no " + (pipeline.hasReceivers() ? "exporter" : "receiver")
          + " could start; nothing to do");
      agent.close();
      return BAD_CONFIG;
    }
    if (once) {
      // the readers have no timer here: the one export is the one at the end of runOnce
      boolean ok = agent.runOnce(Duration.ofSeconds(5), Duration.ofSeconds(15));
      if (!ok) {
        err.println("cgroup-otel-agent: an export failed (see the log above)");
      }
      return ok ? OK : RUNTIME_FAILURE;
    }
    return runUntilSignal(agent);
  }

  private int runUntilSignal(Agent agent) {
    Logger log = LoggerFactory.getLogger(Main.class);
    Signals.onTermination(stop::countDown);
    Signals.onHangup(() -> {
      log.info("SIGHUP: reopening output files; measuring and exporting go on");
      agent.reopenFiles();
    });
    agent.start();
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

  /** For tests: ends {@link #runUntilSignal} as SIGTERM does. */
  void requestStop() {
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

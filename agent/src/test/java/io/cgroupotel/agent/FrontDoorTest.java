package io.cgroupotel.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.agent.cli.GroupReport;
import io.cgroupotel.agent.cli.LogLevel;
import io.cgroupotel.agent.cli.Main;
import io.cgroupotel.agent.cli.OtlpProbe;
import io.cgroupotel.cgroupfs.RealCgroupTree;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The command line as a new user meets it: --help, signals at any moment, --log-level,
 * --print-config, and what --check says when something is off.
 */
@Tag("real-cgroup")
@Tag("child-jvm")
class FrontDoorTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private RealCgroupTree tree;
  @TempDir Path dir;

  @BeforeEach
  void tree() {
    tree = RealCgroupTree.create("cgroup-otel-door");
    tree.mkdirs("a");
  }

  @AfterEach
  void removeTree() {
    tree.close();
  }

  private int run(Map<String, String> env, String... args) {
    Main main = new Main(env, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new CommandLine(main).execute(args);
  }

  private String stdout() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private Path config(String extra) throws IOException {
    Path file = dir.resolve("agent.toml");
    Files.writeString(file, """
        [receivers.cgroup]
        path = "%s"
        include = ["a", "nosuch*"]
        %s
        """.formatted(tree.root(), extra));
    return file;
  }

  @Test
  void help_paragraphsWrapOnlyAtTheWidth_andSayWhatTheDefaultReads() {
    Main main = new Main(Map.of(), System.out, System.err);
    String help = new CommandLine(main).getUsageMessage(CommandLine.Help.Ansi.OFF);
    assertThat(help).contains("Slurm").contains("v1 controllers on a v1")
        .contains("--log-level").contains("--print-config").contains("SIGINT")
        .contains("${VAR} expanded").doesNotContain("null");
    // the description: a line followed by another line of the same paragraph is a full one
    String description =
        help.substring(help.indexOf("Measures"), help.indexOf("  -c, --config"));
    List<String> lines = description.lines().toList();
    for (int i = 0; i + 1 < lines.size(); i++) {
      if (!lines.get(i).isBlank() && !lines.get(i + 1).isBlank()) {
        assertThat(lines.get(i).length()).as("broken early: \"%s\"", lines.get(i))
            .isGreaterThan(60);
      }
    }
  }

  @Test
  void check_globMatchingNothing_warnsNamingItAndPassesWithMetricNames() throws Exception {
    assertThat(run(Map.of(), "--check", "--config", config("[exporters.console]").toString()))
        .isZero();
    assertThat(stdout())
        .contains("receiver cgroup: ok, 1 entity found")
        .contains("WARNING: include glob \"nosuch*\" matches no cgroup")
        .doesNotContain("include glob \"a\"")
        .contains("cgroup.cpu.time")
        .doesNotContain("cpu_usage_usec").doesNotContain("cpu_nr_periods")
        .contains("check: ok");
  }

  @Test
  void check_k8sWithoutApiOnPurpose_passesWithAWarning() throws Exception {
    try (ServerSocket closed = new ServerSocket(0)) {
      int port = closed.getLocalPort();
      closed.close();
      Path file = dir.resolve("k8s.toml");
      Files.writeString(file, """
          [receivers.k8s]
          path = "%s"
          node_name = "n1"
          token_retrieval = "none"
          kubernetes_api_url = "http://127.0.0.1:%d"
          [exporters.console]
          """.formatted(tree.root(), port));
      assertThat(run(Map.of(), "--check", "--config", file.toString())).as(stdout()).isZero();
      assertThat(stdout()).contains("receiver k8s: ok, 0 entities found; WARNING")
          .contains("token_retrieval = \"none\"").contains("check: ok");
    }
  }

  @Test
  void exporterThatCannotStart_beside_others_failsTheStart_andCheckSaysSo() throws Exception {
    Path notADirectory = Files.writeString(dir.resolve("a-file"), "x");
    try (ServerSocket taken = new ServerSocket(0, 50,
        java.net.InetAddress.getLoopbackAddress())) {
      for (String broken : List.of(
          "[exporters.file]\npath = \"" + notADirectory.resolve("metrics.jsonl") + "\"",
          "[exporters.prometheus]\nhost = \"127.0.0.1\"\nport = " + taken.getLocalPort())) {
        Path file = config("[exporters.console]\n" + broken);
        out.reset();
        err.reset();
        assertThat(run(Map.of(), "--once", "--config", file.toString()))
            .as(err.toString(StandardCharsets.UTF_8)).isEqualTo(Main.BAD_CONFIG);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("cannot start")
            .contains("not starting");
        assertThat(run(Map.of(), "--check", "--config", file.toString()))
            .isEqualTo(Main.BAD_CONFIG);
        assertThat(stdout()).contains("FAILED").contains("check: problems found");
      }
    }
  }

  @Test
  void tracesWithoutOtlp_oneClearError() throws Exception {
    Path file = dir.resolve("traces.toml");
    Files.writeString(file, """
        [agent]
        hostname = "n1"
        traces = true
        [receivers.cgroup]
        [exporters.console]
        """);
    assertThat(run(Map.of(), "--check", "--config", file.toString()))
        .isEqualTo(Main.BAD_CONFIG);
    String errors = err.toString(StandardCharsets.UTF_8);
    assertThat(errors).contains("the configuration has 1 problem:")
        .contains("agent.traces: the agent's traces go through the OTLP exporter")
        .doesNotContain("unknown key");
  }

  @Test
  void otlpEndpointWithoutScheme_fromTheEnvironment_hintsHttp() {
    Map<String, String> env = Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "localhost:4317");
    assertThat(run(env, "--once")).isEqualTo(Main.BAD_CONFIG);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("write http://localhost:4317");
    assertThat(run(env, "--check")).isEqualTo(Main.BAD_CONFIG);
    assertThat(stdout()).contains("exporter otlp: localhost:4317 (grpc) FAILED")
        .contains("write it as http://localhost:4317");
  }

  @Test
  void groupReport_pressureOnV1_saysV1HasNone() {
    assertThat(GroupReport.lines(java.util.Set.of(io.cgroupotel.metrics.MetricGroup.PRESSURE),
        List.of(), true)).singleElement().asString()
        .contains("not available on cgroup v1").doesNotContain("controller");
  }

  @Test
  void printConfig_expandsVariablesRedactsSecretsAndShowsDefaults() throws Exception {
    Path file = config("""
        [exporters.otlp]
        endpoint = "http://${COLLECTOR:-localhost}:4317"
        headers = { authorization = "Bearer s3cr3t-t0ken" }
        """);
    assertThat(run(Map.of("COLLECTOR", "collector.example"), "--print-config", "--config",
        file.toString())).isZero();
    assertThat(stdout()).contains("endpoint = \"http://collector.example:4317\"")
        .contains("authorization = \"<redacted>\"").doesNotContain("s3cr3t")
        .contains("pollInterval=1s") // a default the file does not set
        .contains("[receivers.cgroup]");
    out.reset();
    assertThat(run(Map.of(), "--print-config")).isZero();
    assertThat(stdout()).contains("<embedded default>").contains("[receivers.cgroup]")
        .contains("[exporters.console]");
  }

  @Test
  void otlpReachable_namesTheCauseAtOnce() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Duration t = Duration.ofSeconds(4);
    long start = System.nanoTime();
    assertThat(OtlpProbe.reachable(URI.create("http://127.0.0.1:" + port), Map.of(), t))
        .contains("connection refused at 127.0.0.1:" + port);
    assertThat(OtlpProbe.reachable(URI.create("http://no-such-host.invalid:4317"), Map.of(), t))
        .contains("unknown host \"no-such-host.invalid\"");
    assertThat(OtlpProbe.reachable(URI.create("localhost:4317"), Map.of(), t))
        .contains("http://localhost:4317");
    try (ServerSocket plain = new ServerSocket(0)) {
      Thread server = new Thread(() -> {
        try (Socket s = plain.accept()) {
          s.getOutputStream().write("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes());
          s.getInputStream().read();
        } catch (IOException e) {
          // the client went away
        }
      });
      server.start();
      assertThat(OtlpProbe.reachable(URI.create("https://127.0.0.1:" + plain.getLocalPort()),
          Map.of(), t)).contains("TLS handshake with 127.0.0.1:" + plain.getLocalPort()
          + " failed");
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(t);
  }

  @Test
  void logLevel_optionAndVariable() throws Exception {
    Path file = config("[exporters.console]");
    Child quiet = Child.run(Map.of(LogLevel.ENV, "warn"), "--check", "--config", file.toString());
    assertThat(quiet.code).isZero();
    assertThat(quiet.output).doesNotContain(" INFO ").contains("check: ok");
    Child loud = Child.run(Map.of(), "--check", "--config", file.toString());
    assertThat(loud.output).contains(" INFO ");
    Child bad = Child.run(Map.of(), "--log-level", "loud", "--check");
    assertThat(bad.code).isEqualTo(Main.BAD_CONFIG);
    assertThat(bad.output).contains("--log-level: unknown log level \"loud\"");
  }

  @Test
  void sigint_duringCheckOnceAndStartUp_exits0WithALine() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      List<Socket> held = new ArrayList<>();
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            held.add(silent.accept()); // accepts and never answers
          }
        } catch (IOException e) {
          // closed
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      Path file = config("""
          [exporters.otlp]
          endpoint = "http://127.0.0.1:%d"
          protocol = "http/protobuf"
          """.formatted(silent.getLocalPort()));
      for (String mode : List.of("--check", "--once")) {
        Process p = Child.start(Map.of(), mode, "--config", file.toString());
        ChildAgent.Log log = ChildAgent.log(p);
        assertThat(log.await("... waiting for", Duration.ofSeconds(20))).as(log.text()).isTrue();
        ChildAgent.signal(p, "INT");
        assertThat(p.waitFor(5, TimeUnit.SECONDS)).as(log.text()).isTrue();
        assertThat(p.exitValue()).as(log.text()).isZero();
        assertThat(log.await("SIGINT during " + mode, Duration.ofSeconds(2))).as(log.text())
            .isTrue();
      }
    }
    // start-up: the first log line is printed while the pipeline is built
    Path file = config("[exporters.console]");
    Process p = Child.start(Map.of(), "--config", file.toString());
    ChildAgent.Log log = ChildAgent.log(p);
    assertThat(log.await(" INFO ", Duration.ofSeconds(20))).as(log.text()).isTrue();
    ChildAgent.signal(p, "INT");
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).as(log.text()).isTrue();
    assertThat(p.exitValue()).as(log.text()).isZero();
    assertThat(log.text()).containsAnyOf("SIGINT during start-up", "stopped");
  }

  @Test
  void run_globMatchingNothing_warnedInTheLogAtStart() throws Exception {
    Process p = Child.start(Map.of(), "--config", config("[exporters.console]").toString());
    ChildAgent.Log log = ChildAgent.log(p);
    try {
      assertThat(log.await("include glob \"nosuch*\" matches no cgroup", Duration.ofSeconds(20)))
          .as(log.text()).isTrue();
      assertThat(log.text()).contains("WARN").doesNotContain("include glob \"a\"");
      ChildAgent.signal(p, "TERM");
      assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isZero();
    } finally {
      p.destroyForcibly();
    }
  }

  /** The agent in a child JVM with SIGINT at its default (a background shell ignores it). */
  private static final class Child {
    int code;
    String output;

    static Process start(Map<String, String> env, String... args) throws IOException {
      List<String> command = new ArrayList<>(List.of("env", "--default-signal=INT",
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
          "-cp", System.getProperty("java.class.path"), Main.class.getName()));
      command.addAll(List.of(args));
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
      pb.environment().remove(LogLevel.ENV);
      pb.environment().putAll(env);
      return pb.start();
    }

    static Child run(Map<String, String> env, String... args) throws Exception {
      Process p = start(env, args);
      Child c = new Child();
      c.output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      c.code = p.exitValue();
      return c;
    }
  }
}

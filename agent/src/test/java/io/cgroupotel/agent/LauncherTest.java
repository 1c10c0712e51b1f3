package io.cgroupotel.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.agent.cli.Main;
import io.cgroupotel.cgroupfs.RealCgroupTree;
import java.io.File;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/cgroup-otel-agent}, run as a user runs it. The runnable jar is made after the tests
 * (package phase), so the tests give the launcher a jar of their own: a manifest with the agent's
 * main class and the test class path, at the place the launcher looks for it in a checkout.
 */
class LauncherTest {
  static final Path LAUNCHER = Path.of("..", "bin", "cgroup-otel-agent").toAbsolutePath()
      .normalize();
  @TempDir Path home;
  private Path launcher;

  @BeforeEach
  void layout() throws Exception {
    // a checkout's layout: <home>/bin/cgroup-otel-agent and <home>/agent/target/*.jar
    Files.createDirectories(home.resolve("bin"));
    launcher = Files.copy(LAUNCHER, home.resolve("bin/cgroup-otel-agent"));
    Path jar = home.resolve("agent/target/cgroup-otel-agent.jar");
    Files.createDirectories(jar.getParent());
    Manifest manifest = new Manifest();
    Attributes main = manifest.getMainAttributes();
    main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
    main.put(Attributes.Name.MAIN_CLASS, Main.class.getName());
    List<String> urls = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      urls.add(Path.of(entry).toAbsolutePath().toUri().toString());
    }
    main.put(Attributes.Name.CLASS_PATH, String.join(" ", urls));
    try (OutputStream out = Files.newOutputStream(jar);
        JarOutputStream j = new JarOutputStream(out, manifest)) {
      // the manifest is the whole jar
    }
  }

  private ProcessBuilder launch(Map<String, String> env, String... args) {
    List<String> command = new ArrayList<>(List.of(launcher.toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().remove("JAVA_OPTS");
    pb.environment().remove("CGROUP_OTEL_AGENT_JAR");
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().putAll(env);
    return pb;
  }

  private static String run(ProcessBuilder pb, int expectedExit) throws Exception {
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    System.out.println("$ " + String.join(" ", pb.command()) + " -> exit " + p.exitValue()
        + "\n" + output);
    assertThat(p.exitValue()).as(output).isEqualTo(expectedExit);
    return output;
  }

  @Test
  @Tag("child-jvm")
  void version_findsTheJarOfTheCheckout() throws Exception {
    assertThat(run(launch(Map.of(), "--version"), 0)).contains("cgroup-otel-agent ");
  }

  @Test
  @Tag("real-cgroup")
  @Tag("child-jvm")
  void check_fixtureConfig_argumentsPassedThrough() throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-launch")) {
      tree.mkdirs("a");
      Path config = Files.writeString(home.resolve("agent.toml"), """
          [receivers.cgroup]
          path = "%s"
          include = ["*"]
          [exporters.console]
          """.formatted(tree.root()));
      assertThat(run(launch(Map.of(), "--check", "--config", config.toString()), 0))
          .contains("receiver cgroup: ok, 1 entity found").contains("check: ok");
      Path bad = Files.writeString(home.resolve("bad.toml"), "[receivers.cgroup]\nfoo = 1\n");
      assertThat(run(launch(Map.of(), "--check", "--config", bad.toString()), 2))
          .contains("receivers.cgroup.foo: unknown key");
    }
  }

  @Test
  @Tag("child-jvm")
  void noJar_exit2SayingHowToBuildIt() throws Exception {
    Files.delete(home.resolve("agent/target/cgroup-otel-agent.jar"));
    assertThat(run(launch(Map.of(), "--version"), 2)).contains("cannot find cgroup-otel-agent.jar")
        .contains("CGROUP_OTEL_AGENT_JAR");
    assertThat(run(launch(Map.of("CGROUP_OTEL_AGENT_JAR", home.resolve("nope.jar").toString()),
        "--version"), 2)).contains("nope.jar: no such file");
  }

  @Test
  @Tag("real-cgroup")
  @Tag("child-jvm")
  void running_execsTheJvmWithAgentOptions_sigtermReachesIt() throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-launch2")) {
      Path config = Files.writeString(home.resolve("agent.toml"), """
          [receivers.cgroup]
          path = "%s"
          [exporters.file]
          path = "/dev/null"
          """.formatted(tree.root()));
      Process p = launch(Map.of("JAVA_OPTS", "-Xmx96m -Dlauncher.test=yes"),
          "--config", config.toString()).start();
      ChildAgent.Log log = ChildAgent.log(p);
      try {
        assertThat(log.await("started:", Duration.ofSeconds(30))).as(log.text()).isTrue();
        // exec: the launched process is the JVM itself, not a shell waiting for it
        ProcessHandle.Info info = p.info();
        assertThat(info.command()).hasValueSatisfying(c -> assertThat(c).endsWith("/java"));
        List<String> args = List.of(info.arguments().orElseThrow());
        System.out.println("launched: " + info.command().get() + " " + String.join(" ", args));
        assertThat(args).contains("-Xmx128m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError",
            "-Xss512k", "-Dlauncher.test=yes", "--config", config.toString());
        // JAVA_OPTS comes after the defaults: the JVM keeps its -Xmx96m
        assertThat(args.indexOf("-Xmx96m")).isGreaterThan(args.indexOf("-Xmx128m"));
        ChildAgent.signal(p, "TERM");
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(log.text()).isZero();
        assertThat(log.text()).contains("stopped");
      } finally {
        p.destroyForcibly();
      }
    }
  }

  @Test
  void shippedDeployments_startTheLauncher() throws Exception {
    Path root = LAUNCHER.getParent().getParent();
    assertThat(Files.isExecutable(LAUNCHER)).isTrue();
    assertThat(Files.readString(root.resolve("Dockerfile")))
        .contains("COPY --chmod=0755 bin/ /opt/cgroup-otel-agent/bin/")
        .contains("/opt/cgroup-otel-agent/lib/cgroup-otel-agent.jar")
        .contains("ENTRYPOINT [\"/opt/cgroup-otel-agent/bin/cgroup-otel-agent\"]");
    assertThat(Files.readString(root.resolve("deploy/systemd/cgroup-otel-agent.service")))
        .contains("ExecStart=/opt/cgroup-otel-agent/bin/cgroup-otel-agent --config")
        .contains("ExecReload=/bin/kill -HUP $MAINPID");
    assertThat(Files.readString(root.resolve("deploy/kubernetes/daemonset.yaml")))
        .contains("command: [\"/opt/cgroup-otel-agent/bin/cgroup-otel-agent\"]");
    String readme = Files.readString(root.resolve("README.md"));
    assertThat(readme).contains("\nbin/cgroup-otel-agent\n").doesNotContain("./mvnw -q")
        .doesNotContain("\npath = \"/sys/fs/cgroup\"");
  }
}

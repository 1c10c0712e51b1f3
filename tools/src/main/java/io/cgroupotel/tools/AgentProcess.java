package io.cgroupotel.tools;

import io.cgroupotel.agent.cli.Main;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Starts the real agent as a child JVM for the bench and soak runs. The tools jar's own main is
 * the harness ({@code bench|soak}), not the agent: the agent is the checkout's (or
 * {@code $CGROUP_OTEL_AGENT_JAR}'s) runnable jar when there is one, else the agent's
 * {@link Main} from the tools jar, which carries the same classes.
 */
final class AgentProcess {
  private AgentProcess() {}

  /** The java command line that runs the agent on {@code config} with the launcher's flags. */
  static List<String> command(Path config, Map<String, String> env) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(Bench.AGENT_JVM_FLAGS);
    Optional<Path> agentJar = agentJar(env);
    if (agentJar.isPresent()) {
      command.addAll(List.of("-jar", agentJar.get().toString()));
    } else {
      command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    }
    command.addAll(List.of("--config", config.toString()));
    return command;
  }

  /** {@code $CGROUP_OTEL_AGENT_JAR}, else {@code agent/target/cgroup-otel-agent.jar} of the checkout. */
  static Optional<Path> agentJar(Map<String, String> env) {
    String fromEnv = env.get("CGROUP_OTEL_AGENT_JAR");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return Optional.of(Path.of(fromEnv));
    }
    Optional<Path> tools = toolsJar();
    if (tools.isEmpty()) {
      return Optional.empty();
    }
    // tools/target/cgroup-otel-tools.jar -> agent/target/cgroup-otel-agent.jar
    Path checkout = tools.get().toAbsolutePath().getParent().getParent().getParent();
    Path jar = checkout.resolve("agent/target/cgroup-otel-agent.jar");
    return Files.isRegularFile(jar) ? Optional.of(jar) : Optional.empty();
  }

  private static Optional<Path> toolsJar() {
    try {
      Path p = Path.of(AgentProcess.class.getProtectionDomain().getCodeSource().getLocation()
          .toURI());
      return p.toString().endsWith(".jar") && p.getNameCount() >= 3
          ? Optional.of(p) : Optional.empty();
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  /**
   * Fails with the agent's own words when it is no longer running (a config it refused, a port
   * in use), instead of a missing /proc entry later.
   */
  static void requireAlive(Process agent, Path log) throws IOException {
    if (!agent.isAlive()) {
      String output = Files.isRegularFile(log) ? Files.readString(log) : "";
      throw new IllegalStateException("the agent exited with code " + agent.exitValue()
          + (output.isBlank() ? "" : "; its output:\n" + output.strip()));
    }
  }
}

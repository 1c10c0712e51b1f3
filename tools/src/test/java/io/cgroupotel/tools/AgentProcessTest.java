package io.cgroupotel.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The harnesses start the agent itself, which takes --config (the harness's main does not). */
class AgentProcessTest {
  @Test
  @Tag("child-jvm")
  void command_startsTheAgentWithItsConfig(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("agent.toml");
    Files.writeString(config, "[receivers.cgroup]\n[exporters.file]\npath = \"/dev/null\"\n");
    List<String> command = new ArrayList<>(AgentProcess.command(config, Map.of()));
    command.add("--print-config");
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(output).isZero();
    assertThat(output).contains("from " + config).contains("[exporters.file]")
        .doesNotContain("Unknown option").doesNotContain("No SLF4J providers");
  }

  @Test
  void requireAlive_exitedAgent_failsWithItsOutput(@TempDir Path dir) throws Exception {
    Path log = Files.writeString(dir.resolve("agent.log"), "config: bad key\n");
    Process done = new ProcessBuilder("false").start();
    done.waitFor();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> AgentProcess.requireAlive(done, log))
        .hasMessageContaining("exited with code 1").hasMessageContaining("config: bad key");
  }
}

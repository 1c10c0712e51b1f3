package io.cgroupotel.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.agent.pipeline.Agent;
import io.cgroupotel.agent.pipeline.Pipeline;
import io.cgroupotel.config.ConfigDocument;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The configurations the repository ships are valid for this agent. */
class ShippedConfigsTest {
  @ParameterizedTest
  @ValueSource(strings = {"../deploy/agent.toml", "../deploy/k8s.toml", "../deploy/oar3.toml",
      "../deploy/slurm.toml", "../demo/agent.toml"})
  void shippedConfig_valid(String file) throws Exception {
    AgentConfig config = AgentConfig.read(ConfigDocument.parse(Path.of(file),
        Map.of("NODE_NAME", "node-1")), Map.of());
    assertThat(config.receivers()).isNotEmpty();
    assertThat(config.exporters()).isNotEmpty();
  }

  /**
   * The README's example config starts here, on a hybrid host too (its cgroup receiver has no
   * {@code path}: the default finds the cgroup v2 mount, /sys/fs/cgroup/unified on this one).
   */
  @org.junit.jupiter.api.Test
  void readmeExampleConfig_receiversStartOnThisHost() throws Exception {
    String readme = java.nio.file.Files.readString(Path.of("../README.md"));
    int start = readme.indexOf("```toml\n") + "```toml\n".length();
    String toml = readme.substring(start, readme.indexOf("```", start));
    AgentConfig config = AgentConfig.read(ConfigDocument.parse("README.md", toml,
        Map.of("NODE_NAME", "node-1")), Map.of());
    try (Agent agent = new Agent(
        Pipeline.builder(config).mode(Pipeline.Mode.CHECK).build())) {
      assertThat(agent.pipeline().problems()).isEmpty();
      assertThat(agent.pipeline().receiverNames()).contains("cgroup");
    }
  }
}

package io.cgroupotel.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.config.ConfigDocument;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The configurations the repository ships are valid for this agent. */
class ShippedConfigsTest {
  @ParameterizedTest
  @ValueSource(strings = {"../deploy/oar3.toml", "../deploy/slurm.toml", "../demo/agent.toml"})
  void shippedConfig_valid(String file) throws Exception {
    AgentConfig config = AgentConfig.read(ConfigDocument.parse(Path.of(file),
        Map.of("NODE_NAME", "node-1")), Map.of());
    assertThat(config.receivers()).isNotEmpty();
    assertThat(config.exporters()).isNotEmpty();
  }
}

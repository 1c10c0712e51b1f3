package io.cgroupotel.agent;

import io.cgroupotel.config.ConfigDocument;
import io.cgroupotel.config.ConfigException;
import java.util.Map;

/** Agents built from TOML text, as the CLI builds them from a file, for tests. */
final class TestAgents {
  private TestAgents() {}

  static Agent create(String source, String toml) throws ConfigException {
    return new Agent(Pipeline.builder(
        AgentConfig.read(ConfigDocument.parse(source, toml, Map.of()), Map.of())).build());
  }
}

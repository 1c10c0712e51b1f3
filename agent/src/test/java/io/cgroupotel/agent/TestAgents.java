package io.cgroupotel.agent;

import io.cgroupotel.agent.pipeline.Agent;
import io.cgroupotel.agent.pipeline.Pipeline;
import io.cgroupotel.config.ConfigDocument;
import io.cgroupotel.config.ConfigException;
import java.util.Map;

/** Agents built from TOML text, as the CLI builds them from a file, for tests. */
public final class TestAgents {
  private TestAgents() {}

  public static Agent create(String source, String toml) throws ConfigException {
    return new Agent(Pipeline.builder(config(source, toml)).build());
  }

  /** The configuration a file of this text would give, read without environment. */
  public static AgentConfig config(String source, String toml) throws ConfigException {
    return AgentConfig.read(ConfigDocument.parse(source, toml, Map.of()), Map.of());
  }
}

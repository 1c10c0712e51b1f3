package io.cgroupotel.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.cgroupotel.config.ConfigDocument;
import io.cgroupotel.config.ConfigError;
import io.cgroupotel.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Edge values (sizes, durations, globs) through the whole agent config: every key that takes
 * them.
 */
class ConfigEdgesAgentTest {

  private static List<String> errors(String text, Map<String, String> env) {
    ConfigException e = catchThrowableOfType(ConfigException.class,
        () -> AgentConfig.read(ConfigDocument.parse("agent.toml", text, env), env));
    assertThat(e).as("refused").isNotNull();
    return e.errors().stream().map(ConfigError::toString).toList();
  }

  @Test
  void read_unterminatedHostnameVariable_positionedError() {
    List<String> errors = errors("""
        [agent]
        hostname = "${NODE_NAME"
        [exporters.file]
        path = "-"
        """, Map.of("NODE_NAME", "node-7"));
    assertThat(errors).containsExactly("agent.toml:2:1: agent.hostname: unterminated \"${\" in "
        + "\"${NODE_NAME\" (write ${NAME} or ${NAME:-default}, NAME of letters, digits and _; "
        + "$${ is a literal ${)");
  }

  @Test
  void read_everyListKeyGivenAString_oneErrorEach() {
    List<String> errors = errors("""
        [processors.filter]
        include_metrics = "k8s.*"
        exclude_metrics = "x"
        exclude_attributes = { "k8s.namespace.name" = "kube-*" }
        [receivers.cgroup]
        include = "*"
        [receivers.k8s]
        token_retrieval = "none"
        pod_labels = "app"
        [exporters.file]
        path = "-"
        """, Map.of());
    assertThat(errors).containsExactly(
        "agent.toml:2:1: processors.filter.include_metrics: expected a list of strings, found a "
            + "string (write include_metrics = [\"k8s.*\"])",
        "agent.toml:3:1: processors.filter.exclude_metrics: expected a list of strings, found a "
            + "string (write exclude_metrics = [\"x\"])",
        "agent.toml:4:24: processors.filter.exclude_attributes.k8s.namespace.name: expected a "
            + "list of strings, found a string (write \"k8s.namespace.name\" = [\"kube-*\"])",
        "agent.toml:6:1: receivers.cgroup.include: expected a list of strings, found a string "
            + "(write include = [\"*\"])",
        "agent.toml:9:1: receivers.k8s.pod_labels: expected a list of strings, found a string "
            + "(write pod_labels = [\"app\"])");
  }

  @Test
  void read_intervalsOutOfRange_everyReceiverAndTheAgent() {
    List<String> errors = errors("""
        [agent]
        export_interval = "0.000001ms"
        [receivers.cgroup]
        poll_interval = "0.000001ms"
        [receivers.k8s]
        token_retrieval = "none"
        poll_interval = "50ms"
        [receivers.oar3]
        poll_interval = "25h"
        [exporters.file]
        path = "-"
        """, Map.of());
    assertThat(errors).containsExactly(
        "agent.toml:2:1: agent.export_interval: \"0.000001ms\" is too short (allowed: 100ms to "
            + "24h, e.g. \"10s\")",
        "agent.toml:4:1: receivers.cgroup.poll_interval: \"0.000001ms\" is too short (allowed: "
            + "100ms to 24h, e.g. \"1s\")",
        "agent.toml:7:1: receivers.k8s.poll_interval: \"50ms\" is too short (allowed: 100ms to "
            + "24h, e.g. \"1s\")",
        "agent.toml:9:1: receivers.oar3.poll_interval: \"25h\" is too long (allowed: 100ms to "
            + "24h, e.g. \"1s\")");
  }

  @Test
  void read_exportIntervalFromEnvironmentOutOfRange_error() {
    List<String> errors = errors("""
        [agent]
        export_interval = "10s"
        [exporters.file]
        path = "-"
        """, Map.of("OTEL_METRIC_EXPORT_INTERVAL", "1"));
    assertThat(errors).containsExactly("agent.toml:2:1: agent.export_interval: "
        + "OTEL_METRIC_EXPORT_INTERVAL=\"1\" is out of range (allowed: 100 to 86400000 "
        + "(milliseconds))");
  }

  @Test
  void read_intervalsAtTheBounds_accepted() throws Exception {
    String text = """
        [agent]
        export_interval = "100ms"
        [receivers.cgroup]
        poll_interval = "24h"
        [exporters.file]
        path = "-"
        """;
    AgentConfig config = AgentConfig.read(ConfigDocument.parse("agent.toml", text, Map.of()),
        Map.of());
    assertThat(config.settings().exportInterval()).isEqualTo(Duration.ofMillis(100));
  }

  @Test
  void load_tenMegabyteValue_refusedBeforeParsing(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("huge.toml");
    Files.writeString(file, "[agent]\nhostname = \"" + "x".repeat(10 << 20) + "\"\n");
    ConfigException e = catchThrowableOfType(ConfigException.class,
        () -> AgentConfig.load(file, Map.of()));
    assertThat(e.getMessage()).isEqualTo(file + ":1:1: the config file is larger than 64 KiB "
        + "(65536 bytes): refused before parsing (a config is a few KB; check the path given "
        + "to --config)");
  }
}

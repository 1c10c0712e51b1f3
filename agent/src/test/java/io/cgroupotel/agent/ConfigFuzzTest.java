package io.cgroupotel.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.config.ConfigDocument;
import io.cgroupotel.config.ConfigError;
import io.cgroupotel.config.ConfigException;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random mutations of a valid configuration: each one either still reads, or is refused with
 * positioned messages. Never another exception, never a stack trace.
 */
class ConfigFuzzTest {
  private static final String VALID = """
      [agent]
      hostname = "${NODE_NAME}"
      export_interval = "10s"

      [processors.batch]
      max_data_points = 8192

      [processors.filter]
      exclude_metrics = ["*.memory.usage"]
      exclude_attributes = { "k8s.namespace.name" = ["kube-*"] }

      [receivers.cgroup]
      path = "/sys/fs/cgroup"
      include = [".", "*", "system.slice/*.service"]
      poll_interval = "1s"

      [receivers.k8s]
      path = "/sys/fs/cgroup"
      node_name = "node-1"
      token_retrieval = "none"
      containers = true

      [exporters.otlp]
      endpoint = "http://localhost:4317"
      protocol = "grpc"
      compression = "gzip"
      headers = { "x-tenant" = "a" }

      [exporters.file]
      path = "-"
      """;
  private static final String ALPHABET = "[]{}=\"'.,#\n \\$:-_0123456789abcsmhtrue";

  @Test
  void read_randomMutations_validOrPositionedErrors() {
    Random random = new Random(20261128L);
    int refused = 0;
    for (int i = 0; i < 1500; i++) {
      String text = mutate(VALID, random, 1 + random.nextInt(4));
      try {
        AgentConfig.read(ConfigDocument.parse("fuzz.toml", text, Map.of()), Map.of());
      } catch (ConfigException e) {
        refused++;
        assertThat(e.errors()).isNotEmpty();
        for (ConfigError error : e.errors()) {
          assertThat(error.toString()).startsWith("fuzz.toml:");
          assertThat(error.message()).isNotBlank();
        }
      } catch (RuntimeException e) {
        throw new AssertionError("mutation " + i + " gave " + e + " for:\n" + text, e);
      }
    }
    assertThat(refused).isGreaterThan(100);
  }

  private static String mutate(String text, Random random, int times) {
    StringBuilder sb = new StringBuilder(text);
    for (int t = 0; t < times && sb.length() > 0; t++) {
      int at = random.nextInt(sb.length());
      switch (random.nextInt(5)) {
        case 0 -> sb.deleteCharAt(at);
        case 1 -> sb.insert(at, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        case 2 -> sb.setCharAt(at, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        case 3 -> {
          int end = Math.min(sb.length(), at + random.nextInt(40));
          sb.insert(random.nextInt(sb.length()), sb.substring(at, end));
        }
        default -> {
          int end = Math.min(sb.length(), at + random.nextInt(20));
          sb.delete(at, end);
        }
      }
    }
    return sb.toString();
  }
}

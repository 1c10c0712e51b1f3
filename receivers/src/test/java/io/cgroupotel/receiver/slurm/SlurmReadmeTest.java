package io.cgroupotel.receiver.slurm;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.metrics.EntityMetric;
import io.cgroupotel.metrics.MetricAttributes;
import io.cgroupotel.receiver.EntityKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.LinkedHashSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The README's metric table is derived from the metric table ({@link EntityMetric}): this test
 * fails when they drift; {@code -Dreadme.update=true} rewrites the table between its markers.
 */
class SlurmReadmeTest {
  private static final Path README =
      Path.of("src/main/java/io/cgroupotel/receiver/slurm/README.md");
  private static final String BEGIN = "<!-- metrics: generated from EntityMetric by "
      + "SlurmReadmeTest (-Dreadme.update=true) -->\n";
  private static final String END = "<!-- metrics: end -->\n";

  static String table() {
    StringBuilder sb = new StringBuilder();
    sb.append("| metric (job) | metric (step, with `steps = true`) | instrument | unit "
        + "| attributes | description | from (cgroup v2) |\n");
    sb.append("|---|---|---|---|---|---|---|\n");
    for (EntityMetric m : EntityMetric.values()) {
      sb.append("| `").append(EntityKind.SLURM_JOB.metricName(m)).append("` | `")
          .append(EntityKind.SLURM_STEP.metricName(m)).append("` | ")
          .append(m.instrument() == EntityMetric.Instrument.COUNTER ? "Counter" : "Gauge")
          .append(" | ").append(m.unit()).append(" | ").append(attributes(m)).append(" | ")
          .append(m.description()).append(" | ").append(m.sourceV2()).append(" |\n");
    }
    return sb.toString();
  }

  private static String attributes(EntityMetric m) {
    Map<String, LinkedHashSet<String>> keys = new LinkedHashMap<>();
    switch (m.source()) {
      case IO_BYTES, IO_OPERATIONS -> {
        keys.put(MetricAttributes.DISK_IO_DIRECTION.getKey(), new LinkedHashSet<>(
            java.util.List.of("read", "write")));
        keys.put(MetricAttributes.SYSTEM_DEVICE.getKey(), new LinkedHashSet<>());
      }
      case CPU_RATE -> { }
      default -> {
        for (EntityMetric.PointSpec p : m.points(EntityKind.SLURM_JOB)) {
          p.attributes().forEach((k, v) -> keys.computeIfAbsent(k.getKey(), x -> new LinkedHashSet<>())
              .add(String.valueOf(v)));
        }
      }
    }
    if (keys.isEmpty()) {
      return "";
    }
    return keys.entrySet().stream().map(e -> "`" + e.getKey() + "`" + (e.getValue().isEmpty()
        ? "" : " = " + String.join(", ", e.getValue()))).collect(Collectors.joining("; "));
  }

  @Test
  void readme_metricTable_matchesTheMetricTable() throws Exception {
    String text = Files.readString(README, StandardCharsets.UTF_8);
    int b = text.indexOf(BEGIN);
    int e = text.indexOf(END);
    assertThat(b).as("marker in " + README).isNotNegative();
    assertThat(e).as("end marker in " + README).isGreaterThan(b);
    String expected = table();
    String actual = text.substring(b + BEGIN.length(), e);
    if (Boolean.getBoolean("readme.update") && !actual.equals(expected)) {
      Files.writeString(README, text.substring(0, b + BEGIN.length()) + expected
          + text.substring(e), StandardCharsets.UTF_8);
      actual = expected;
    }
    assertThat(actual).as("README metric table (regenerate with -Dreadme.update=true)")
        .isEqualTo(expected);
  }
}

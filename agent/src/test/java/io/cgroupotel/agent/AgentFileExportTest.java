package io.cgroupotel.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cgroupotel.agent.pipeline.Agent;
import io.cgroupotel.cgroupfs.Cgroup2;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A running pipeline through the file exporter: the SDK's own telemetry ({@code
 * otel.sdk.metric_reader.collection.duration}, recorded from the second collection on) is in no
 * table of the README and must not reach any exporter; SIGHUP's reopen lets go of a rotated file.
 */
class AgentFileExportTest {

  @Test
  void runningPipeline_fileExporterLines_carryNoOtelSdkMetric(@TempDir Path dir)
      throws Exception {
    Optional<Path> root = Cgroup2.findMount();
    if (root.isEmpty()) {
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError("CI=true needs a cgroup v2 mount");
      }
      Assumptions.assumeTrue(false, "no cgroup v2 mount");
    }
    Path out = dir.resolve("metrics.jsonl");
    String toml = """
        [agent]
        export_interval = "100ms"
        [receivers.cgroup]
        path = "%s"
        include = ["."]
        poll_interval = "100ms"
        [exporters.file]
        path = "%s"
        """.formatted(root.get(), out);
    Agent agent = TestAgents.create("sdk-telemetry.toml", toml);
    assertThat(agent.pipeline().problems()).isEmpty();
    agent.start();
    try {
      // the file is the only signal: poll it
      await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
          .until(() -> Files.exists(out) && Files.readAllLines(out).size() >= 4);
    } finally {
      agent.shutdown(Duration.ofSeconds(5));
    }
    List<String> lines = Files.readAllLines(out);
    assertThat(lines).as("exports").hasSizeGreaterThanOrEqualTo(4);
    assertThat(lines).allSatisfy(line -> assertThat(line).contains("\"cgroup_agent.entities\"")
        .doesNotContain("\"otel.sdk.").doesNotContain("\"io.opentelemetry.sdk.metrics\""));
    System.out.printf("%d exports through the file exporter, none with an otel.sdk. metric%n",
        lines.size());
  }

  /** What the SIGHUP handler calls after logrotate's mv: the file is back at its path at once. */
  @Test
  void reopenFiles_afterMv_fileExporterWritesAtItsPathAgain(@TempDir Path dir) throws Exception {
    Optional<Path> root = Cgroup2.findMount();
    Assumptions.assumeTrue(root.isPresent() || "true".equals(System.getenv("CI")),
        "no cgroup v2 mount");
    Path out = dir.resolve("metrics.jsonl");
    Path moved = dir.resolve("metrics.jsonl.1");
    Agent agent = TestAgents.create("reopen.toml", """
        [agent]
        export_interval = "60s"
        [receivers.cgroup]
        path = "%s"
        include = ["."]
        [exporters.file]
        path = "%s"
        """.formatted(root.orElseThrow(), out));
    assertThat(agent.pipeline().problems()).isEmpty();
    agent.start();
    try {
      Files.move(out, moved);
      agent.reopenFiles();
      assertThat(out).exists().isEmptyFile();
    } finally {
      agent.shutdown(Duration.ofSeconds(5)); // the last export goes to the reopened file
    }
    assertThat(Files.readAllLines(out)).hasSize(1);
    assertThat(moved).isEmptyFile();
  }
}

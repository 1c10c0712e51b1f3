package io.cgroupotel.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.JsonFormat;
import io.cgroupotel.agent.AgentConfig;
import io.cgroupotel.agent.AgentOtlpEndToEndTest;
import io.cgroupotel.cgroupfs.RealCgroupTree;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MainTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(Map<String, String> env, String... args) {
    Main main = new Main(env, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new CommandLine(main).execute(args);
  }

  private String stdout() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String stderr() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void config_unknownKeyAndBadDuration_exit2WithEveryErrorPositioned(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("agent.toml");
    Files.writeString(file, """
        [agent]
        export_interval = "10 seconds"

        [receivers.cgroup]
        pathh = "/sys/fs/cgroup"

        [exporters.console]
        """);
    assertThat(run(Map.of(), "--config", file.toString())).isEqualTo(Main.BAD_CONFIG);
    assertThat(stderr())
        .contains(file + ":2:1: agent.export_interval: bad duration \"10 seconds\"")
        .contains(file + ":5:1: receivers.cgroup.pathh: unknown key");
  }

  @Test
  void config_noExporter_exit2(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("agent.toml");
    Files.writeString(file, "[receivers.cgroup]\n");
    assertThat(run(Map.of(), "--config", file.toString())).isEqualTo(Main.BAD_CONFIG);
    assertThat(stderr()).contains("no exporter is enabled");
  }

  @Test
  void config_missingFile_exit2NamingIt(@TempDir Path dir) {
    Path file = dir.resolve("nope.toml");
    assertThat(run(Map.of(), "--config", file.toString())).isEqualTo(Main.BAD_CONFIG);
    assertThat(stderr()).contains(file.toString()).contains("no such file");
  }

  @Test
  void receiverPathNotCgroup2_exit2NamingThePath(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("agent.toml");
    Files.writeString(file, """
        [receivers.cgroup]
        path = "%s"
        [exporters.console]
        """.formatted(dir));
    assertThat(run(Map.of(), "--once", "--config", file.toString())).isEqualTo(Main.BAD_CONFIG);
    assertThat(stderr()).contains(dir + " is not cgroup v2");
  }

  @Test
  @Tag("real-cgroup")
  void once_fileExporter_writesOneOtlpJsonLinePerExport(@TempDir Path dir) throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-once")) {
      tree.mkdirs("a");
      tree.mkdirs("b");
      Path metrics = dir.resolve("out/metrics.jsonl");
      Path file = dir.resolve("agent.toml");
      Files.writeString(file, """
          [receivers.cgroup]
          path = "%s"
          include = ["*"]
          [exporters.file]
          path = "%s"
          """.formatted(tree.root(), metrics));
      assertThat(run(Map.of(), "--once", "--config", file.toString())).isEqualTo(Main.OK);
      List<String> lines = Files.readAllLines(metrics);
      assertThat(lines).isNotEmpty();
      ExportMetricsServiceRequest.Builder request = ExportMetricsServiceRequest.newBuilder();
      JsonFormat.parser().merge(lines.get(0), request);
      assertThat(request.getResourceMetricsList())
          .filteredOn(rm -> AgentOtlpEndToEndTest.attribute(rm, "cgroup.path") != null)
          .extracting(rm -> AgentOtlpEndToEndTest.attribute(rm, "cgroup.path"))
          .containsExactlyInAnyOrder("/a", "/b");
    }
  }

  @Test
  @Tag("real-cgroup")
  void once_otlpDown_exit1() throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-down")) {
      Path file = Files.createTempFile("agent", ".toml");
      try {
        Files.writeString(file, """
            [receivers.cgroup]
            path = "%s"
            [exporters.otlp]
            endpoint = "http://127.0.0.1:9"
            timeout = "1s"
            """.formatted(tree.root()));
        assertThat(run(Map.of(), "--once", "--config", file.toString()))
            .isEqualTo(Main.RUNTIME_FAILURE);
        assertThat(stderr()).contains("an export failed");
      } finally {
        Files.delete(file);
      }
    }
  }

  @Test
  void check_embeddedDefault_reportsWhatItFound() {
    assertThat(run(Map.of(), "--check")).isEqualTo(Main.OK);
    assertThat(stdout()).contains("config: <embedded default>: valid")
        .contains("receiver cgroup: ok").contains("exporter console: ok")
        .contains("check: ok");
  }

  @Test
  void embeddedDefault_otlpEndpointInEnvironment_addsOtlp() throws Exception {
    AgentConfig config = AgentConfig.embeddedDefault(
        Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317"));
    assertThat(config.exporters()).extracting(AgentConfig.Component::name)
        .containsExactly("otlp", "console");
    assertThat(AgentConfig.embeddedDefault(Map.of()).exporters())
        .extracting(AgentConfig.Component::name).containsExactly("console");
  }

  @Test
  void version_printed() {
    assertThat(run(Map.of(), "--version")).isZero();
  }

  @Test
  @Tag("real-cgroup")
  void check_otlpEndpointDown_exit2SayingSo(@TempDir Path dir) throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-check")) {
      Path file = dir.resolve("agent.toml");
      Files.writeString(file, """
          [receivers.cgroup]
          path = "%s"
          [exporters.otlp]
          endpoint = "http://127.0.0.1:9"
          timeout = "1s"
          """.formatted(tree.root()));
      assertThat(run(Map.of(), "--check", "--config", file.toString()))
          .isEqualTo(Main.BAD_CONFIG);
      assertThat(stdout()).contains("exporter otlp: http://127.0.0.1:9 (grpc) FAILED: ")
          .contains("check: problems found");
    }
  }

  @Test
  @Tag("real-cgroup")
  void once_batchSplit_noRequestAboveMaxDataPoints(@TempDir Path dir) throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-split")) {
      for (int i = 0; i < 6; i++) {
        tree.mkdirs("c" + i);
      }
      Path metrics = dir.resolve("metrics.jsonl");
      Path file = dir.resolve("agent.toml");
      Files.writeString(file, """
          [processors.batch]
          max_data_points = 5
          [receivers.cgroup]
          path = "%s"
          include = ["*"]
          [exporters.file]
          path = "%s"
          """.formatted(tree.root(), metrics));
      assertThat(run(Map.of(), "--once", "--config", file.toString())).isEqualTo(Main.OK);
      List<String> lines = Files.readAllLines(metrics);
      int total = 0;
      for (String line : lines) {
        ExportMetricsServiceRequest.Builder request = ExportMetricsServiceRequest.newBuilder();
        JsonFormat.parser().merge(line, request);
        int points = request.getResourceMetricsList().stream()
            .flatMap(rm -> rm.getScopeMetricsList().stream())
            .flatMap(sm -> sm.getMetricsList().stream())
            .mapToInt(m -> m.getSum().getDataPointsCount() + m.getGauge().getDataPointsCount())
            .sum();
        assertThat(points).isBetween(1, 5);
        total += points;
      }
      // 6 cgroups x 2 cpu.mode points (default groups: cpu and memory, no memory controller
      // on this mount) + the agent's own 3 + its process' 5 (cpu.time by mode, memory.usage,
      // memory.virtual, open_file_descriptor.count)
      assertThat(total).isEqualTo(6 * 2 + 3 + 5);
      assertThat(lines.size()).isGreaterThanOrEqualTo(3);
    }
  }
}

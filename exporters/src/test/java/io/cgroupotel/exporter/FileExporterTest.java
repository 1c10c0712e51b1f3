package io.cgroupotel.exporter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.util.JsonFormat;
import io.cgroupotel.exporter.file.FileExporterConfig;
import io.cgroupotel.exporter.file.FileExporterFactory;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileExporterTest {
  static final Path GOLDEN = Path.of("src/test/resources/golden/file-exporter.jsonl");

  @Test
  void export_twoCgroups_matchesGoldenOtlpJsonLine(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("sub/metrics.jsonl");
    MetricExporter exporter = new FileExporterFactory().create(
        new FileExporterConfig(file.toString(), AggregationTemporality.CUMULATIVE));
    assertThat(exporter.export(TestMetrics.twoCgroups()).isSuccess()).isTrue();
    assertThat(exporter.export(TestMetrics.twoCgroups()).isSuccess()).isTrue();
    exporter.shutdown();

    List<String> lines = Files.readAllLines(file);
    assertThat(lines).hasSize(2);
    if (Boolean.getBoolean("golden.update")) {
      Files.createDirectories(GOLDEN.getParent());
      Files.writeString(GOLDEN, lines.get(0) + "\n");
    }
    // the protobuf JSON mapping, as the Collector's otlpjsonfile receiver reads it; the SDK's
    // marshaler does not promise an order of resources, so compare them as a set
    ExportMetricsServiceRequest parsed = parse(lines.get(0));
    assertThat(parsed.getResourceMetricsList()).containsExactlyInAnyOrderElementsOf(
        parse(Files.readString(GOLDEN).trim()).getResourceMetricsList());
    assertThat(parse(lines.get(1)).getResourceMetricsList())
        .containsExactlyInAnyOrderElementsOf(parsed.getResourceMetricsList());
    assertThat(parsed.getResourceMetricsCount()).isEqualTo(2);
    assertThat(lines.get(0)).contains("\"resourceMetrics\"").contains("\"asDouble\"")
        .contains("\"aggregationTemporality\":2").contains("\"isMonotonic\":true");
  }

  private static ExportMetricsServiceRequest parse(String json) throws Exception {
    ExportMetricsServiceRequest.Builder b = ExportMetricsServiceRequest.newBuilder();
    JsonFormat.parser().merge(json, b);
    return b.build();
  }

  @Test
  void create_unwritablePath_refusedNamingIt(@TempDir Path dir) throws Exception {
    Path blocker = dir.resolve("file");
    Files.writeString(blocker, "not a directory");
    assertThatThrownBy(() -> new FileExporterFactory().create(new FileExporterConfig(
        blocker.resolve("metrics.jsonl").toString(), AggregationTemporality.CUMULATIVE)))
        .isInstanceOf(ExporterStartException.class)
        .hasMessageContaining(blocker.resolve("metrics.jsonl").toString());
  }
}

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
    // byte for byte: resources are written in the order they come, so the line is stable
    assertThat(lines.get(0) + "\n").isEqualTo(Files.readString(GOLDEN));
    assertThat(lines.get(1)).isEqualTo(lines.get(0));
    // and the protobuf JSON mapping, as the Collector's otlpjsonfile receiver reads it
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

  @Test
  void export_afterLogrotateMv_newFileAtPathAndMovedFileNotWritten(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("metrics.jsonl");
    Path moved = dir.resolve("metrics.jsonl.1");
    MetricExporter exporter = new FileExporterFactory().create(
        new FileExporterConfig(file.toString(), AggregationTemporality.CUMULATIVE));
    try {
      assertThat(exporter.export(TestMetrics.twoCgroups()).isSuccess()).isTrue();
      Files.move(file, moved); // logrotate without copytruncate
      assertThat(exporter.export(TestMetrics.twoCgroups()).isSuccess()).isTrue();
      assertThat(exporter.export(TestMetrics.twoCgroups()).isSuccess()).isTrue();
      assertThat(Files.readAllLines(moved)).hasSize(1);
      assertThat(Files.readAllLines(file)).hasSize(2);

      Files.delete(file); // or deleted outright
      assertThat(exporter.export(TestMetrics.twoCgroups()).isSuccess()).isTrue();
      assertThat(Files.readAllLines(file)).hasSize(1);
      assertThat(Files.readAllLines(moved)).hasSize(1);
    } finally {
      exporter.shutdown();
    }
  }

  @Test
  void reopen_afterMv_createsTheFileAtOnceAndWritesThere(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("metrics.jsonl");
    Path moved = dir.resolve("metrics.jsonl.1");
    MetricExporter exporter = new FileExporterFactory().create(
        new FileExporterConfig(file.toString(), AggregationTemporality.CUMULATIVE));
    try {
      assertThat(exporter).isInstanceOf(Reopenable.class);
      exporter.export(TestMetrics.twoCgroups());
      Files.move(file, moved);
      ((Reopenable) exporter).reopen(); // what SIGHUP does
      assertThat(file).exists().isEmptyFile();
      assertThat(exporter.export(TestMetrics.twoCgroups()).isSuccess()).isTrue();
      assertThat(Files.readAllLines(file)).hasSize(1);
      assertThat(Files.readAllLines(moved)).hasSize(1);
    } finally {
      exporter.shutdown();
    }
  }

  /**
   * A real full disk: a 64 KiB tmpfs. The write that fails leaves no half line, and once space
   * is back the next line starts clean (the first version glued it to the half line).
   */
  @Test
  void export_diskFullPartway_wholeLinesOnlyAndNextExportStartsClean(@TempDir Path dir)
      throws Exception {
    try (SmallTmpfs tmpfs = SmallTmpfs.mount(dir, "64k")) {
      Path mount = tmpfs.path();
      Path filler = mount.resolve("filler");
      Files.write(filler, new byte[24 * 1024]);
      Path file = mount.resolve("metrics.jsonl");
      MetricExporter exporter = new FileExporterFactory().create(
          new FileExporterConfig(file.toString(), AggregationTemporality.CUMULATIVE));
      try {
        int written = 0;
        int failed = 0;
        long lineLength = 0;
        for (int i = 0; i < 200 && failed < 3; i++) {
          if (exporter.export(TestMetrics.twoCgroups()).isSuccess()) {
            written++;
            lineLength = Files.size(file) / written;
          } else {
            failed++;
            // the failed write was cut back: the file holds whole lines only
            assertWholeLines(file, written);
          }
        }
        assertThat(failed).as("the disk filled up").isPositive();
        assertThat(written).isPositive();
        System.out.printf("full disk: %d lines of %d bytes written, %d exports failed, file "
            + "%d bytes, whole lines only%n", written, lineLength, failed, Files.size(file));

        Files.delete(filler); // space is back
        assertThat(exporter.export(TestMetrics.twoCgroups()).isSuccess()).isTrue();
        assertWholeLines(file, written + 1);
      } finally {
        exporter.shutdown();
      }
    }
  }

  /** Each line is one whole request (none torn, none glued), and there are {@code count}. */
  private static void assertWholeLines(Path file, int count) throws Exception {
    String text = Files.readString(file);
    assertThat(text).as("ends with a whole line").satisfiesAnyOf(
        t -> assertThat(t).isEmpty(), t -> assertThat(t).endsWith("\n"));
    List<String> lines = text.lines().toList();
    assertThat(lines).hasSize(count);
    for (String line : lines) {
      assertThat(line).startsWith("{\"resourceMetrics\"").endsWith("}");
      assertThat(parse(line).getResourceMetricsCount()).isEqualTo(2);
    }
  }
}

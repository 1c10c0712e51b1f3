package io.cgroupotel.exporter.file;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.exporter.SmallTmpfs;
import io.cgroupotel.exporter.TestMetrics;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A long line goes to the file in parts, so the encoder's buffer stays small: the parts and the
 * rest make the very line encoded whole, and a disk that fills partway through a long line still
 * leaves whole lines only.
 */
class LinePartsTest {

  /** {@code n} cgroups with two metrics each: 3,000 make a line of about 3 MB. */
  private static List<MetricData> manyCgroups(int n) {
    List<MetricData> metrics = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      var resource = TestMetrics.cgroup("/kubepods.slice/pod-" + i + ".slice");
      metrics.add(TestMetrics.cpuTime(resource, i * 0.5, i * 0.25));
      metrics.add(TestMetrics.memory(resource, i * 4096.0));
    }
    return metrics;
  }

  @Test
  void encode_inParts_sameBytesAsTheWholeLine_bufferStaysNearThePartSize() throws Exception {
    List<MetricData> metrics = manyCgroups(3000);
    OtlpJsonEncoder whole = new OtlpJsonEncoder();
    whole.encode(metrics);
    byte[] expected = Arrays.copyOf(whole.buffer(), whole.size());

    OtlpJsonEncoder inParts = new OtlpJsonEncoder();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int[] parts = {0};
    for (int export = 0; export < 2; export++) { // the second export from warm caches
      out.reset();
      parts[0] = 0;
      inParts.encode(metrics, (bytes, length) -> {
        out.write(bytes, 0, length);
        parts[0]++;
      }, 64 * 1024);
      out.write(inParts.buffer(), 0, inParts.size());
      assertThat(out.toByteArray()).as("parts + rest, export %d", export).isEqualTo(expected);
    }
    assertThat(parts[0]).as("handed over in parts")
        .isGreaterThan(expected.length / (64 * 1024) - 2);
    assertThat(inParts.buffer().length).as("the buffer stays near the part size, not the line")
        .isLessThan(expected.length / 4);
    System.out.printf("a %d-byte line in %d parts; buffer %d bytes%n", expected.length, parts[0],
        inParts.buffer().length);
  }

  /** A real full disk (a 1 MiB tmpfs) in the middle of a line several parts long. */
  @Test
  void export_diskFullInTheMiddleOfALongLine_cutBackToTheLastWholeLine(@TempDir Path dir)
      throws Exception {
    try (SmallTmpfs tmpfs = SmallTmpfs.mount(dir, "1m")) {
      Path mount = tmpfs.path();
      Path file = mount.resolve("metrics.jsonl");
      MetricExporter exporter = new FileExporterFactory().create(
          new FileExporterConfig(file.toString(), AggregationTemporality.CUMULATIVE));
      try {
        assertThat(exporter.export(TestMetrics.twoCgroups()).isSuccess()).isTrue();
        byte[] first = Files.readAllBytes(file);
        List<MetricData> big = manyCgroups(3000); // about 3 MB: more than the disk
        assertThat(exporter.export(big).isSuccess()).as("the disk filled up").isFalse();
        assertThat(Files.readAllBytes(file)).as("cut back to the first line")
            .isEqualTo(first);
        assertThat(exporter.export(TestMetrics.twoCgroups()).isSuccess()).isTrue();
        String text = Files.readString(file);
        assertThat(text.lines()).hasSize(2)
            .allSatisfy(l -> assertThat(l).startsWith("{\"resourceMetrics\"").endsWith("}"));
      } finally {
        exporter.shutdown();
      }
    }
  }
}

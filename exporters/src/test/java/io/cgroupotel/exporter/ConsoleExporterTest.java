package io.cgroupotel.exporter;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.exporter.console.ConsoleExporter;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.HistogramData;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.testing.metrics.TestMetricData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConsoleExporterTest {
  @Test
  void export_oneBlockPerResourceWithReadableValues() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    new ConsoleExporter(new PrintStream(bytes, true, StandardCharsets.UTF_8))
        .export(TestMetrics.twoCgroups());
    String text = bytes.toString(StandardCharsets.UTF_8);
    assertThat(text).contains("2 resource(s), 3 metric(s)");
    assertThat(text).contains("  cgroup.path=/system.slice/ssh.service\n");
    assertThat(text).containsPattern("cgroup.cpu.time\\{cpu.mode=user\\}\\s+12.000 s");
    assertThat(text).containsPattern("cgroup.memory.usage\\s+50.0 MiB");
    assertThat(text).doesNotContain("service.name");
    assertThat(text.indexOf("/system.slice/ssh.service"))
        .isLessThan(text.indexOf("/user.slice"));
  }

  @Test
  void export_histogram_countSumMinMaxNotToString() {
    MetricData histogram = TestMetricData.builder()
        .setResource(TestMetrics.cgroup("/a"))
        .setName("some.duration").setDescription("d").setUnit("s")
        .setHistogramData(HistogramData.create(AggregationTemporality.CUMULATIVE,
            List.of(HistogramPointData.create(TestMetrics.START, TestMetrics.NOW,
                Attributes.empty(), 1.5, true, 0.25, true, 1.0, List.of(0.5),
                List.of(1L, 2L)))))
        .build();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    new ConsoleExporter(new PrintStream(bytes, true, StandardCharsets.UTF_8))
        .export(List.of(histogram));
    String text = bytes.toString(StandardCharsets.UTF_8);
    assertThat(text).containsPattern(
        "some.duration\\s+count 3, sum 1.500 s, min 0.250 s, max 1.000 s\n")
        .doesNotContain("PointData");
  }
}

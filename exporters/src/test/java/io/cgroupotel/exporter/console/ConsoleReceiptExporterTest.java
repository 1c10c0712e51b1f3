package io.cgroupotel.exporter.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.logs.TestLogRecordData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConsoleReceiptExporterTest {
  @Test
  void export_oneReadableLinePerReceipt() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ConsoleReceiptExporter exporter = new ConsoleReceiptExporter(
        new PrintStream(bytes, true, StandardCharsets.UTF_8));
    Resource job = Resource.create(Attributes.builder().put("service.name", "a")
        .put("host.name", "n").put("slurm.job.id", 42L).build());
    var record = TestLogRecordData.builder().setResource(job)
        .setInstrumentationScopeInfo(InstrumentationScopeInfo.create("s"))
        .setEventName("cgroup_otel.entity.end")
        .setAttributes(Attributes.builder().put("event.name", "cgroup_otel.entity.end")
            .put("duration", 3.23456).put("cpu.time", 2.0).put("memory.peak", 1024L).build())
        .build();
    assertThat(exporter.export(List.of(record, record)).isSuccess()).isTrue();
    List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0)).startsWith("receipt slurm.job.id=42: ")
        .contains("duration=3.235").contains("cpu.time=2").contains("memory.peak=1024")
        .doesNotContain("event.name").doesNotContain("service.name");
  }
}

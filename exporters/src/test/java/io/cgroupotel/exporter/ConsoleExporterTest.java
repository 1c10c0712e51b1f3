package io.cgroupotel.exporter;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.exporter.console.ConsoleExporter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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
}

package io.cgroupotel.exporter.otlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cgroupotel.config.ConfigDocument;
import io.cgroupotel.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QueueConfigTest {
  private static OtlpExporterConfig parse(String toml) throws ConfigException {
    ConfigDocument doc = ConfigDocument.parse("test.toml", toml, Map.of());
    OtlpExporterConfig config = new OtlpExporterFactory(Map.of())
        .parseConfig(doc.root().section("exporters").section("otlp"));
    doc.finish();
    return config;
  }

  @Test
  void defaults_inMemoryAtMost64MiB_onDisk256MiB() throws Exception {
    assertThat(parse("[exporters.otlp]\n").queue()).isEqualTo(QueueConfig.DEFAULT);
    QueueConfig disk = parse("""
        [exporters.otlp.queue]
        path = "/var/lib/cgroup-otel-agent/otlp-queue"
        """).queue();
    assertThat(disk.path()).isEqualTo(Path.of("/var/lib/cgroup-otel-agent/otlp-queue"));
    assertThat(disk.maxBytes()).isEqualTo(256L << 20);
    assertThat(parse("""
        [exporters.otlp.queue]
        max_size = "1GiB"
        enabled = false
        """).queue()).isEqualTo(new QueueConfig(false, null, 1L << 30));
    assertThat(Bytes.parse("64MB")).isEqualTo(64_000_000L);
    assertThat(Bytes.parse("3 KiB")).isEqualTo(3072);
  }

  @Test
  void badValues_allReportedWithPositions() {
    assertThatThrownBy(() -> parse("""
        [exporters.otlp.queue]
        path = "relative/dir"
        max_size = "lots"
        enabled = "yes"
        colour = 1
        """))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("test.toml:2:1: exporters.otlp.queue.path: not an absolute path")
        .hasMessageContaining("test.toml:3:1: exporters.otlp.queue.max_size: not a size: \"lots\"")
        .hasMessageContaining("test.toml:4:1: exporters.otlp.queue.enabled")
        .hasMessageContaining("test.toml:5:1: exporters.otlp.queue.colour: unknown key");
    assertThatThrownBy(() -> parse("""
        [exporters.otlp.queue]
        max_size = "10KiB"
        """)).hasMessageContaining("exporters.otlp.queue.max_size: out of range");
  }

  @Test
  void checkQueue_saysWhereHowBigAndWhetherWritable(@TempDir Path tmp) throws Exception {
    OtlpExporterFactory factory = new OtlpExporterFactory(Map.of());
    StringBuilder out = new StringBuilder();
    assertThat(factory.checkQueue(parse("[exporters.otlp]\n"), out)).isNull();
    assertThat(out).contains("in memory, up to " + Bytes.format(QueueConfig.DEFAULT_MEMORY_BYTES));
    assertThat(QueueConfig.DEFAULT_MEMORY_BYTES).isBetween(4L << 20, 64L << 20)
        .isLessThanOrEqualTo(Math.max(4L << 20, Runtime.getRuntime().maxMemory() / 16));

    Path dir = Files.createDirectories(tmp.resolve("q"));
    Files.write(dir.resolve("0000000000000001.seg"), new byte[3000]);
    out.setLength(0);
    assertThat(factory.checkQueue(parse("[exporters.otlp.queue]\npath = \"" + dir + "\"\n"), out))
        .isNull();
    assertThat(out.toString()).isEqualTo(dir + ", up to 256 MiB, 2.9 KiB on disk, writable");

    Path file = Files.writeString(tmp.resolve("plain"), "x");
    out.setLength(0);
    assertThat(factory.checkQueue(parse("[exporters.otlp.queue]\npath = \"" + file + "/q\"\n"),
        out)).contains("cannot be created");
  }
}

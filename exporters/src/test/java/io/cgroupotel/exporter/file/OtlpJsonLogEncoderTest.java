package io.cgroupotel.exporter.file;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.util.JsonFormat;
import io.cgroupotel.exporter.ExporterFactory;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.Value;
import io.opentelemetry.api.logs.Severity;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.exporter.internal.otlp.logs.LogsRequestMarshaler;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.logs.TestLogRecordData;
import io.cgroupotel.config.ConfigDocument;
import io.cgroupotel.config.ConfigException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The logs' encoder against the SDK's OTLP marshaler, and the file exporter's log lines. */
class OtlpJsonLogEncoderTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final long T0 = 1_764_000_000_123_456_789L;

  static final Resource JOB = Resource.create(Attributes.builder()
      .put("service.name", "cgroup-otel-agent")
      .put("slurm.job.id", 42L)
      .put("host.name", "node-1")
      .build());
  static final Resource ODD = Resource.create(Attributes.of(AttributeKey.stringKey("cgroup.path"),
      OtlpJsonEncoderTest.NASTY), "https://opentelemetry.io/schemas/1.24.0");
  static final InstrumentationScopeInfo AGENT = InstrumentationScopeInfo.builder(
      "io.cgroupotel.agent").setVersion("1.2.3").build();

  static LogRecordData receipt(Resource resource, long t) {
    return TestLogRecordData.builder()
        .setResource(resource)
        .setInstrumentationScopeInfo(AGENT)
        .setTimestamp(t, java.util.concurrent.TimeUnit.NANOSECONDS)
        .setObservedTimestamp(t + 5, java.util.concurrent.TimeUnit.NANOSECONDS)
        .setSeverity(Severity.INFO)
        .setSeverityText("INFO")
        .setEventName("cgroup_otel.entity.end")
        .setAttributes(Attributes.builder()
            .put("event.name", "cgroup_otel.entity.end")
            .put("duration", 3.25)
            .put("memory.peak", 123456789L)
            .put("start.observed", true)
            .put("start", "2026-12-06T21:00:00.000Z")
            .put(AttributeKey.stringArrayKey("tags"), List.of("a", OtlpJsonEncoderTest.NASTY))
            .put(AttributeKey.doubleArrayKey("d"), List.of(1.5, Double.NaN))
            .build())
        .setTotalAttributeCount(7)
        .build();
  }

  static LogRecordData everything() {
    return TestLogRecordData.builder()
        .setResource(ODD)
        .setInstrumentationScopeInfo(InstrumentationScopeInfo.builder("other")
            .setSchemaUrl("https://opentelemetry.io/schemas/1.21.0")
            .setAttributes(Attributes.of(AttributeKey.longKey("n"), 1L)).build())
        .setTimestamp(T0, java.util.concurrent.TimeUnit.NANOSECONDS)
        .setSeverity(Severity.WARN3)
        .setBodyValue(Value.of(Map.of("k", Value.of(1L), "s", Value.of(List.of(Value.of(true),
            Value.of(new byte[] {1, 2, 3}))))))
        .setSpanContext(SpanContext.create("0123456789abcdef0123456789abcdef",
            "0123456789abcdef", TraceFlags.getSampled(), TraceState.getDefault()))
        .setAttributes(Attributes.empty())
        .setTotalAttributeCount(3)
        .build();
  }

  @Test
  void encode_sameJsonAsTheSdkMarshaler() throws Exception {
    List<LogRecordData> records = List.of(receipt(JOB, T0), receipt(ODD, T0 + 1), everything(),
        receipt(JOB, T0 + 2));
    String ours = new String(new OtlpJsonLogEncoder().encode(records), StandardCharsets.UTF_8);
    assertThat(ours).endsWith("}\n").doesNotContain("\n{");
    // one resource at a time: the SDK groups in hash order, ours in the order met
    for (List<LogRecordData> one : List.of(List.of(receipt(JOB, T0), receipt(JOB, T0 + 2)),
        List.of(receipt(ODD, T0 + 1)), List.of(everything()))) {
      JsonNode mine = JSON.readTree(new OtlpJsonLogEncoder().encode(one));
      assertThat(mine).isEqualTo(sdk(one));
    }
    // and a line parses as an ExportLogsServiceRequest, grouped by resource
    ExportLogsServiceRequest.Builder parsed = ExportLogsServiceRequest.newBuilder();
    JsonFormat.parser().merge(ours, parsed);
    assertThat(parsed.getResourceLogsCount()).isEqualTo(2);
    assertThat(parsed.getResourceLogs(0).getScopeLogs(0).getLogRecordsCount()).isEqualTo(2);
    assertThat(parsed.getResourceLogs(0).getScopeLogs(0).getLogRecords(0).getEventName())
        .isEqualTo("cgroup_otel.entity.end");
  }

  private static JsonNode sdk(List<LogRecordData> records) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    LogsRequestMarshaler.create(records).writeJsonTo(out);
    return JSON.readTree(out.toByteArray());
  }

  @Test
  void fileExporter_writesReceiptsToLogsPathBesideTheMetrics(@TempDir Path dir) throws Exception {
    FileExporterFactory factory = new FileExporterFactory();
    FileExporterConfig config = parse(factory, "path = \"" + dir.resolve("metrics.jsonl") + "\"");
    assertThat(config.logsPath()).isEqualTo(dir.resolve("logs.jsonl").toString());
    LogRecordExporter exporter = factory.logRecordExporter(config).orElseThrow();
    try {
      assertThat(exporter.export(List.of(receipt(JOB, T0))).isSuccess()).isTrue();
      assertThat(exporter.export(List.of(receipt(JOB, T0 + 1))).isSuccess()).isTrue();
    } finally {
      exporter.shutdown();
    }
    List<String> lines = Files.readAllLines(dir.resolve("logs.jsonl"));
    assertThat(lines).hasSize(2);
    ExportLogsServiceRequest.Builder parsed = ExportLogsServiceRequest.newBuilder();
    JsonFormat.parser().merge(lines.get(1), parsed);
    assertThat(parsed.getResourceLogs(0).getScopeLogs(0).getLogRecords(0).getTimeUnixNano())
        .isEqualTo(T0 + 1);
    assertThat(Files.exists(dir.resolve("metrics.jsonl"))).isFalse(); // the metrics' own file
  }

  @Test
  void defaultLogsPath_besideTheMetrics() {
    assertThat(FileExporterConfig.defaultLogsPath("/var/log/a/metrics.jsonl"))
        .isEqualTo("/var/log/a/logs.jsonl");
    assertThat(FileExporterConfig.defaultLogsPath("out.jsonl")).isEqualTo("out.logs.jsonl");
    assertThat(FileExporterConfig.defaultLogsPath("/tmp/out")).isEqualTo("/tmp/out.logs");
    assertThat(FileExporterConfig.defaultLogsPath("-")).isEqualTo("-");
  }

  @Test
  void logsPath_theMetricsPath_isAnError(@TempDir Path dir) {
    String file = dir.resolve("m.jsonl").toString();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> parse(new FileExporterFactory(),
        "path = \"" + file + "\"\nlogs_path = \"" + file + "\""))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("logs_path")
        .hasMessageContaining("a file of their own");
  }

  private static <C> C parse(ExporterFactory<C> factory, String toml) throws ConfigException {
    ConfigDocument doc = ConfigDocument.parse("test.toml", toml, Map.of());
    C config = factory.parseConfig(doc.root());
    doc.finish();
    return config;
  }
}

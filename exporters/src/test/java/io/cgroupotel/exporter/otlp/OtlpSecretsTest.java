package io.cgroupotel.exporter.otlp;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.config.ConfigDocument;
import io.cgroupotel.config.ConfigError;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.net.ServerSocket;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Header names and values that HTTP cannot carry are config errors, and a password in the
 * endpoint URL is never shown: not in errors, not where the endpoint is printed, not in failures.
 */
class OtlpSecretsTest {
  static final String TOKEN = "tok-9f8e7d6c5b4a";
  static final String PASSWORD = "s3cr3t-Pa55";

  private ConfigDocument doc;

  OtlpExporterConfig parse(Map<String, String> env, String body) {
    doc = ConfigDocument.parse("agent.toml", "[exporters.otlp]\n" + body, env);
    return new OtlpExporterFactory(env).parseConfig(doc.root().section("exporters")
        .section("otlp"));
  }

  String errors() {
    return doc.errors().stream().map(ConfigError::toString).collect(Collectors.joining("\n"));
  }

  @Test
  void headerValueEndingInANewline_positionedErrorWithoutTheValue() {
    OtlpExporterConfig config = parse(Map.of("TOK", TOKEN + "\n"), """
        endpoint = "http://localhost:4318"
        headers = { authorization = "Bearer ${TOK}", "x-tenant" = "a" }
        """);
    System.out.println(errors());
    assertThat(doc.errors()).hasSize(1);
    assertThat(errors()).startsWith("agent.toml:3:").contains("exporters.otlp.headers"
        + ".authorization", "line feed (LF) at its end", "not shown")
        .doesNotContain(TOKEN);
    assertThat(config.properties().get(OtlpExporterFactory.PREFIX + "headers"))
        .as("the bad header is left out, the good one kept").isEqualTo("x-tenant=a");
  }

  @Test
  void badHeaderNamesAndControlCharacters_eachAPositionedError() {
    parse(Map.of(), """
        [exporters.otlp.headers]
        "bad name" = "v"
        "x-ok" = "a\\u0000b"
        "x-cr" = "a\\rb"
        "x-fine" = "Bearer abc\\tdef"
        """);
    System.out.println(errors());
    assertThat(doc.errors()).hasSize(3);
    assertThat(errors()).contains("agent.toml:3:", "header name \"bad name\" has \" \"",
        "agent.toml:4:", "NUL", "agent.toml:5:", "carriage return (CR) at character 2 of 3");
  }

  @Test
  void environmentHeadersWithALineBreak_errorNamingTheVariableNotTheValue() {
    parse(Map.of("OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer%20" + TOKEN + "%0A,x=1"),
        "endpoint = \"http://localhost:4318\"\n");
    System.out.println(errors());
    assertThat(errors()).startsWith("agent.toml:1:").contains("OTEL_EXPORTER_OTLP_HEADERS",
        "line feed").doesNotContain(TOKEN);
    // a newline at the very end of the variable is trimmed, as the SDK trims it: harmless
    parse(Map.of("OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer%20" + TOKEN + "\n"), "");
    assertThat(doc.errors()).isEmpty();
    parse(Map.of("OTEL_EXPORTER_OTLP_METRICS_HEADERS", "authorization"), "");
    assertThat(errors()).contains("OTEL_EXPORTER_OTLP_METRICS_HEADERS", "not name=value");
  }

  @Test
  void passwordInTheEndpoint_neverShown() throws Exception {
    String url = "http://user:" + PASSWORD + "@127.0.0.1:%d";
    assertThat(OtlpExporterConfig.redact("http://user:" + PASSWORD + "@host:4317/v1"))
        .isEqualTo("http://***@host:4317/v1");
    assertThat(OtlpExporterConfig.redact("export to https://a:b@c@host/x failed, see "
        + "http://other:" + PASSWORD + "@h2")).doesNotContain(PASSWORD, "a:b").contains("@host/x");
    // a config error that quotes the endpoint
    parse(Map.of(), "endpoint = \"ftp://user:" + PASSWORD + "@host\"\n");
    assertThat(errors()).contains("not an http(s) URL").doesNotContain(PASSWORD);

    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // closed once the try ends: nobody answers there
    }
    for (String protocol : List.of("grpc", "http/protobuf")) {
      OtlpExporterFactory factory = new OtlpExporterFactory(Map.of());
      OtlpExporterConfig config = parse(Map.of(), """
          endpoint = "%s"
          protocol = "%s"
          timeout = "2s"
          queue = { enabled = false }
          """.formatted(url.formatted(port), protocol));
      assertThat(doc.errors()).isEmpty();
      // where the start line and --check print it
      URI shown = factory.endpoint(config).orElseThrow();
      assertThat(shown.toString()).isEqualTo("http://***@127.0.0.1:" + port);
      // what a failed export says
      MetricExporter exporter = factory.create(config);
      try {
        CompletableResultCode result = exporter.export(List.of());
        result.join(10, TimeUnit.SECONDS);
        assertThat(result.isSuccess()).isFalse();
        String failure = String.valueOf(result.getFailureThrowable());
        System.out.println(protocol + ": " + failure + " / " + exporter);
        assertThat(failure).doesNotContain(PASSWORD);
        assertThat(exporter.toString()).doesNotContain(PASSWORD);
      } finally {
        exporter.shutdown();
      }
      // behind the send queue (the default) an export is queued, and what the queue says of a
      // failed delivery names the endpoint as --check does
      OtlpExporterConfig queued = parse(Map.of(), """
          endpoint = "%s"
          protocol = "%s"
          timeout = "2s"
          """.formatted(url.formatted(port), protocol));
      MetricExporter queuedExporter = factory.create(queued);
      try {
        assertThat(queuedExporter).isInstanceOf(QueuedOtlpExporter.class);
        assertThat(queuedExporter.toString()).contains("***@").doesNotContain(PASSWORD);
        OtlpSender sender = new OtlpSender(QueuedExporters.settings(factory.effective(queued)));
        SendResult result = sender.send(new QueueRecord(Signal.METRICS, new byte[0], 0, System.currentTimeMillis()));
        assertThat(result.detail()).contains("***@").doesNotContain(PASSWORD);
      } finally {
        queuedExporter.shutdown();
      }
    }
  }
}

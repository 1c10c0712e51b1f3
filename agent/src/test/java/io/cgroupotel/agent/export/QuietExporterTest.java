package io.cgroupotel.agent.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.config.ConfigDocument;
import io.cgroupotel.exporter.otlp.OtlpExporterFactory;
import io.cgroupotel.exporter.testing.OtlpHttpTestReceiver;
import io.opentelemetry.sdk.common.Clock;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.net.ConnectException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class QuietExporterTest {

  @Test
  void describe_bareExceptions_neverNull() {
    assertThat(QuietExporter.describe(new RuntimeException())).isEqualTo("RuntimeException");
    assertThat(QuietExporter.describe(new RuntimeException(new ConnectException("refused"))))
        .contains("ConnectException: refused").doesNotContain("null");
    assertThat(QuietExporter.describe(null)).isNotBlank();
  }

  /**
   * What the agent logs when the collector answers 503: the status and the endpoint (the SDK's
   * exporter without a send queue, whose failures reach the agent).
   */
  @Test
  void export_collectorAnswers503_describedWithStatusAndEndpoint() throws Exception {
    Map<String, String> env = Map.of("OTEL_JAVA_EXPORTER_OTLP_RETRY_DISABLED", "true");
    try (OtlpHttpTestReceiver collector = new OtlpHttpTestReceiver()) {
      collector.start();
      collector.setFailing(true);
      OtlpExporterFactory factory = new OtlpExporterFactory(env);
      ConfigDocument doc = ConfigDocument.parse("otlp.toml", """
          [exporters.otlp]
          endpoint = "%s"
          protocol = "http/protobuf"
          [exporters.otlp.queue]
          enabled = false
          """.formatted(collector.endpoint()), env);
      MetricExporter otlp = factory.create(
          factory.parseConfig(doc.root().section("exporters").section("otlp")));
      QuietExporter quiet = new QuietExporter("otlp", otlp, java.time.Duration.ofMinutes(5),
          Clock.getDefault(), io.opentelemetry.api.trace.TracerProvider.noop().get("t"));
      try {
        CompletableResultCode result = quiet.export(List.of()).join(15, TimeUnit.SECONDS);
        assertThat(result.isSuccess()).isFalse();
        String logged = QuietExporter.describe(result.getFailureThrowable());
        System.out.println("logged: export failed: " + logged);
        assertThat(logged).startsWith("HTTP 503")
            .contains(collector.endpoint() + "/v1/metrics").doesNotContain("null");
        assertThat(quiet.failures()).isEqualTo(1);
      } finally {
        quiet.shutdown().join(5, TimeUnit.SECONDS);
      }
    }
  }
}

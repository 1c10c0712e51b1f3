package io.cgroupotel.exporter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cgroupotel.config.ConfigDocument;
import io.cgroupotel.config.ConfigException;
import io.cgroupotel.exporter.builtin.Exporters;
import io.cgroupotel.exporter.otlp.OtlpExportException;
import io.cgroupotel.exporter.otlp.OtlpExporterConfig;
import io.cgroupotel.exporter.otlp.OtlpExporterFactory;
import io.cgroupotel.exporter.testing.OtlpGrpcTestReceiver;
import io.cgroupotel.exporter.testing.OtlpHttpTestReceiver;
import io.cgroupotel.exporter.testing.OtlpTestReceiver;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OtlpExporterTest {

  private static OtlpExporterConfig parse(String toml, Map<String, String> env)
      throws ConfigException {
    ConfigDocument doc = ConfigDocument.parse("test.toml", toml, env);
    OtlpExporterConfig config = new OtlpExporterFactory(env)
        .parseConfig(doc.root().section("exporters").section("otlp"));
    doc.finish();
    return config;
  }

  private static String attribute(ResourceMetrics rm, String key) {
    return rm.getResource().getAttributesList().stream().filter(kv -> kv.getKey().equals(key))
        .map(KeyValue::getValue).map(v -> v.getStringValue()).findFirst().orElse(null);
  }

  @ParameterizedTest
  @ValueSource(strings = {"grpc", "http/protobuf"})
  void export_twoResources_arriveAsTwoResourceMetrics(String protocol) throws Exception {
    try (OtlpTestReceiver receiver = protocol.equals("grpc")
        ? new OtlpGrpcTestReceiver() : new OtlpHttpTestReceiver()) {
      receiver.start();
      String toml = """
          [exporters.otlp]
          endpoint = "%s"
          protocol = "%s"
          compression = "gzip"
          timeout = "5s"
          headers = { "x-tenant" = "team a" }
          """.formatted(receiver.endpoint(), protocol);
      MetricExporter exporter = new OtlpExporterFactory(Map.of()).create(parse(toml, Map.of()));
      try {
        CompletableResultCode result = exporter.export(TestMetrics.twoCgroups());
        assertThat(result.join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
        ExportMetricsServiceRequest request = receiver.next(Duration.ofSeconds(5));
        assertThat(request.getResourceMetricsList()).hasSize(2);
        Map<String, ResourceMetrics> byPath = request.getResourceMetricsList().stream()
            .collect(Collectors.toMap(rm -> attribute(rm, "cgroup.path"), rm -> rm));
        assertThat(byPath).containsOnlyKeys("/system.slice/ssh.service", "/user.slice");
        Metric cpu = byPath.get("/user.slice").getScopeMetricsList().stream()
            .flatMap(sm -> sm.getMetricsList().stream())
            .filter(m -> m.getName().equals("cgroup.cpu.time")).findFirst().orElseThrow();
        assertThat(cpu.getUnit()).isEqualTo("s");
        assertThat(cpu.getSum().getIsMonotonic()).isTrue();
        assertThat(cpu.getSum().getAggregationTemporality())
            .isEqualTo(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
        assertThat(cpu.getSum().getDataPointsList())
            .extracting(p -> p.getAsDouble()).containsExactlyInAnyOrder(12.0, 3.0);
        assertThat(cpu.getSum().getDataPoints(0).getStartTimeUnixNano())
            .isEqualTo(TestMetrics.START);
        if (receiver instanceof OtlpHttpTestReceiver http) {
          assertThat(http.lastHeaders().get("x-tenant")).containsExactly("team a");
          assertThat(http.lastHeaders().get("content-encoding")).containsExactly("gzip");
        }
      } finally {
        exporter.shutdown().join(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void create_environmentOverridesFile() throws Exception {
    try (OtlpHttpTestReceiver receiver = new OtlpHttpTestReceiver()) {
      receiver.start();
      Map<String, String> env = Map.of(
          "OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint(),
          "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf",
          "OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer%20abc",
          "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "delta");
      OtlpExporterConfig config = parse("""
          [exporters.otlp]
          endpoint = "http://127.0.0.1:1"
          protocol = "grpc"
          """, env);
      MetricExporter exporter = new OtlpExporterFactory(env).create(config);
      try {
        assertThat(exporter.getAggregationTemporality(InstrumentType.COUNTER))
            .isEqualTo(io.opentelemetry.sdk.metrics.data.AggregationTemporality.DELTA);
        assertThat(exporter.export(TestMetrics.twoCgroups()).join(10, TimeUnit.SECONDS)
            .isSuccess()).isTrue();
        receiver.next(Duration.ofSeconds(5));
        assertThat(receiver.lastHeaders().get("authorization")).containsExactly("Bearer abc");
      } finally {
        exporter.shutdown().join(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void parseConfig_badValues_allReportedWithPositions() {
    assertThatThrownBy(() -> parse("""
        [exporters.otlp]
        endpoint = "localhost:4317"
        protocol = "carrier-pigeon"
        timeout = "soon"
        ca_file = "/no/such/ca.pem"
        colour = "blue"
        """, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("test.toml:2:1: exporters.otlp.endpoint: not an http(s) URL")
        .hasMessageContaining("test.toml:3:1: exporters.otlp.protocol: unknown value "
            + "\"carrier-pigeon\" (one of grpc, http/protobuf)")
        .hasMessageContaining("test.toml:4:1: exporters.otlp.timeout: bad duration")
        .hasMessageContaining("test.toml:5:1: exporters.otlp.ca_file: cannot read")
        .hasMessageContaining("test.toml:6:1: exporters.otlp.colour: unknown key");
  }

  @Test
  void otlpEndpointConfigured_readsStandardVariables() {
    assertThat(Exporters.otlpEndpointConfigured(Map.of())).isFalse();
    assertThat(Exporters.otlpEndpointConfigured(
        Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317"))).isTrue();
    assertThat(Exporters.otlpEndpointConfigured(
        Map.of("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "http://c:4318/v1/metrics"))).isTrue();
  }

  /** Retries off and no send queue: the SDK's exporter, whose failure is reported at once. */
  private static final Map<String, String> NO_RETRY =
      Map.of("OTEL_JAVA_EXPORTER_OTLP_RETRY_DISABLED", "true");

  private static MetricExporter exporter(String endpoint, String protocol) throws Exception {
    return new OtlpExporterFactory(NO_RETRY).create(parse("""
        [exporters.otlp]
        endpoint = "%s"
        protocol = "%s"
        timeout = "5s"
        [exporters.otlp.queue]
        enabled = false
        """.formatted(endpoint, protocol), NO_RETRY));
  }

  private static Throwable failure(MetricExporter exporter) {
    CompletableResultCode result = exporter.export(TestMetrics.twoCgroups())
        .join(15, TimeUnit.SECONDS);
    assertThat(result.isDone()).isTrue();
    assertThat(result.isSuccess()).as("export result").isFalse();
    assertThat(result.getFailureThrowable()).isInstanceOf(OtlpExportException.class);
    System.out.println("export failed: " + result.getFailureThrowable().getMessage());
    return result.getFailureThrowable();
  }

  @Test
  void export_httpCollectorAnswers503_failureNamesStatusAndEndpoint() throws Exception {
    try (OtlpHttpTestReceiver receiver = new OtlpHttpTestReceiver()) {
      receiver.start();
      receiver.setFailing(true);
      MetricExporter exporter = exporter(receiver.endpoint(), "http/protobuf");
      try {
        assertThat(failure(exporter)).hasMessageStartingWith("HTTP 503")
            .hasMessageContaining(" from " + receiver.endpoint() + "/v1/metrics");
      } finally {
        exporter.shutdown().join(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void export_grpcCollectorAnswersUnavailable_failureNamesCodeAndEndpoint() throws Exception {
    try (OtlpGrpcTestReceiver receiver = new OtlpGrpcTestReceiver()) {
      receiver.start();
      receiver.setFailing(true);
      MetricExporter exporter = exporter(receiver.endpoint(), "grpc");
      try {
        assertThat(failure(exporter))
            .hasMessage("gRPC UNAVAILABLE (told to fail) from " + receiver.endpoint());
      } finally {
        exporter.shutdown().join(5, TimeUnit.SECONDS);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"grpc", "http/protobuf"})
  void export_nothingListening_failureNamesEndpointAndCause(String protocol) throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: connections are refused
    }
    MetricExporter exporter = exporter("http://127.0.0.1:" + port, protocol);
    try {
      assertThat(failure(exporter)).hasMessageStartingWith("no answer from http://127.0.0.1:"
          + port).hasMessageNotContaining("null");
    } finally {
      exporter.shutdown().join(5, TimeUnit.SECONDS);
    }
  }

  /** A web server that answers 200 and a page to anything: not a collector. */
  @Test
  void export_http200WithAPageNotOtlp_countedAsFailureNamingIt() throws Exception {
    com.sun.net.httpserver.HttpServer web = com.sun.net.httpserver.HttpServer.create(
        new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    web.createContext("/", exchange -> {
      try (exchange) {
        exchange.getRequestBody().readAllBytes();
        byte[] page = "<html><body>It works!</body></html>".getBytes();
        exchange.getResponseHeaders().set("Content-Type", "text/html");
        exchange.sendResponseHeaders(200, page.length);
        exchange.getResponseBody().write(page);
      }
    });
    web.start();
    MetricExporter exporter = exporter("http://127.0.0.1:" + web.getAddress().getPort(),
        "http/protobuf");
    try {
      assertThat(failure(exporter)).hasMessageContaining("HTTP 200 from http://127.0.0.1:")
          .hasMessageContaining("not an OTLP response (Content-Type text/html)");
      assertThat(failure(exporter)).hasMessageContaining("not an OTLP response");
    } finally {
      exporter.shutdown().join(5, TimeUnit.SECONDS);
      web.stop(0);
    }
  }
}

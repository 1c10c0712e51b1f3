package io.cgroupotel.exporter.prometheus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cgroupotel.exporter.ExporterStartException;
import io.cgroupotel.exporter.TestMetrics;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.GaugeData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.metrics.TestMetricData;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

class PrometheusExporterTest {

  @Test
  void render_namesAsPrometheusTranslatesOtlpAndResourceAttributesAsLabels() {
    String text = PrometheusExporter.render(TestMetrics.twoCgroups());
    assertThat(text).containsOnlyOnce("# TYPE cgroup_cpu_time_seconds_total counter\n")
        .containsOnlyOnce("# HELP cgroup_cpu_time_seconds_total Total CPU time consumed\n")
        .contains("# TYPE cgroup_memory_usage_bytes gauge\n")
        .contains("cgroup_cpu_time_seconds_total{cgroup_path=\"/user.slice\",cpu_mode=\"user\","
            + "host_name=\"node-1\",service_name=\"cgroup-otel-agent\"} 12.0\n")
        .contains("cgroup_cpu_time_seconds_total{cgroup_path=\"/system.slice/ssh.service\","
            + "cpu_mode=\"system\",host_name=\"node-1\",service_name=\"cgroup-otel-agent\"} 0.25\n")
        .contains("cgroup_memory_usage_bytes{cgroup_path=\"/user.slice\"");
    // one series per cgroup and mode: 4 cpu samples, 1 memory
    assertThat(text.lines().filter(l -> l.startsWith("cgroup_cpu_time_seconds_total{")))
        .hasSize(4);
  }

  @Test
  void render_oddAttributeKeys_legalLabelNamesAndCollisionsJoined() {
    // as OTEL_RESOURCE_ATTRIBUTES or pod labels may bring them
    // (a Resource takes ASCII keys only; a point's attributes take any)
    Resource resource = TestMetrics.cgroup("/a").merge(Resource.create(Attributes.builder()
        .put("a:b", "colon").put("1abc", "digit").put("x.y", "dot").build()));
    Attributes point = Attributes.builder().put("a__b", "runs").put("café", "accent")
        .put("x_y", "underscore").build();
    MetricData memory = TestMetricData.builder().setResource(resource)
        .setName("cgroup.memory.usage").setDescription("Memory in use").setUnit("By")
        .setDoubleGaugeData(GaugeData.createDoubleGaugeData(List.of(
            DoublePointData.create(TestMetrics.START, TestMetrics.NOW, point, 1, List.of()))))
        .build();
    String text = PrometheusExporter.render(List.of(memory));
    String series = text.lines().filter(l -> l.startsWith("cgroup_memory_usage_bytes{"))
        .findFirst().orElseThrow();
    // as otlptranslator: runs of _ are kept (a__b is its own label), a:b and x.y collide
    assertThat(series).contains("a_b=\"colon\"").contains("a__b=\"runs\"")
        .contains("key_1abc=\"digit\"").contains("caf_=\"accent\"")
        .contains("x_y=\"dot;underscore\"");
    // every label name legal for Prometheus 2 (no UTF-8 names)
    java.util.regex.Matcher pair = java.util.regex.Pattern
        .compile("[{,]([^=]*)=\"(?:[^\"\\\\]|\\\\.)*\"").matcher(series);
    int pairs = 0;
    while (pair.find()) {
      assertThat(pair.group(1)).matches("[a-zA-Z_][a-zA-Z0-9_]*");
      pairs++;
    }
    assertThat(pairs).isEqualTo(8); // 3 of the test resource, 5 from the 6 odd keys
  }

  /** Debian's promtool lints what a scrape gets, odd attribute keys included. */
  @Test
  void render_oddKeys_promtoolCheckMetricsFindsNoError() throws Exception {
    java.nio.file.Path promtool = java.nio.file.Path.of("/usr/bin/promtool");
    if (!java.nio.file.Files.isExecutable(promtool)) {
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError("CI=true needs Debian's promtool (apt-get install prometheus)");
      }
      org.junit.jupiter.api.Assumptions.assumeTrue(false, "no " + promtool);
    }
    Resource resource = TestMetrics.cgroup("/a").merge(Resource.create(Attributes.builder()
        .put("a:b", "colon").put("1abc", "digit").put("k8s.pod.label.app.kubernetes.io/name",
            "web").build()));
    String text = PrometheusExporter.render(List.of(TestMetrics.cpuTime(resource, 1, 2),
        TestMetrics.memory(resource, 3)));
    Process p = new ProcessBuilder(promtool.toString(), "check", "metrics")
        .redirectErrorStream(true).start();
    try (var in = p.getOutputStream()) {
      in.write(text.getBytes(StandardCharsets.UTF_8));
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("promtool check metrics:\n" + out + "\non:\n" + text)
        .isZero();
  }

  @Test
  void render_labelValuesEscaped() {
    MetricData odd = TestMetrics.cpuTime(TestMetrics.cgroup("/a \"b\"\\c\nd"), 1, 2);
    assertThat(PrometheusExporter.render(List.of(odd)))
        .contains("cgroup_path=\"/a \\\"b\\\"\\\\c\\nd\"");
  }

  @Test
  void serve_lastExportOnGetMetrics_textOpenMetricsProtobufAndGzip() throws Exception {
    PrometheusExporter exporter = (PrometheusExporter) new PrometheusExporterFactory()
        .create(new PrometheusExporterConfig("127.0.0.1", 0));
    try {
      exporter.export(TestMetrics.twoCgroups());
      HttpClient http = HttpClient.newHttpClient();
      URI uri = URI.create("http://127.0.0.1:" + exporter.port() + "/metrics");
      HttpResponse<String> text = http.send(HttpRequest.newBuilder(uri).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(text.statusCode()).isEqualTo(200);
      assertThat(text.headers().firstValue("Content-Type"))
          .contains("text/plain; version=0.0.4; charset=utf-8");
      assertThat(text.body()).contains("cgroup_cpu_time_seconds_total{");

      HttpResponse<String> om = http.send(HttpRequest.newBuilder(uri)
          .header("Accept", "application/openmetrics-text; version=1.0.0").build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(om.headers().firstValue("Content-Type").orElse(""))
          .startsWith("application/openmetrics-text");
      assertThat(om.body()).contains("# UNIT cgroup_cpu_time_seconds seconds\n").endsWith("# EOF\n");

      HttpResponse<byte[]> proto = http.send(HttpRequest.newBuilder(uri).header("Accept",
          "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
              + "encoding=delimited").build(), HttpResponse.BodyHandlers.ofByteArray());
      assertThat(proto.headers().firstValue("Content-Type").orElse(""))
          .startsWith("application/vnd.google.protobuf");
      assertThat(new String(proto.body(), StandardCharsets.ISO_8859_1))
          .contains("cgroup_cpu_time_seconds_total");

      HttpResponse<byte[]> gzip = http.send(HttpRequest.newBuilder(uri)
          .header("Accept-Encoding", "gzip").build(), HttpResponse.BodyHandlers.ofByteArray());
      assertThat(gzip.headers().firstValue("Content-Encoding")).contains("gzip");
      try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(gzip.body()))) {
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        in.transferTo(plain);
        assertThat(plain.toString(StandardCharsets.UTF_8)).isEqualTo(text.body());
      }
    } finally {
      exporter.shutdown();
    }
  }

  @Test
  void create_portInUse_refusedNamingIt() throws Exception {
    try (ServerSocket taken = new ServerSocket(0)) {
      assertThatThrownBy(() -> new PrometheusExporterFactory().create(
          new PrometheusExporterConfig("127.0.0.1", taken.getLocalPort())))
          .isInstanceOf(ExporterStartException.class)
          .hasMessageContaining("127.0.0.1:" + taken.getLocalPort());
    }
  }
}

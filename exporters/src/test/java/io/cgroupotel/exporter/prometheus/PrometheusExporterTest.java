package io.cgroupotel.exporter.prometheus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cgroupotel.exporter.ExporterStartException;
import io.cgroupotel.exporter.TestMetrics;
import io.opentelemetry.sdk.metrics.data.MetricData;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

class PrometheusExporterTest {

  @Test
  void render_namesAsPrometheusTranslatesOtlpAndResourceAttributesAsLabels() {
    String text = PrometheusExporter.render(TestMetrics.twoCgroups());
    assertThat(text).containsOnlyOnce("# TYPE cgroup_cpu_time_seconds_total counter\n")
        .containsOnlyOnce("# HELP cgroup_cpu_time_seconds_total Total CPU time consumed\n")
        .contains("# TYPE cgroup_memory_usage_bytes gauge\n")
        .contains("cgroup_cpu_time_seconds_total{cgroup_path=\"/user.slice\","
            + "host_name=\"node-1\",service_name=\"cgroup-otel-agent\",cpu_mode=\"user\"} 12\n")
        .contains("cgroup_cpu_time_seconds_total{cgroup_path=\"/system.slice/ssh.service\","
            + "host_name=\"node-1\",service_name=\"cgroup-otel-agent\",cpu_mode=\"system\"} 0.25\n")
        .contains("cgroup_memory_usage_bytes{cgroup_path=\"/user.slice\"");
    // one series per cgroup and mode: 4 cpu samples, 1 memory
    assertThat(text.lines().filter(l -> l.startsWith("cgroup_cpu_time_seconds_total{")))
        .hasSize(4);
  }

  @Test
  void metricName_unitsAndAnnotations() {
    assertThat(PrometheusExporter.metricName("k8s.pod.cpu.time", "s", true))
        .isEqualTo("k8s_pod_cpu_time_seconds_total");
    assertThat(PrometheusExporter.metricName("k8s.pod.cpu.usage", "{cpu}", false))
        .isEqualTo("k8s_pod_cpu_usage");
    assertThat(PrometheusExporter.metricName("cgroup_agent.scrape.duration", "s", false))
        .isEqualTo("cgroup_agent_scrape_duration_seconds");
    assertThat(PrometheusExporter.metricName("cgroup_agent.scrape.errors", "{error}", true))
        .isEqualTo("cgroup_agent_scrape_errors_total");
  }

  @Test
  void render_labelValuesEscaped() {
    MetricData odd = TestMetrics.cpuTime(TestMetrics.cgroup("/a \"b\"\\c\nd"), 1, 2);
    assertThat(PrometheusExporter.render(List.of(odd)))
        .contains("cgroup_path=\"/a \\\"b\\\"\\\\c\\nd\"");
  }

  @Test
  void serve_lastExportOnGetMetrics() throws Exception {
    PrometheusExporter exporter = (PrometheusExporter) new PrometheusExporterFactory()
        .create(new PrometheusExporterConfig("127.0.0.1", 0));
    try {
      exporter.export(TestMetrics.twoCgroups());
      HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + exporter.port() + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Content-Type"))
          .contains(PrometheusExporter.CONTENT_TYPE);
      assertThat(response.body()).contains("cgroup_cpu_time_seconds_total{");
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

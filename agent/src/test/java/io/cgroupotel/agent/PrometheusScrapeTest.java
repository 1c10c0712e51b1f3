package io.cgroupotel.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cgroupotel.agent.pipeline.Agent;
import io.cgroupotel.cgroupfs.RealCgroupTree;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus server (Debian's) scrapes the agent's Prometheus endpoint; a PromQL query
 * over its HTTP API returns one series per cgroup and mode, with the kernel's CPU time.
 */
@Tag("real-cgroup")
class PrometheusScrapeTest {
  static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
  private static final Pattern RESULT = Pattern.compile(
      "\\{\"metric\":\\{([^}]*)\\},\"value\":\\[[0-9.]+,\"([^\"]+)\"\\]\\}");

  @Test
  void prometheus_scrapesAgent_oneSeriesPerCgroupWithKernelCpuTime(@TempDir Path dir)
      throws Exception {
    if (!Files.isExecutable(PROMETHEUS)) {
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError("CI=true needs Debian's prometheus (apt-get install prometheus)");
      }
      Assumptions.assumeTrue(false, "no " + PROMETHEUS);
    }
    int agentPort = freePort();
    int prometheusPort = freePort();
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-prom")) {
      Path busy = tree.mkdirs("busy");
      tree.mkdirs("idle");
      Process burner = tree.burn(busy);
      String toml = """
          [agent]
          export_interval = "300ms"
          [receivers.cgroup]
          path = "%s"
          include = ["*"]
          poll_interval = "100ms"
          [exporters.prometheus]
          host = "127.0.0.1"
          port = %d
          """.formatted(tree.root(), agentPort);
      Agent agent = TestAgents.create("prom.toml", toml);
      assertThat(agent.pipeline().problems()).isEmpty();
      agent.start();
      Path config = dir.resolve("prometheus.yml");
      Files.writeString(config, """
          global:
            scrape_interval: 1s
          scrape_configs:
            - job_name: cgroup-otel-agent
              static_configs:
                - targets: ["127.0.0.1:%d"]
          """.formatted(agentPort));
      Process prometheus = new ProcessBuilder(PROMETHEUS.toString(),
          "--config.file=" + config, "--storage.tsdb.path=" + dir.resolve("data"),
          "--web.listen-address=127.0.0.1:" + prometheusPort)
          .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile())
          .start();
      try {
        burner.destroyForcibly().waitFor();
        Thread.sleep(300);
        double kernel = RealCgroupTree.usageUsec(busy) / 1e6;
        HttpClient http = HttpClient.newHttpClient();
        Map<String, Double> busySeries = new HashMap<>();
        Map<String, Double> all = new HashMap<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        while (System.nanoTime() < deadline) {
          all.clear();
          busySeries.clear();
          String body = query(http, prometheusPort, "cgroup_cpu_time_seconds_total");
          Matcher m = RESULT.matcher(body);
          while (m.find()) {
            String labels = m.group(1);
            String path = label(labels, "cgroup_path");
            String mode = label(labels, "cpu_mode");
            all.put(path + "/" + mode, Double.parseDouble(m.group(2)));
            if ("/busy".equals(path)) {
              busySeries.put(mode, Double.parseDouble(m.group(2)));
            }
          }
          double sum = busySeries.values().stream().mapToDouble(Double::doubleValue).sum();
          if (all.size() == 4 && Math.abs(sum - kernel) <= kernel * 0.02 + 0.020) {
            break;
          }
          Thread.sleep(500);
        }
        assertThat(all).as("series in Prometheus: " + all).containsOnlyKeys(
            "/busy/user", "/busy/system", "/idle/user", "/idle/system");
        assertThat(busySeries.values().stream().mapToDouble(Double::doubleValue).sum())
            .isCloseTo(kernel, within(kernel * 0.02 + 0.020));
      } finally {
        prometheus.destroy();
        prometheus.waitFor(10, TimeUnit.SECONDS);
        prometheus.destroyForcibly();
        agent.shutdown(Duration.ofSeconds(5));
      }
    }
  }

  private static String query(HttpClient http, int port, String promql) throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + port + "/api/v1/query?query="
        + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    try {
      return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString()).body();
    } catch (java.io.IOException e) {
      return ""; // not up yet
    }
  }

  private static String label(String labels, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":\"([^\"]*)\"").matcher(labels);
    return m.find() ? m.group(1) : null;
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}

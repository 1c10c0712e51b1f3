package io.cgroupotel.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.agent.pipeline.Agent;
import io.cgroupotel.cgroupfs.RealCgroupTree;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A scrape before the first periodic export (export_interval one hour) gets the values of a
 * collection made for it, not an empty page: the busy cgroup's CPU time as the kernel counts it.
 */
@Tag("real-cgroup")
class PrometheusFirstScrapeTest {

  @Test
  void scrape_beforeTheFirstExport_servesCurrentValues() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-first-scrape")) {
      java.nio.file.Path busy = tree.mkdirs("busy");
      Process burner = tree.burn(busy);
      Thread.sleep(300);
      Agent agent = TestAgents.create("first.toml", """
          [agent]
          export_interval = "1h"
          [receivers.cgroup]
          path = "%s"
          include = ["*"]
          poll_interval = "100ms"
          [exporters.prometheus]
          host = "127.0.0.1"
          port = %d
          """.formatted(tree.root(), port));
      assertThat(agent.pipeline().problems()).isEmpty();
      try {
        agent.start(); // polls each receiver once; the first export is an hour away
        burner.destroyForcibly().waitFor();
        double kernelBefore = RealCgroupTree.usageUsec(busy) / 1e6;
        long t0 = System.nanoTime();
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + port + "/metrics"))
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        long millis = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.statusCode()).isEqualTo(200);
        Matcher m = Pattern.compile("cgroup_cpu_time_seconds_total\\{[^}]*cgroup_path=\"/busy\""
            + "[^}]*} (\\S+)").matcher(r.body());
        double served = 0;
        int series = 0;
        while (m.find()) {
          served += Double.parseDouble(m.group(1));
          series++;
        }
        assertThat(series).as("user and system of /busy in:\n" + r.body()).isEqualTo(2);
        // the collection read what the kernel counted (the burner is gone: no more CPU time)
        assertThat(served).isGreaterThan(0.05).isLessThanOrEqualTo(kernelBefore + 0.02);
        System.out.printf("first scrape, before any export: %d series of /busy, %.3f s of CPU "
            + "(kernel %.3f s), served in %d ms%n", series, served, kernelBefore, millis);
      } finally {
        agent.shutdown(Duration.ofSeconds(5));
      }
    }
  }
}

package io.cgroupotel.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.agent.pipeline.Agent;
import io.cgroupotel.cgroupfs.RealCgroupTree;
import io.cgroupotel.cgroupfs.RealNetns;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The network rows through the whole agent: a process in a namespace the test made sends a known
 * amount over TCP; the Prometheus endpoint and the file exporter carry the namespace's {@code
 * net/dev} counters under the translated names, a host-network entity has none and is counted.
 */
@Tag("real-cgroup")
class NetworkAgentTest {

  @Test
  void agent_networkGroup_prometheusAndFileCarryTheNamespacesCounters(@TempDir Path dir)
      throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-netagent");
        RealNetns netns = RealNetns.create()) {
      Process inA = netns.startIn(tree.mkdirs("pod/container"), netns.a(), "sleep", "60");
      tree.start(tree.mkdirs("hostpod"), "exec sleep 60");
      long sent = 2_000_000;
      assertThat(netns.sendTcp(netns.a(), netns.b(), RealNetns.B_ADDRESS, 5011, sent))
          .isEqualTo(sent);
      long[] dev = settledVeth(inA.pid(), netns.vethA());
      Path jsonl = dir.resolve("metrics.jsonl");
      Agent agent = TestAgents.create("net.toml", """
          [agent]
          export_interval = "200ms"
          [receivers.cgroup]
          path = "%s"
          include = ["*"]
          poll_interval = "100ms"
          metrics = ["cpu", "network"]
          [exporters.prometheus]
          host = "127.0.0.1"
          port = %d
          [exporters.file]
          path = "%s"
          """.formatted(tree.root(), port, jsonl));
      assertThat(agent.pipeline().problems()).isEmpty();
      agent.start();
      try {
        HttpClient http = HttpClient.newHttpClient();
        String body = "";
        String transmit = "cgroup_network_io_bytes_total\\{.*cgroup_path=\"/pod\".*"
            + "network_interface_name=\"" + netns.vethA() + "\".*network_io_direction=\""
            + "transmit\".*\\} ([0-9.eE+]+)";
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        Double value = null;
        while (System.nanoTime() < deadline) {
          try {
            body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
          } catch (java.io.IOException e) {
            body = "";
          }
          Matcher m = Pattern.compile(transmit).matcher(body);
          if (m.find() && body.contains("cgroup_agent_entities_host_network")) {
            value = Double.parseDouble(m.group(1));
            break;
          }
          Thread.sleep(200);
        }
        assertThat(value).as("the transmit series in:\n" + body).isNotNull();
        assertThat(value.longValue()).as("bytes = net/dev's at the poll").isEqualTo(dev[8]);
        assertThat(value.longValue()).isBetween(sent, sent * 11 / 10);
        assertThat(body).containsPattern("cgroup_network_io_bytes_total\\{.*cgroup_path=\"/pod\""
            + ".*network_io_direction=\"receive\"");
        assertThat(body).contains("cgroup_network_packets_total{")
            .contains("cgroup_network_errors_total{").contains("cgroup_network_dropped_total{");
        assertThat(body).as("lo is left out by default")
            .doesNotContain("network_interface_name=\"lo\"");
        assertThat(body.lines().filter(l -> l.startsWith("cgroup_network_")
            && l.contains("cgroup_path=\"/hostpod\""))).as("a host-network entity: no series")
            .isEmpty();
        assertThat(body).containsPattern(
            "cgroup_agent_entities_host_network\\{.*receiver=\"cgroup\".*\\} 1(\\.0)?\n");
      } finally {
        agent.shutdown(Duration.ofSeconds(5));
      }
      List<String> lines = Files.readAllLines(jsonl);
      assertThat(lines).anyMatch(l -> l.contains("\"cgroup.network.io\"")
          && l.contains("\"network.interface.name\"") && l.contains(netns.vethA())
          && l.contains("\"transmit\""));
    }
  }

  /** The 16 counters of {@code veth} in {@code pid}'s namespace, once they stopped moving. */
  static long[] settledVeth(long pid, String veth) throws Exception {
    String before = "";
    for (int i = 0; i < 50; i++) {
      String now = Files.readAllLines(Path.of("/proc/" + pid + "/net/dev")).stream()
          .filter(l -> l.trim().startsWith(veth + ":")).findFirst().orElseThrow();
      if (now.equals(before)) {
        String[] f = now.trim().split(":", 2)[1].trim().split("\\s+");
        long[] v = new long[f.length];
        for (int k = 0; k < f.length; k++) {
          v[k] = Long.parseLong(f[k]);
        }
        return v;
      }
      before = now;
      Thread.sleep(100);
    }
    throw new AssertionError("counters of " + veth + " never settled");
  }
}

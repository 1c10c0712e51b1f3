package io.cgroupotel.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.JsonFormat;
import io.cgroupotel.agent.cli.Main;
import io.cgroupotel.cgroupfs.Cgroup2;
import io.cgroupotel.cgroupfs.RealCgroupTree;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The demo's workload simulator, run outside Docker on this host's cgroup v2 mount, read by
 * the agent: every pod it makes is exported, with CPU time.
 */
@Tag("real-cgroup")
class WorkloadSimulatorTest {
  static final Path SIMULATOR = Path.of("../demo/workload-simulator.sh");

  @Test
  void simulator_podsItMakes_exportedByTheAgent(@TempDir Path dir) throws Exception {
    RealCgroupTree.create("cgroup-otel-sim-probe").close(); // skips or fails as the others do
    Path root = Cgroup2.findMount().orElseThrow()
        .resolve("cgroup-otel-sim-" + UUID.randomUUID().toString().substring(0, 8));
    Process simulator = new ProcessBuilder("sh", SIMULATOR.toString(), "--root",
        root.toString(), "--duration", "30", "--pods", "2", "--jobs", "1", "--once")
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    List<String> pods = new ArrayList<>();
    try {
      BufferedReader out = new BufferedReader(
          new InputStreamReader(simulator.getInputStream(), StandardCharsets.UTF_8));
      for (String line; (line = out.readLine()) != null && !line.startsWith("ready"); ) {
        if (line.startsWith("pod ")) {
          pods.add(line.split(" ")[1]);
        }
      }
      assertThat(pods).hasSizeGreaterThanOrEqualTo(2);
      Thread.sleep(1500); // let the burners burn

      Path metrics = dir.resolve("metrics.jsonl");
      Path config = dir.resolve("agent.toml");
      Files.writeString(config, """
          [receivers.k8s]
          path = "%s"
          node_name = "sim-node"
          token_retrieval = "none"
          kubernetes_api_url = "http://127.0.0.1:1"
          [exporters.file]
          path = "%s"
          """.formatted(root, metrics));
      Main main = new Main(Map.of(), new PrintStream(new ByteArrayOutputStream()),
          new PrintStream(new ByteArrayOutputStream()));
      assertThat(new CommandLine(main).execute("--once", "--config", config.toString()))
          .isEqualTo(Main.OK);

      ExportMetricsServiceRequest.Builder request = ExportMetricsServiceRequest.newBuilder();
      JsonFormat.parser().merge(Files.readAllLines(metrics).get(0), request);
      List<String> exportedPods = new ArrayList<>();
      for (ResourceMetrics rm : request.getResourceMetricsList()) {
        String uid = attribute(rm, "k8s.pod.uid");
        boolean isPod = rm.getScopeMetricsList().stream()
            .flatMap(s -> s.getMetricsList().stream())
            .anyMatch(m -> m.getName().equals("k8s.pod.cpu.time")
                && m.getSum().getDataPoints(0).getAsDouble() > 0);
        if (uid != null && isPod) {
          exportedPods.add(uid);
        }
      }
      assertThat(exportedPods).containsExactlyInAnyOrderElementsOf(pods);
    } finally {
      simulator.destroy(); // SIGTERM: the simulator removes what it made
      simulator.waitFor(20, TimeUnit.SECONDS);
      simulator.destroyForcibly();
    }
    assertThat(Files.exists(root)).as("simulator cleaned up " + root).isFalse();
  }

  static String attribute(ResourceMetrics rm, String key) {
    return rm.getResource().getAttributesList().stream().filter(kv -> kv.getKey().equals(key))
        .map(KeyValue::getValue).map(v -> v.getStringValue()).findFirst().orElse(null);
  }
}

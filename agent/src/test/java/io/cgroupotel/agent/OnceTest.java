package io.cgroupotel.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.agent.cli.Main;
import io.cgroupotel.cgroupfs.RealCgroupTree;
import io.cgroupotel.exporter.testing.OtlpGrpcTestReceiver;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code --once} exports exactly once, even while it waits for a metadata source. */
@Tag("real-cgroup")
class OnceTest {

  @Test
  void once_apiNeverAnswers_exactlyOneExport(@TempDir Path dir) throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-once1");
        ServerSocket silentApi = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        OtlpGrpcTestReceiver collector = new OtlpGrpcTestReceiver()) {
      collector.start();
      Path file = dir.resolve("agent.toml");
      // a short export interval: a periodic reader would export ~25 times while the k8s
      // receiver waits (5 s) for an API that accepts TCP and never answers
      Files.writeString(file, """
          [agent]
          export_interval = "200ms"
          [receivers.k8s]
          path = "%s"
          node_name = "node-1"
          token_retrieval = "none"
          kubernetes_api_url = "http://127.0.0.1:%d"
          [exporters.otlp]
          endpoint = "%s"
          """.formatted(tree.root(), silentApi.getLocalPort(), collector.endpoint()));
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      Main main = new Main(Map.of(), new PrintStream(new ByteArrayOutputStream()),
          new PrintStream(err, true, StandardCharsets.UTF_8));
      long start = System.nanoTime();
      int code = new CommandLine(main).execute("--once", "--config", file.toString());
      long tookMs = (System.nanoTime() - start) / 1_000_000;
      List<ExportMetricsServiceRequest> requests = collector.drain();
      System.out.println("--once exit " + code + " in " + tookMs + " ms, OTLP requests: "
          + requests.size());
      assertThat(code).isEqualTo(Main.OK);
      assertThat(tookMs).as("waited for the API, bounded").isGreaterThan(4000);
      assertThat(requests).hasSize(1);
      assertThat(requests.get(0).getResourceMetricsCount()).isPositive();
    }
  }
}

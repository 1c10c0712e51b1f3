package io.cgroupotel.agent;

import static io.cgroupotel.agent.AgentOtlpEndToEndTest.byCgroup;
import static io.cgroupotel.agent.AgentOtlpEndToEndTest.seconds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cgroupotel.agent.cli.Main;
import io.cgroupotel.agent.pipeline.Agent;
import io.cgroupotel.cgroupfs.RealCgroupTree;
import io.cgroupotel.exporter.testing.OtlpGrpcTestReceiver;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The collector goes away and comes back; the agent is stopped while it does not answer. */
@Tag("real-cgroup")
class AgentFaultTest {

  @Test
  void collectorDownThenBack_firstExportAfterOutageCarriesKernelTotals() throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-outage");
        OtlpGrpcTestReceiver collector = new OtlpGrpcTestReceiver()) {
      collector.start();
      Path busy = tree.mkdirs("busy");
      Process burner = tree.burn(busy);
      String toml = """
          [agent]
          export_interval = "300ms"
          [receivers.cgroup]
          path = "%s"
          include = ["*"]
          poll_interval = "100ms"
          [exporters.otlp]
          endpoint = "%s"
          timeout = "1s"
          """.formatted(tree.root(), collector.endpoint());
      Agent agent = TestAgents.create("outage.toml", toml);
      agent.start();
      try {
        collector.next(Duration.ofSeconds(10));
        collector.stop(); // the collector goes down while the process burns CPU
        Thread.sleep(1500);
        burner.destroyForcibly().waitFor();
        Thread.sleep(300);
        double kernel = RealCgroupTree.usageUsec(busy) / 1e6;
        collector.drain();
        collector.start(); // back, on the same port
        // the send queue first delivers the exports made during the outage, in order; the first
        // export collected after it carries the CPU time burnt during it: cumulative counters
        ResourceMetrics rm = null;
        for (int i = 0; i < 50; i++) {
          rm = byCgroup(collector.next(Duration.ofSeconds(15))).get("/busy");
          if (rm != null && Math.abs(seconds(rm) - kernel) <= kernel * 0.02 + 0.020) {
            break;
          }
        }
        assertThat(rm).isNotNull();
        assertThat(seconds(rm)).isCloseTo(kernel, within(kernel * 0.02 + 0.020));
        assertThat(agent.pipeline().store().size()).isEqualTo(1);
      } finally {
        agent.shutdown(Duration.ofSeconds(5));
      }
    }
  }

  @Test
  void sigterm_collectorNotAnswering_exitsWithinFiveSeconds(@TempDir Path dir) throws Exception {
    // a "collector" that accepts connections and never answers
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-stop");
        ServerSocket blackHole = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      List<Socket> held = new ArrayList<>();
      Thread acceptor = new Thread(() -> {
        while (!blackHole.isClosed()) {
          try {
            held.add(blackHole.accept());
          } catch (Exception e) {
            return;
          }
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      Path config = dir.resolve("agent.toml");
      Files.writeString(config, """
          [agent]
          export_interval = "500ms"
          [receivers.cgroup]
          path = "%s"
          [exporters.otlp]
          endpoint = "http://127.0.0.1:%d"
          timeout = "30s"
          """.formatted(tree.root(), blackHole.getLocalPort()));
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      Main main = new Main(Map.of(), new PrintStream(new ByteArrayOutputStream(), true,
          StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
      CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(
          () -> new CommandLine(main).execute("--config", config.toString()));
      Thread.sleep(1500); // running, with exports hanging
      long stop = System.nanoTime();
      main.requestStop(); // what SIGTERM does
      int code = exit.get(10, TimeUnit.SECONDS);
      long tookMillis = (System.nanoTime() - stop) / 1_000_000;
      assertThat(code).isZero();
      assertThat(tookMillis).as("shutdown time, ms").isLessThan(5000);
      for (Socket s : held) {
        s.close();
      }
    }
  }

  @Test
  void traces_spanPerPollAndPerExport_sentToTheCollector() throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-traces");
        OtlpGrpcTestReceiver collector = new OtlpGrpcTestReceiver()) {
      collector.start();
      tree.mkdirs("a");
      String toml = """
          [agent]
          export_interval = "300ms"
          traces = true
          [receivers.cgroup]
          path = "%s"
          include = ["*"]
          poll_interval = "100ms"
          [exporters.otlp]
          endpoint = "%s"
          """.formatted(tree.root(), collector.endpoint());
      Agent agent = TestAgents.create("traces.toml", toml);
      assertThat(agent.pipeline().problems()).isEmpty();
      agent.start();
      java.util.Set<String> names = new java.util.HashSet<>();
      try {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!(names.contains("poll cgroup") && names.contains("export otlp"))
            && System.nanoTime() < deadline) {
          collector.nextTraces(Duration.ofSeconds(20)).getResourceSpansList().forEach(rs ->
              rs.getScopeSpansList().forEach(ss -> ss.getSpansList().forEach(
                  span -> names.add(span.getName()))));
        }
      } finally {
        agent.shutdown(Duration.ofSeconds(5));
      }
      assertThat(names).contains("poll cgroup", "export otlp");
    }
  }
}

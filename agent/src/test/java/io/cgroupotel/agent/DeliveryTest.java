package io.cgroupotel.agent;

import static io.cgroupotel.agent.AgentOtlpEndToEndTest.byCgroup;
import static io.cgroupotel.agent.AgentOtlpEndToEndTest.seconds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cgroupotel.agent.cli.Main;
import io.cgroupotel.agent.pipeline.Agent;
import io.cgroupotel.cgroupfs.RealCgroupTree;
import io.cgroupotel.exporter.testing.OtlpGrpcTestReceiver;
import io.cgroupotel.exporter.testing.OtlpTestReceiver;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing lost: real cgroups that burn CPU and are removed while the collector is down, or while
 * the agent is killed, arrive afterwards with the kernel's final CPU time.
 */
@Tag("real-cgroup")
class DeliveryTest {

  /** Burns CPU in a new cgroup for a while, stops, lets a poll read it, removes it. */
  private static double shortLived(RealCgroupTree tree, String name) throws Exception {
    Path cgroup = tree.mkdirs(name);
    Process burner = tree.burn(cgroup);
    Thread.sleep(700);
    burner.destroyForcibly().waitFor();
    Thread.sleep(300); // polled every 100 ms: the last poll reads the final value
    double kernel = RealCgroupTree.usageUsec(cgroup) / 1e6;
    tree.remove(cgroup);
    return kernel;
  }

  /** The highest CPU time received per cgroup path, until every expected path has arrived. */
  private static Map<String, Double> receiveUntil(OtlpTestReceiver collector,
      Map<String, Double> expected) throws Exception {
    Map<String, Double> got = new HashMap<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
    while (System.nanoTime() < deadline) {
      ExportMetricsServiceRequest r = collector.next(Duration.ofSeconds(40));
      r.getResourceMetricsList().stream().flatMap(rm -> rm.getScopeMetricsList().stream())
          .flatMap(sm -> sm.getMetricsList().stream())
          .filter(m -> m.getName().equals("cgroup_agent.export.queue.age"))
          .flatMap(m -> m.getGauge().getDataPointsList().stream())
          .forEach(p -> got.merge("queue.age", p.getAsDouble(), Math::max));
      for (Map.Entry<String, ResourceMetrics> e : byCgroup(r).entrySet()) {
        if (expected.containsKey(e.getKey())) {
          got.merge(e.getKey(), seconds(e.getValue()), Math::max);
        }
      }
      if (got.keySet().containsAll(expected.keySet()) && expected.entrySet().stream()
          .allMatch(x -> Math.abs(got.get(x.getKey()) - x.getValue()) <= x.getValue() * 0.01)) {
        break;
      }
    }
    return got;
  }

  @Test
  void collectorDown_cgroupsEndedDuringTheOutage_arriveAfterWithFinalCpuTime() throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-delivery");
        OtlpGrpcTestReceiver collector = new OtlpGrpcTestReceiver()) {
      collector.start();
      tree.mkdirs("long");
      Agent agent = TestAgents.create("delivery.toml", """
          [agent]
          export_interval = "300ms"
          [receivers.cgroup]
          path = "%s"
          include = ["*"]
          poll_interval = "100ms"
          [exporters.otlp]
          endpoint = "%s"
          timeout = "1s"
          """.formatted(tree.root(), collector.endpoint()));
      agent.start();
      try {
        collector.next(Duration.ofSeconds(10));
        collector.stop(); // the outage
        Map<String, Double> kernel = new HashMap<>();
        for (int i = 0; i < 3; i++) {
          kernel.put("/short-" + i, shortLived(tree, "short-" + i));
        }
        Thread.sleep(1000); // their last export is made during the outage
        assertThat(agent.pipeline().store().states()).noneMatch(
            s -> s.entity().attributes().toString().contains("short-"));
        collector.drain();
        collector.start(); // back on the same port
        Map<String, Double> got = receiveUntil(collector, kernel);
        // the exports made during the outage say how long their queue had waited
        assertThat(got.remove("queue.age")).as("cgroup_agent.export.queue.age").isGreaterThan(1);
        assertThat(got).containsOnlyKeys(kernel.keySet());
        kernel.forEach((path, seconds) -> assertThat(got.get(path)).as(path)
            .isCloseTo(seconds, within(seconds * 0.01)));
        // their receipts went into the same queue: one each, with the kernel's final CPU time
        Map<String, Double> receipts = new HashMap<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (receipts.size() < kernel.size() && System.nanoTime() < deadline) {
          for (ReceiptProto r : ReceiptProto.all(List.of(collector.nextLogs(
              Duration.ofSeconds(20))))) {
            assertThat(receipts.put(r.resourceAttribute("cgroup.path"), r.number("cpu.time")))
                .as("a second receipt for " + r.resourceAttribute("cgroup.path")).isNull();
          }
        }
        assertThat(receipts).containsOnlyKeys(kernel.keySet());
        kernel.forEach((path, seconds) -> assertThat(receipts.get(path)).as("receipt " + path)
            .isCloseTo(seconds, within(seconds * 0.01)));
      } finally {
        agent.shutdown(Duration.ofSeconds(5));
      }
    }
  }

  @Test
  void persistentQueue_agentKilledDuringOutage_everythingArrivesAfterRestart(@TempDir Path dir)
      throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-killed");
        OtlpGrpcTestReceiver collector = new OtlpGrpcTestReceiver()) {
      collector.start();
      collector.stop(); // down from the start: its port is known
      tree.mkdirs("long");
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
          [exporters.otlp.queue]
          path = "%s"
          """.formatted(tree.root(), collector.endpoint(), dir.resolve("queue"));
      Path config = dir.resolve("agent.toml");
      Files.writeString(config, toml);
      Process child = ChildAgent.start(dir, "--config", config.toString());
      ChildAgent.Log log = ChildAgent.log(child);
      Map<String, Double> kernel = new HashMap<>();
      try {
        assertThat(log.await("started:", Duration.ofSeconds(30))).as(log.text()).isTrue();
        kernel.put("/job-1", shortLived(tree, "job-1"));
        kernel.put("/job-2", shortLived(tree, "job-2"));
        Thread.sleep(1000); // exported and queued on disk
      } finally {
        child.destroyForcibly().waitFor(); // SIGKILL: no shutdown, no flush
      }
      collector.start();
      Agent agent = TestAgents.create("agent.toml", toml);
      agent.start();
      try {
        Map<String, Double> got = receiveUntil(collector, kernel);
        got.remove("queue.age");
        assertThat(got).as(log.text()).containsOnlyKeys(kernel.keySet());
        kernel.forEach((path, seconds) -> assertThat(got.get(path)).as(path)
            .isCloseTo(seconds, within(seconds * 0.01)));
      } finally {
        agent.shutdown(Duration.ofSeconds(5));
      }
    }
  }

  /**
   * A collector that stalls: over HTTP it answers headers and half a body, over gRPC nothing.
   * SIGTERM still ends the agent within 5 s, with exit code 0.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"grpc", "http/protobuf"})
  void sigterm_duringAHalfAnswerStall_exitsWithinFiveSeconds(String protocol, @TempDir Path dir)
      throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-stall");
        java.net.ServerSocket stall = new java.net.ServerSocket(0, 50,
            java.net.InetAddress.getLoopbackAddress())) {
      java.util.List<java.net.Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
      Thread acceptor = new Thread(() -> {
        while (!stall.isClosed()) {
          try {
            java.net.Socket s = stall.accept();
            held.add(s);
            if (protocol.equals("grpc")) {
              continue; // an HTTP/2 client waits for an answer that never comes
            }
            // headers and half a body, then silence
            s.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf"
                + "\r\nContent-Length: 100\r\n\r\n\n\u0003abc").getBytes());
            s.getOutputStream().flush();
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
          protocol = "%s"
          timeout = "30s"
          """.formatted(tree.root(), stall.getLocalPort(), protocol));
      java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
      Main main = new Main(Map.of(), new java.io.PrintStream(new java.io.ByteArrayOutputStream(),
          true, java.nio.charset.StandardCharsets.UTF_8), new java.io.PrintStream(err, true,
          java.nio.charset.StandardCharsets.UTF_8));
      java.util.concurrent.CompletableFuture<Integer> exit =
          java.util.concurrent.CompletableFuture.supplyAsync(() -> new picocli.CommandLine(main)
              .execute("--config", config.toString()));
      long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (held.isEmpty() && System.nanoTime() < until) {
        Thread.sleep(50);
      }
      Thread.sleep(1500); // running, the sender stuck in a stalled answer
      long stop = System.nanoTime();
      main.requestStop(); // what SIGTERM does
      int code = exit.get(10, java.util.concurrent.TimeUnit.SECONDS);
      long tookMillis = (System.nanoTime() - stop) / 1_000_000;
      System.out.println(protocol + ": shutdown during a stall took " + tookMillis + " ms");
      assertThat(code).isZero();
      assertThat(tookMillis).as("shutdown time, ms").isLessThan(5000);
      for (java.net.Socket s : held) {
        s.close();
      }
    }
  }
}

package io.cgroupotel.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.util.JsonFormat;
import io.cgroupotel.agent.pipeline.Agent;
import io.cgroupotel.cgroupfs.RealCgroupTree;
import io.cgroupotel.exporter.testing.OtlpGrpcTestReceiver;
import io.cgroupotel.exporter.testing.OtlpHttpTestReceiver;
import io.cgroupotel.exporter.testing.OtlpTestReceiver;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Receipts on real cgroups: a process burns CPU in a cgroup of our own for about 1.5 s, exits,
 * and the cgroup is removed right after; the agent sends exactly one receipt for it, over OTLP
 * and to the file, whose CPU time is the kernel's final counter and whose duration is the
 * cgroup's life, within one poll interval. A cgroup that lives on gets none.
 */
@Tag("real-cgroup")
class ReceiptRealCgroupTest {
  static final Duration POLL = Duration.ofMillis(500);

  @ParameterizedTest
  @ValueSource(strings = {"grpc", "http/protobuf"})
  void cgroupEnds_oneReceipt_cpuTimeIsTheKernelsFinalCounter(String protocol, @TempDir Path dir)
      throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-receipt");
        OtlpTestReceiver receiver = protocol.equals("grpc") ? new OtlpGrpcTestReceiver()
            : new OtlpHttpTestReceiver()) {
      receiver.start();
      tree.mkdirs("idle");
      Path metricsFile = dir.resolve("metrics.jsonl");
      String toml = """
          [agent]
          hostname = "node-receipts"
          export_interval = "1s"
          [receivers.cgroup]
          path = "%s"
          include = ["*"]
          poll_interval = "%dms"
          [exporters.otlp]
          endpoint = "%s"
          protocol = "%s"
          [exporters.file]
          path = "%s"
          """.formatted(tree.root(), POLL.toMillis(), receiver.endpoint(), protocol,
          metricsFile);
      Agent agent = TestAgents.create("receipts.toml", toml);
      assertThat(agent.pipeline().problems()).isEmpty();
      agent.start();
      try {
        Thread.sleep(200);
        long born = System.nanoTime();
        Path job = tree.mkdirs("job");
        Process burner = tree.burn(job);
        Thread.sleep(1500);
        burner.destroyForcibly().waitFor();
        long died = System.nanoTime();
        double lifetime = (died - born) / 1e9;
        awaitUnpopulated(job);
        // the last process is gone: this counter is final; the cgroup goes right after (as
        // the kubelet, OAR and Slurm remove it: the end read takes a few ms, a loaded test
        // machine gets some slack, as in the sampler's own test)
        double kernel = RealCgroupTree.usageUsec(job) / 1e6;
        Thread.sleep(50);
        RealCgroupTree.removeTree(job);

        List<ExportLogsServiceRequest> requests = new ArrayList<>();
        requests.add(receiver.nextLogs(Duration.ofSeconds(15)));
        // a few polls and exports more: a second receipt would show by now
        Thread.sleep(3 * POLL.toMillis() + 1000);
        requests.addAll(receiver.drainLogs());
        List<ReceiptProto> receipts = ReceiptProto.all(requests);
        assertThat(receipts).as("one receipt, for the cgroup that ended only").hasSize(1);
        ReceiptProto r = receipts.get(0);
        assertThat(r.resourceAttribute("cgroup.path")).isEqualTo("/job");
        assertThat(r.resourceAttribute("host.name")).isEqualTo("node-receipts");
        assertThat(r.resourceAttribute("service.name")).isEqualTo("cgroup-otel-agent");
        assertThat(r.string("event.name")).isEqualTo("cgroup_otel.entity.end");
        assertThat(r.string("entity.kind")).isEqualTo("cgroup");
        assertThat(r.number("cpu.time")).isCloseTo(kernel, within(kernel * 0.01));
        assertThat(r.number("cpu.time.user") + r.number("cpu.time.system"))
            .isCloseTo(kernel, within(kernel * 0.05 + 0.02));
        assertThat(r.number("duration")).isCloseTo(lifetime,
            within(POLL.toMillis() / 1000.0 + 0.1));
        assertThat(r.attribute("start.observed").orElseThrow().getBoolValue()).isTrue();
        assertThat(r.record().getTimeUnixNano()).isPositive();
        assertThat(java.time.Instant.parse(r.string("end")).toEpochMilli())
            .isCloseTo(r.record().getTimeUnixNano() / 1_000_000, within(1L));
        // allocation: the cgroup's own limits where its controllers give them; none is known
        // on a cgroup without cpu.max or cpuset files, and then no efficiency is made up
        boolean limits = Files.exists(tree.root().resolve("idle/cpu.max"))
            || Files.exists(tree.root().resolve("idle/cpuset.cpus.effective"));
        if (limits) {
          assertThat(r.number("cpu.efficiency")).isCloseTo(
              r.number("cpu.time") / (r.number("cpu.allocated") * r.number("duration")),
              within(1e-9));
        } else {
          assertThat(r.has("cpu.allocated")).isFalse();
          assertThat(r.has("cpu.efficiency")).isFalse();
        }
        assertThat(r.has("memory.efficiency")).isEqualTo(r.has("memory.allocated")
            && r.has("memory.peak"));

        // the file: the same receipt, one line, beside the metrics
        Path logs = dir.resolve("logs.jsonl");
        List<String> lines = Files.readAllLines(logs);
        assertThat(lines).hasSize(1);
        ExportLogsServiceRequest.Builder fromFile = ExportLogsServiceRequest.newBuilder();
        JsonFormat.parser().merge(lines.get(0), fromFile);
        List<ReceiptProto> inFile = ReceiptProto.all(List.of(fromFile.build()));
        assertThat(inFile).hasSize(1);
        assertThat(inFile.get(0).resourceAttribute("cgroup.path")).isEqualTo("/job");
        assertThat(inFile.get(0).number("cpu.time")).isEqualTo(r.number("cpu.time"));
        assertThat(inFile.get(0).record().getTimeUnixNano()).isEqualTo(r.record().getTimeUnixNano());
      } finally {
        agent.shutdown(Duration.ofSeconds(5));
      }
    }
  }

  /** Waits until the kernel says the cgroup has no process left. */
  static void awaitUnpopulated(Path cgroup) {
    await("populated 0").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
        .until(() -> Files.readString(cgroup.resolve("cgroup.events")).contains("populated 0"));
  }

  @Test
  void receiptsOff_noLogsAtAll(@TempDir Path dir) throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-receipt");
        OtlpGrpcTestReceiver receiver = new OtlpGrpcTestReceiver()) {
      receiver.start();
      String toml = """
          [agent]
          receipts = false
          export_interval = "1s"
          [receivers.cgroup]
          path = "%s"
          include = ["*"]
          poll_interval = "200ms"
          [exporters.otlp]
          endpoint = "%s"
          [exporters.file]
          path = "%s"
          """.formatted(tree.root(), receiver.endpoint(), dir.resolve("metrics.jsonl"));
      Agent agent = TestAgents.create("off.toml", toml);
      agent.start();
      try {
        Path job = tree.mkdirs("job");
        Process p = tree.burn(job);
        Thread.sleep(500);
        p.destroyForcibly().waitFor();
        RealCgroupTree.removeTree(job);
        receiver.next(Duration.ofSeconds(10)); // metrics flow
        Thread.sleep(1500);
        receiver.next(Duration.ofSeconds(10));
        assertThat(receiver.drainLogs()).isEmpty();
        assertThat(dir.resolve("logs.jsonl")).doesNotExist();
      } finally {
        agent.shutdown(Duration.ofSeconds(5));
      }
    }
  }
}

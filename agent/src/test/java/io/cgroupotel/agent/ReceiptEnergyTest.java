package io.cgroupotel.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.util.JsonFormat;
import io.cgroupotel.agent.energy.PowercapTree;
import io.cgroupotel.agent.pipeline.Agent;
import io.cgroupotel.cgroupfs.RealCgroupTree;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With [energy]: a receipt carries the entity's share of the node's energy and carbon. */
@Tag("real-cgroup")
class ReceiptEnergyTest {
  @TempDir
  Path dir;

  @Test
  void jobEnds_receiptHasItsEnergyAndCarbon() throws Exception {
    PowercapTree powercap = new PowercapTree(dir.resolve("powercap"));
    powercap.zone("intel-rapl:0", "package-0", 0, 1L << 40);
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-receipt-energy")) {
      Agent agent = TestAgents.create("energy.toml", """
          [receivers.cgroup]
          path = "%s"
          include = ["*"]
          poll_interval = "1h"
          [exporters.file]
          path = "%s"
          [energy]
          source = "rapl"
          powercap_path = "%s"
          carbon_intensity = 100
          """.formatted(tree.root(), dir.resolve("metrics.jsonl"), powercap.root()));
      assertThat(agent.pipeline().problems()).isEmpty();
      agent.start();
      try {
        Path job = tree.mkdirs("job");
        Process burner = tree.burn(job);
        for (int i = 0; i < 5; i++) {
          Thread.sleep(100);
          powercap.advance("intel-rapl:0", 10_000_000, 1L << 40); // 10 J each
          agent.pipeline().runners().get(0).pollOnce();
        }
        burner.destroyForcibly().waitFor();
        RealCgroupTree.removeTree(job);
        for (int i = 0; i < 3; i++) {
          Thread.sleep(100);
          agent.pipeline().runners().get(0).pollOnce();
        }
      } finally {
        agent.shutdown(Duration.ofSeconds(5));
      }
      List<ExportLogsServiceRequest> requests = new ArrayList<>();
      for (String line : Files.readAllLines(dir.resolve("logs.jsonl"))) {
        ExportLogsServiceRequest.Builder b = ExportLogsServiceRequest.newBuilder();
        JsonFormat.parser().merge(line, b);
        requests.add(b.build());
      }
      List<ReceiptProto> receipts = ReceiptProto.all(requests);
      assertThat(receipts).hasSize(1);
      ReceiptProto r = receipts.get(0);
      double joules = r.number("energy");
      assertThat(joules).isGreaterThan(0).isLessThanOrEqualTo(50.0 + 1e-9);
      // carbon = its share of the node's: the package's joules at 100 gCO2e/kWh
      assertThat(r.number("carbon")).isCloseTo(joules / 3.6e6 * 100, within(1e-12));
    }
  }
}

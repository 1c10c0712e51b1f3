package io.cgroupotel.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.agent.cli.Main;
import io.cgroupotel.agent.energy.PowercapTree;
import io.cgroupotel.agent.pipeline.Agent;
import io.cgroupotel.agent.pipeline.Pipeline;
import io.cgroupotel.cgroupfs.RealCgroupTree;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent built from TOML with [energy]: the books reach the exporter; a missing source says so. */
@Tag("real-cgroup")
class EnergyAgentTest {
  @TempDir
  Path dir;

  @Test
  void agent_withEnergy_exportsEntityEnergyAndTheBooks() throws Exception {
    PowercapTree powercap = new PowercapTree(dir.resolve("powercap"));
    powercap.zone("intel-rapl:0", "package-0", 0, 1L << 40);
    Path out = dir.resolve("metrics.jsonl");
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-energy-agent")) {
      Path busy = tree.mkdirs("busy");
      tree.burn(busy);
      Agent agent = TestAgents.create("energy.toml", """
          [receivers.cgroup]
          path = "%s"
          include = ["*"]
          poll_interval = "100ms"
          [exporters.file]
          path = "%s"
          [energy]
          source = "rapl"
          powercap_path = "%s"
          carbon_intensity = 100
          """.formatted(tree.root(), out, powercap.root()));
      assertThat(agent.pipeline().problems()).isEmpty();
      assertThat(agent.pipeline().energy()).isNotNull();
      agent.start();
      for (int i = 0; i < 5; i++) {
        powercap.advance("intel-rapl:0", 10_000_000, 1L << 40);
        agent.pipeline().runners().get(0).pollOnce();
      }
      agent.shutdown(Duration.ofSeconds(5));
      String json = Files.readString(out);
      assertThat(json).contains("\"cgroup.energy\"", "\"cgroup.carbon\"",
          "\"cgroup.cpu.attributed_time\"", "\"host.energy\"", "\"host.energy.unattributed\"",
          "\"host.cpu.busy.time\"", "\"host.cpu.unattributed\"", "\"host.cpu.scope.time\"",
          "\"energy.domain\"", "\"package-0\"", "\"rapl\"");
    }
  }

  @Test
  void agent_autoWithoutRaplOrModel_reportsTheEnergyProblem() throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-energy-agent")) {
      Agent agent = TestAgents.create("energy.toml", """
          [receivers.cgroup]
          path = "%s"
          [exporters.file]
          path = "/dev/null"
          [energy]
          powercap_path = "%s"
          """.formatted(tree.root(), dir));
      try {
        assertThat(agent.pipeline().problems()).extracting(Pipeline.StartProblem::component)
            .containsExactly("energy");
        assertThat(agent.pipeline().problems().get(0).message()).contains("idle_watts", dir.toString());
        assertThat(agent.pipeline().energy()).isNull();
      } finally {
        agent.close();
      }
    }
  }

  @Test
  void check_raplWithoutAPowercapTree_failsSayingWhyAndWhatToSet() throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-energy-agent")) {
      java.nio.file.Path config = java.nio.file.Files.writeString(dir.resolve("agent.toml"), """
          [receivers.cgroup]
          path = "%s"
          [exporters.file]
          path = "/dev/null"
          [energy]
          source = "rapl"
          powercap_path = "%s"
          """.formatted(tree.root(), dir.resolve("no-powercap")));
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      java.io.PrintStream print = new java.io.PrintStream(out, true,
          java.nio.charset.StandardCharsets.UTF_8);
      int exit = new picocli.CommandLine(new Main(java.util.Map.of(), print, print))
          .execute("--check", "--config", config.toString());
      String text = out.toString(java.nio.charset.StandardCharsets.UTF_8);
      System.out.println(text);
      assertThat(exit).isEqualTo(Main.BAD_CONFIG);
      assertThat(text).contains("energy: FAILED: energy: source = \"rapl\" but "
          + dir.resolve("no-powercap") + " does not exist").contains("source = \"auto\"",
          "idle_watts");
    }
  }
}

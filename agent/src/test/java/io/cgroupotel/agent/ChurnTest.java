package io.cgroupotel.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cgroupotel.agent.pipeline.Agent;
import io.cgroupotel.cgroupfs.RealCgroupTree;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Cgroups created and removed by the hundred while the agent runs: it ends with exactly the live
 * ones, holds nothing for the gone ones once exported, and no poll fails.
 */
@Tag("real-cgroup")
class ChurnTest {

  @Test
  void churn_hundredsOfCgroups_entitiesEqualLiveCountAndGoneOnesDropped() throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-churn")) {
      String toml = """
          [agent]
          export_interval = "200ms"
          [receivers.cgroup]
          path = "%s"
          include = ["*"]
          poll_interval = "100ms"
          [exporters.file]
          path = "/dev/null"
          """.formatted(tree.root());
      Agent agent = TestAgents.create("churn.toml", toml);
      agent.start();
      try {
        Random random = new Random(7);
        List<Path> live = new ArrayList<>();
        int made = 0;
        for (int round = 0; round < 30; round++) {
          for (int i = 0; i < 40; i++) {
            live.add(tree.mkdirs("c" + made++));
          }
          for (int i = 0; i < 25 && !live.isEmpty(); i++) {
            Files.delete(live.remove(random.nextInt(live.size())));
          }
          Thread.sleep(20);
        }
        assertThat(made).isEqualTo(1200);
        int expected = live.size();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
            .until(() -> agent.pipeline().store().live("cgroup") == expected
                && agent.pipeline().store().size() == expected);
        assertThat(agent.pipeline().store().live("cgroup")).isEqualTo(expected);
        assertThat(agent.pipeline().store().size()).as("gone cgroups dropped after their last export")
            .isEqualTo(expected);
      } finally {
        agent.shutdown(Duration.ofSeconds(5));
      }
    }
  }
}

package io.cgroupotel.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.agent.cli.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent, in a child JVM, given a carbon intensity file that is a FIFO (a read blocks until a
 * writer comes, as on a hung mount): it must not hang at start.
 */
class BlockingInputAgentTest {
  @TempDir
  Path dir;

  @Test
  void fifoCarbonFile_refusedAtOnceWithAPositionedError() throws Exception {
    Path fifo = dir.resolve("grid");
    assertThat(new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor())
        .isZero();
    Path config = Files.writeString(dir.resolve("agent.toml"), """
        [receivers.cgroup]
        path = "/sys/fs/cgroup"
        [exporters.file]
        path = "/dev/null"
        [energy]
        source = "model"
        idle_watts = 50
        max_watts = 200
        carbon_intensity_file = "%s"
        """.formatted(fifo));
    for (String mode : new String[] {"--check", "--run"}) {
      long t0 = System.nanoTime();
      Process agent = mode.equals("--check")
          ? ChildAgent.start(dir, "--check", "--config", config.toString())
          : ChildAgent.start(dir, "--config", config.toString());
      ChildAgent.Log log = ChildAgent.log(agent);
      try {
        boolean ended = agent.waitFor(15, TimeUnit.SECONDS);
        if (!ended) { // before the fix: hung in open(2) on the FIFO; SIGTERM gave 143
          ChildAgent.signal(agent, "TERM");
          assertThat(agent.waitFor(5, TimeUnit.SECONDS)).as("ended on SIGTERM within 5 s")
              .isTrue();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("%s with a FIFO carbon file: exit %d after %.1f s%n%s%n", mode,
            agent.exitValue(), seconds, log.text());
        assertThat(ended).as("ended by itself").isTrue();
        assertThat(agent.exitValue()).isEqualTo(Main.BAD_CONFIG);
        assertThat(log.await("agent.toml:9:", Duration.ofSeconds(2))).as(log.text()).isTrue();
        assertThat(log.text()).contains("energy.carbon_intensity_file", "FIFO");
      } finally {
        agent.destroyForcibly();
      }
    }
  }
}

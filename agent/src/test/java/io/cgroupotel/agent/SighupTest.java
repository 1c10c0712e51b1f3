package io.cgroupotel.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cgroupotel.agent.cli.Main;
import io.cgroupotel.cgroupfs.RealCgroupTree;
import io.cgroupotel.exporter.testing.OtlpGrpcTestReceiver;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent as a real process: SIGHUP keeps it running and exporting; SIGTERM exits 0. */
@Tag("real-cgroup")
@Tag("child-jvm")
class SighupTest {
  static final Duration INTERVAL = Duration.ofSeconds(3);

  @Test
  void sighup_keepsRunningAndExporting_thenSigtermExits0WithFinalExport(@TempDir Path dir)
      throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-hup");
        OtlpGrpcTestReceiver collector = new OtlpGrpcTestReceiver()) {
      tree.mkdirs("a");
      collector.start();
      Path file = dir.resolve("agent.toml");
      Files.writeString(file, """
          [agent]
          export_interval = "%ds"
          [receivers.cgroup]
          path = "%s"
          include = ["*"]
          [exporters.otlp]
          endpoint = "%s"
          [exporters.file]
          path = "%s"
          """.formatted(INTERVAL.toSeconds(), tree.root(), collector.endpoint(),
          dir.resolve("metrics.jsonl")));
      Process agent = ChildAgent.start(dir, "--config", file.toString());
      ChildAgent.Log log = ChildAgent.log(agent);
      try {
        assertThat(log.await("started:", Duration.ofSeconds(20))).as(log.text()).isTrue();
        collector.next(INTERVAL.plusSeconds(5));

        Path metrics = dir.resolve("metrics.jsonl");
        Path rotated = dir.resolve("metrics.jsonl.1");
        Files.move(metrics, rotated); // logrotate without copytruncate
        ChildAgent.signal(agent, "HUP");
        assertThat(log.await("SIGHUP", Duration.ofSeconds(10))).as(log.text()).isTrue();
        assertThat(agent.isAlive()).as("alive after SIGHUP").isTrue();
        collector.drain();
        collector.next(INTERVAL.plusSeconds(5)); // still exporting after the reopen
        assertThat(agent.isAlive()).isTrue();
        // the file's reader has a timer of its own, a few ms off the OTLP one's: wait for its
        // export too, or SIGTERM may come first and the file would hold the final export only
        await().atMost(INTERVAL.plusSeconds(5)).pollInterval(Duration.ofMillis(20))
            .until(() -> Files.exists(metrics) && !Files.readAllLines(metrics).isEmpty());
        long rotatedLines = Files.readAllLines(rotated).size();

        // right after a periodic export, the next one is INTERVAL away: what arrives between
        // SIGTERM and the exit is the final export
        collector.drain();
        long term = System.nanoTime();
        ChildAgent.signal(agent, "TERM");
        assertThat(agent.waitFor(10, TimeUnit.SECONDS)).isTrue();
        Duration stopping = Duration.ofNanos(System.nanoTime() - term);
        List<ExportMetricsServiceRequest> last = collector.drain();
        System.out.println("exit " + agent.exitValue() + " after " + stopping.toMillis()
            + " ms, final OTLP requests: " + last.size() + "\n" + log.text());
        assertThat(agent.exitValue()).isZero();
        assertThat(stopping).as("stopped before the next periodic export").isLessThan(INTERVAL);
        assertThat(last).as("final export").isNotEmpty();
        assertThat(log.text()).contains("stopped");
        assertThat(Files.readAllLines(rotated)).as("nothing more in the moved file")
            .hasSize((int) rotatedLines);
        assertThat(Files.readAllLines(metrics)).hasSizeGreaterThanOrEqualTo(2);
      } finally {
        agent.destroyForcibly();
      }
    }
  }
}

/** Starts the agent's main class in a child JVM with the test class path. */
final class ChildAgent {
  private ChildAgent() {}

  static Process start(Path dir, String... args) throws java.io.IOException {
    List<String> command = new java.util.ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    command.addAll(List.of(args));
    return new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
        .start();
  }

  static void signal(Process process, String signal) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
        .inheritIO().start();
    assertThat(kill.waitFor()).isZero();
  }

  static Log log(Process process) {
    Log log = new Log();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          log.add(line);
        }
      } catch (java.io.IOException e) {
        // the process ended
      }
    }, "child-agent-log");
    reader.setDaemon(true);
    reader.start();
    return log;
  }

  /** The child's output, with a latch per awaited text. */
  static final class Log {
    private final StringBuilder text = new StringBuilder();
    private final java.util.Map<String, CountDownLatch> waiting =
        new java.util.concurrent.ConcurrentHashMap<>();

    synchronized void add(String line) {
      text.append(line).append('\n');
      waiting.forEach((s, latch) -> {
        if (line.contains(s)) {
          latch.countDown();
        }
      });
    }

    boolean await(String s, Duration timeout) throws InterruptedException {
      CountDownLatch latch;
      synchronized (this) {
        if (text.indexOf(s) >= 0) {
          return true;
        }
        latch = waiting.computeIfAbsent(s, k -> new CountDownLatch(1));
      }
      return latch.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    synchronized String text() {
      return text.toString();
    }
  }
}

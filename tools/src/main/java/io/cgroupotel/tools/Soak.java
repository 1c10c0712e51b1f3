package io.cgroupotel.tools;

import com.sun.net.httpserver.HttpServer;
import io.cgroupotel.cgroupfs.Cgroup2;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The soak run: the real agent polls N churning pods every second for a long while, exporting
 * over OTLP/HTTP to a collector stand-in that goes down and comes back; resident memory and CPU
 * are recorded every 10 s, and the agent's log is counted. Needs root.
 */
@Command(name = "soak", mixinStandardHelpOptions = true,
    description = "Run the agent for a long while on churning pods with a flapping collector")
final class Soak implements Callable<Integer> {
  @Option(names = "--pods", defaultValue = "2000") int pods;
  @Option(names = "--minutes", defaultValue = "10") int minutes;
  @Option(names = "--churn", defaultValue = "20", description = "pods replaced per second")
  int churn;
  @Option(names = "--flap-seconds", defaultValue = "30",
      description = "the collector is up, then down, for this long each")
  int flapSeconds;
  @Option(names = "--out", defaultValue = "soak.md") Path out;

  @Override
  public Integer call() throws Exception {
    Path mount = Cgroup2.findMount().orElseThrow();
    AtomicLong received = new AtomicLong();
    HttpServer collector = startCollector(0, received);
    int port = collector.getAddress().getPort();
    try (BenchTree tree = BenchTree.create(mount, pods, false)) {
      Path config = Files.createTempFile("soak", ".toml");
      Files.writeString(config, "[agent]\nexport_interval = \"10s\"\n" + Bench.k8sConfig(tree.root())
          + "containers = false\n[exporters.otlp]\nendpoint = \"http://127.0.0.1:" + port
          + "\"\nprotocol = \"http/protobuf\"\ntimeout = \"2s\"\n");
      Path log = Files.createTempFile("soak", ".log");
      List<String> command = AgentProcess.command(config, System.getenv());
      Process agent = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(log.toFile()).start();
      // Ctrl-C or SIGTERM of the soak must not leave the agent running
      Runtime.getRuntime().addShutdownHook(new Thread(agent::destroy, "soak-agent-stop"));
      StringBuilder table = new StringBuilder("| t (s) | collector | agent RSS (MiB) | agent CPU "
          + "(% of a core, last 10 s) | pods live | requests received |\n|---|---|---|---|---|---|\n");
      long start = System.nanoTime();
      Thread.sleep(1000);
      AgentProcess.requireAlive(agent, log);
      System.err.printf("soak: the agent runs (pid %d); a row every 10 s for %d min%n",
          agent.pid(), minutes);
      long lastTicks = Bench.cpuTicks(agent.pid());
      long lastSample = start;
      boolean up = true;
      long nextFlap = start + TimeUnit.SECONDS.toNanos(flapSeconds);
      int second = 0;
      while (System.nanoTime() - start < TimeUnit.MINUTES.toNanos(minutes)) {
        Thread.sleep(1000);
        AgentProcess.requireAlive(agent, log);
        second++;
        tree.churn(churn);
        if (System.nanoTime() > nextFlap) {
          if (up) {
            collector.stop(0);
          } else {
            collector = startCollector(port, received);
          }
          up = !up;
          nextFlap += TimeUnit.SECONDS.toNanos(flapSeconds);
        }
        if (second % 10 == 0) {
          long ticks = Bench.cpuTicks(agent.pid());
          double seconds = (System.nanoTime() - lastSample) / 1e9;
          table.append(String.format(Locale.ROOT, "| %d | %s | %.0f | %.1f | %d | %d |%n",
              second, up ? "up" : "down", Bench.rssKiB(agent.pid()) / 1024.0,
              (ticks - lastTicks) / 100.0 / seconds * 100, tree.podCount(), received.get()));
          lastTicks = ticks;
          lastSample = System.nanoTime();
          System.err.print(table.substring(table.lastIndexOf("| " + second + " |")));
        }
      }
      agent.destroy();
      boolean exited = agent.waitFor(10, TimeUnit.SECONDS);
      List<String> lines = Files.readAllLines(log);
      String report = "# Soak\n\n" + Instant.now() + ": `java -jar tools/target/cgroup-otel-tools.jar"
          + " soak --pods " + pods + " --minutes " + minutes + " --churn " + churn
          + " --flap-seconds " + flapSeconds + "`; agent flags `"
          + String.join(" ", Bench.AGENT_JVM_FLAGS) + "`, k8s receiver (pods only) at a 1 s "
          + "poll, OTLP/HTTP every 10 s to a stand-in collector up and down every "
          + flapSeconds + " s.\n\n" + table
          + "\nAgent exit after SIGTERM: " + (exited ? "code " + agent.exitValue() : "did not exit")
          + "; its log had " + lines.size() + " lines in " + minutes + " minutes.\n";
      Files.writeString(out, report);
      System.out.print(report);
      Files.deleteIfExists(config);
      return 0;
    } finally {
      collector.stop(0);
    }
  }

  private static HttpServer startCollector(int port, AtomicLong received) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 16);
    server.createContext("/v1/metrics", exchange -> {
      try (exchange) {
        exchange.getRequestBody().readAllBytes();
        received.incrementAndGet();
        exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
        exchange.sendResponseHeaders(200, -1);
      }
    });
    server.start();
    return server;
  }

}

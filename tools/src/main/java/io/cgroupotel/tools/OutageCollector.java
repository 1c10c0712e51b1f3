package io.cgroupotel.tools;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.GZIPInputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The outage benchmark's collector stand-in (tools/bench/outage.sh): an OTLP/HTTP protobuf
 * endpoint on 127.0.0.1 that decodes every ExportMetricsServiceRequest into an
 * {@link ArrivalTally}, and is told on standard input, one command a line, to go away and come
 * back:
 *
 * <pre>
 * down             close the listening socket: the agent's connections are refused
 * down 503         keep listening, answer 503 Service Unavailable to every request
 * up               accept again (the drain time is measured from here)
 * report FILE      check what arrived against FILE (UID USAGE_USEC STATE a line), print the figures
 * quit             stop
 * </pre>
 */
@Command(name = "collector", mixinStandardHelpOptions = true,
    description = "OTLP/HTTP collector stand-in that counts what arrives and goes down on command")
final class OutageCollector implements Callable<Integer> {
  @Option(names = "--port", required = true, description = "port on 127.0.0.1") int port;

  private final ArrivalTally tally = new ArrivalTally();
  private final ExecutorService handler = Executors.newSingleThreadExecutor(); // in arrival order
  private volatile boolean refuse503;
  private volatile boolean drainTold;
  private HttpServer server;

  @Override
  public Integer call() throws Exception {
    start();
    System.err.println("collector: listening on 127.0.0.1:" + port);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      String[] cmd = line.strip().split("\\s+", 2);
      switch (cmd[0]) {
        case "down" -> {
          if (cmd.length > 1 && cmd[1].equals("503")) {
            refuse503 = true;
          } else if (server != null) {
            server.stop(0);
            server = null;
          }
          System.err.println("collector: down" + (refuse503 ? " (503)" : " (refusing connections)"));
        }
        case "up" -> {
          refuse503 = false;
          if (server == null) {
            start();
          }
          tally.collectorUp(System.currentTimeMillis() * 1_000_000L);
          drainTold = false;
          System.err.println("collector: up");
        }
        case "report" -> {
          List<ArrivalTally.Expected> expected = Files.readAllLines(Path.of(cmd[1])).stream()
              .filter(l -> !l.isBlank()).map(ArrivalTally.Expected::parse).toList();
          System.out.print(tally.check(expected).render());
          System.out.flush();
        }
        case "quit" -> {
          return stop();
        }
        case "" -> { }
        default -> System.err.println("collector: unknown command: " + line);
      }
    }
    return stop();
  }

  private int stop() {
    if (server != null) {
      server.stop(0);
    }
    handler.shutdown();
    return 0;
  }

  private void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
    server.createContext("/v1/metrics", this::handle);
    // the agent's receipts (one log record per ended pod) share the metrics' send queue, in
    // order: a collector that refused them would hold every metric behind them
    server.createContext("/v1/logs", this::accept);
    server.setExecutor(handler);
    server.start();
  }

  private void accept(HttpExchange exchange) throws IOException {
    try (exchange) {
      exchange.getRequestBody().readAllBytes();
      exchange.sendResponseHeaders(refuse503 ? 503 : 200, -1);
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      if (refuse503) {
        exchange.sendResponseHeaders(503, -1);
        return;
      }
      ExportMetricsServiceRequest request;
      try (InputStream decoded = "gzip".equalsIgnoreCase(
          exchange.getRequestHeaders().getFirst("Content-Encoding"))
          ? new GZIPInputStream(new ByteArrayInputStream(body))
          : new ByteArrayInputStream(body)) {
        request = ExportMetricsServiceRequest.parseFrom(decoded);
      } catch (IOException e) {
        System.err.println("collector: undecodable request (" + body.length + " bytes): " + e);
        exchange.sendResponseHeaders(400, -1);
        return;
      }
      tally.add(request, body.length, System.currentTimeMillis() * 1_000_000L);
      double drain = tally.drainSeconds();
      if (drain >= 0 && !drainTold) {
        drainTold = true; // the harness waits for this line
        System.err.printf(Locale.ROOT, "collector: drained %.1f s after it came back%n",
            drain);
      }
      byte[] answer = ExportMetricsServiceResponse.getDefaultInstance().toByteArray();
      exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
      exchange.sendResponseHeaders(200, answer.length == 0 ? -1 : answer.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(answer);
      }
    }
  }
}

package io.cgroupotel.exporter.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.zip.GZIPInputStream;

/**
 * An OTLP/HTTP (protobuf) metrics endpoint on 127.0.0.1, {@code POST /v1/metrics}, decoding
 * with opentelemetry-proto and gunzipping as a Collector does. Keeps the headers of the last
 * request.
 */
public final class OtlpHttpTestReceiver extends OtlpTestReceiver {
  private int port;
  private HttpServer server;
  private final Map<String, List<String>> lastHeaders = new ConcurrentHashMap<>();

  public OtlpHttpTestReceiver() {
    this(0);
  }

  public OtlpHttpTestReceiver(int port) {
    this.port = port;
  }

  @Override
  public synchronized void start() {
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext("/v1/metrics", this::handle);
    if (servesLogs) {
      server.createContext("/v1/logs", this::handleLogs);
    }
    server.setExecutor(Executors.newFixedThreadPool(2));
    server.start();
    port = server.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      Map<String, List<String>> headers = new java.util.HashMap<>();
      exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), v));
      pause();
      if (!exchange.getRequestMethod().equals("POST")) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      InputStream body = exchange.getRequestBody();
      if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
        body = new GZIPInputStream(body);
      }
      ExportMetricsServiceRequest request = ExportMetricsServiceRequest.parseFrom(body);
      if (failing) {
        exchange.sendResponseHeaders(503, -1);
        return;
      }
      if (request.getResourceMetricsCount() > 0) {
        // an empty request is an exporter checking that this is OTLP: answered, not kept
        lastHeaders.clear();
        lastHeaders.putAll(headers);
        requests.add(request);
      }
      byte[] response = response().toByteArray();
      exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
      exchange.sendResponseHeaders(200, response.length == 0 ? -1 : response.length);
      if (response.length > 0) {
        exchange.getResponseBody().write(response);
      }
    }
  }

  /** {@code POST /v1/logs}: the agent's receipts. */
  private void handleLogs(HttpExchange exchange) throws IOException {
    try (exchange) {
      pause();
      InputStream body = exchange.getRequestBody();
      if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
        body = new GZIPInputStream(body);
      }
      ExportLogsServiceRequest request = ExportLogsServiceRequest.parseFrom(body);
      if (failing) {
        exchange.sendResponseHeaders(503, -1);
        return;
      }
      if (request.getResourceLogsCount() > 0) {
        logs.add(request);
      }
      exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
      exchange.sendResponseHeaders(200, -1);
    }
  }

  /** Headers of the last request, names in lower case. */
  public Map<String, List<String>> lastHeaders() {
    return Map.copyOf(lastHeaders);
  }

  @Override
  public synchronized void stop() {
    if (server != null) {
      server.stop(0);
      ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
      server = null;
    }
  }

  @Override
  public int port() {
    return port;
  }

  @Override
  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }
}

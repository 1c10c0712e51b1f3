package io.cgroupotel.dist;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;

/**
 * A collector's OTLP/HTTP endpoint on loopback, as small as it can be: every POST is accepted
 * (200, an empty ExportMetricsServiceResponse) and its body kept, gunzipped. The metric names
 * are plain UTF-8 strings inside the protobuf, which is all the tests look for.
 */
final class OtlpHttpSink implements AutoCloseable {
  record Request(String path, byte[] body) {
    /** The body as Latin-1 text: protobuf's strings appear in it as they are. */
    String text() {
      return new String(body, StandardCharsets.ISO_8859_1);
    }
  }

  private final HttpServer server;
  private final List<Request> requests = new CopyOnWriteArrayList<>();

  OtlpHttpSink() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      try (exchange) {
        InputStream in = exchange.getRequestBody();
        if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
          in = new GZIPInputStream(in);
        }
        requests.add(new Request(exchange.getRequestURI().getPath(), in.readAllBytes()));
        exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
        exchange.sendResponseHeaders(200, -1);
      }
    });
    server.start();
  }

  /** The endpoint for {@code OTEL_EXPORTER_OTLP_ENDPOINT} (the exporter adds /v1/metrics). */
  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  List<Request> requests() {
    return List.copyOf(requests);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}

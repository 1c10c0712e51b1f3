package io.cgroupotel.agent.cli;

import io.cgroupotel.exporter.ExporterStartException;
import io.cgroupotel.exporter.otlp.OtlpExporterConfig;
import io.cgroupotel.exporter.otlp.OtlpExporterFactory;
import io.cgroupotel.exporter.otlp.QueueConfig;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * For {@code --check}: proves that the OTLP endpoint speaks OTLP by sending it an empty
 * {@code ExportMetricsServiceRequest} (no data point: nothing is recorded at the collector) and
 * requiring an OTLP success, within a bounded time. A port that accepts TCP and never answers,
 * or a web server that is not an OTLP receiver, fails.
 *
 * <p>gRPC goes through the SDK's own exporter (an export of nothing), which needs
 * {@code grpc-status: 0} in the trailers. OTLP/HTTP is sent by hand, because the SDK counts any
 * 2xx as a success: the answer must be a 2xx with {@code Content-Type: application/x-protobuf}
 * and a body that is protobuf (an empty or partial-success {@code ExportMetricsServiceResponse}),
 * as the OTLP specification requires of a server.
 */
public final class OtlpProbe {
  private static final String P = "otel.exporter.otlp.";
  private static final String PROTOBUF = "application/x-protobuf";

  private OtlpProbe() {}

  /** Null when the endpoint accepted an empty OTLP export within {@code timeout}, else why not. */
  static String probe(OtlpExporterFactory factory, OtlpExporterConfig config, Duration timeout) {
    Map<String, String> p = factory.effectiveProperties(config);
    java.util.Optional<URI> endpoint = factory.endpoint(config);
    if (endpoint.isPresent()) {
      String reachable = reachable(endpoint.get(), p, timeout);
      if (reachable != null) {
        return reachable;
      }
    }
    boolean clientCertificate = p.containsKey(P + "client.certificate")
        || p.containsKey(P + "metrics.client.certificate");
    if (factory.protocol(config).equals("http/protobuf") && !clientCertificate) {
      return probeHttp(p, timeout);
    }
    return probeWithSdk(factory, config, timeout);
  }

  private static String probeWithSdk(OtlpExporterFactory factory, OtlpExporterConfig config,
      Duration timeout) {
    MetricExporter exporter;
    try {
      // without the send queue: its export succeeds once queued, the probe needs the answer
      exporter = factory.create(new OtlpExporterConfig(config.properties(),
          new QueueConfig(false, null, QueueConfig.DEFAULT_MEMORY_BYTES)));
    } catch (ExporterStartException e) {
      return e.getMessage();
    }
    try {
      CompletableResultCode result = exporter.export(List.of());
      result.join(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!result.isDone()) {
        return "no OTLP answer within " + timeout.toSeconds() + " s";
      }
      if (!result.isSuccess()) {
        Throwable t = result.getFailureThrowable();
        return "the empty OTLP export was refused"
            + (t == null ? "" : ": " + (t.getMessage() == null ? t.toString() : t.getMessage()))
            + " (is this an OTLP/gRPC endpoint? an OTLP/HTTP one needs protocol = "
            + "\"http/protobuf\")";
      }
      return null;
    } finally {
      exporter.shutdown();
    }
  }

  static String probeHttp(Map<String, String> p, Duration timeout) {
    URI uri;
    try {
      uri = URI.create(httpEndpoint(p));
    } catch (IllegalArgumentException e) {
      return "bad endpoint: " + OtlpExporterConfig.redact(e.getMessage());
    }
    HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(timeout)
        .followRedirects(HttpClient.Redirect.NEVER);
    String ca = p.getOrDefault(P + "metrics.certificate", p.get(P + "certificate"));
    if (ca != null && "https".equals(uri.getScheme())) {
      try {
        client.sslContext(trusting(Path.of(ca)));
      } catch (IOException | GeneralSecurityException e) {
        return "cannot read the CA file " + ca + ": " + e.getMessage();
      }
    }
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout)
        .header("Content-Type", PROTOBUF)
        // an empty ExportMetricsServiceRequest is zero bytes in protobuf
        .POST(HttpRequest.BodyPublishers.noBody());
    try {
      headers(p.get(P + "headers"), request);
      headers(p.get(P + "metrics.headers"), request);
    } catch (IllegalArgumentException e) { // the client's message quotes the value: not shown
      return "a header is not valid HTTP (a line break or control character in its name or "
          + "value?); the value is not shown";
    }
    HttpResponse<byte[]> response;
    try {
      response = client.build().send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (HttpTimeoutException e) {
      return "no OTLP answer within " + timeout.toSeconds() + " s";
    } catch (IOException e) {
      return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
    String type = response.headers().firstValue("Content-Type").orElse("none");
    if (response.statusCode() / 100 != 2) {
      return "answered HTTP " + response.statusCode() + " (" + type
          + ") to an empty OTLP export: not an OTLP/HTTP metrics endpoint, or it refused us";
    }
    if (!type.toLowerCase(java.util.Locale.ROOT).startsWith(PROTOBUF)) {
      return "answered HTTP " + response.statusCode() + " with Content-Type " + type
          + ", not an OTLP response (" + PROTOBUF + "): is this an OTLP receiver?";
    }
    if (!isProtobuf(response.body())) {
      return "answered HTTP " + response.statusCode() + " with a body that is not an OTLP "
          + "ExportMetricsServiceResponse";
    }
    return null;
  }

  /**
   * Names the cause at once when the endpoint cannot be reached at all (no scheme, unknown host,
   * connection refused, a TLS handshake that fails), rather than after the probe's timeout: the
   * SDK's exporter retries those quietly. Null when a connection (and, for https, a TLS
   * session) could be made, or when this check cannot tell (the probe then decides).
   */
  public static String reachable(URI endpoint, Map<String, String> p, Duration timeout) {
    String scheme = endpoint.getScheme();
    if (scheme == null || !(scheme.equals("http") || scheme.equals("https"))
        || endpoint.getHost() == null) {
      return "endpoint \"" + endpoint + "\" has no http:// or https:// scheme (" + (scheme != null
          && endpoint.getHost() == null ? "write it as http://" + endpoint
          : "e.g. http://localhost:4317") + ", or https:// for TLS)";
    }
    String host = endpoint.getHost();
    int port = endpoint.getPort() > 0 ? endpoint.getPort() : scheme.equals("https") ? 443 : 80;
    java.net.InetAddress address;
    try {
      address = java.net.InetAddress.getByName(host);
    } catch (java.net.UnknownHostException e) {
      return "unknown host \"" + host + "\" (no DNS or /etc/hosts entry): is the endpoint's "
          + "host name right?";
    }
    int millis = (int) Math.max(1, timeout.toMillis());
    try (java.net.Socket socket = new java.net.Socket()) {
      socket.connect(new java.net.InetSocketAddress(address, port), millis);
      if (scheme.equals("https")) {
        socket.setSoTimeout(millis);
        String ca = p.getOrDefault(P + "metrics.certificate", p.get(P + "certificate"));
        SSLContext context = ca == null ? SSLContext.getDefault() : trusting(Path.of(ca));
        try (javax.net.ssl.SSLSocket tls = (javax.net.ssl.SSLSocket) context.getSocketFactory()
            .createSocket(socket, host, port, false)) {
          tls.startHandshake();
        } catch (javax.net.ssl.SSLException e) {
          return "TLS handshake with " + host + ":" + port + " failed: " + e.getMessage()
              + " (a plain-text endpoint needs http://; a private CA needs certificate = "
              + "\"/path/ca.pem\")";
        } catch (java.net.SocketTimeoutException e) {
          return "no TLS answer from " + host + ":" + port + " within " + timeout.toSeconds()
              + " s (a plain-text endpoint needs http://)";
        }
      }
    } catch (GeneralSecurityException e) {
      return "cannot set up TLS for " + host + ":" + port + ": " + e.getMessage();
    } catch (java.net.ConnectException e) {
      return "connection refused at " + host + ":" + port + ": is the collector running and "
          + "listening on that port?";
    } catch (java.net.SocketTimeoutException e) {
      return "no TCP connection to " + host + ":" + port + " within " + timeout.toSeconds()
          + " s (a firewall dropping packets, or a host that is down?)";
    } catch (IOException e) {
      return "cannot connect to " + host + ":" + port + ": " + e.getMessage();
    }
    return null;
  }

  /** The URL the SDK's HTTP exporter posts to. */
  static String httpEndpoint(Map<String, String> p) {
    String metrics = p.get(P + "metrics.endpoint");
    if (metrics != null) {
      return metrics;
    }
    String base = p.getOrDefault(P + "endpoint", "http://localhost:4318");
    return base + (base.endsWith("/") ? "" : "/") + "v1/metrics";
  }

  private static void headers(String list, HttpRequest.Builder request) {
    if (list == null || list.isBlank()) {
      return;
    }
    for (String pair : list.split(",")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        request.header(pair.substring(0, eq).trim(),
            URLDecoder.decode(pair.substring(eq + 1).trim(), StandardCharsets.UTF_8));
      }
    }
  }

  private static SSLContext trusting(Path pem) throws IOException, GeneralSecurityException {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    try (InputStream in = Files.newInputStream(pem)) {
      int i = 0;
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        store.setCertificateEntry("ca" + i++, c);
      }
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    return context;
  }

  /** Whether {@code bytes} parse as protobuf wire format (any message, fields skipped). */
  static boolean isProtobuf(byte[] bytes) {
    int i = 0;
    while (i < bytes.length) {
      long[] tag = varint(bytes, i);
      if (tag == null || tag[0] >>> 3 == 0) {
        return false;
      }
      i = (int) tag[1];
      switch ((int) (tag[0] & 7)) {
        case 0 -> {
          long[] v = varint(bytes, i);
          if (v == null) {
            return false;
          }
          i = (int) v[1];
        }
        case 1 -> i += 8;
        case 2 -> {
          long[] len = varint(bytes, i);
          if (len == null || len[0] < 0 || len[0] > bytes.length) {
            return false;
          }
          i = (int) (len[1] + len[0]);
        }
        case 5 -> i += 4;
        default -> {
          return false;
        }
      }
    }
    return i == bytes.length;
  }

  /** {value, next index}, or null when truncated or too long. */
  private static long[] varint(byte[] b, int i) {
    long value = 0;
    for (int shift = 0; shift < 64 && i < b.length; shift += 7) {
      byte x = b[i++];
      value |= (long) (x & 0x7f) << shift;
      if ((x & 0x80) == 0) {
        return new long[] {value, i};
      }
    }
    return null;
  }
}

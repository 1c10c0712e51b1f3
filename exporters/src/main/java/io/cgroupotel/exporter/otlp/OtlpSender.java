package io.cgroupotel.exporter.otlp;

import io.opentelemetry.sdk.common.Clock;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import okhttp3.Call;
import okhttp3.Headers;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * Sends one serialized OTLP request, over gRPC or HTTP/protobuf, and says what the collector did
 * with it ({@link SendResult}). OkHttp (which the SDK's OTLP exporter uses too) carries both:
 * HTTP/2 with prior knowledge for plain-text gRPC, trailers, Retry-After, and a read timeout, so
 * that a collector that sends half an answer and stalls costs one timeout, not a hung sender.
 *
 * <p>An answer is taken as delivered only when it is one: a 2xx whose body is an OTLP response
 * (protobuf, or JSON for a JSON content type), or gRPC status OK. A partial success is delivered,
 * with its rejected count. A garbage 200 (a web page, a proxy) is not delivered.
 *
 * <p>One request at a time (the queue's sender thread); {@link #cancel()} from any thread.
 */
final class OtlpSender implements AutoCloseable {
  private static final MediaType PROTOBUF = MediaType.get("application/x-protobuf");
  private static final MediaType GRPC = MediaType.get("application/grpc");

  /** Everything the sender needs, as the factory resolved it. */
  record Settings(boolean grpc, Map<Signal, URI> endpoints, Map<String, String> headers,
      boolean gzip, Duration timeout, Tls tls) {}

  private final Settings settings;
  private final OkHttpClient client;
  private volatile Call inFlight;
  private final Clock clock;

  OtlpSender(Settings settings) {
    this(settings, Clock.getDefault());
  }

  /** @param clock dates Retry-After answers ({@code now()}) and times requests in flight */
  OtlpSender(Settings settings, Clock clock) {
    this.clock = clock;
    this.settings = settings;
    OkHttpClient.Builder b = new OkHttpClient.Builder()
        .connectTimeout(min(settings.timeout(), Duration.ofSeconds(10)))
        .readTimeout(settings.timeout()) // a stalled answer: bounded
        .writeTimeout(settings.timeout())
        .callTimeout(settings.timeout().plusSeconds(5))
        .retryOnConnectionFailure(false); // the queue retries, with backoff
    boolean plain = settings.endpoints().values().stream().allMatch(u -> "http".equals(u.getScheme()));
    if (settings.grpc()) {
      b.protocols(plain ? List.of(Protocol.H2_PRIOR_KNOWLEDGE)
          : List.of(Protocol.HTTP_2, Protocol.HTTP_1_1));
    }
    if (settings.tls() != null) {
      b.sslSocketFactory(settings.tls().context.getSocketFactory(), settings.tls().trust);
    }
    this.client = b.build();
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) < 0 ? a : b;
  }

  URI endpoint(Signal signal) {
    return settings.endpoints().get(signal);
  }

  /** Sends {@code record}; never throws for what the network or the collector did. */
  SendResult send(QueueRecord record) {
    URI endpoint = endpoint(record.signal());
    try {
      byte[] body = settings.gzip() ? record.gzipped() : gunzip(record.gzipped());
      return settings.grpc() ? sendGrpc(endpoint, record, body) : sendHttp(endpoint, record, body);
    } catch (InterruptedIOException e) {
      String what = e.getMessage() != null && e.getMessage().contains("anceled")
          ? "cancelled at shutdown" : "no complete answer within " + settings.timeout().toMillis()
              + " ms (a stalled or slow collector)";
      return SendResult.retry("no answer from " + OtlpExporterConfig.redact(endpoint) + ": " + what, -1);
    } catch (IOException e) {
      return SendResult.retry("no answer from " + OtlpExporterConfig.redact(endpoint) + ": " + cause(e), -1);
    } catch (RuntimeException e) {
      return SendResult.retry("sending to " + OtlpExporterConfig.redact(endpoint) + " failed: " + cause(e), -1);
    } finally {
      inFlight = null;
    }
  }

  private SendResult sendHttp(URI endpoint, QueueRecord record, byte[] body) throws IOException {
    Request.Builder request = new Request.Builder().url(endpoint.toString())
        .post(RequestBody.create(body, PROTOBUF));
    if (settings.gzip()) {
      request.header("Content-Encoding", "gzip");
    }
    settings.headers().forEach(request::header);
    try (Response response = execute(request.build())) {
      int status = response.code();
      ResponseBody rb = response.body();
      byte[] answer = rb == null ? new byte[0] : rb.bytes();
      if (status / 100 == 2) {
        String contentType = response.header("Content-Type");
        String problem = OtlpResponses.problem(contentType, answer);
        if (problem != null) {
          return SendResult.retry("HTTP " + status + " from " + OtlpExporterConfig.redact(endpoint) + " but not an OTLP "
              + "response (" + problem + "): is this an OTLP/HTTP endpoint? (a Collector listens "
              + "on port 4318, path /v1/metrics)", -1);
        }
        return partialSuccess(contentType, answer, endpoint);
      }
      String line = "HTTP " + status + (response.message().isBlank() ? "" : " "
          + response.message()) + " from " + OtlpExporterConfig.redact(endpoint);
      if (status == 400 || status == 413) {
        return SendResult.refused(record.items(), line + ": the collector refuses this data; "
            + "sending it again cannot help");
      }
      if (status == 404 && record.signal() == Signal.LOGS) {
        return noLogsPipeline(record, line);
      }
      return SendResult.retry(line, retryAfter(response.header("Retry-After")));
    }
  }

  private SendResult sendGrpc(URI endpoint, QueueRecord record, byte[] message)
      throws IOException {
    String base = endpoint.toString();
    String url = (base.endsWith("/") ? base : base + "/") + record.signal().grpcMethod();
    ByteBuffer framed = ByteBuffer.allocate(5 + message.length);
    framed.put((byte) (settings.gzip() ? 1 : 0)).putInt(message.length).put(message);
    Request.Builder request = new Request.Builder().url(url)
        .post(RequestBody.create(framed.array(), GRPC))
        .header("te", "trailers")
        .header("grpc-accept-encoding", "gzip")
        .header("grpc-timeout", settings.timeout().toMillis() + "m");
    if (settings.gzip()) {
      request.header("grpc-encoding", "gzip");
    }
    settings.headers().forEach(request::header);
    try (Response response = execute(request.build())) {
      ResponseBody rb = response.body();
      byte[] answer = rb == null ? new byte[0] : rb.bytes();
      if (response.code() != 200) {
        String line = "HTTP " + response.code() + " from " + OtlpExporterConfig.redact(endpoint) + " (not a gRPC answer)";
        return SendResult.retry(line, retryAfter(response.header("Retry-After")));
      }
      Headers trailers = response.trailers();
      String status = trailers.get("grpc-status");
      String message2 = trailers.get("grpc-message");
      if (status == null) { // a trailers-only answer carries them in the headers
        status = response.header("grpc-status");
        message2 = response.header("grpc-message");
      }
      if (status == null) {
        return SendResult.retry("an answer without grpc-status from " + OtlpExporterConfig.redact(endpoint)
            + ": is this a gRPC OTLP endpoint? (a Collector listens on port 4317)", -1);
      }
      int code;
      try {
        code = Integer.parseInt(status.trim());
      } catch (NumberFormatException e) {
        return SendResult.retry("grpc-status \"" + status + "\" from " + OtlpExporterConfig.redact(endpoint), -1);
      }
      if (code == 0) {
        byte[] unframed = unframe(answer, "gzip".equalsIgnoreCase(response.header("grpc-encoding")));
        if (unframed == null || !OtlpResponses.isProtobufMessage(unframed)) {
          return SendResult.retry("gRPC OK from " + OtlpExporterConfig.redact(endpoint) + " with a body that is not an OTLP "
              + "response (" + answer.length + " bytes)", -1);
        }
        return partialSuccess("application/x-protobuf", unframed, endpoint);
      }
      String name = io.opentelemetry.sdk.common.export.GrpcStatusCode.fromValue(code).name();
      String detail = message2 == null || message2.isBlank() ? ""
          : " (" + URLDecoder.decode(message2.replace("+", "%2B"), StandardCharsets.UTF_8) + ")";
      String line = "gRPC " + name + detail + " from " + OtlpExporterConfig.redact(endpoint);
      if (code == 3) { // INVALID_ARGUMENT: the data itself
        return SendResult.refused(record.items(), line + ": the collector refuses this data; "
            + "sending it again cannot help");
      }
      if (code == 12 && record.signal() == Signal.LOGS) { // UNIMPLEMENTED
        return noLogsPipeline(record, line);
      }
      return SendResult.retry(line, -1);
    }
  }

  /**
   * Logs (receipts) at a collector that serves metrics but no logs: its OTLP receiver only
   * answers the signals its pipelines use (404 on /v1/logs, gRPC UNIMPLEMENTED). Retried, a
   * receipt would hold every metric behind it in the one ordered queue for as long as the
   * collector runs without a logs pipeline; refused, the metrics go on and the receipts are
   * counted as rejected.
   */
  private static SendResult noLogsPipeline(QueueRecord record, String line) {
    return SendResult.refused(record.items(), line + ": the collector has no logs pipeline, so "
        + "the receipts (OTLP logs) are dropped and the metrics go on; add the otlp receiver "
        + "to a logs pipeline of the collector, or set receipts = false in [agent]");
  }

  /** The message of a gRPC answer (5-byte prefix), or null when it is not framed as one. */
  private static byte[] unframe(byte[] answer, boolean gzip) throws IOException {
    if (answer.length == 0) {
      return answer; // no message: an empty response
    }
    if (answer.length < 5) {
      return null;
    }
    ByteBuffer b = ByteBuffer.wrap(answer);
    boolean compressed = b.get() != 0;
    int length = b.getInt();
    if (length < 0 || length != answer.length - 5) {
      return null;
    }
    byte[] message = new byte[length];
    b.get(message);
    return compressed && gzip ? gunzip(message) : message;
  }

  private Response execute(Request request) throws IOException {
    Call call = client.newCall(request);
    inFlightSince = clock.nanoTime();
    inFlight = call; // until the whole answer is read (send() clears it): a body can stall too
    return call.execute();
  }

  private volatile long inFlightSince;

  /** How long the request now in flight has waited for its answer; 0 when none is. */
  long inFlightMillis() {
    return inFlight == null ? 0 : (clock.nanoTime() - inFlightSince) / 1_000_000;
  }

  /** An OTLP response: accepted, with the count and message of its partial success if any. */
  private static SendResult partialSuccess(String contentType, byte[] answer, URI endpoint) {
    String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
    long rejected = 0;
    String message = "";
    if (type.startsWith("application/json")) {
      String text = new String(answer, StandardCharsets.UTF_8);
      java.util.regex.Matcher m = java.util.regex.Pattern.compile(
          "\"rejected(?:DataPoints|LogRecords|_data_points|_log_records)\"\\s*:\\s*\"?(\\d+)")
          .matcher(text);
      if (m.find()) {
        rejected = Long.parseLong(m.group(1));
      }
      java.util.regex.Matcher e = java.util.regex.Pattern.compile(
          "\"error(?:Message|_message)\"\\s*:\\s*\"([^\"]*)\"").matcher(text);
      if (e.find()) {
        message = e.group(1);
      }
    } else {
      byte[] partial = Protobuf.field(answer, 1);
      if (partial != null) {
        rejected = Protobuf.varintField(partial, 1);
        byte[] text = Protobuf.field(partial, 2);
        message = text == null ? "" : new String(text, StandardCharsets.UTF_8);
      }
    }
    return SendResult.accepted(rejected, rejected == 0 && message.isEmpty() ? ""
        : OtlpExporterConfig.redact(endpoint) + " accepted the request but rejected " + rejected + " item(s)"
            + (message.isEmpty() ? "" : ": " + message));
  }

  /** Retry-After in milliseconds: seconds or an HTTP date; -1 when absent or unreadable. */
  long retryAfter(String value) {
    if (value == null || value.isBlank()) {
      return -1;
    }
    try {
      return Math.max(0, Long.parseLong(value.trim())) * 1000;
    } catch (NumberFormatException e) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
        return Math.max(0, at.toInstant().toEpochMilli() - clock.now() / 1_000_000);
      } catch (RuntimeException unreadable) {
        return -1;
      }
    }
  }

  static byte[] gunzip(byte[] gzipped) throws IOException {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped))) {
      return in.readAllBytes();
    }
  }

  private static String cause(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    String kind = root.getClass().getSimpleName();
    return message == null || message.isBlank() ? kind : kind + ": " + message;
  }

  /** Aborts the request in flight, if any (at shutdown: a stalled collector must not hold it). */
  void cancel() {
    Call call = inFlight;
    if (call != null) {
      call.cancel();
    }
  }

  @Override
  public void close() {
    cancel();
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }
}

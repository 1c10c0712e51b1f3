package io.cgroupotel.exporter.otlp;

import static io.cgroupotel.exporter.otlp.OtlpExporterFactory.PREFIX;
import static io.cgroupotel.exporter.otlp.OtlpExporterFactory.metricsProperty;

import io.cgroupotel.exporter.ExporterStartException;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import io.opentelemetry.sdk.common.Clock;
import io.opentelemetry.sdk.metrics.export.AggregationTemporalitySelector;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a {@link QueuedOtlpExporter} from the effective {@code otel.exporter.otlp.*} properties
 * (the same ones, with the same precedence and defaults, as the SDK's exporter) and the queue's
 * settings.
 */
final class QueuedExporters {
  private static final Logger log = LoggerFactory.getLogger(QueuedExporters.class);

  private QueuedExporters() {}

  static QueuedOtlpExporter create(Map<String, String> p, QueueConfig queue)
      throws ExporterStartException {
    OtlpSender.Settings settings = settings(p);
    AggregationTemporalitySelector temporality = temporality(
        p.get(PREFIX + "metrics.temporality.preference"));
    List<Object[]> corrupt = new ArrayList<>();
    QueueStore store = null;
    String where = "in memory";
    long max = queue.maxBytes();
    if (queue.path() != null) {
      try {
        store = new SegmentQueueStore(queue.path(), segmentBytes(max),
            (items, why) -> corrupt.add(new Object[] {items, why}));
        where = "in " + queue.path();
        warnIfSmall(queue.path(), max);
      } catch (IOException | RuntimeException e) {
        max = Math.min(max, QueueConfig.DEFAULT_MEMORY_BYTES);
        log.warn("otlp send queue: cannot use {} ({}); queuing in memory instead (up to {}, lost "
            + "at exit). Fix: create that directory, writable by the agent's user (e.g. "
            + "systemd StateDirectory=, or a hostPath volume in Kubernetes), or change "
            + "[exporters.otlp.queue] path", queue.path(), describe(e), Bytes.format(max));
      }
    }
    if (store == null) {
      store = new MemoryQueueStore();
    }
    Clock clock = Clock.getDefault();
    OtlpSender sender = new OtlpSender(settings, clock);
    SendQueue sendQueue = new SendQueue(store, max, sender, where, clock);
    for (Object[] c : corrupt) {
      sendQueue.corrupt((Long) c[0], (String) c[1]);
    }
    if (store.count() > 0) {
      log.info("otlp send queue {}: {} request(s) ({}) left by the last run, sent first", where,
          store.count(), Bytes.format(store.bytes()));
    }
    sendQueue.start();
    return new QueuedOtlpExporter(sendQueue, temporality, (settings.grpc() ? "grpc " : "http ")
        + OtlpExporterConfig.redact(settings.endpoints().get(Signal.METRICS)) + ", queue " + where + " up to "
        + Bytes.format(max));
  }

  private static String describe(Throwable e) {
    String m = e.getMessage();
    return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }

  /** One segment file: a sixteenth of the bound, between 64 KiB and 16 MiB. */
  static long segmentBytes(long max) {
    return Math.max(64 << 10, Math.min(16 << 20, max / 16));
  }

  private static void warnIfSmall(Path dir, long max) {
    try {
      long free = Files.getFileStore(dir).getUsableSpace();
      if (free < max) {
        log.warn("otlp send queue in {}: max_size is {} but only {} is free there: when the disk "
            + "fills, the oldest queued requests are dropped first (free space, or lower "
            + "max_size)", dir, Bytes.format(max), Bytes.format(free));
      }
    } catch (IOException e) {
      // the writes themselves will tell
    }
  }

  /** The sender's settings, read as the SDK's OTLP exporter reads them. */
  static OtlpSender.Settings settings(Map<String, String> p) throws ExporterStartException {
    String protocol = metricsProperty(p, "protocol", "grpc");
    boolean grpc = protocol.equals("grpc");
    if (!grpc && !protocol.equals("http/protobuf")) {
      throw new ExporterStartException("exporters.otlp: protocol \"" + protocol + "\" is not "
          + "supported (grpc or http/protobuf)");
    }
    Map<Signal, URI> endpoints = new EnumMap<>(Signal.class);
    try {
      endpoints.put(Signal.METRICS, OtlpExporterFactory.metricsEndpoint(p, !grpc));
      endpoints.put(Signal.LOGS, logsEndpoint(p, !grpc));
    } catch (IllegalArgumentException e) {
      throw new ExporterStartException("exporters.otlp: bad endpoint: "
          + OtlpExporterConfig.redact(e.getMessage()) + OtlpExporterFactory.schemeHint(p), null);
    }
    for (URI endpoint : endpoints.values()) {
      // URI takes "localhost:4317" for scheme "localhost": refused here as the SDK refuses it
      if (!"http".equals(endpoint.getScheme()) && !"https".equals(endpoint.getScheme())
          || endpoint.getHost() == null) {
        throw new ExporterStartException("exporters.otlp: the endpoint \""
            + OtlpExporterConfig.redact(endpoint.toString()) + "\" is not an http(s) URL"
            + OtlpExporterFactory.schemeHint(p));
      }
    }
    String compression = metricsProperty(p, "compression", "none").toLowerCase(Locale.ROOT);
    if (!compression.equals("gzip") && !compression.equals("none")) {
      throw new ExporterStartException("exporters.otlp: compression \"" + compression + "\" is "
          + "not supported (gzip or none)");
    }
    Duration timeout;
    try {
      timeout = new MapConfigProperties(Map.of("t", metricsProperty(p, "timeout", "10000")))
          .getDuration("t");
    } catch (ConfigurationException e) {
      throw new ExporterStartException("exporters.otlp: timeout: " + e.getMessage(), e);
    }
    if (timeout.isZero() || timeout.isNegative()) {
      timeout = Duration.ofSeconds(10);
    }
    Tls tls;
    String keyFile = metricsProperty(p, "client.key", null);
    try {
      tls = Tls.of(metricsProperty(p, "certificate", null),
          metricsProperty(p, "client.certificate", null), keyFile);
    } catch (GeneralSecurityException | IOException e) {
      throw new ExporterStartException("exporters.otlp: TLS files: " + e.getMessage(), e);
    }
    String keyProblem = keyFile == null ? null : Tls.keyFileProblem(Path.of(keyFile));
    if (keyProblem != null) {
      log.warn("exporters.otlp: {}", keyProblem);
    }
    return new OtlpSender.Settings(grpc, endpoints,
        OtlpExporterFactory.headers(metricsProperty(p, "headers", "")), compression.equals("gzip"),
        timeout, tls);
  }

  private static URI logsEndpoint(Map<String, String> p, boolean http) {
    String specific = p.get(PREFIX + "logs.endpoint");
    if (specific != null) {
      return URI.create(specific);
    }
    String base = p.getOrDefault(PREFIX + "endpoint",
        http ? "http://localhost:4318" : "http://localhost:4317");
    if (!http) {
      return URI.create(base);
    }
    return URI.create((base.endsWith("/") ? base : base + "/") + Signal.LOGS.httpPath());
  }

  static AggregationTemporalitySelector temporality(String preference)
      throws ExporterStartException {
    String v = preference == null ? "cumulative" : preference.trim().toLowerCase(Locale.ROOT);
    return switch (v) {
      case "cumulative" -> AggregationTemporalitySelector.alwaysCumulative();
      case "delta" -> AggregationTemporalitySelector.deltaPreferred();
      case "lowmemory" -> AggregationTemporalitySelector.lowMemory();
      default -> throw new ExporterStartException("exporters.otlp: temporality \"" + preference
          + "\" is not one of cumulative, delta, lowmemory");
    };
  }
}

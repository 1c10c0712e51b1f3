package io.cgroupotel.exporter.otlp;

import io.cgroupotel.config.ConfigSection;
import io.cgroupotel.exporter.ExporterFactory;
import io.cgroupotel.exporter.ExporterStartException;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import io.opentelemetry.sdk.autoconfigure.spi.metrics.ConfigurableMetricExporterProvider;
import io.opentelemetry.sdk.autoconfigure.spi.traces.ConfigurableSpanExporterProvider;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.StringJoiner;

/**
 * Makes the OTLP exporter (gRPC or HTTP/protobuf). By default it is a {@link QueuedOtlpExporter}:
 * a send queue (in memory, or on disk with {@code [exporters.otlp.queue] path}) in front of a
 * sender that delivers in order until the collector accepts; its settings (endpoint defaults,
 * headers, compression, timeout, TLS trust, temporality preference) are read from the same SDK
 * properties as the SDK's own exporter. With {@code [exporters.otlp.queue] enabled = false} it is
 * the SDK's own exporter, from the provider autoconfiguration uses, with its own retry. TLS is
 * verified; {@code ca_file} adds trust, nothing removes it.
 *
 * <p>Precedence: SDK system properties, then {@code OTEL_EXPORTER_OTLP_*} variables, then the
 * file, then the SDK defaults ({@code http://localhost:4317} for gRPC, {@code
 * http://localhost:4318/v1/metrics} for HTTP).
 */
public final class OtlpExporterFactory implements ExporterFactory<OtlpExporterConfig> {
  static final String PREFIX = "otel.exporter.otlp.";
  private static final List<String> PROTOCOLS = List.of("grpc", "http/protobuf");
  private static final List<String> COMPRESSIONS = List.of("gzip", "none");
  private static final List<String> TEMPORALITIES = List.of("cumulative", "delta", "lowmemory");

  private final Map<String, String> environment;

  /** @param environment the process environment (injectable for tests) */
  public OtlpExporterFactory(Map<String, String> environment) {
    this.environment = Objects.requireNonNull(environment, "environment");
  }

  @Override
  public String type() {
    return "otlp";
  }

  @Override
  public OtlpExporterConfig parseConfig(ConfigSection section) {
    Map<String, String> p = new LinkedHashMap<>();
    section.optionalString("endpoint").ifPresent(endpoint -> {
      try {
        URI uri = URI.create(endpoint);
        if (uri.getScheme() == null || uri.getHost() == null
            || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
          section.error("endpoint", "not an http(s) URL: \""
              + OtlpExporterConfig.redact(endpoint) + "\"", "e.g. \"http://otel-collector:4317\"");
        }
      } catch (IllegalArgumentException e) {
        section.error("endpoint", "not a URL: \"" + OtlpExporterConfig.redact(endpoint) + "\"",
            "e.g. \"http://localhost:4317\"");
      }
      p.put(PREFIX + "endpoint", endpoint);
    });
    String protocol = section.choice("protocol", null, PROTOCOLS);
    if (protocol != null) {
      p.put(PREFIX + "protocol", protocol);
    }
    String compression = section.choice("compression", null, COMPRESSIONS);
    if (compression != null) {
      p.put(PREFIX + "compression", compression);
    }
    if (section.has("timeout")) {
      p.put(PREFIX + "timeout",
          section.duration("timeout", java.time.Duration.ofSeconds(10)).toMillis() + "ms");
    }
    fileKey(section, "ca_file", p, PREFIX + "certificate");
    fileKey(section, "client_certificate_file", p, PREFIX + "client.certificate");
    fileKey(section, "client_key_file", p, PREFIX + "client.key");
    String temporality = section.choice("temporality", null, TEMPORALITIES);
    if (temporality != null) {
      p.put(PREFIX + "metrics.temporality.preference", temporality);
    }
    ConfigSection headers = section.section("headers");
    StringJoiner joined = new StringJoiner(",");
    for (String name : headers.keys()) {
      String value = headers.string(name, "");
      String problem = OtlpExporterConfig.headerNameProblem(name);
      if (problem == null) {
        problem = OtlpExporterConfig.headerValueProblem(name, value);
      }
      if (problem != null) {
        headers.error(name, problem, problem.startsWith("header name")
            ? "e.g. authorization or x-scope-orgid"
            : "a header is one line of printable ASCII: remove the line break or control "
                + "character (e.g. strip the trailing newline of the variable)");
        continue;
      }
      joined.add(name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20"));
    }
    if (joined.length() > 0) {
      p.put(PREFIX + "headers", joined.toString());
    }
    for (String variable : List.of("OTEL_EXPORTER_OTLP_HEADERS",
        "OTEL_EXPORTER_OTLP_METRICS_HEADERS")) {
      String problem = environmentHeadersProblem(environment.get(variable));
      if (problem != null) {
        section.error(variable + " (environment): " + problem, "write name=value pairs "
            + "separated by commas, values URL-encoded, on one line: e.g. "
            + "authorization=Bearer%20TOKEN");
      }
    }
    return new OtlpExporterConfig(Map.copyOf(p), queue(section.section("queue")));
  }

  /** {@code [exporters.otlp.queue]}: in memory by default; {@code path} keeps it on disk. */
  static QueueConfig queue(ConfigSection q) {
    boolean enabled = q.bool("enabled", true);
    Path path = null;
    String where = q.optionalString("path").orElse(null);
    if (where != null) {
      if (where.isBlank() || !Path.of(where).isAbsolute()) {
        q.error("path", "not an absolute path: \"" + where + "\"",
            "e.g. \"/var/lib/cgroup-otel-agent/otlp-queue\"");
      } else {
        path = Path.of(where);
      }
    }
    long max = path == null ? QueueConfig.DEFAULT_MEMORY_BYTES : QueueConfig.DEFAULT_DISK_BYTES;
    String size = q.optionalString("max_size").orElse(null);
    if (size != null) {
      long parsed = Bytes.parse(size);
      if (parsed < 0) {
        q.error("max_size", "not a size: \"" + size + "\"", "e.g. \"256MiB\" or \"64MB\"");
      } else if (parsed < 1 << 20 || parsed > 1L << 40) {
        q.error("max_size", "out of range: \"" + size + "\"", "from 1MiB to 1TiB");
      } else if (path == null && parsed > Runtime.getRuntime().maxMemory() / 2) {
        q.error("max_size", "\"" + size + "\" in memory is more than half of the agent's heap ("
            + Bytes.format(Runtime.getRuntime().maxMemory()) + ")", "set path to keep the queue "
            + "on disk, or raise the heap (JAVA_OPTS=\"-Xmx...\")");
      } else {
        max = parsed;
      }
    }
    return new QueueConfig(enabled, path, max);
  }

  /**
   * Why a {@code name=value,...} list of headers (as the SDK reads {@code
   * OTEL_EXPORTER_OTLP_HEADERS}) would not work, or null; never shows a value.
   */
  static String environmentHeadersProblem(String spec) {
    if (spec == null || spec.isBlank()) {
      return null;
    }
    String[] pairs = spec.split(",", -1);
    for (int i = 0; i < pairs.length; i++) {
      String pair = pairs[i];
      if (pair.isBlank()) {
        continue;
      }
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        return "entry " + (i + 1) + " is not name=value";
      }
      String name = pair.substring(0, eq).trim();
      String value;
      try {
        value = java.net.URLDecoder.decode(pair.substring(eq + 1).trim(), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        return "the value of header " + OtlpExporterConfig.escapeControls(name)
            + " has a bad %-escape; the value is not shown";
      }
      String problem = OtlpExporterConfig.headerNameProblem(name);
      if (problem == null) {
        // trimmed as the SDK trims: a newline at the end of the variable is harmless, one
        // inside it or written %0A breaks the header
        problem = OtlpExporterConfig.headerValueProblem(name, value);
      }
      if (problem != null) {
        return problem;
      }
    }
    return null;
  }

  private static void fileKey(ConfigSection section, String key, Map<String, String> into,
      String property) {
    section.optionalString(key).ifPresent(file -> {
      if (!Files.isReadable(Path.of(file))) {
        section.error(key, "cannot read \"" + file + "\"", "give a readable PEM file");
      }
      into.put(property, file);
    });
  }

  /**
   * A hint for an endpoint written without its scheme ({@code localhost:4317}, a common
   * {@code OTEL_EXPORTER_OTLP_ENDPOINT}): the SDK only says it is not a valid URL.
   */
  static String schemeHint(Map<String, String> p) {
    String endpoint = p.getOrDefault(PREFIX + "metrics.endpoint", p.get(PREFIX + "endpoint"));
    if (endpoint == null || endpoint.startsWith("http://") || endpoint.startsWith("https://")) {
      return "";
    }
    return " (an OTLP endpoint is a URL with its scheme: write http://" + endpoint
        + ", or https:// for TLS; OTEL_EXPORTER_OTLP_ENDPOINT too)";
  }

  /**
   * The queued exporter of {@code config}: one per config object, shared by its metrics and its
   * receipts (a new one once the last was shut down, as a test or a restart in-process makes).
   */
  private synchronized QueuedOtlpExporter queued(OtlpExporterConfig config)
      throws ExporterStartException {
    QueuedOtlpExporter made = queues.get(config);
    if (made == null || made.isShut()) {
      made = QueuedExporters.create(effective(config), config.queue());
      queues.put(config, made);
    }
    return made;
  }

  /** By identity: two equal configs of two pipelines get a queue each. */
  private final Map<OtlpExporterConfig, QueuedOtlpExporter> queues =
      new java.util.IdentityHashMap<>();

  /**
   * The SDK's OTLP exporter, wrapped so that a failure names the HTTP status or gRPC code and the
   * endpoint, and a 200 that is not OTLP is not taken for success ({@link
   * DiagnosedOtlpExporter}).
   */
  @Override
  public MetricExporter create(OtlpExporterConfig config) throws ExporterStartException {
    if (config.queue().enabled()) {
      return queued(config);
    }
    Map<String, String> p = effective(config);
    MetricExporter sdk;
    try {
      sdk = provider().createExporter(new MapConfigProperties(p));
    } catch (ConfigurationException e) {
      // the SDK quotes the property it could not read: headers and URLs may hold secrets
      throw new ExporterStartException("exporters.otlp: "
          + OtlpExporterConfig.hideSecrets(e.getMessage(), p) + schemeHint(p), null);
    }
    boolean http = !metricsProperty(p, "protocol", "grpc").equals("grpc");
    return new DiagnosedOtlpExporter(sdk, metricsEndpoint(p, http), http,
        headers(metricsProperty(p, "headers", "")));
  }

  /** {@code otel.exporter.otlp.metrics.NAME}, else {@code otel.exporter.otlp.NAME}. */
  static String metricsProperty(Map<String, String> p, String name, String otherwise) {
    return p.getOrDefault(PREFIX + "metrics." + name, p.getOrDefault(PREFIX + name, otherwise));
  }

  /** Where the SDK sends metrics: for HTTP the generic endpoint gets {@code /v1/metrics}. */
  static URI metricsEndpoint(Map<String, String> p, boolean http) {
    String specific = p.get(PREFIX + "metrics.endpoint");
    if (specific != null) {
      return URI.create(specific);
    }
    String base = p.getOrDefault(PREFIX + "endpoint",
        http ? "http://localhost:4318" : "http://localhost:4317");
    if (!http) {
      return URI.create(base);
    }
    return URI.create((base.endsWith("/") ? base : base + "/") + "v1/metrics");
  }

  /** {@code k=v,k2=v2}, values URL-encoded, as the SDK reads OTEL_EXPORTER_OTLP_HEADERS. */
  static Map<String, String> headers(String spec) {
    Map<String, String> headers = new LinkedHashMap<>();
    for (String pair : spec.split(",")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        headers.put(pair.substring(0, eq).trim(), java.net.URLDecoder.decode(
            pair.substring(eq + 1).trim(), StandardCharsets.UTF_8));
      }
    }
    return headers;
  }

  /**
   * An OTLP span exporter to the same collector, with the same settings, for the agent's own
   * traces ({@code [agent] traces = true}).
   */
  public SpanExporter createSpanExporter(OtlpExporterConfig config)
      throws ExporterStartException {
    for (ConfigurableSpanExporterProvider p
        : ServiceLoader.load(ConfigurableSpanExporterProvider.class,
            OtlpExporterFactory.class.getClassLoader())) {
      if (p.getName().equals("otlp")) {
        try {
          return p.createExporter(new MapConfigProperties(effective(config)));
        } catch (ConfigurationException e) {
          throw new ExporterStartException("exporters.otlp (traces): "
              + OtlpExporterConfig.hideSecrets(e.getMessage(), effective(config)), null);
        }
      }
    }
    throw new ExporterStartException("the OTLP span exporter of the OTel SDK is not on the "
        + "class path");
  }

  @Override
  public java.util.Optional<SpanExporter> spanExporter(OtlpExporterConfig config)
      throws ExporterStartException {
    return java.util.Optional.of(createSpanExporter(config));
  }

  /** Receipts as OTLP logs, same destination and settings (see {@link OtlpReceiptExporter}). */
  @Override
  public java.util.Optional<io.opentelemetry.sdk.logs.export.LogRecordExporter>
      logRecordExporter(OtlpExporterConfig config) throws ExporterStartException {
    if (config.queue().enabled()) {
      // the same queue as the metrics: receipts survive an outage and keep their order
      return java.util.Optional.of(new QueuedOtlpLogExporter(queued(config)));
    }
    return java.util.Optional.of(OtlpReceiptExporter.create(this, config));
  }

  @Override
  public java.util.Optional<URI> endpoint(OtlpExporterConfig config) {
    Map<String, String> p = effective(config);
    String endpoint = p.getOrDefault(PREFIX + "metrics.endpoint", p.get(PREFIX + "endpoint"));
    if (endpoint == null) {
      String protocol = p.getOrDefault(PREFIX + "metrics.protocol",
          p.getOrDefault(PREFIX + "protocol", "grpc"));
      endpoint = protocol.equals("grpc") ? "http://localhost:4317" : "http://localhost:4318";
    }
    try {
      // shown (start line, --check), never used to connect: no password in it
      return java.util.Optional.of(OtlpExporterConfig.redact(URI.create(endpoint)));
    } catch (IllegalArgumentException e) {
      return java.util.Optional.empty();
    }
  }

  /**
   * The {@code otel.exporter.otlp.*} properties the exporter is built from: the file's,
   * overridden by the environment, overridden by JVM system properties (for {@code --check}).
   */
  public Map<String, String> effectiveProperties(OtlpExporterConfig config) {
    return Map.copyOf(effective(config));
  }

  /**
   * For {@code --check}: where the send queue lives and whether it can; null when the queue is
   * fine, else the problem. Creates and writes nothing. {@code out} gets the description.
   */
  public String checkQueue(OtlpExporterConfig config, StringBuilder out) {
    QueueConfig q = config.queue();
    if (!q.enabled()) {
      out.append("off (the SDK's exporter alone: it gives up after its own retries)");
      return null;
    }
    if (q.path() == null) {
      out.append("in memory, up to ").append(Bytes.format(q.maxBytes()))
          .append(" (lost at exit; set [exporters.otlp.queue] path to keep it on disk)");
      return null;
    }
    Path dir = q.path();
    out.append(dir).append(", up to ").append(Bytes.format(q.maxBytes()));
    if (Files.isDirectory(dir)) {
      out.append(", ").append(Bytes.format(SegmentQueueStore.sizeOnDisk(dir))).append(" on disk");
      if (!Files.isWritable(dir)) {
        return "the queue directory " + dir + " is not writable by this user: make it writable "
            + "by the agent's user, or change [exporters.otlp.queue] path";
      }
      out.append(", writable");
      return null;
    }
    if (Files.exists(dir)) {
      return dir + " exists and is not a directory: change [exporters.otlp.queue] path";
    }
    Path parent = dir.toAbsolutePath().getParent();
    while (parent != null && !Files.exists(parent)) {
      parent = parent.getParent();
    }
    if (parent == null || !Files.isDirectory(parent) || !Files.isWritable(parent)) {
      return "the queue directory " + dir + " does not exist and cannot be created here ("
          + parent + " is not writable): create it, writable by the agent's user";
    }
    out.append(", not there yet (will be created; ").append(parent).append(" is writable)");
    return null;
  }

  /** {@code grpc} or {@code http/protobuf}, as the exporter will use it. */
  public String protocol(OtlpExporterConfig config) {
    Map<String, String> p = effective(config);
    return p.getOrDefault(PREFIX + "metrics.protocol", p.getOrDefault(PREFIX + "protocol", "grpc"));
  }

  /** File properties, overridden by the environment, overridden by JVM system properties. */
  Map<String, String> effective(OtlpExporterConfig config) {
    Map<String, String> properties = new LinkedHashMap<>(config.properties());
    properties.putAll(fromEnvironment(environment));
    for (String name : System.getProperties().stringPropertyNames()) {
      if (name.startsWith("otel.")) {
        properties.put(name, System.getProperty(name));
      }
    }
    return properties;
  }

  /** The properties the SDK derives from {@code OTEL_*} variables (same name mapping). */
  static Map<String, String> fromEnvironment(Map<String, String> env) {
    Map<String, String> p = new LinkedHashMap<>();
    env.forEach((name, value) -> {
      if (name.startsWith("OTEL_") && value != null && !value.isBlank()) {
        p.put(name.toLowerCase(Locale.ROOT).replace('_', '.'), value);
      }
    });
    return p;
  }

  /** The SDK's OTLP provider, found as autoconfiguration finds it. */
  private static ConfigurableMetricExporterProvider provider() throws ExporterStartException {
    for (ConfigurableMetricExporterProvider p
        : ServiceLoader.load(ConfigurableMetricExporterProvider.class,
            OtlpExporterFactory.class.getClassLoader())) {
      if (p.getName().equals("otlp")) {
        return p;
      }
    }
    throw new ExporterStartException("the OTLP exporter of the OTel SDK is not on the class path");
  }
}

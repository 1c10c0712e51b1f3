package io.cgroupotel.exporter.otlp;

import io.cgroupotel.config.ConfigSection;
import io.cgroupotel.exporter.ExporterFactory;
import io.cgroupotel.exporter.ExporterStartException;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import io.opentelemetry.sdk.autoconfigure.spi.internal.DefaultConfigProperties;
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
 * Makes the OTLP exporter (gRPC or HTTP/protobuf) with the SDK's own exporter provider, the one
 * autoconfiguration uses: endpoint defaults, headers, compression, timeout, TLS trust, temporality
 * preference and retry are the SDK's. TLS is verified; {@code ca_file} adds trust, nothing
 * removes it.
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
          section.error("endpoint", "not an http(s) URL: \"" + endpoint + "\"",
              "e.g. \"http://otel-collector:4317\"");
        }
      } catch (IllegalArgumentException e) {
        section.error("endpoint", "not a URL: \"" + endpoint + "\"", "e.g. \"http://localhost:4317\"");
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
      joined.add(name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20"));
    }
    if (joined.length() > 0) {
      p.put(PREFIX + "headers", joined.toString());
    }
    return new OtlpExporterConfig(Map.copyOf(p));
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
   * The SDK's OTLP exporter, wrapped so that a failure names the HTTP status or gRPC code and the
   * endpoint, and a 200 that is not OTLP is not taken for success ({@link
   * DiagnosedOtlpExporter}).
   */
  @Override
  public MetricExporter create(OtlpExporterConfig config) throws ExporterStartException {
    Map<String, String> p = effective(config);
    MetricExporter sdk;
    try {
      sdk = provider().createExporter(DefaultConfigProperties.createFromMap(p));
    } catch (ConfigurationException e) {
      throw new ExporterStartException("exporters.otlp: " + e.getMessage(), e);
    }
    boolean http = !metricsProperty(p, "protocol", "grpc").equals("grpc");
    return new DiagnosedOtlpExporter(sdk, metricsEndpoint(p, http), http,
        headers(metricsProperty(p, "headers", "")));
  }

  /** {@code otel.exporter.otlp.metrics.NAME}, else {@code otel.exporter.otlp.NAME}. */
  private static String metricsProperty(Map<String, String> p, String name, String otherwise) {
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
          return p.createExporter(DefaultConfigProperties.createFromMap(effective(config)));
        } catch (ConfigurationException e) {
          throw new ExporterStartException("exporters.otlp (traces): " + e.getMessage(), e);
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
      return java.util.Optional.of(URI.create(endpoint));
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

  /** {@code grpc} or {@code http/protobuf}, as the exporter will use it. */
  public String protocol(OtlpExporterConfig config) {
    Map<String, String> p = effective(config);
    return p.getOrDefault(PREFIX + "metrics.protocol", p.getOrDefault(PREFIX + "protocol", "grpc"));
  }

  /** File properties, overridden by the environment, overridden by JVM system properties. */
  private Map<String, String> effective(OtlpExporterConfig config) {
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

package io.cgroupotel.exporter.otlp;

import io.opentelemetry.exporter.internal.FailedExportException;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SDK's OTLP exporter, with failures that say what happened: a failed export completes with
 * an {@link OtlpExportException} whose message names the HTTP status or gRPC code and the
 * endpoint ({@code HTTP 503 Service Unavailable from http://c:4318/v1/metrics}, {@code gRPC
 * UNAVAILABLE (no healthy upstream) from http://c:4317}, {@code no answer from ...: connection
 * refused}), where the SDK gives a bare exception with no message.
 *
 * <p>A 200 that is not OTLP: the SDK's HTTP exporter counts any 2xx as success and never reads
 * the body, so a plain web server (or a proxy's landing page) at the endpoint would swallow every
 * export silently. After the first successful export over http/protobuf this exporter sends one
 * empty export request itself and checks that the answer is an OTLP response (protobuf or JSON
 * content type, a body that parses as an {@code ExportMetricsServiceResponse}). If it is not,
 * that is logged once and every export from then on fails, naming the content type. A check
 * that gets no 2xx answer (e.g. TLS with a private CA, which the JDK client used for the check
 * does not trust) leaves exports counted as the SDK counts them. gRPC needs no check: the SDK
 * requires {@code grpc-status}, which a plain web server does not send.
 *
 * <p>The failure details come from the SDK's {@code FailedExportException} (an internal class of
 * the SDK's exporter-common; {@code SdkInternalsPinTest} pins what it carries).
 *
 * <p>Thread-safe.
 */
final class DiagnosedOtlpExporter implements MetricExporter {
  private static final Logger log = LoggerFactory.getLogger(DiagnosedOtlpExporter.class);

  private final MetricExporter delegate;
  private final URI endpoint;
  private final boolean http;
  private final Map<String, String> headers;
  private volatile Verdict verdict; // http only: null until the endpoint has been checked
  private volatile String notOtlp; // why the endpoint is not OTLP, once known

  private enum Verdict { CHECKING, OTLP, NOT_OTLP, UNKNOWN }

  DiagnosedOtlpExporter(MetricExporter delegate, URI endpoint, boolean http,
      Map<String, String> headers) {
    this.delegate = delegate;
    this.endpoint = endpoint;
    this.http = http;
    this.headers = Map.copyOf(headers);
  }

  URI endpoint() {
    return endpoint;
  }

  @Override
  public CompletableResultCode export(Collection<MetricData> metrics) {
    CompletableResultCode result = new CompletableResultCode();
    CompletableResultCode sent = delegate.export(metrics);
    sent.whenComplete(() -> {
      if (!sent.isSuccess()) {
        result.failExceptionally(new OtlpExportException(describe(sent.getFailureThrowable()),
            sent.getFailureThrowable()));
      } else if (notOtlp != null) {
        result.failExceptionally(new OtlpExportException(notOtlp, null));
      } else if (http && verdict == null) {
        verdict = Verdict.CHECKING;
        check(result);
      } else {
        result.succeed();
      }
    });
    return result;
  }

  /** One empty export request: is the answer an OTLP response? Completes {@code result}. */
  private void check(CompletableResultCode result) {
    HttpRequest.Builder request = HttpRequest.newBuilder(endpoint)
        .timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/x-protobuf")
        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[0]));
    headers.forEach((k, v) -> {
      try {
        request.header(k, v);
      } catch (IllegalArgumentException restricted) {
        // a header the JDK client sets itself: not needed for the check
      }
    });
    HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()
        .sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray())
        .whenComplete((response, error) -> {
          if (error != null || response.statusCode() / 100 != 2) {
            verdict = Verdict.UNKNOWN; // the export itself went through: count it
            result.succeed();
            return;
          }
          String problem = OtlpResponses.problem(
              response.headers().firstValue("Content-Type").orElse(null), response.body());
          if (problem == null) {
            verdict = Verdict.OTLP;
            result.succeed();
            return;
          }
          verdict = Verdict.NOT_OTLP;
          notOtlp = OtlpExporterConfig.redact("HTTP " + response.statusCode() + " from "
              + endpoint + " but not an OTLP response (" + problem + "): is this an OTLP/HTTP "
              + "endpoint? (a Collector listens on port 4318, path /v1/metrics)");
          log.warn("otlp exporter: {}; every export is counted as failed", notOtlp);
          result.failExceptionally(new OtlpExportException(notOtlp, null));
        });
  }

  /**
   * What went wrong, for people: the HTTP status or gRPC code, and the endpoint, without the
   * password a URL may hold.
   */
  String describe(Throwable t) {
    return OtlpExporterConfig.redact(describeWithSecrets(t));
  }

  private String describeWithSecrets(Throwable t) {
    if (t instanceof FailedExportException.HttpExportException e) {
      if (e.failedWithResponse() && e.getResponse() != null) {
        String message = e.getResponse().getStatusMessage();
        return "HTTP " + e.getResponse().getStatusCode()
            + (message == null || message.isBlank() ? "" : " " + message) + " from " + endpoint;
      }
      return "no answer from " + endpoint + ": " + cause(e.getCause());
    }
    if (t instanceof FailedExportException.GrpcExportException e) {
      if (e.failedWithResponse() && e.getResponse() != null) {
        String description = e.getResponse().getStatusDescription();
        return "gRPC " + e.getResponse().getStatusCode()
            + (description == null || description.isBlank() ? "" : " (" + description + ")")
            + " from " + endpoint;
      }
      return "no answer from " + endpoint + ": " + cause(e.getCause());
    }
    if (t == null) {
      return "export to " + endpoint + " failed (the SDK gave no reason; a timeout?)";
    }
    return "export to " + endpoint + " failed: " + cause(t);
  }

  private static String cause(Throwable t) {
    if (t == null) {
      return "unknown cause";
    }
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    String kind = root.getClass().getSimpleName();
    return message == null || message.isBlank() ? kind
        : kind + ": " + message;
  }

  @Override
  public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
    return delegate.getAggregationTemporality(instrumentType);
  }

  @Override
  public Aggregation getDefaultAggregation(InstrumentType instrumentType) {
    return delegate.getDefaultAggregation(instrumentType);
  }

  @Override
  public MemoryMode getMemoryMode() {
    return delegate.getMemoryMode();
  }

  @Override
  public CompletableResultCode flush() {
    return delegate.flush();
  }

  @Override
  public CompletableResultCode shutdown() {
    return delegate.shutdown();
  }

  @Override
  public void close() {
    delegate.close();
  }

  @Override
  public String toString() {
    return "DiagnosedOtlpExporter{" + OtlpExporterConfig.redact(endpoint) + "}";
  }
}

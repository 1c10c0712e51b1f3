package io.cgroupotel.exporter.otlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.internal.DefaultConfigProperties;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Pins the few internal classes of the OTel SDK that main code still uses, so an SDK upgrade
 * that changes them fails here, with a message saying what to look at, rather than as a
 * puzzling error in an exporter. Also checks that our own {@link MapConfigProperties} (used
 * instead of the SDK's internal {@code DefaultConfigProperties}) reads properties the same way.
 */
class SdkInternalsPinTest {
  private static final String UPGRADE = " (the OTel SDK changed an internal class this agent "
      + "relies on: adapt %s, then this pin)";

  @Test
  void failedExportException_carriesResponseOfHttpAndGrpc() {
    // DiagnosedOtlpExporter.describe reads these to name the status and the endpoint
    Method httpResponse = method(
        "io.opentelemetry.exporter.internal.FailedExportException$HttpExportException",
        "getResponse", "DiagnosedOtlpExporter");
    method(httpResponse.getReturnType().getName(), "getStatusCode", "DiagnosedOtlpExporter");
    method(httpResponse.getReturnType().getName(), "getStatusMessage", "DiagnosedOtlpExporter");
    method("io.opentelemetry.exporter.internal.FailedExportException$HttpExportException",
        "failedWithResponse", "DiagnosedOtlpExporter");
    Method grpcResponse = method(
        "io.opentelemetry.exporter.internal.FailedExportException$GrpcExportException",
        "getResponse", "DiagnosedOtlpExporter");
    method(grpcResponse.getReturnType().getName(), "getStatusCode", "DiagnosedOtlpExporter");
    method(grpcResponse.getReturnType().getName(), "getStatusDescription",
        "DiagnosedOtlpExporter");
    method("io.opentelemetry.exporter.internal.FailedExportException$GrpcExportException",
        "failedWithResponse", "DiagnosedOtlpExporter");
  }

  @Test
  void metricsRequestMarshaler_writesAnOtlpRequest() throws Exception {
    // QueuedOtlpExporter encodes queued exports with it (tools' benches compare against it)
    String name = "io.opentelemetry.exporter.internal.otlp.metrics.MetricsRequestMarshaler";
    Method create = method(name, "create", "QueuedOtlpExporter", Collection.class);
    Object marshaler = create.invoke(null, List.of());
    method(name, "writeJsonTo", "the file exporter's tests and EncodeBench", OutputStream.class);
    Method binary = method(name, "writeBinaryTo", "QueuedOtlpExporter", OutputStream.class);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    binary.invoke(marshaler, out);
    assertThat(ExportMetricsServiceRequest.parseFrom(out.toByteArray()).getResourceMetricsCount())
        .as("an empty export encodes as an empty OTLP request").isZero();
  }

  @Test
  void mapConfigProperties_readsAsTheSdkAutoconfigurationDoes() {
    Map<String, String> p = Map.of(
        "otel.exporter.otlp.endpoint", "http://c:4317",
        "otel.exporter.otlp.headers", "a=1, b = 2",
        "otel.exporter.otlp.timeout", "2s",
        "otel.exporter.otlp.metrics.timeout", "1500",
        "otel.exporter.otlp.compression", "gzip",
        "otel.some.flag", "true",
        "otel.some.number", "42",
        "otel.some.ratio", "0.5",
        "otel.some.list", "x, y,,z");
    ConfigProperties ours = new MapConfigProperties(p);
    ConfigProperties sdk = DefaultConfigProperties.createFromMap(p);
    for (String key : p.keySet()) {
      assertThat(ours.getString(key)).as(key).isEqualTo(sdk.getString(key));
    }
    assertThat(ours.getString("otel.exporter.otlp.missing")).isNull();
    // one difference, on purpose: a value pasted with spaces around it still works
    assertThat(new MapConfigProperties(Map.of("otel.exporter.otlp.endpoint", " http://c:4317 "))
        .getString("otel.exporter.otlp.endpoint")).isEqualTo("http://c:4317");
    assertThat(ours.getMap("otel.exporter.otlp.headers"))
        .isEqualTo(sdk.getMap("otel.exporter.otlp.headers"));
    assertThat(ours.getDuration("otel.exporter.otlp.timeout"))
        .isEqualTo(sdk.getDuration("otel.exporter.otlp.timeout"));
    assertThat(ours.getDuration("otel.exporter.otlp.metrics.timeout"))
        .isEqualTo(sdk.getDuration("otel.exporter.otlp.metrics.timeout"));
    assertThat(ours.getBoolean("otel.some.flag")).isEqualTo(sdk.getBoolean("otel.some.flag"));
    assertThat(ours.getInt("otel.some.number")).isEqualTo(sdk.getInt("otel.some.number"));
    assertThat(ours.getLong("otel.some.number")).isEqualTo(sdk.getLong("otel.some.number"));
    assertThat(ours.getDouble("otel.some.ratio")).isEqualTo(sdk.getDouble("otel.some.ratio"));
    assertThat(ours.getList("otel.some.list")).isEqualTo(sdk.getList("otel.some.list"));
  }

  private static Method method(String className, String methodName, String user,
      Class<?>... parameters) {
    Class<?> type;
    try {
      type = Class.forName(className);
    } catch (ClassNotFoundException e) {
      return fail(className + " is gone" + UPGRADE.formatted(user));
    }
    try {
      return type.getMethod(methodName, parameters);
    } catch (NoSuchMethodException e) {
      return fail(className + "." + methodName + " is gone or changed" + UPGRADE.formatted(user));
    }
  }
}

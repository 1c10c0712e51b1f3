package io.cgroupotel.exporter.otlp;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsPartialSuccess;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OtlpResponsesTest {
  @Test
  void problem_otlpAnswers_none() {
    byte[] partial = ExportMetricsServiceResponse.newBuilder().setPartialSuccess(
        ExportMetricsPartialSuccess.newBuilder().setRejectedDataPoints(3)
            .setErrorMessage("too old")).build().toByteArray();
    assertThat(OtlpResponses.problem("application/x-protobuf", new byte[0])).isNull();
    assertThat(OtlpResponses.problem("application/x-protobuf", partial)).isNull();
    assertThat(OtlpResponses.problem(null, partial)).isNull();
    assertThat(OtlpResponses.problem("application/json; charset=utf-8",
        "{\"partialSuccess\":{}}".getBytes(StandardCharsets.UTF_8))).isNull();
  }

  @Test
  void problem_webPagesAndText_named() {
    byte[] page = "<html><body>It works!</body></html>".getBytes(StandardCharsets.UTF_8);
    assertThat(OtlpResponses.problem("text/html; charset=utf-8", page))
        .isEqualTo("Content-Type text/html; charset=utf-8");
    assertThat(OtlpResponses.problem(null, page)).startsWith("no Content-Type, a body that is "
        + "not protobuf (35 bytes: \"<html><body>It works!</body></html>\")");
    assertThat(OtlpResponses.problem("application/x-protobuf",
        "OK".getBytes(StandardCharsets.UTF_8))).contains("not protobuf");
    assertThat(OtlpResponses.problem("application/json", "OK".getBytes(StandardCharsets.UTF_8)))
        .contains("not an object");
  }
}

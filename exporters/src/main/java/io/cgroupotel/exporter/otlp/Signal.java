package io.cgroupotel.exporter.otlp;

/**
 * What a queued OTLP request carries, and where each protocol sends it. The queue holds
 * serialized requests of any signal, in order, so that logs (per-job receipts) can share it with
 * metrics.
 */
public enum Signal {
  METRICS(1, "v1/metrics", "opentelemetry.proto.collector.metrics.v1.MetricsService/Export"),
  LOGS(2, "v1/logs", "opentelemetry.proto.collector.logs.v1.LogsService/Export");

  private final int code;
  private final String httpPath;
  private final String grpcMethod;

  Signal(int code, String httpPath, String grpcMethod) {
    this.code = code;
    this.httpPath = httpPath;
    this.grpcMethod = grpcMethod;
  }

  /** The byte that stands for this signal in a queue file (never reused). */
  int code() {
    return code;
  }

  /** Appended to the base endpoint for OTLP/HTTP, as the SDK does: {@code v1/metrics}. */
  String httpPath() {
    return httpPath;
  }

  /** The gRPC method, {@code package.Service/Export}. */
  String grpcMethod() {
    return grpcMethod;
  }

  /** The signal of a queue file's byte, or null for a byte no version wrote. */
  static Signal ofCode(int code) {
    for (Signal s : values()) {
      if (s.code == code) {
        return s;
      }
    }
    return null;
  }
}

package io.cgroupotel.exporter.otlp;

/**
 * Why an OTLP export failed, in words: the HTTP status or gRPC code and the endpoint, or why the
 * endpoint was not reached. The SDK's own exception, when there is one, is the cause.
 */
public final class OtlpExportException extends Exception {
  private static final long serialVersionUID = 1L;

  OtlpExportException(String message, Throwable cause) {
    super(message, cause);
  }
}

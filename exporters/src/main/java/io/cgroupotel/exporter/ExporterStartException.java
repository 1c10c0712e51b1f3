package io.cgroupotel.exporter;

/** An exporter cannot be built; the message says why and how to fix it. */
public final class ExporterStartException extends Exception {
  public ExporterStartException(String message) {
    super(message);
  }

  public ExporterStartException(String message, Throwable cause) {
    super(message, cause);
  }
}

package io.cgroupotel.exporter.prometheus;

/**
 * {@code [exporters.prometheus]}: a pull endpoint, {@code GET /metrics}.
 *
 * @param host address to listen on; default {@code 0.0.0.0}
 * @param port default 9464, the OTel Prometheus exporter's
 */
public record PrometheusExporterConfig(String host, int port) {
  public static final String DEFAULT_HOST = "0.0.0.0";
  public static final int DEFAULT_PORT = 9464;
}

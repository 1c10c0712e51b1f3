package io.cgroupotel.exporter.prometheus;

import io.cgroupotel.config.ConfigSection;
import io.cgroupotel.exporter.ExporterFactory;
import io.cgroupotel.exporter.ExporterStartException;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * Makes the Prometheus exporter. The port is opened only when the section is present.
 *
 * <p>The OTel Java Prometheus exporter is not served for this SDK version (1.66.0-alpha at
 * most, for SDK 1.68.0), and it would be a second reader; this one is the Prometheus Java
 * client's HTTP server and writers, fed by the agent's own reader like every other exporter.
 */
public final class PrometheusExporterFactory implements ExporterFactory<PrometheusExporterConfig> {

  @Override
  public String type() {
    return "prometheus";
  }

  @Override
  public PrometheusExporterConfig parseConfig(ConfigSection section) {
    return new PrometheusExporterConfig(
        section.string("host", PrometheusExporterConfig.DEFAULT_HOST),
        (int) section.integer("port", PrometheusExporterConfig.DEFAULT_PORT, 1, 65535));
  }

  @Override
  public MetricExporter create(PrometheusExporterConfig config) throws ExporterStartException {
    try {
      return PrometheusExporter.start(new InetSocketAddress(config.host(), config.port()));
    } catch (IOException | RuntimeException e) {
      throw new ExporterStartException("exporters.prometheus: cannot listen on " + config.host()
          + ":" + config.port() + " (" + e.getMessage() + "); choose another port", e);
    }
  }
}

package io.cgroupotel.exporter.otlp;

import io.cgroupotel.exporter.ExporterStartException;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import io.opentelemetry.sdk.autoconfigure.spi.logs.ConfigurableLogRecordExporterProvider;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import java.util.ServiceLoader;

/**
 * The OTLP log exporter that carries receipts: the SDK's own (gRPC or HTTP/protobuf), made by the
 * provider autoconfiguration uses, from the very properties the metrics exporter is made of, so
 * endpoint, protocol, headers, compression, timeout and TLS are the same ({@code
 * OTEL_EXPORTER_OTLP_LOGS_*} may still set the logs apart, as in every OTel SDK).
 *
 * <p>Used only with the send queue turned off ({@code [exporters.otlp.queue] enabled = false});
 * otherwise receipts go through the metrics' queue ({@link QueuedOtlpLogExporter}).
 */
final class OtlpReceiptExporter {
  private OtlpReceiptExporter() {}

  static LogRecordExporter create(OtlpExporterFactory factory, OtlpExporterConfig config)
      throws ExporterStartException {
    for (ConfigurableLogRecordExporterProvider p
        : ServiceLoader.load(ConfigurableLogRecordExporterProvider.class,
            OtlpReceiptExporter.class.getClassLoader())) {
      if (p.getName().equals("otlp")) {
        try {
          return p.createExporter(new MapConfigProperties(factory.effectiveProperties(config)));
        } catch (ConfigurationException e) {
          throw new ExporterStartException("exporters.otlp (receipts): " + e.getMessage(), e);
        }
      }
    }
    throw new ExporterStartException("the OTLP log exporter of the OTel SDK is not on the "
        + "class path");
  }
}

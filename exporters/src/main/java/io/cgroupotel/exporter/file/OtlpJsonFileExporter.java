package io.cgroupotel.exporter.file;

import io.opentelemetry.exporter.internal.otlp.metrics.MetricsRequestMarshaler;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Collection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes each export as one line: an {@code ExportMetricsServiceRequest} in the protobuf JSON
 * mapping, as the Collector's file exporter writes (and its otlpjsonfile receiver reads).
 *
 * <p>The JSON comes from the OTel SDK's own OTLP marshaler, so it is the same message the OTLP
 * exporters send. (The SDK's logging-otlp exporter does the same, but is not published for this
 * SDK version.) A write error fails that export, is logged once, and recovery is logged.
 *
 * <p>Thread-safe.
 */
final class OtlpJsonFileExporter implements MetricExporter {
  private static final Logger log = LoggerFactory.getLogger(OtlpJsonFileExporter.class);

  private final OutputStream out;
  private final String name;
  private final boolean closeOnShutdown;
  private final AggregationTemporality temporality;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream(64 * 1024);
  private boolean failing; // guarded by this
  private boolean shutdown; // guarded by this

  OtlpJsonFileExporter(OutputStream out, String name, boolean closeOnShutdown,
      AggregationTemporality temporality) {
    this.out = out;
    this.name = name;
    this.closeOnShutdown = closeOnShutdown;
    this.temporality = temporality;
  }

  @Override
  public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
    return temporality;
  }

  @Override
  public synchronized CompletableResultCode export(Collection<MetricData> metrics) {
    if (shutdown) {
      return CompletableResultCode.ofFailure();
    }
    try {
      line.reset();
      // the marshaler's JSON writer closes the stream it is given: give it a buffer
      MetricsRequestMarshaler.create(metrics).writeJsonTo(line);
      line.write('\n');
      line.writeTo(out);
      out.flush();
      if (failing) {
        failing = false;
        log.info("file exporter: writing to {} works again", name);
      }
      return CompletableResultCode.ofSuccess();
    } catch (IOException | RuntimeException e) {
      if (!failing) {
        failing = true;
        log.warn("file exporter: cannot write to {}: {} (logged once until it recovers)", name,
            e.getMessage());
      }
      return CompletableResultCode.ofFailure();
    }
  }

  @Override
  public synchronized CompletableResultCode flush() {
    try {
      out.flush();
      return CompletableResultCode.ofSuccess();
    } catch (IOException e) {
      return CompletableResultCode.ofFailure();
    }
  }

  @Override
  public synchronized CompletableResultCode shutdown() {
    shutdown = true;
    try {
      out.flush();
      if (closeOnShutdown) {
        out.close();
      }
      return CompletableResultCode.ofSuccess();
    } catch (IOException e) {
      return CompletableResultCode.ofFailure();
    }
  }
}

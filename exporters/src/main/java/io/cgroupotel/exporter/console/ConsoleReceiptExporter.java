package io.cgroupotel.exporter.console;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import java.io.PrintStream;
import java.util.Collection;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * Prints one line per log record for people: the entity (its resource's telling attributes, as
 * the metrics' table heads a block), then the record's attributes, doubles rounded. The agent's
 * records are its receipts, so a line reads
 * {@code receipt cgroup.path=/batch/x: duration=2.013 cpu.time=1.998 ...}.
 *
 * <p>Thread-safe.
 */
final class ConsoleReceiptExporter implements LogRecordExporter {
  private final PrintStream out;

  ConsoleReceiptExporter(PrintStream out) {
    this.out = out;
  }

  @Override
  public CompletableResultCode export(Collection<LogRecordData> records) {
    StringBuilder sb = new StringBuilder();
    for (LogRecordData r : records) {
      sb.append(line(r)).append('\n');
    }
    synchronized (out) {
      out.print(sb);
      out.flush();
    }
    return CompletableResultCode.ofSuccess();
  }

  static String line(LogRecordData r) {
    StringJoiner fields = new StringJoiner(" ");
    r.getAttributes().forEach((AttributeKey<?> k, Object v) -> {
      if (!k.getKey().equals("event.name")) {
        fields.add(k.getKey() + "=" + (v instanceof Double d ? format(d) : v));
      }
    });
    String what = r.getEventName() == null ? "log" : "receipt";
    return what + " " + ConsoleExporter.title(r.getResource()).strip() + ": " + fields;
  }

  private static String format(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v)
        : String.format(Locale.ROOT, "%.3f", v);
  }

  @Override
  public CompletableResultCode flush() {
    out.flush();
    return CompletableResultCode.ofSuccess();
  }

  @Override
  public CompletableResultCode shutdown() {
    out.flush();
    return CompletableResultCode.ofSuccess();
  }
}

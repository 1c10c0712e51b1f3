package io.cgroupotel.agent;

import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Receipts as a collector decodes them (opentelemetry-proto), for tests. */
record ReceiptProto(ResourceLogs resource, LogRecord record) {

  /** Every receipt of {@code requests}, with its resource. */
  static List<ReceiptProto> all(List<ExportLogsServiceRequest> requests) {
    List<ReceiptProto> out = new ArrayList<>();
    for (ExportLogsServiceRequest r : requests) {
      for (ResourceLogs rl : r.getResourceLogsList()) {
        for (ScopeLogs sl : rl.getScopeLogsList()) {
          for (LogRecord lr : sl.getLogRecordsList()) {
            if (lr.getEventName().equals("cgroup_otel.entity.end")) {
              out.add(new ReceiptProto(rl, lr));
            }
          }
        }
      }
    }
    return out;
  }

  static Optional<AnyValue> find(List<KeyValue> list, String key) {
    return list.stream().filter(kv -> kv.getKey().equals(key)).map(KeyValue::getValue)
        .findFirst();
  }

  /** A resource attribute, as a string (ints printed), or null. */
  String resourceAttribute(String key) {
    return find(resource.getResource().getAttributesList(), key).map(ReceiptProto::text)
        .orElse(null);
  }

  Optional<AnyValue> attribute(String key) {
    return find(record.getAttributesList(), key);
  }

  boolean has(String key) {
    return attribute(key).isPresent();
  }

  double number(String key) {
    AnyValue v = attribute(key).orElseThrow(() -> new AssertionError("no " + key + " in "
        + record.getAttributesList()));
    return v.hasIntValue() ? v.getIntValue() : v.getDoubleValue();
  }

  String string(String key) {
    return attribute(key).map(AnyValue::getStringValue).orElse(null);
  }

  private static String text(AnyValue v) {
    return v.hasIntValue() ? Long.toString(v.getIntValue()) : v.getStringValue();
  }
}

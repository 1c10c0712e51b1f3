package io.cgroupotel.exporter.file;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.KeyValue;
import io.opentelemetry.api.common.Value;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.resources.Resource;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Encodes log records as one line: an {@code ExportLogsServiceRequest} in the protobuf JSON
 * mapping, the same JSON as the OTel SDK's OTLP marshaler writes (field names, 64-bit integers as
 * strings, proto3 defaults left out; {@code OtlpJsonLogEncoderTest} holds the two side by side),
 * as the Collector's file exporter writes logs and its otlpjsonfile receiver reads them.
 *
 * <p>Records are grouped by resource, then by scope, in the order met.
 * Simple on purpose: the agent writes a log record per ended entity, not per poll, so this is
 * off every hot path (the metrics' encoder is the tuned one).
 *
 * <p>Stateless, thread-safe.
 */
final class OtlpJsonLogEncoder {

  /** The line for {@code records}, its newline included, in UTF-8. */
  byte[] encode(Collection<LogRecordData> records) {
    Map<Resource, Map<InstrumentationScopeInfo, List<LogRecordData>>> grouped =
        new LinkedHashMap<>();
    for (LogRecordData r : records) {
      grouped.computeIfAbsent(r.getResource(), x -> new LinkedHashMap<>())
          .computeIfAbsent(r.getInstrumentationScopeInfo(), x -> new ArrayList<>()).add(r);
    }
    StringBuilder sb = new StringBuilder(512 * Math.max(1, records.size()));
    sb.append("{\"resourceLogs\":[");
    boolean firstResource = true;
    for (var byResource : grouped.entrySet()) {
      if (!firstResource) {
        sb.append(',');
      }
      firstResource = false;
      Resource resource = byResource.getKey();
      sb.append("{\"resource\":{");
      attributes(sb, resource.getAttributes());
      sb.append(",\"entityRefs\":[]},\"scopeLogs\":[");
      boolean firstScope = true;
      for (var byScope : byResource.getValue().entrySet()) {
        if (!firstScope) {
          sb.append(',');
        }
        firstScope = false;
        InstrumentationScopeInfo scope = byScope.getKey();
        sb.append("{\"scope\":{");
        Fields f = new Fields(sb);
        f.string("name", scope.getName());
        f.string("version", scope.getVersion());
        f.next();
        attributes(sb, scope.getAttributes());
        sb.append("},\"logRecords\":[");
        boolean firstRecord = true;
        for (LogRecordData r : byScope.getValue()) {
          if (!firstRecord) {
            sb.append(',');
          }
          firstRecord = false;
          record(sb, r);
        }
        sb.append(']');
        new Fields(sb, true).string("schemaUrl", scope.getSchemaUrl());
        sb.append('}');
      }
      sb.append(']');
      new Fields(sb, true).string("schemaUrl", resource.getSchemaUrl());
      sb.append('}');
    }
    sb.append("]}\n");
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void record(StringBuilder sb, LogRecordData r) {
    sb.append('{');
    Fields f = new Fields(sb);
    f.fixed64("timeUnixNano", r.getTimestampEpochNanos());
    f.fixed64("observedTimeUnixNano", r.getObservedTimestampEpochNanos());
    if (r.getSeverity() != null && r.getSeverity().getSeverityNumber() != 0) {
      f.name("severityNumber");
      sb.append(r.getSeverity().getSeverityNumber());
    }
    f.string("severityText", r.getSeverityText());
    Value<?> body = r.getBodyValue();
    if (body != null) {
      f.name("body");
      anyValue(sb, body);
    }
    f.next();
    attributes(sb, r.getAttributes());
    int dropped = r.getTotalAttributeCount() - r.getAttributes().size();
    if (dropped > 0) {
      f.name("droppedAttributesCount");
      sb.append(dropped);
    }
    SpanContext span = r.getSpanContext();
    if (span != null && span.isValid()) {
      if (span.getTraceFlags().asByte() != 0) {
        f.name("flags");
        sb.append(span.getTraceFlags().asByte() & 0xFF);
      }
      f.string("traceId", span.getTraceId());
      f.string("spanId", span.getSpanId());
    }
    f.string("eventName", r.getEventName());
    sb.append('}');
  }

  /** {@code "attributes":[...]}; {@code []} when there are none, as the SDK writes. */
  private static void attributes(StringBuilder sb, Attributes attributes) {
    sb.append("\"attributes\":[");
    boolean[] first = {true};
    attributes.forEach((AttributeKey<?> key, Object value) -> {
      if (!first[0]) {
        sb.append(',');
      }
      first[0] = false;
      sb.append("{\"key\":");
      string(sb, key.getKey());
      sb.append(",\"value\":");
      attributeValue(sb, key, value);
      sb.append('}');
    });
    sb.append(']');
  }

  @SuppressWarnings("unchecked")
  private static void attributeValue(StringBuilder sb, AttributeKey<?> key, Object value) {
    switch (key.getType()) {
      case STRING -> stringValue(sb, (String) value);
      case BOOLEAN -> sb.append("{\"boolValue\":").append((boolean) (Boolean) value).append('}');
      case LONG -> sb.append("{\"intValue\":\"").append((long) (Long) value).append("\"}");
      case DOUBLE -> doubleValue(sb, (Double) value);
      case STRING_ARRAY, BOOLEAN_ARRAY, LONG_ARRAY, DOUBLE_ARRAY -> {
        sb.append("{\"arrayValue\":{\"values\":[");
        boolean first = true;
        for (Object element : (List<Object>) value) {
          if (!first) {
            sb.append(',');
          }
          first = false;
          anyValue(sb, switch (key.getType()) {
            case STRING_ARRAY -> Value.of((String) element);
            case BOOLEAN_ARRAY -> Value.of((Boolean) element);
            case LONG_ARRAY -> Value.of((Long) element);
            default -> Value.of((Double) element);
          });
        }
        sb.append("]}}");
      }
      case VALUE -> anyValue(sb, (Value<?>) value);
      default -> throw new IllegalArgumentException("unknown attribute type " + key.getType());
    }
  }

  @SuppressWarnings("unchecked")
  private static void anyValue(StringBuilder sb, Value<?> value) {
    switch (value.getType()) {
      case STRING -> stringValue(sb, (String) value.getValue());
      case BOOLEAN -> sb.append("{\"boolValue\":").append(value.getValue()).append('}');
      case LONG -> sb.append("{\"intValue\":\"").append(value.getValue()).append("\"}");
      case DOUBLE -> doubleValue(sb, (Double) value.getValue());
      case ARRAY -> {
        sb.append("{\"arrayValue\":{\"values\":[");
        boolean first = true;
        for (Value<?> element : (List<Value<?>>) value.getValue()) {
          if (!first) {
            sb.append(',');
          }
          first = false;
          anyValue(sb, element);
        }
        sb.append("]}}");
      }
      case KEY_VALUE_LIST -> {
        sb.append("{\"kvlistValue\":{\"values\":[");
        boolean first = true;
        for (KeyValue kv : (List<KeyValue>) value.getValue()) {
          if (!first) {
            sb.append(',');
          }
          first = false;
          sb.append("{\"key\":");
          string(sb, kv.getKey());
          sb.append(",\"value\":");
          anyValue(sb, kv.getValue());
          sb.append('}');
        }
        sb.append("]}}");
      }
      case BYTES -> {
        ByteBuffer bytes = ((ByteBuffer) value.getValue()).duplicate();
        byte[] raw = new byte[bytes.remaining()];
        bytes.get(raw);
        sb.append("{\"bytesValue\":\"").append(Base64.getEncoder().encodeToString(raw))
            .append("\"}");
      }
      default -> sb.append("{}"); // EMPTY
    }
  }

  private static void stringValue(StringBuilder sb, String s) {
    sb.append("{\"stringValue\":");
    string(sb, s);
    sb.append('}');
  }

  /** As the SDK writes doubles: {@link Double#toString}, the non-finite ones as strings. */
  private static void doubleValue(StringBuilder sb, double v) {
    sb.append("{\"doubleValue\":");
    if (Double.isNaN(v)) {
      sb.append("\"NaN\"");
    } else if (Double.isInfinite(v)) {
      sb.append(v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    } else {
      sb.append(v);
    }
    sb.append('}');
  }

  /** A JSON string: quote, backslash and control characters escaped, as the SDK's writer. */
  private static void string(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else if (Character.isSurrogate(c) && !(Character.isHighSurrogate(c)
              && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1)))
              && !(Character.isLowSurrogate(c) && i > 0
              && Character.isHighSurrogate(s.charAt(i - 1)))) {
            sb.append('?'); // an unpaired surrogate, as the SDK's writer has it
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  /** Members of one JSON object: a comma before each but the first, defaults left out. */
  private static final class Fields {
    private final StringBuilder sb;
    private boolean any;

    Fields(StringBuilder sb) {
      this(sb, false);
    }

    /** @param after true when members were written before (a comma goes first) */
    Fields(StringBuilder sb, boolean after) {
      this.sb = sb;
      this.any = after;
    }

    void next() {
      if (any) {
        sb.append(',');
      }
      any = true;
    }

    void name(String name) {
      next();
      sb.append('"').append(name).append("\":");
    }

    void string(String name, String value) {
      if (value != null && !value.isEmpty()) {
        name(name);
        OtlpJsonLogEncoder.string(sb, value);
      }
    }

    void fixed64(String name, long value) {
      if (value != 0) {
        name(name);
        sb.append('"').append(value).append('"');
      }
    }
  }
}

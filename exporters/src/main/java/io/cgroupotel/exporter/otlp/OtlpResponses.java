package io.cgroupotel.exporter.otlp;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** Whether an HTTP answer is an OTLP {@code ExportMetricsServiceResponse}. */
final class OtlpResponses {
  private OtlpResponses() {}

  /**
   * Null if {@code body} (with {@code contentType}, null when absent) is an OTLP response;
   * otherwise what is wrong with it, e.g. {@code Content-Type text/html}.
   */
  static String problem(String contentType, byte[] body) {
    String type = contentType == null ? null
        : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    if (type == null || type.equals("application/x-protobuf")
        || type.equals("application/protobuf")) {
      return isProtobufMessage(body) ? null
          : (type == null ? "no Content-Type, " : "") + "a body that is not protobuf ("
              + preview(body) + ")";
    }
    if (type.equals("application/json")) {
      String text = new String(body, StandardCharsets.UTF_8).trim();
      return text.startsWith("{") && text.endsWith("}") ? null
          : "a JSON body that is not an object (" + preview(body) + ")";
    }
    return "Content-Type " + contentType;
  }

  /** The protobuf wire format, structurally: tags, varints, lengths that fit, no groups. */
  static boolean isProtobufMessage(byte[] b) {
    int i = 0;
    while (i < b.length) {
      long[] tag = varint(b, i);
      if (tag == null) {
        return false;
      }
      i = (int) tag[1];
      long field = tag[0] >>> 3;
      int wire = (int) (tag[0] & 7);
      if (field == 0) {
        return false;
      }
      switch (wire) {
        case 0 -> {
          long[] v = varint(b, i);
          if (v == null) {
            return false;
          }
          i = (int) v[1];
        }
        case 1 -> i += 8;
        case 5 -> i += 4;
        case 2 -> {
          long[] len = varint(b, i);
          if (len == null || len[0] < 0 || len[0] > b.length - len[1]) {
            return false;
          }
          i = (int) (len[1] + len[0]);
        }
        default -> {
          return false; // groups (3, 4) are not in OTLP; 6 and 7 do not exist
        }
      }
      if (i > b.length) {
        return false;
      }
    }
    return true;
  }

  /** {value, next index}, or null when truncated or longer than 10 bytes. */
  private static long[] varint(byte[] b, int start) {
    long value = 0;
    for (int i = start, shift = 0; i < b.length && shift < 70; i++, shift += 7) {
      value |= (long) (b[i] & 0x7f) << shift;
      if ((b[i] & 0x80) == 0) {
        return new long[] {value, i + 1};
      }
    }
    return null;
  }

  private static String preview(byte[] body) {
    String text = new String(body, 0, Math.min(body.length, 40), StandardCharsets.UTF_8)
        .replaceAll("[\\p{Cntrl}]", " ").strip();
    return body.length + " bytes: \"" + text + (body.length > 40 ? "..." : "") + "\"";
  }
}

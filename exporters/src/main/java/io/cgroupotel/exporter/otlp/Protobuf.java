package io.cgroupotel.exporter.otlp;

/** Reads the few fields of an OTLP response the sender needs, from the protobuf wire format. */
final class Protobuf {
  private Protobuf() {}

  /** The bytes of length-delimited field {@code number} (the last one), or null. */
  static byte[] field(byte[] b, int number) {
    byte[] found = null;
    int i = 0;
    while (i < b.length) {
      long[] tag = varint(b, i);
      if (tag == null) {
        return found;
      }
      i = (int) tag[1];
      int wire = (int) (tag[0] & 7);
      long field = tag[0] >>> 3;
      switch (wire) {
        case 0 -> {
          long[] v = varint(b, i);
          if (v == null) {
            return found;
          }
          i = (int) v[1];
        }
        case 1 -> i += 8;
        case 5 -> i += 4;
        case 2 -> {
          long[] len = varint(b, i);
          if (len == null || len[0] < 0 || len[0] > b.length - len[1]) {
            return found;
          }
          int start = (int) len[1];
          i = start + (int) len[0];
          if (field == number) {
            found = java.util.Arrays.copyOfRange(b, start, i);
          }
        }
        default -> {
          return found;
        }
      }
    }
    return found;
  }

  /** The value of varint field {@code number}, or 0 when absent. */
  static long varintField(byte[] b, int number) {
    long found = 0;
    int i = 0;
    while (i < b.length) {
      long[] tag = varint(b, i);
      if (tag == null) {
        return found;
      }
      i = (int) tag[1];
      int wire = (int) (tag[0] & 7);
      switch (wire) {
        case 0 -> {
          long[] v = varint(b, i);
          if (v == null) {
            return found;
          }
          if (tag[0] >>> 3 == number) {
            found = v[0];
          }
          i = (int) v[1];
        }
        case 1 -> i += 8;
        case 5 -> i += 4;
        case 2 -> {
          long[] len = varint(b, i);
          if (len == null || len[0] < 0 || len[0] > b.length - len[1]) {
            return found;
          }
          i = (int) (len[1] + len[0]);
        }
        default -> {
          return found;
        }
      }
    }
    return found;
  }

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
}

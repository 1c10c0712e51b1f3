package io.cgroupotel.receiver.slurm.metadata;

import io.cgroupotel.receiver.Redact;

/**
 * Text from Slurm (scontrol's output and errors, job names) made safe to log and to export:
 * control bytes escaped (a job name or an error line must not forge log lines or move a
 * terminal's cursor), credentials masked ({@link Redact}), lengths capped with a marker that says
 * how much was cut. Pure functions, thread-safe.
 */
final class SlurmText {
  /** Longest attribute value exported: a 200,000-character job name is not a label. */
  static final int MAX_ATTRIBUTE = 256;
  /** What ends a value that was cut; the count of characters dropped follows it. */
  static final String CUT_MARKER = "...[+";

  private SlurmText() {}

  /**
   * {@code s} as one log-safe line: control characters (and DEL, and the C1 range) as {@code
   * \n}, {@code \t}, {@code \xHH} or {@code \\u}{@code HHHH}, then at most {@code max} characters
   * with {@link #cap}'s marker.
   */
  static String printable(String s, int max) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(Math.min(s.length(), max + 32));
    for (int i = 0; i < s.length() && b.length() <= max; i++) {
      char c = s.charAt(i);
      if (c == '\n') {
        b.append("\\n");
      } else if (c == '\r') {
        b.append("\\r");
      } else if (c == '\t') {
        b.append("\\t");
      } else if (c < 0x20 || c == 0x7f) {
        b.append(String.format("\\x%02x", (int) c));
      } else if ((c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029') {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return cap(b.toString(), max, s.length());
  }

  /** {@link #printable} with credentials masked: for what a command printed on its stderr. */
  static String forLog(String s, int max) {
    return printable(Redact.of(s), max);
  }

  /** An attribute value: at most {@link #MAX_ATTRIBUTE} characters, with the marker when cut. */
  static String attribute(String s) {
    return cap(s, MAX_ATTRIBUTE, s.length());
  }

  /** The first {@code max} characters (never half a surrogate pair) and how many of {@code total} were dropped. */
  private static String cap(String s, int max, int total) {
    if (s.length() <= max) {
      return s;
    }
    int end = max;
    if (Character.isHighSurrogate(s.charAt(end - 1))) {
      end--;
    }
    return s.substring(0, end) + CUT_MARKER + (total - end) + " chars]";
  }
}

package io.cgroupotel.exporter.otlp;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Sizes as people write them: {@code "256MiB"}, {@code "64 MB"}, {@code "1048576"}. */
final class Bytes {
  private static final Pattern SIZE = Pattern.compile(
      "\\s*(\\d+)\\s*(B|KiB|MiB|GiB|KB|MB|GB|K|M|G)?\\s*", Pattern.CASE_INSENSITIVE);

  private Bytes() {}

  /** Bytes of {@code text}, or -1 when it is not a size. Binary and decimal units both. */
  static long parse(String text) {
    Matcher m = SIZE.matcher(text);
    if (!m.matches()) {
      return -1;
    }
    long n;
    try {
      n = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      return -1;
    }
    String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
    long factor = switch (unit) {
      case "KIB", "K" -> 1L << 10;
      case "MIB", "M" -> 1L << 20;
      case "GIB", "G" -> 1L << 30;
      case "KB" -> 1_000L;
      case "MB" -> 1_000_000L;
      case "GB" -> 1_000_000_000L;
      default -> 1L;
    };
    return n > Long.MAX_VALUE / factor ? -1 : n * factor;
  }

  static String format(long bytes) {
    if (bytes >= 1L << 30 && bytes % (1L << 30) == 0) {
      return (bytes >> 30) + " GiB";
    }
    if (bytes >= 1L << 20) {
      return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20))
          .replace(".0 ", " ");
    }
    if (bytes >= 1L << 10) {
      return String.format(Locale.ROOT, "%.1f KiB", bytes / (double) (1L << 10))
          .replace(".0 ", " ");
    }
    return bytes + " B";
  }
}

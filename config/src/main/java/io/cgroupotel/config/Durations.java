package io.cgroupotel.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the durations of the config: one or more {@code <number><unit>} terms, as Go does. */
public final class Durations {
  static final String HINT = "a number and a unit: ms, s, m or h, e.g. \"500ms\", \"10s\", \"1m\"";
  private static final Pattern TERM = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");

  /**
   * Bounds of every receiver's {@code poll_interval}: below 100 ms the agent spends its time
   * reading cgroupfs (a sub-microsecond interval spins a core); above a day nothing is measured.
   */
  public static final Duration MIN_POLL_INTERVAL = Duration.ofMillis(100);

  /**
   * Floor of {@code export_interval} (and of {@code OTEL_METRIC_EXPORT_INTERVAL}): exports more
   * often than every 100 ms only load the collector.
   */
  public static final Duration MIN_EXPORT_INTERVAL = Duration.ofMillis(100);

  /** Ceiling of {@code poll_interval} and {@code export_interval}. */
  public static final Duration MAX_INTERVAL = Duration.ofHours(24);

  private Durations() {}

  /**
   * Parses e.g. {@code "500ms"}, {@code "10s"}, {@code "1m30s"}, {@code "1.5s"}.
   *
   * @throws IllegalArgumentException if the text is not such a duration
   */
  public static Duration parse(String text) {
    String s = text.trim();
    if (s.isEmpty()) {
      throw new IllegalArgumentException("empty duration");
    }
    Matcher m = TERM.matcher(s);
    long nanos = 0;
    int at = 0;
    while (at < s.length()) {
      if (!m.find(at) || m.start() != at) {
        throw new IllegalArgumentException("bad duration: " + text);
      }
      double number = Double.parseDouble(m.group(1));
      long unitNanos = switch (m.group(2)) {
        case "ms" -> 1_000_000L;
        case "s" -> 1_000_000_000L;
        case "m" -> 60_000_000_000L;
        default -> 3_600_000_000_000L;
      };
      nanos = Math.addExact(nanos, Math.round(number * unitNanos));
      at = m.end();
    }
    return Duration.ofNanos(nanos);
  }

  /** Formats as the shortest of the forms {@link #parse} accepts, e.g. {@code 10s}. */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms % 3_600_000 == 0 && ms > 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0 && ms > 0) {
      return ms / 60_000 + "m";
    }
    if (ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }
}

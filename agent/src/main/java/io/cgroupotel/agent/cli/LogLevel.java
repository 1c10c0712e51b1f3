package io.cgroupotel.agent.cli;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code --log-level} and {@code CGROUP_OTEL_LOG_LEVEL}: the level of the agent's log
 * (slf4j-simple's default level). It must be set before the first logger is made, so
 * {@link Main} applies it before anything logs. The option wins over the variable.
 */
public final class LogLevel {
  public static final String ENV = "CGROUP_OTEL_LOG_LEVEL";
  static final List<String> LEVELS = List.of("trace", "debug", "info", "warn", "error", "off");
  private static final String PROPERTY = "org.slf4j.simpleLogger.defaultLogLevel";

  private LogLevel() {}

  /** Sets the level; returns a problem to print (exit 2) when it is not a level, else null. */
  static String apply(String option, Map<String, String> env) {
    String from = "--log-level";
    String level = option;
    if (level == null || level.isBlank()) {
      from = ENV;
      level = env.get(ENV);
    }
    if (level == null || level.isBlank()) {
      return null;
    }
    String normalized = level.trim().toLowerCase(Locale.ROOT);
    if (normalized.equals("warning")) {
      normalized = "warn";
    }
    if (!LEVELS.contains(normalized)) {
      return from + ": unknown log level \"" + level + "\" (one of "
          + String.join(", ", LEVELS) + ")";
    }
    System.setProperty(PROPERTY, normalized);
    return null;
  }
}

package io.cgroupotel.config;

/**
 * One problem found in a configuration file, positioned so that an editor can jump to it.
 *
 * <p>Printed as {@code FILE:LINE:COL: key.path: what is wrong (hint)}.
 *
 * @param source file name as the user gave it (or {@code <embedded default>})
 * @param line 1-based line, 0 when unknown
 * @param column 1-based column, 0 when unknown
 * @param key dotted key path, e.g. {@code receivers.cgroup.poll_interval}; empty for syntax errors
 * @param message what is wrong
 * @param hint how to fix it; empty when there is nothing useful to add
 */
public record ConfigError(
    String source, int line, int column, String key, String message, String hint) {

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    sb.append(source).append(':').append(line).append(':').append(column).append(": ");
    if (!key.isEmpty()) {
      sb.append(key).append(": ");
    }
    sb.append(message);
    if (!hint.isEmpty()) {
      sb.append(" (").append(hint).append(')');
    }
    return sb.toString();
  }
}

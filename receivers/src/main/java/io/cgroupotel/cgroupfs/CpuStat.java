package io.cgroupotel.cgroupfs;

import java.util.Arrays;

/**
 * The counters of one {@code cpu.stat} file, in microseconds. Mutable so that a poll loop can
 * reuse one instance for thousands of cgroups.
 *
 * <p>Keys other than the three below are kept too ({@link #get}), and a key missing from the file
 * reads as {@link #ABSENT}. Not thread-safe.
 */
public final class CpuStat {
  /** Value of a key that was not in the file. */
  public static final long ABSENT = -1;

  private long usageUsec = ABSENT;
  private long userUsec = ABSENT;
  private long systemUsec = ABSENT;
  private int garbageLines;
  // other keys: parallel arrays, reused between reads (a cpu.stat has about ten keys)
  private String[] otherKeys = new String[8];
  private long[] otherValues = new long[8];
  private int others;

  /** {@code usage_usec}, or ABSENT. */
  public long usageUsec() {
    return usageUsec;
  }

  /** {@code user_usec}, or ABSENT. */
  public long userUsec() {
    return userUsec;
  }

  /** {@code system_usec}, or ABSENT. */
  public long systemUsec() {
    return systemUsec;
  }

  /** Any key of the file (e.g. {@code nr_throttled}), or ABSENT. */
  public long get(String key) {
    switch (key) {
      case "usage_usec":
        return usageUsec;
      case "user_usec":
        return userUsec;
      case "system_usec":
        return systemUsec;
      default:
        for (int i = 0; i < others; i++) {
          if (otherKeys[i].equals(key)) {
            return otherValues[i];
          }
        }
        return ABSENT;
    }
  }

  /** Lines that were not {@code <key> <unsigned integer>} and were skipped. */
  public int garbageLines() {
    return garbageLines;
  }

  void clear() {
    usageUsec = ABSENT;
    userUsec = ABSENT;
    systemUsec = ABSENT;
    garbageLines = 0;
    others = 0;
  }

  void garbage() {
    garbageLines++;
  }

  /** Parses {@code buf[from, to)} as {@code <key> <value>} lines. */
  void parse(byte[] buf, int length) {
    clear();
    int lineStart = 0;
    while (lineStart < length) {
      int lineEnd = lineStart;
      while (lineEnd < length && buf[lineEnd] != '\n') {
        lineEnd++;
      }
      parseLine(buf, lineStart, lineEnd);
      lineStart = lineEnd + 1;
    }
  }

  private void parseLine(byte[] buf, int from, int to) {
    if (from == to) {
      return; // blank line, e.g. the end of the file
    }
    int space = from;
    while (space < to && buf[space] != ' ') {
      space++;
    }
    if (space == from || space >= to - 1) {
      garbageLines++;
      return;
    }
    long value = 0;
    for (int i = space + 1; i < to; i++) {
      int digit = buf[i] - '0';
      if (digit < 0 || digit > 9 || value > (Long.MAX_VALUE - digit) / 10) {
        garbageLines++; // not a number, or too large for a counter: skip, never guess
        return;
      }
      value = value * 10 + digit;
    }
    if (keyIs(buf, from, space, USAGE)) {
      usageUsec = value;
    } else if (keyIs(buf, from, space, USER)) {
      userUsec = value;
    } else if (keyIs(buf, from, space, SYSTEM)) {
      systemUsec = value;
    } else {
      putOther(buf, from, space, value);
    }
  }

  private static final byte[] USAGE = "usage_usec".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final byte[] USER = "user_usec".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final byte[] SYSTEM = "system_usec".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private static boolean keyIs(byte[] buf, int from, int to, byte[] key) {
    return Arrays.equals(buf, from, to, key, 0, key.length);
  }

  private void putOther(byte[] buf, int from, int to, long value) {
    // keys repeat from one read to the next: reuse the String when it matches
    String key = null;
    if (others < otherKeys.length && otherKeys[others] != null
        && sameKey(otherKeys[others], buf, from, to)) {
      key = otherKeys[others];
    } else {
      key = new String(buf, from, to - from, java.nio.charset.StandardCharsets.US_ASCII);
    }
    if (others == otherKeys.length) {
      otherKeys = Arrays.copyOf(otherKeys, others * 2);
      otherValues = Arrays.copyOf(otherValues, others * 2);
    }
    otherKeys[others] = key;
    otherValues[others] = value;
    others++;
  }

  private static boolean sameKey(String key, byte[] buf, int from, int to) {
    if (key.length() != to - from) {
      return false;
    }
    for (int i = 0; i < key.length(); i++) {
      if (key.charAt(i) != buf[from + i]) {
        return false;
      }
    }
    return true;
  }
}

package io.cgroupotel.sampler;

import io.cgroupotel.metrics.NetworkStats;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Parses {@code /proc/<pid>/net/dev}: two header lines, then one line per interface, {@code
 * name:} and 16 counters (8 received: bytes packets errs drop fifo frame compressed multicast; 8
 * transmitted: bytes packets errs drop fifo colls carrier compressed), as the kernel has printed
 * them since 2.6. A line with another count is a format this parser does not know: the whole read
 * is refused rather than a column guessed. Not thread-safe (one per reading thread).
 */
final class NetDevParser {
  static final int COLUMNS = 16;
  private static final int[] KEPT = {0, 1, 2, 3, 8, 9, 10, 11}; // bytes packets errs drop, rx, tx

  private String error;
  private final long[] line = new long[COLUMNS + 1];
  /** Scratch of one parse (the result gets exact copies): the selected interfaces. */
  private String[] selected = new String[8];
  private long[] counters = new long[8 * NetworkStats.PER_INTERFACE];
  /** Interface names seen, the most recent last. */
  private final String[] names = new String[64];
  private int known;

  /** Why the last {@link #parse} returned null. */
  String error() {
    return error;
  }

  /**
   * The interfaces {@code filter} selects, or null (see {@link #error()}) for a file this parser
   * does not know.
   */
  NetworkStats parse(byte[] buf, int length, InterfaceFilter filter) {
    error = null;
    int header = skipLine(buf, 0, length);
    int pos = skipLine(buf, header, length);
    if (pos == header || buf[pos - 1] != '\n') {
      error = "not the two header lines of net/dev";
      return null;
    }
    String[] selected = this.selected;
    long[] counters = this.counters;
    int n = 0;
    int lineNo = 2;
    while (pos < length) {
      int end = pos;
      while (end < length && buf[end] != '\n') {
        end++;
      }
      lineNo++;
      int p = pos;
      while (p < end && buf[p] == ' ') {
        p++;
      }
      int colon = p;
      while (colon < end && buf[colon] != ':') {
        colon++;
      }
      if (colon == end || colon == p) {
        if (p < end) { // a blank line is nothing; anything else is not net/dev
          error = "line " + lineNo + ": no \"name:\"";
          return null;
        }
        pos = end + 1;
        continue;
      }
      String name = name(buf, p, colon);
      if (filter.matches(name)) { // the lines left out are not parsed
        int columns = numbers(buf, colon + 1, end);
        if (columns != COLUMNS) {
          error = "line " + lineNo + ": " + (columns < 0 ? "not a number" : columns + " columns")
              + " where " + COLUMNS + " are known";
          return null;
        }
        if (n == selected.length) {
          selected = this.selected = Arrays.copyOf(selected, n * 2);
          counters = this.counters = Arrays.copyOf(counters, n * 2 * NetworkStats.PER_INTERFACE);
        }
        selected[n] = name;
        for (int k = 0; k < KEPT.length; k++) {
          counters[n * NetworkStats.PER_INTERFACE + k] = line[KEPT[k]];
        }
        n++;
      }
      pos = end + 1;
    }
    return new NetworkStats(Arrays.copyOf(selected, n),
        Arrays.copyOf(counters, n * NetworkStats.PER_INTERFACE));
  }

  /** Reads the space-separated counters of {@code [from, end)} into {@link #line}; their count. */
  private int numbers(byte[] buf, int from, int end) {
    int count = 0;
    int p = from;
    while (true) {
      while (p < end && buf[p] == ' ') {
        p++;
      }
      if (p >= end) {
        return count;
      }
      long v = 0;
      int start = p;
      while (p < end && buf[p] >= '0' && buf[p] <= '9') {
        v = v * 10 + (buf[p] - '0');
        p++;
      }
      if (p == start || (p < end && buf[p] != ' ') || p - start > 19) {
        return -1;
      }
      if (count < line.length) {
        line[count] = v;
      }
      count++;
    }
  }

  /**
   * The name in {@code [from, to)}, as a String made once: a namespace's few names are the same
   * at every poll, so a poll makes no strings.
   */
  private String name(byte[] buf, int from, int to) {
    for (int i = 0; i < known; i++) {
      if (sameAscii(names[i], buf, from, to)) {
        return names[i];
      }
    }
    String name = new String(buf, from, to - from, StandardCharsets.UTF_8);
    if (known == names.length) {
      known = names.length / 2; // many distinct names: keep the older half
    }
    names[known++] = name;
    return name;
  }

  private static boolean sameAscii(String s, byte[] buf, int from, int to) {
    if (s.length() != to - from) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) != buf[from + i]) {
        return false;
      }
    }
    return true;
  }

  private static int skipLine(byte[] buf, int pos, int length) {
    while (pos < length && buf[pos] != '\n') {
      pos++;
    }
    return Math.min(length, pos + 1);
  }
}

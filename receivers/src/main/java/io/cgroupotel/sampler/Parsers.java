package io.cgroupotel.sampler;

import io.cgroupotel.receiver.Sample;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The parsers of the cgroup files, byte-level and allocation-free (but for {@code io.stat}).
 * Each returns the number of lines or values it could not read; a bad line costs its own value
 * only.
 */
public final class Parsers {
  private Parsers() {}

  /** Value of a number that did not parse. */
  static final long BAD = Long.MIN_VALUE;

  /** {@code <key> <unsigned integer>} lines ({@code cpu.stat}, {@code memory.events}, ...). */
  public static FileParser keyed(Map<String, Field> keys) {
    byte[][] names = new byte[keys.size()][];
    Field[] fields = new Field[keys.size()];
    int i = 0;
    for (Map.Entry<String, Field> e : keys.entrySet()) {
      names[i] = e.getKey().getBytes(StandardCharsets.US_ASCII);
      fields[i] = e.getValue();
      i++;
    }
    return (buf, length, into) -> {
      int bad = 0;
      int line = 0;
      while (line < length) {
        int end = lineEnd(buf, line, length);
        if (end > line) {
          int space = indexOf(buf, line, end, (byte) ' ');
          if (space <= line || space >= end - 1) {
            bad++;
          } else {
            long value = number(buf, space + 1, end);
            if (value == BAD) {
              bad++;
            } else {
              for (int k = 0; k < names.length; k++) {
                if (names[k].length == space - line
                    && Arrays.equals(buf, line, space, names[k], 0, names[k].length)) {
                  into.set(fields[k], value);
                  break;
                }
              }
            }
          }
        }
        line = end + 1;
      }
      return bad;
    };
  }

  /** Builds a key table in the order given: {@code keys("usage_usec", CPU_USAGE_USEC, ...)}. */
  public static Map<String, Field> keys(Object... pairs) {
    Map<String, Field> m = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      m.put((String) pairs[i], (Field) pairs[i + 1]);
    }
    return m;
  }

  /**
   * One unsigned integer ({@code memory.current}, {@code pids.current}); {@code max} reads as
   * absent (no limit).
   */
  public static FileParser single(Field field) {
    return (buf, length, into) -> {
      int end = trimEnd(buf, length);
      if (end == 3 && buf[0] == 'm' && buf[1] == 'a' && buf[2] == 'x') {
        return 0;
      }
      long value = end == 0 ? BAD : number(buf, 0, end);
      if (value == BAD) {
        return 1;
      }
      into.set(field, value);
      return 0;
    };
  }

  /**
   * A PSI file: {@code some avg10=0.00 avg60=0.00 avg300=0.00 total=123} and a {@code full} line
   * (the {@code full} line of {@code cpu.pressure} exists since 5.13).
   */
  public static FileParser pressure(Field some, Field full) {
    return (buf, length, into) -> {
      int bad = 0;
      int line = 0;
      while (line < length) {
        int end = lineEnd(buf, line, length);
        if (end > line) {
          Field target = startsWith(buf, line, end, SOME) ? some
              : startsWith(buf, line, end, FULL) ? full : null;
          int total = indexOf(buf, line, end, TOTAL);
          long value = total < 0 ? BAD : number(buf, total + TOTAL.length, tokenEnd(buf, total
              + TOTAL.length, end));
          if (target == null || value == BAD) {
            bad++;
          } else {
            into.set(target, value);
          }
        }
        line = end + 1;
      }
      return bad;
    };
  }

  /** {@code cpu.max}: {@code <quota|max> <period>}, as millicores. */
  public static FileParser cpuMax(Field field) {
    return (buf, length, into) -> {
      int end = trimEnd(buf, length);
      int space = indexOf(buf, 0, end, (byte) ' ');
      if (space <= 0) {
        return 1;
      }
      long period = number(buf, space + 1, end);
      if (period == BAD || period == 0) {
        return 1;
      }
      if (space == 3 && buf[0] == 'm' && buf[1] == 'a' && buf[2] == 'x') {
        return 0; // no limit
      }
      long quota = number(buf, 0, space);
      if (quota == BAD || quota > Long.MAX_VALUE / 1000) {
        return 1;
      }
      into.set(field, quota * 1000 / period);
      return 0;
    };
  }

  /** A CPU list ({@code 0-3,8,10-11}) as a count of CPUs. */
  public static FileParser cpuList(Field field) {
    return (buf, length, into) -> {
      int end = trimEnd(buf, length);
      long count = 0;
      int from = 0;
      while (from < end) {
        int comma = indexOf(buf, from, end, (byte) ',');
        int to = comma < 0 ? end : comma;
        int dash = indexOf(buf, from, to, (byte) '-');
        long lo = number(buf, from, dash < 0 ? to : dash);
        long hi = dash < 0 ? lo : number(buf, dash + 1, to);
        if (lo == BAD || hi == BAD || hi < lo) {
          return 1;
        }
        count += hi - lo + 1;
        from = to + 1;
      }
      into.set(field, count); // an empty list is 0 CPUs (a cpuset with none given)
      return 0;
    };
  }

  /**
   * {@code memory.stat}: the keys the table reads, and {@code kernel} summed from its parts on
   * kernels older than 5.18 that do not write it.
   */
  public static FileParser memoryStat() {
    FileParser named = keyed(keys(
        "anon", Field.MEMORY_ANON,
        "file", Field.MEMORY_FILE,
        "kernel", Field.MEMORY_KERNEL,
        "slab_reclaimable", Field.MEMORY_SLAB_RECLAIMABLE,
        "inactive_file", Field.MEMORY_INACTIVE_FILE,
        "pgfault", Field.MEMORY_PGFAULT,
        "pgmajfault", Field.MEMORY_PGMAJFAULT));
    // what 5.18's `kernel` counts (MEMCG_KMEM): not `sock`, which is charged apart
    byte[][] kernelParts = {ascii("kernel_stack"), ascii("pagetables"), ascii("percpu"),
        ascii("vmalloc"), ascii("slab")};
    return (buf, length, into) -> {
      int bad = named.parse(buf, length, into);
      if (into.get(Field.MEMORY_KERNEL) == Sample.ABSENT) {
        long sum = sumKeys(buf, length, kernelParts);
        if (sum >= 0) {
          into.set(Field.MEMORY_KERNEL, sum);
        }
      }
      return bad;
    };
  }

  /**
   * {@code io.stat}: one line per device, {@code MAJ:MIN rbytes=.. wbytes=.. rios=.. wios=..
   * dbytes=.. dios=..}; keys may be missing (a device line with only some of them).
   */
  public static FileParser ioStat() {
    return (buf, length, into) -> {
      int bad = 0;
      int n = 0;
      long[] devices = new long[4];
      long[] counters = new long[16];
      int line = 0;
      while (line < length) {
        int end = lineEnd(buf, line, length);
        if (end > line) {
          int space = indexOf(buf, line, end, (byte) ' ');
          int colon = indexOf(buf, line, space < 0 ? end : space, (byte) ':');
          long major = colon < 0 ? BAD : number(buf, line, colon);
          long minor = colon < 0 ? BAD : number(buf, colon + 1, space < 0 ? end : space);
          if (major == BAD || minor == BAD || major > 0xffffffffL || minor > 0xffffffffL) {
            bad++;
          } else {
            if (n == devices.length) {
              devices = Arrays.copyOf(devices, n * 2);
              counters = Arrays.copyOf(counters, n * 8);
            }
            devices[n] = major << 32 | (minor & 0xffffffffL);
            Arrays.fill(counters, n * 4, n * 4 + 4, Sample.ABSENT);
            int pos = space < 0 ? end : space + 1;
            while (pos < end) {
              int tokenEnd = tokenEnd(buf, pos, end);
              int eq = indexOf(buf, pos, tokenEnd, (byte) '=');
              if (eq > pos) {
                // dbytes, dios, iocost's cost.vrate=100.00, ...: not read, so not judged
                int slot = ioSlot(buf, pos, eq);
                long v = slot < 0 ? 0 : number(buf, eq + 1, tokenEnd);
                if (v == BAD) {
                  bad++;
                } else if (slot >= 0) {
                  counters[n * 4 + slot] = v;
                }
              } else if (tokenEnd > pos) {
                bad++; // a token that is not key=value
              }
              pos = tokenEnd + 1;
            }
            n++;
          }
        }
        line = end + 1;
      }
      into.io(new IoStats(n, devices, counters));
      return bad;
    };
  }

  private static final byte[] SOME = ascii("some ");
  private static final byte[] FULL = ascii("full ");
  private static final byte[] TOTAL = ascii("total=");
  private static final byte[][] IO_KEYS = {ascii("rbytes"), ascii("wbytes"), ascii("rios"),
      ascii("wios")};

  private static int ioSlot(byte[] buf, int from, int to) {
    for (int k = 0; k < IO_KEYS.length; k++) {
      if (Arrays.equals(buf, from, to, IO_KEYS[k], 0, IO_KEYS[k].length)) {
        return k;
      }
    }
    return -1;
  }

  private static long sumKeys(byte[] buf, int length, byte[][] wanted) {
    long sum = -1;
    int line = 0;
    while (line < length) {
      int end = lineEnd(buf, line, length);
      int space = indexOf(buf, line, end, (byte) ' ');
      if (space > line) {
        for (byte[] key : wanted) {
          if (Arrays.equals(buf, line, space, key, 0, key.length)) {
            long v = number(buf, space + 1, end);
            if (v != BAD) {
              sum = Math.max(sum, 0) + v;
            }
          }
        }
      }
      line = end + 1;
    }
    return sum;
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static int lineEnd(byte[] buf, int from, int length) {
    int i = from;
    while (i < length && buf[i] != '\n') {
      i++;
    }
    return i;
  }

  private static int tokenEnd(byte[] buf, int from, int end) {
    int i = from;
    while (i < end && buf[i] != ' ' && buf[i] != '\t') {
      i++;
    }
    return i;
  }

  private static int trimEnd(byte[] buf, int length) {
    int end = length;
    while (end > 0 && (buf[end - 1] == '\n' || buf[end - 1] == ' ')) {
      end--;
    }
    return end;
  }

  private static int indexOf(byte[] buf, int from, int to, byte b) {
    for (int i = from; i < to; i++) {
      if (buf[i] == b) {
        return i;
      }
    }
    return -1;
  }

  private static int indexOf(byte[] buf, int from, int to, byte[] needle) {
    outer:
    for (int i = from; i <= to - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (buf[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static boolean startsWith(byte[] buf, int from, int to, byte[] prefix) {
    return to - from >= prefix.length
        && Arrays.equals(buf, from, from + prefix.length, prefix, 0, prefix.length);
  }

  /** An unsigned decimal in {@code [from, to)}, or {@link #BAD} (empty, not digits, overflow). */
  static long number(byte[] buf, int from, int to) {
    if (from >= to) {
      return BAD;
    }
    long value = 0;
    for (int i = from; i < to; i++) {
      int digit = buf[i] - '0';
      // value * 10 + digit <= Long.MAX_VALUE, without a division per digit (C1 makes each a
      // call into the VM)
      if (digit < 0 || digit > 9
          || value >= MAX_TENTH && (value > MAX_TENTH || digit > MAX_LAST_DIGIT)) {
        return BAD;
      }
      value = value * 10 + digit;
    }
    return value;
  }

  private static final long MAX_TENTH = Long.MAX_VALUE / 10;
  private static final int MAX_LAST_DIGIT = (int) (Long.MAX_VALUE % 10);
}

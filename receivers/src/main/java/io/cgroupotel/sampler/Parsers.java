package io.cgroupotel.sampler;

import io.cgroupotel.metrics.Field;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The parsers of the cgroup files, byte-level and allocation-free (but for {@code io.stat}).
 * Each returns the number of lines or values it could not read; a bad line costs its own value
 * only.
 *
 * <p>Kernel values are u64 ({@code %llu}): a value is kept as its 64 bits, so one above {@link
 * Long#MAX_VALUE} is a negative {@code long} that {@link Sample#toDouble} turns back into its
 * value. The one u64 that is not a value is {@code 18446744073709551615} (U64_MAX, how a limit
 * of "none" is written by the kernel's page counters and by tools), which reads as absent, as
 * {@code max} does, and is not an error: it has the bits of {@link Sample#ABSENT}.
 */
public final class Parsers {
  private Parsers() {}

  /**
   * What {@link #number} answers for text that is not a u64, and for U64_MAX (no value: see the
   * class comment); {@link #bad} tells the two apart.
   */
  static final long NONE = Sample.ABSENT;

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
            if (value == NONE) {
              if (bad(buf, space + 1, end)) {
                bad++;
              }
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
   * One unsigned integer ({@code memory.current}, {@code pids.current}); {@code max} and U64_MAX
   * read as absent (no limit).
   */
  public static FileParser single(Field field) {
    return (buf, length, into) -> {
      int end = trimEnd(buf, length);
      if (end == 3 && buf[0] == 'm' && buf[1] == 'a' && buf[2] == 'x') {
        return 0;
      }
      long value = number(buf, 0, end);
      if (value == NONE) {
        return bad(buf, 0, end) ? 1 : 0;
      }
      into.set(field, value);
      return 0;
    };
  }

  /**
   * A byte limit ({@code memory.max}): {@code max}, U64_MAX and anything from {@link
   * V1Files#UNLIMITED} (2^62) up read as absent (no limit), as {@code memory.limit_in_bytes} on
   * v1 (the kernel prints {@code max} for PAGE_COUNTER_MAX on v2, tools and copied fixtures its
   * v1 byte value 9223372036854771712).
   */
  public static FileParser limit(Field field) {
    return (buf, length, into) -> {
      int end = trimEnd(buf, length);
      if (end == 3 && buf[0] == 'm' && buf[1] == 'a' && buf[2] == 'x') {
        return 0;
      }
      long value = number(buf, 0, end);
      if (value == NONE) {
        return bad(buf, 0, end) ? 1 : 0;
      }
      if (Long.compareUnsigned(value, V1Files.UNLIMITED) < 0) {
        into.set(field, value);
      }
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
          int from = total + TOTAL.length;
          int to = total < 0 ? from : tokenEnd(buf, from, end);
          long value = total < 0 ? NONE : number(buf, from, to);
          if (target == null || value == NONE && (total < 0 || bad(buf, from, to))) {
            bad++;
          } else if (value != NONE) {
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
      if (period == NONE || period == 0) {
        return 1;
      }
      if (space == 3 && buf[0] == 'm' && buf[1] == 'a' && buf[2] == 'x') {
        return 0; // no limit
      }
      long quota = number(buf, 0, space);
      if (quota == NONE) {
        return bad(buf, 0, space) ? 1 : 0; // U64_MAX: no limit either
      }
      into.set(field, millicores(quota, period));
      return 0;
    };
  }

  /**
   * {@code quota * 1000 / period} for u64 quota and period, exact while the product fits in a
   * long, then by doubles (far beyond any CPU count), capped below {@link Sample#ABSENT}'s bits.
   */
  static long millicores(long quota, long period) {
    if (quota >= 0 && quota <= Long.MAX_VALUE / 1000 && period > 0) {
      return quota * 1000 / period;
    }
    double m = Sample.toDouble(quota) * 1000 / Sample.toDouble(period);
    return m >= 0x1p63 ? Long.MAX_VALUE : (long) m;
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
        if (lo == NONE || hi == NONE || lo < 0 || hi < lo) {
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
        if (sum != NONE) {
          into.set(Field.MEMORY_KERNEL, sum);
        }
      }
      return bad;
    };
  }

  /**
   * {@code io.stat}: one line per device, {@code MAJ:MIN rbytes=.. wbytes=.. rios=.. wios=..
   * dbytes=.. dios=..}; keys may be missing (a device line with only some of them).
   *
   * <p>Several device numbers on one line ({@code 7:7 7:6 7:5 7:4 rbytes=556032 ...}, or {@code
   * 7:3 7:2 7:1 7:0} alone) are what Linux 5.15 to 5.18 print, and the counters belong to the
   * last number before them. In block/blk-cgroup.c, {@code blkcg_print_one_stat} writes {@code
   * "%s "} with the device name first, then {@code rbytes=.. wbytes=.. rios=.. wios=.. dbytes=..
   * dios=..} only {@code if (rbytes || wbytes || rios || wios)}, and from commit 252c651a4c85
   * ("blk-cgroup: stop using seq_get_buf", 5.15) ended the line only when it had printed stats:
   * each device with nothing to show left its name and a space, and the next device's name and
   * counters followed on the same line. Commit 3607849df478 ("blk-cgroup: always terminate
   * io.stat lines", 5.19, backported to stable) prints the newline always, so today such a device
   * is a line {@code "7:3 "} of its own; before 5.15 it was not printed at all (the line was
   * built in a buffer and committed only with stats). So each {@code MAJ:MIN} token starts a
   * device, the {@code key=value} tokens after it are that device's, and a device with none of
   * the four counters did no I/O (the kernel omits them only when all four are 0): it is not
   * kept, as on kernels before 5.15, and is no error. (Copying a line's counters to every device
   * on it, as one cgroup library does, would count the same bytes up to four times.)
   */
  public static FileParser ioStat() {
    return (buf, length, into) -> {
      int bad = 0;
      int n = 0; // devices kept
      long[] devices = new long[4];
      long[] counters = new long[16];
      int line = 0;
      while (line < length) {
        int end = lineEnd(buf, line, length);
        boolean open = false; // whether devices[n] is a device being read (not yet kept)
        boolean any = false; // whether it has a counter
        boolean lost = false; // whether this line's unreadable part is counted already
        int pos = line;
        while (pos < end) {
          int tokenEnd = tokenEnd(buf, pos, end);
          if (tokenEnd == pos) {
            pos++;
            continue;
          }
          int eq = indexOf(buf, pos, tokenEnd, (byte) '=');
          if (eq < 0) {
            // a device number (the one before it, if any, had no counters: see above)
            if (open && any) {
              n++;
            }
            open = false;
            long device = device(buf, pos, tokenEnd);
            if (device < 0) {
              bad++; // not MAJ:MIN: the counters after it, up to the next device, are lost
              lost = true;
            } else {
              if (n == devices.length) {
                devices = Arrays.copyOf(devices, n * 2);
                counters = Arrays.copyOf(counters, n * 8);
              }
              devices[n] = device;
              Arrays.fill(counters, n * 4, n * 4 + 4, Sample.ABSENT);
              open = true;
              any = false;
            }
          } else if (!open || eq == pos) {
            if (!lost) {
              bad++; // counters with no device before them, or a value without a key
              lost = !open;
            }
          } else {
            // dbytes, dios, iocost's cost.vrate=100.00, ...: not read, so not judged
            int slot = ioSlot(buf, pos, eq);
            if (slot >= 0) {
              long v = number(buf, eq + 1, tokenEnd);
              if (v != NONE) {
                counters[n * 4 + slot] = v;
                any = true;
              } else if (bad(buf, eq + 1, tokenEnd)) {
                bad++;
              }
            }
          }
          pos = tokenEnd + 1;
        }
        if (open && any) {
          n++;
        }
        line = end + 1;
      }
      into.io(new IoStats(n, devices, counters));
      return bad;
    };
  }

  /** {@code MAJ:MIN} in {@code [from, to)} as {@code major << 32 | minor}, or -1. */
  private static long device(byte[] buf, int from, int to) {
    int colon = indexOf(buf, from, to, (byte) ':');
    if (colon < 0) {
      return -1;
    }
    long major = number(buf, from, colon);
    long minor = number(buf, colon + 1, to);
    if (major < 0 || minor < 0 || major > 0xffffffffL || minor > 0xffffffffL) {
      return -1;
    }
    return major << 32 | minor;
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

  /** The u64 sum of the keys' values (modulo 2^64, as the kernel's own sum), NONE if none. */
  private static long sumKeys(byte[] buf, int length, byte[][] wanted) {
    long sum = 0;
    boolean found = false;
    int line = 0;
    while (line < length) {
      int end = lineEnd(buf, line, length);
      int space = indexOf(buf, line, end, (byte) ' ');
      if (space > line) {
        for (byte[] key : wanted) {
          if (Arrays.equals(buf, line, space, key, 0, key.length)) {
            long v = number(buf, space + 1, end);
            if (v != NONE) {
              sum += v;
              found = true;
            }
          }
        }
      }
      line = end + 1;
    }
    return found && sum != NONE ? sum : NONE;
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

  /**
   * A u64 decimal in {@code [from, to)} as its 64 bits ({@code Long.parseUnsignedLong}'s value),
   * or {@link #NONE}: empty, not digits, above U64_MAX, or U64_MAX itself.
   */
  static long number(byte[] buf, int from, int to) {
    if (from >= to) {
      return NONE;
    }
    if (to - from > MAX_SAFE_DIGITS) {
      return longNumber(buf, from, to);
    }
    // up to 19 digits: below U64_MAX, no overflow to check (the kernel's values, but for
    // counters near the top of the range)
    long value = 0;
    for (int i = from; i < to; i++) {
      int digit = buf[i] - '0';
      if (digit < 0 || digit > 9) {
        return NONE;
      }
      value = value * 10 + digit;
    }
    return value;
  }

  /** 9,999,999,999,999,999,999 < U64_MAX: a number of this many digits cannot overflow. */
  private static final int MAX_SAFE_DIGITS = 19;

  /** {@link #number} for 20 digits or more (leading zeros, values near U64_MAX, overflow). */
  private static long longNumber(byte[] buf, int from, int to) {
    long value = 0;
    for (int i = from; i < to; i++) {
      int digit = buf[i] - '0';
      // value * 10 + digit <= U64_MAX, without a division per digit: value stays below
      // U64_MAX / 10 < Long.MAX_VALUE until the last digit, so a negative value (above
      // Long.MAX_VALUE) is one digit too many
      if (digit < 0 || digit > 9
          || (value >= MAX_TENTH || value < 0) && (value != MAX_TENTH || digit > MAX_LAST_DIGIT)) {
        return NONE;
      }
      value = value * 10 + digit;
    }
    return value;
  }

  /**
   * Whether a {@link #NONE} from {@link #number} over {@code [from, to)} was an unreadable value
   * (true) or U64_MAX, the kernel's "no limit" (false).
   */
  static boolean bad(byte[] buf, int from, int to) {
    return !Arrays.equals(buf, from, to, U64_MAX, 0, U64_MAX.length);
  }

  private static final byte[] U64_MAX = ascii(Long.toUnsignedString(-1L));
  private static final long MAX_TENTH = Long.divideUnsigned(-1L, 10);
  private static final int MAX_LAST_DIGIT = (int) Long.remainderUnsigned(-1L, 10);
}

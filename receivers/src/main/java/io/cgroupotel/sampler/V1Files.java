package io.cgroupotel.sampler;

import io.cgroupotel.metrics.Field;
import io.cgroupotel.metrics.MetricGroup;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The files of cgroup v1 and their parsers: each controller's files, read from its own hierarchy
 * at the cgroup's relative path, into the same {@link Field}s as v2 (so the same metrics, names
 * and units). Kernel units are converted here: nanoseconds and USER_HZ ticks to microseconds.
 * Kept apart from {@link Parsers} (the v2 parsers); pure functions, thread-safe.
 *
 * <p>v1 has no pressure (PSI) files: the PRESSURE group reads nothing on v1.
 */
public final class V1Files {
  private V1Files() {}

  /**
   * Clock ticks per second of {@code cpuacct.stat} (USER_HZ): 100 on every Linux ABI the agent
   * runs on (x86, arm64, ppc64, s390x, riscv); the kernel converts to it before printing.
   */
  static final long USER_HZ = 100;
  /**
   * Values at or above this (unsigned) in {@code memory.limit_in_bytes} mean "no limit": the
   * kernel prints PAGE_COUNTER_MAX pages (LONG_MAX / PAGE_SIZE pages: 9223372036854771712 with
   * 4 KiB pages, 9223372036854710272 with 64 KiB), and tools write U64_MAX.
   */
  static final long UNLIMITED = 1L << 62;

  /** {@code cpuacct.usage}: total CPU time in ns, recursive. The required file on v1. */
  static final SourceFile CPUACCT_USAGE = new SourceFile("cpuacct.usage", "cpuacct",
      MetricGroup.CPU, nanosToMicros(Parsers.single(Field.CPU_USAGE_USEC),
          Field.CPU_USAGE_USEC));
  /**
   * {@code cpuacct.stat}: {@code user} and {@code system} in USER_HZ ticks (10 ms), each rounded
   * down: their sum falls short of {@code cpuacct.usage} by up to 20 ms. Only their ratio is
   * used: {@link #splitUsage} splits the exact total by it.
   */
  static final SourceFile CPUACCT_STAT = new SourceFile("cpuacct.stat", "cpuacct",
      MetricGroup.CPU, cpuacctStat());
  /** {@code cpu.stat} of the cpu controller: CFS throttling, {@code throttled_time} in ns. */
  static final SourceFile CPU_STAT = new SourceFile("cpu.stat", "cpu", MetricGroup.CPU,
      nanosToMicros(Parsers.keyed(Parsers.keys(
          "nr_periods", Field.CPU_NR_PERIODS,
          "nr_throttled", Field.CPU_NR_THROTTLED,
          "throttled_time", Field.CPU_THROTTLED_USEC)), Field.CPU_THROTTLED_USEC));
  /** {@code cpu.cfs_quota_us}: read before the period, {@code -1} is no limit. */
  static final SourceFile CFS_QUOTA = new SourceFile("cpu.cfs_quota_us", "cpu", MetricGroup.CPU,
      cfsQuota(Field.CPU_LIMIT_MILLICORES));
  /** {@code cpu.cfs_period_us}: turns the quota read just before into millicores. */
  static final SourceFile CFS_PERIOD = new SourceFile("cpu.cfs_period_us", "cpu",
      MetricGroup.CPU, cfsPeriod(Field.CPU_LIMIT_MILLICORES));
  static final SourceFile CPUSET_CPUS = new SourceFile("cpuset.effective_cpus", "cpuset",
      MetricGroup.CPU, Parsers.cpuList(Field.CPUSET_CPUS));
  static final SourceFile MEMORY_USAGE = new SourceFile("memory.usage_in_bytes", "memory",
      MetricGroup.MEMORY, Parsers.single(Field.MEMORY_CURRENT));
  /** {@code memory.stat}: the {@code total_*} keys, which include the descendants (as v2). */
  static final SourceFile MEMORY_STAT = new SourceFile("memory.stat", "memory",
      MetricGroup.MEMORY, Parsers.keyed(Parsers.keys(
          "total_rss", Field.MEMORY_ANON,
          "total_cache", Field.MEMORY_FILE,
          "total_inactive_file", Field.MEMORY_INACTIVE_FILE,
          "total_pgfault", Field.MEMORY_PGFAULT,
          "total_pgmajfault", Field.MEMORY_PGMAJFAULT,
          "total_swap", Field.MEMORY_SWAP_CURRENT)));
  static final SourceFile MEMORY_KMEM = new SourceFile("memory.kmem.usage_in_bytes", "memory",
      MetricGroup.MEMORY, Parsers.single(Field.MEMORY_KERNEL));
  static final SourceFile MEMORY_LIMIT = new SourceFile("memory.limit_in_bytes", "memory",
      MetricGroup.MEMORY, memoryLimit(Field.MEMORY_LIMIT));
  static final SourceFile MEMORY_PEAK = new SourceFile("memory.max_usage_in_bytes", "memory",
      MetricGroup.MEMORY, Parsers.single(Field.MEMORY_PEAK));
  static final SourceFile MEMORY_OOM = new SourceFile("memory.oom_control", "memory",
      MetricGroup.MEMORY, Parsers.keyed(Parsers.keys("oom_kill", Field.MEMORY_OOM_KILL)));
  static final SourceFile PIDS_CURRENT = new SourceFile("pids.current", "pids", MetricGroup.PIDS,
      Parsers.single(Field.PIDS_CURRENT));

  /** The blkio files: the {@code _recursive} ones (kernel 4.x and later) count descendants too. */
  static SourceFile blkioBytes(boolean recursive) {
    return new SourceFile("blkio.throttle.io_service_bytes" + (recursive ? "_recursive" : ""),
        "blkio", MetricGroup.IO, blkio(false));
  }

  static SourceFile blkioOperations(boolean recursive) {
    return new SourceFile("blkio.throttle.io_serviced" + (recursive ? "_recursive" : ""),
        "blkio", MetricGroup.IO, blkio(true));
  }

  /**
   * Every v1 file, in reading order ({@code cpuacct.usage} first; the CFS quota before its
   * period).
   *
   * @param recursiveBlkio whether the kernel has {@code blkio.throttle.*_recursive}
   */
  static List<SourceFile> all(boolean recursiveBlkio) {
    List<SourceFile> files = new ArrayList<>(List.of(CPUACCT_USAGE, CPUACCT_STAT, CPU_STAT,
        CFS_QUOTA, CFS_PERIOD, CPUSET_CPUS, MEMORY_USAGE, MEMORY_STAT, MEMORY_KMEM, MEMORY_LIMIT,
        MEMORY_PEAK, MEMORY_OOM));
    files.add(blkioBytes(recursiveBlkio));
    files.add(blkioOperations(recursiveBlkio));
    files.add(PIDS_CURRENT);
    return List.copyOf(files);
  }

  // --- parsers ---

  /**
   * Runs {@code parser}, then turns {@code field} from nanoseconds into microseconds (u64: a
   * {@code throttled_time} above Long.MAX_VALUE ns fits a long once in microseconds).
   */
  static FileParser nanosToMicros(FileParser parser, Field field) {
    return (buf, length, into) -> {
      int bad = parser.parse(buf, length, into);
      long ns = into.get(field);
      if (ns != Sample.ABSENT) {
        into.set(field, Long.divideUnsigned(ns, 1000));
      }
      return bad;
    };
  }

  /** {@code cpuacct.stat}: {@code user <ticks>}, {@code system <ticks>}, to microseconds. */
  static FileParser cpuacctStat() {
    FileParser keyed = Parsers.keyed(Parsers.keys(
        "user", Field.CPU_USER_USEC, "system", Field.CPU_SYSTEM_USEC));
    long usecPerTick = 1_000_000 / USER_HZ;
    long maxTicks = Long.divideUnsigned(-2L, usecPerTick); // so that the product stays a u64
    return (buf, length, into) -> {
      int bad = keyed.parse(buf, length, into);
      for (Field f : CPUACCT_FIELDS) {
        long ticks = into.get(f);
        if (ticks == Sample.ABSENT) {
          continue;
        }
        if (Long.compareUnsigned(ticks, maxTicks) <= 0) {
          into.set(f, ticks * usecPerTick);
        } else {
          into.set(f, Sample.ABSENT); // beyond a u64 of microseconds: not a reading
          bad++;
        }
      }
      return bad;
    };
  }

  private static final Field[] CPUACCT_FIELDS = {Field.CPU_USER_USEC, Field.CPU_SYSTEM_USEC};

  /**
   * Once every file of a v1 cgroup is read: user and system become the kernel's exact total,
   * {@code cpuacct.usage}, split by the ratio of {@code cpuacct.stat}'s ticks, so that user +
   * system = {@code cpuacct.usage} on v1 as on v2 (where {@code cpu.stat} adds up). Neither part
   * goes back against {@code previous} (counters are monotonic; the ratio of two tick counts
   * can shift while the total barely grows): each keeps at least its previous value, and the
   * increase is shared out within that bound. Before the first tick (both 0) the total counts
   * as user time. Without {@code cpuacct.usage} the ticks stay as they are.
   *
   * @param previous the cgroup's last sample, or null
   */
  static void splitUsage(SampleBuffer buffer, Sample previous) {
    long total = buffer.get(Field.CPU_USAGE_USEC);
    long userTicks = buffer.get(Field.CPU_USER_USEC);
    long systemTicks = buffer.get(Field.CPU_SYSTEM_USEC);
    if (total < 0 || userTicks < 0 || systemTicks < 0) {
      return;
    }
    long ticks = userTicks + systemTicks;
    long user = ticks == 0 ? total : Math.round(total * ((double) userTicks / ticks));
    if (previous != null) {
      long prevUser = previous.get(Field.CPU_USER_USEC);
      long prevSystem = previous.get(Field.CPU_SYSTEM_USEC);
      long prevTotal = previous.get(Field.CPU_USAGE_USEC);
      // a total that went back is another cgroup of the same name: nothing to keep
      if (prevUser >= 0 && prevSystem >= 0 && prevTotal >= 0 && prevTotal <= total
          && prevUser + prevSystem <= total) {
        user = Math.min(Math.max(user, prevUser), total - prevSystem);
      }
    }
    user = Math.max(0, Math.min(user, total));
    buffer.set(Field.CPU_USER_USEC, user);
    buffer.set(Field.CPU_SYSTEM_USEC, total - user);
  }

  /**
   * {@code cpu.cfs_quota_us}: {@code -1} (no limit) leaves the field absent; a quota is kept as
   * {@code -2 - quota}, a pending value that reads as absent unless {@link #cfsPeriod} (the next
   * file) turns it into millicores.
   */
  static FileParser cfsQuota(Field field) {
    return (buf, length, into) -> {
      int end = trim(buf, length);
      if (end == 2 && buf[0] == '-' && buf[1] == '1') {
        return 0;
      }
      long quota = Parsers.number(buf, 0, end);
      if (quota == Parsers.NONE) {
        return Parsers.bad(buf, 0, end) ? 1 : 0; // U64_MAX: no limit
      }
      if (quota < 0) {
        // a u64 above Long.MAX_VALUE us (the kernel's own ceiling is far below): no limit
        return 0;
      }
      into.set(field, -2 - quota);
      return 0;
    };
  }

  /** {@code cpu.cfs_period_us}: finishes the limit {@link #cfsQuota} left pending. */
  static FileParser cfsPeriod(Field field) {
    return (buf, length, into) -> {
      long period = Parsers.number(buf, 0, trim(buf, length));
      if (period == Parsers.NONE || period == 0) {
        into.set(field, Sample.ABSENT);
        return 1;
      }
      long pending = into.get(field);
      if (pending <= -2) {
        into.set(field, Parsers.millicores(-2 - pending, period));
      }
      return 0;
    };
  }

  /**
   * {@code memory.limit_in_bytes}: the kernel's huge "unlimited" value (and U64_MAX, or anything
   * from {@link #UNLIMITED} up) reads as absent: {@link Parsers#limit}.
   */
  static FileParser memoryLimit(Field field) {
    return Parsers.limit(field);
  }

  /**
   * {@code blkio.throttle.io_service_bytes} ({@code operations} false) or {@code io_serviced}
   * (true): {@code MAJ:MIN Read|Write|Sync|Async|Discard|Total N} lines and a last {@code Total
   * N}. Read and Write go into the sample's {@link IoStats}, merged with what the other file of
   * the pair put there.
   */
  static FileParser blkio(boolean operations) {
    int slot = operations ? 2 : 0; // IoStats: rbytes, wbytes, rios, wios
    return (buf, length, into) -> {
      IoStats before = into.io();
      int n = before == null ? 0 : before.size();
      long[] devices = new long[Math.max(4, n + 4)];
      long[] counters = new long[devices.length * 4];
      Arrays.fill(counters, Sample.ABSENT);
      for (int i = 0; i < n; i++) {
        devices[i] = (long) before.major(i) << 32 | (before.minor(i) & 0xffffffffL);
        counters[i * 4] = before.readBytes(i);
        counters[i * 4 + 1] = before.writtenBytes(i);
        counters[i * 4 + 2] = before.readOperations(i);
        counters[i * 4 + 3] = before.writeOperations(i);
      }
      int bad = 0;
      int line = 0;
      while (line < length) {
        int end = line;
        while (end < length && buf[end] != '\n') {
          end++;
        }
        int s1 = indexOf(buf, line, end, (byte) ' ');
        int colon = s1 < 0 ? -1 : indexOf(buf, line, s1, (byte) ':');
        if (colon > line) { // "Total N" and empty lines have no device
          int s2 = indexOf(buf, s1 + 1, end, (byte) ' ');
          long major = Parsers.number(buf, line, colon);
          long minor = Parsers.number(buf, colon + 1, s1);
          int valueEnd = s2 < 0 ? end : trimLine(buf, s2 + 1, end);
          long value = s2 < 0 ? Parsers.NONE : Parsers.number(buf, s2 + 1, valueEnd);
          if (major < 0 || minor < 0 || major > 0xffffffffL || minor > 0xffffffffL) {
            bad++;
          } else if (value == Parsers.NONE) {
            if (s2 < 0 || Parsers.bad(buf, s2 + 1, valueEnd)) {
              bad++;
            }
          } else {
            int op = op(buf, s1 + 1, s2);
            if (op >= 0) {
              long device = major << 32 | (minor & 0xffffffffL);
              int i = 0;
              while (i < n && devices[i] != device) {
                i++;
              }
              if (i == n) {
                if (n == devices.length) {
                  devices = Arrays.copyOf(devices, n * 2);
                  counters = Arrays.copyOf(counters, n * 8);
                  Arrays.fill(counters, n * 4, n * 8, Sample.ABSENT);
                }
                devices[n++] = device;
              }
              counters[i * 4 + slot + op] = value;
            }
          }
        }
        line = end + 1;
      }
      into.io(new IoStats(n, devices, counters));
      return bad;
    };
  }

  private static final byte[] READ = Parsers.ascii("Read");
  private static final byte[] WRITE = Parsers.ascii("Write");

  /** 0 for Read, 1 for Write, -1 for the other operations (Sync, Async, Discard, Total). */
  private static int op(byte[] buf, int from, int to) {
    if (Arrays.equals(buf, from, to, READ, 0, READ.length)) {
      return 0;
    }
    if (Arrays.equals(buf, from, to, WRITE, 0, WRITE.length)) {
      return 1;
    }
    return -1;
  }

  private static int indexOf(byte[] buf, int from, int to, byte b) {
    for (int i = from; i < to; i++) {
      if (buf[i] == b) {
        return i;
      }
    }
    return -1;
  }

  private static int trim(byte[] buf, int length) {
    return trimLine(buf, 0, length);
  }

  private static int trimLine(byte[] buf, int from, int end) {
    while (end > from && (buf[end - 1] == '\n' || buf[end - 1] == ' ')) {
      end--;
    }
    return end;
  }
}

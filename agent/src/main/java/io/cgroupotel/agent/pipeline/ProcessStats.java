package io.cgroupotel.agent.pipeline;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The agent's own process, as the Collector reports its own: CPU time by mode from
 * {@code /proc/self/stat} (USER_HZ ticks), resident and virtual memory from
 * {@code /proc/self/status}, open descriptors from the JVM. Read once per export; a few
 * microseconds.
 *
 * @param userSeconds CPU time in user mode
 * @param systemSeconds CPU time in kernel mode
 * @param residentBytes VmRSS
 * @param virtualBytes VmSize
 * @param openFileDescriptors open descriptors, or -1 where the JVM cannot say
 */
record ProcessStats(double userSeconds, double systemSeconds, long residentBytes,
    long virtualBytes, long openFileDescriptors) {
  /** {@code cpuacct.stat} and {@code /proc/PID/stat} count in USER_HZ, 100 on Linux. */
  private static final double TICKS_PER_SECOND = 100;

  /** This process now, or null where there is no /proc (not Linux). */
  static ProcessStats self() {
    return read(Path.of("/proc/self"));
  }

  static ProcessStats read(Path proc) {
    try {
      String stat = Files.readString(proc.resolve("stat"));
      // fields after "(comm)": state is field 3; utime and stime are fields 14 and 15
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      double user = Long.parseLong(f[11]) / TICKS_PER_SECOND;
      double system = Long.parseLong(f[12]) / TICKS_PER_SECOND;
      long rss = -1;
      long vm = -1;
      for (String line : Files.readAllLines(proc.resolve("status"))) {
        if (line.startsWith("VmRSS:")) {
          rss = kibibytes(line) * 1024;
        } else if (line.startsWith("VmSize:")) {
          vm = kibibytes(line) * 1024;
        }
      }
      return new ProcessStats(user, system, rss, vm, countOpenDescriptors());
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static long kibibytes(String line) {
    return Long.parseLong(line.replaceAll("[^0-9]", ""));
  }

  private static long countOpenDescriptors() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
      return unix.getOpenFileDescriptorCount();
    }
    return -1;
  }
}

package io.cgroupotel.sampler;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file descriptors the samplers may keep open, process-wide: the open-file limit less a
 * reserve for everything else (sockets of exporters and the API client, jars, inotify). Past
 * it, files are opened and closed at each read and the end watch pins nothing more, instead of
 * the process running out of descriptors for its exporters or for those very reads.
 */
final class Descriptors {
  private static final Logger log = LoggerFactory.getLogger(Descriptors.class);
  /** Left for the rest of the agent. */
  static final int RESERVE = 512;
  /**
   * "Max open files" of {@code /proc/self/limits}, read once: the JVM sets it at start (HotSpot's
   * MaxFDLimit raises the soft limit to the hard one) and nothing changes it later; null when the
   * file cannot be read (not Linux, no /proc).
   */
  static final OpenFileLimit LIMIT = OpenFileLimit.read(Path.of("/proc/self/limits"));
  private static final int CAP = Math.max(64, softLimit() - RESERVE);
  private static final AtomicInteger held = new AtomicInteger();
  private static final AtomicBoolean warned = new AtomicBoolean();

  private Descriptors() {}

  /** Takes one; false (logged once) when the budget is spent. */
  static boolean tryAcquire() {
    while (true) {
      int n = held.get();
      if (n >= CAP) {
        if (warned.compareAndSet(false, true)) {
          log.warn("{} files kept open, the open-file limit less {} for the rest of the agent: "
              + "files of further cgroups are opened, read and closed at each poll (more CPU) and "
              + "their end is not watched; raise the limit (LimitNOFILE= in the systemd unit, "
              + "ulimit -n) to keep them all open", n, RESERVE);
        }
        return false;
      }
      if (held.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  /**
   * Takes one for an end-watch pin: pins may use half the budget only, so that the files read
   * at every poll keep the rest.
   */
  static boolean tryAcquirePin() {
    return held.get() < CAP / 2 && tryAcquire();
  }

  static void release() {
    held.decrementAndGet();
  }

  /** Descriptors held now (tests). */
  static int held() {
    return held.get();
  }

  static int cap() {
    return CAP;
  }

  /** The soft limit of open files, as the JVM raised it at start; a guess if unreadable. */
  static int softLimit() {
    if (LIMIT != null) {
      try {
        return LIMIT.soft().equals("unlimited") ? Integer.MAX_VALUE
            : Integer.parseInt(LIMIT.soft());
      } catch (NumberFormatException e) {
        // an odd kernel: the common default below
      }
    }
    return 4096;
  }

  /** The soft and hard open-file limits as the kernel writes them: a number or "unlimited". */
  record OpenFileLimit(String soft, String hard) {
    static OpenFileLimit read(Path limits) {
      try {
        for (String line : Files.readAllLines(limits)) {
          if (line.startsWith("Max open files")) {
            String[] f = line.substring("Max open files".length()).trim().split("\\s+");
            return f.length >= 2 ? new OpenFileLimit(f[0], f[1]) : null;
          }
        }
      } catch (IOException | RuntimeException e) {
        log.debug("cannot read {}: {}", limits, e.toString());
      }
      return null;
    }
  }
}

package io.cgroupotel.agent.energy;

import io.cgroupotel.cgroupfs.KeptOpenFile;
import io.opentelemetry.sdk.common.Clock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * RAPL through the powercap sysfs: every zone and sub-zone ({@code intel-rapl:0}, {@code
 * intel-rapl:0:1}, {@code amd-rapl...}: any directory with an {@code energy_uj}), named by its
 * {@code name} file. Zones of the same name (the {@code core} of two packages) make one domain.
 *
 * <p>Each zone's {@code energy_uj} is kept open and re-read with one positional read, as the
 * sampler reads cgroup files. A decrease is a wraparound at {@code max_energy_range_uj} when the
 * wrapped increase is under half the range; otherwise the counter went backwards (a reset): that
 * interval is not counted, the new value is the new base, and it is reported once.
 *
 * <p>Impossible readings count nothing either, reported once per zone and kind: a value above
 * {@code max_energy_range_uj}, one that is not a number or does not fit in 19 digits (no longer
 * the base: counting starts again from the next good value), and an increase that no zone can
 * draw: more than {@link #MAX_ZONE_WATTS} over the time since the previous read plus one second
 * (the counter is refreshed about every millisecond, and a slow read must not make a plausible
 * second look impossible), or more than half the range (which a wraparound check could not tell
 * from a reset). Such an increase is taken as a reset: the new value is the new base. A zone that
 * cannot be read (often {@code energy_uj} is root-only) is reported once with what to do and
 * skipped; zones that appear later are found by a rescan every {@link #RESCAN}.
 *
 * <p>Not thread-safe: one reader.
 */
public final class PowercapMeter implements AutoCloseable {
  public static final Duration RESCAN = Duration.ofSeconds(30);
  /**
   * The most power one zone is believed to draw, in watts: the sanity bound of an increase. The
   * largest RAPL domains (psys of a two-socket server, a 400 W package) stay well under 5 kW; a
   * counter that claims more is broken, not busy.
   */
  public static final double MAX_ZONE_WATTS = 5_000;
  static final String UNREADABLE_HINT = "energy_uj is readable by root only on most kernels "
      + "since 2020 (CVE-2020-8694): run the agent as root, or give it read access (e.g. a udev "
      + "rule or a systemd ExecStartPre= that runs chmod o+r on /sys/class/powercap/*/energy_uj)";

  private final Path root;
  private final Clock clock;
  private final Consumer<String> report;
  private final Map<String, Zone> zones = new TreeMap<>(); // by directory name
  private final Map<String, Boolean> reported = new LinkedHashMap<>();
  private final List<String> domainNames = new ArrayList<>();
  private long lastScan;
  private boolean scanned;
  private final ByteBuffer buffer = ByteBuffer.allocateDirect(64);

  /**
   * @param report receives each problem once (logged by the caller)
   */
  public PowercapMeter(Path root, Clock clock, Consumer<String> report) {
    this.root = root;
    this.clock = clock;
    this.report = report;
  }

  /** One zone: a directory with {@code energy_uj}. */
  static final class Zone {
    final String id;
    final Path energy;
    final String name;
    final long maxRange;
    final KeptOpenFile file;
    boolean readable;
    boolean based; // a first value was read
    long lastRaw;
    long lastNanos; // when lastRaw was read
    long cumulativeUj;

    Zone(String id, Path energy, String name, long maxRange) {
      this.id = id;
      this.energy = energy;
      this.name = name;
      this.maxRange = maxRange;
      this.file = new KeptOpenFile(energy);
    }

    /** Opens energy_uj unless open, if it is a regular file (see {@link #openRegular}). */
    void open() throws IOException {
      if (!file.isOpen()) {
        BoundedReads.requireRegularFile(energy);
        file.open();
      }
    }
  }

  /** Whether at least one zone of {@code root} can be read now (for {@code source = auto}). */
  public static boolean anyReadable(Path root) {
    for (Path dir : zoneDirectories(root)) {
      try (FileChannel ch = openRegular(dir.resolve("energy_uj"))) {
        if (ch.read(ByteBuffer.allocate(32), 0) > 0) {
          return true;
        }
      } catch (IOException e) {
        // unreadable: look at the next
      }
    }
    return false;
  }

  /** The zone directories: top-level entries with energy_uj and nested {@code <id>:<n>} ones. */
  static List<Path> zoneDirectories(Path root) {
    Map<String, Path> found = new TreeMap<>();
    collect(root, found, 0);
    return new ArrayList<>(found.values());
  }

  private static void collect(Path dir, Map<String, Path> found, int depth) {
    if (!Files.isDirectory(dir) || depth > 3) {
      return;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        if (!Files.isDirectory(entry) || (depth > 0 && !name.contains(":"))) {
          continue;
        }
        if (Files.exists(entry.resolve("energy_uj")) && !found.containsKey(name)) {
          found.put(name, entry);
        }
        collect(entry, found, depth + 1);
      }
    } catch (IOException e) {
      // a directory that vanished or cannot be listed holds no zone we can read
    }
  }

  /** The powercap tree read. */
  public Path root() {
    return root;
  }

  /** Domain names (zone names), in the order they were first seen; never shrinks. */
  public List<String> domains() {
    return domainNames;
  }

  private double lastNodeJoules;

  /**
   * The whole node's energy of the last {@link #read}, in joules: {@code psys} where the platform
   * has it, else the packages plus their {@code dram} zones. The basis of carbon figures.
   */
  public double lastNodeJoules() {
    return lastNodeJoules;
  }

  /** Number of zones read now. */
  public int readableZones() {
    int n = 0;
    for (Zone z : zones.values()) {
      if (z.readable) {
        n++;
      }
    }
    return n;
  }

  /**
   * Reads every zone; adds each domain's energy since the previous read, in joules, to {@code
   * joules} (indexed like {@link #domains()}, grown as needed) and returns it.
   */
  public double[] read(double[] joules) {
    long now = clock.nanoTime();
    if (!scanned || now - lastScan >= RESCAN.toNanos()) {
      scan();
      scanned = true;
      lastScan = now;
    }
    if (joules.length < domainNames.size()) {
      joules = java.util.Arrays.copyOf(joules, domainNames.size());
    }
    double psys = 0;
    double others = 0;
    boolean hasPsys = false;
    for (Zone z : zones.values()) {
      if (!z.readable) {
        continue;
      }
      long raw = readRaw(z);
      if (raw < 0) {
        z.based = false; // an impossible reading: the next good one is the new base
        continue;
      }
      if (z.maxRange > 0 && raw > z.maxRange) {
        once("above-range:" + z.id, "powercap zone " + z.id + " (" + z.name + "): energy_uj "
            + raw + " is above max_energy_range_uj " + z.maxRange + ": an impossible reading, not "
            + "counted; counting starts again from the next value in range");
        z.based = false;
        continue;
      }
      if (!z.based) {
        z.based = true;
        z.lastRaw = raw;
        z.lastNanos = now;
        continue;
      }
      long delta = raw - z.lastRaw;
      if (delta < 0) {
        long wrapped = z.maxRange > 0 ? z.maxRange - z.lastRaw + raw : -1;
        if (wrapped >= 0 && wrapped <= z.maxRange / 2) {
          delta = wrapped;
        } else {
          once("backwards:" + z.id, "powercap zone " + z.id + " (" + z.name + "): energy_uj went "
              + "back from " + z.lastRaw + " to " + raw + ", not a wraparound at "
              + "max_energy_range_uj " + z.maxRange + ": that interval is not counted, counting "
              + "goes on from the new value");
          delta = 0;
        }
      }
      long bound = maxIncrease(z, now);
      if (delta > bound) {
        once("jump:" + z.id, "powercap zone " + z.id + " (" + z.name + "): energy_uj rose by "
            + delta + " uJ in " + String.format(java.util.Locale.ROOT, "%.3f",
                (now - z.lastNanos) / 1e9) + " s, more than the zone can draw (" + bound
            + " uJ: " + (long) MAX_ZONE_WATTS + " W for that time plus 1 s, at most half of "
            + "max_energy_range_uj): that interval is not counted, counting goes on from the new "
            + "value");
        delta = 0;
      }
      z.lastRaw = raw;
      z.lastNanos = now;
      z.cumulativeUj += delta;
      joules[domainNames.indexOf(z.name)] += delta / 1e6;
      if (z.name.startsWith("psys")) {
        hasPsys = true;
        psys += delta / 1e6;
      } else if (z.id.indexOf(':') == z.id.lastIndexOf(':') || z.name.startsWith("dram")) {
        others += delta / 1e6; // packages, and dram which no package counts
      }
    }
    lastNodeJoules = hasPsys ? psys : others;
    return joules;
  }

  /**
   * The largest increase, in microjoules, that zone {@code z} can show at {@code now}: {@link
   * #MAX_ZONE_WATTS} for the time since its previous read plus one second, and never more than
   * half its range (a larger one could as well be a reset).
   */
  static long maxIncrease(Zone z, long now) {
    double seconds = Math.max(0, (now - z.lastNanos) / 1e9) + 1;
    double byPower = MAX_ZONE_WATTS * 1e6 * seconds;
    long bound = byPower >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) byPower;
    return z.maxRange > 0 ? Math.min(bound, z.maxRange / 2) : bound;
  }

  /**
   * The value of {@code energy_uj}, or -1 when it could not be read or is not a number of at most
   * 19 digits (each reported once).
   */
  private long readRaw(Zone z) {
    try {
      z.open();
      int n = z.file.read(buffer);
      long v = 0;
      int digits = 0;
      for (int i = 0; i < n; i++) {
        byte c = buffer.get(i);
        if (c >= '0' && c <= '9') {
          if (v > (Long.MAX_VALUE - (c - '0')) / 10) {
            once("overflow:" + z.id, "powercap zone " + z.id + ": " + z.energy + " holds a "
                + "number too large for any counter (" + n + " bytes): an impossible reading, "
                + "not counted; counting starts again from the next good value");
            return -1;
          }
          v = v * 10 + (c - '0');
          digits++;
        } else if (c == '\n' || c == ' ') {
          break;
        } else {
          digits = 0;
          break;
        }
      }
      if (digits == 0) {
        once("garbled:" + z.id, "powercap zone " + z.id + ": " + z.energy
            + " does not hold a number: zone skipped until it does, and counted from the next "
            + "good value");
        return -1;
      }
      return v;
    } catch (IOException e) {
      closeZone(z);
      z.readable = false;
      z.based = false;
      once("unreadable:" + z.id, unreadable(z.energy, e));
      return -1;
    }
  }

  private static String unreadable(Path file, IOException e) {
    if (e instanceof AccessDeniedException) {
      return "cannot read " + file + ": permission denied; that zone is skipped. "
          + UNREADABLE_HINT;
    }
    if (e instanceof NoSuchFileException) {
      return "powercap zone " + file.getParent() + " is gone: skipped";
    }
    return "cannot read " + file + ": " + e.getMessage() + "; that zone is skipped";
  }

  /** Finds zones (new ones, and unreadable ones that became readable). */
  private void scan() {
    for (Path dir : zoneDirectories(root)) {
      String id = dir.getFileName().toString();
      Zone z = zones.get(id);
      if (z == null) {
        String name = readSmall(dir.resolve("name"));
        if (name == null || name.isEmpty()) {
          name = id;
        }
        String range = readSmall(dir.resolve("max_energy_range_uj"));
        long maxRange = 0;
        try {
          maxRange = range == null ? 0 : Long.parseLong(range);
        } catch (NumberFormatException e) {
          once("range:" + id, "powercap zone " + id + ": max_energy_range_uj \"" + range
              + "\" is not a number: a decrease of its counter will count as a reset");
        }
        z = new Zone(id, dir.resolve("energy_uj"), name, maxRange);
        zones.put(id, z);
      }
      if (!z.readable) {
        try {
          z.open();
          z.readable = true;
          if (!domainNames.contains(z.name)) {
            domainNames.add(z.name);
          }
        } catch (IOException e) {
          once("unreadable:" + id, unreadable(z.energy, e));
        }
      }
    }
    if (zones.isEmpty()) {
      once("none", "no powercap zone with energy_uj under " + root
          + " (no RAPL on this machine, or powercap not mounted): no energy is read from it");
    }
  }

  /** A zone's small attribute file (name, range), or null: at most 256 bytes of a regular file. */
  private static String readSmall(Path file) {
    try (FileChannel ch = openRegular(file)) {
      ByteBuffer b = ByteBuffer.allocate(256);
      ch.read(b, 0);
      return new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).trim();
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * Opens {@code file} for reading if it is a regular file: sysfs attributes are; a FIFO (which
   * would block the open until a writer comes) or a device in a tree given as powercap_path is
   * refused.
   */
  static FileChannel openRegular(Path file) throws IOException {
    BoundedReads.requireRegularFile(file);
    return FileChannel.open(file, StandardOpenOption.READ);
  }

  private void once(String key, String message) {
    if (reported.putIfAbsent(key, Boolean.TRUE) == null) {
      report.accept(message);
    }
  }

  private static void closeZone(Zone z) {
    z.file.close();
  }

  @Override
  public void close() {
    for (Zone z : zones.values()) {
      closeZone(z);
    }
  }
}

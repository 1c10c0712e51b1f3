package io.cgroupotel.agent.energy;

import io.opentelemetry.sdk.common.Clock;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The node's side of the books: its busy CPU time ({@code /proc/stat}) and its energy per domain
 * (RAPL zones, or the model), both counted from the agent's start, and the grid's carbon
 * intensity.
 *
 * <p>The model: power = idle + (max - idle) x node CPU utilization over the interval between two
 * reads, utilization = busy / (busy + idle) ticks of {@code /proc/stat}; one domain, {@code node}.
 *
 * <p>The powercap zones and the carbon intensity file are optional inputs that may block (a FIFO,
 * a hung NFS or FUSE mount). Only regular files are opened, and what may block is read on a
 * thread of their own ({@link BoundedReads}), waited for at most {@link #READ_TIMEOUT}: the
 * carbon file always (once a minute), the zones when the powercap tree is not on a local file
 * system (sysfs, tmpfs, a local disk: a regular file there never blocks, and a hand-off to
 * another thread at every poll costs the poll wall time on a loaded node). A read that does not
 * return is reported once and the figures go on without it (the last carbon intensity; no new
 * RAPL energy until the zones answer again, which then counts the energy of the whole gap).
 *
 * <p>Not thread-safe: the caller serializes reads.
 */
public final class NodeEnergy implements AutoCloseable {
  public static final String MODEL_DOMAIN = "node";
  static final Duration INTENSITY_REREAD = Duration.ofSeconds(60);
  static final int INTENSITY_FILE_MAX = 4096;
  /** The longest a poll waits for a powercap or carbon file read (they take microseconds). */
  public static final Duration READ_TIMEOUT = Duration.ofSeconds(1);

  /** {@code energy.source} of the figures. */
  public enum Kind {
    RAPL("rapl"), MODEL("model");

    private final String attribute;

    Kind(String attribute) {
      this.attribute = attribute;
    }

    public String attribute() {
      return attribute;
    }
  }

  /**
   * One read of the node, every counter since the agent started.
   *
   * @param epochNanos when it was read
   * @param busySeconds busy CPU time of every CPU since the start
   * @param joules per domain (indexed like {@link NodeEnergy#domains()}), since the start
   * @param nodeJoules the whole node's energy since the start (the carbon basis)
   * @param carbonGrams the whole node's carbon since the start (NaN without an intensity)
   */
  public record Reading(long epochNanos, double busySeconds, double[] joules, double nodeJoules,
      double carbonGrams) {
    public double joules(int domain) {
      return domain < joules.length ? joules[domain] : 0;
    }
  }

  private final Kind kind;
  private final ProcStat procStat;
  private final PowercapMeter powercap; // null for the model
  private final double idleWatts;
  private final double maxWatts;
  private final double constantIntensity;
  private final Path intensityFile;
  private final Clock clock; // intervals from nanoTime(), reading times from now()
  private final Consumer<String> report;
  private List<String> domains; // a copy: the meter's list grows on the reading thread
  private final BoundedReads powercapReads; // null for the model
  private final BoundedReads intensityReads; // null without a file
  // the meter's totals: touched only by tasks on powercapReads' thread, one at a time
  private double[] meterJoules = new double[0];
  private double meterNodeJoules;
  private boolean powercapStuckReported;
  private final boolean powercapInline; // read on the caller's thread: a local file system

  private ProcStat.Times first;
  private ProcStat.Times last;
  private long lastNanos;
  private double[] joules = new double[0];
  private double nodeJoules;
  private double carbonGrams;
  private double intensity = Double.NaN;
  private long intensityReadNanos;
  private boolean intensityRead;
  private boolean procStatReported;
  private boolean intensityReported; // until the file reads well again
  private long[] firstSeen = new long[0];

  private NodeEnergy(Kind kind, ProcStat procStat, PowercapMeter powercap, EnergyConfig config,
      Clock clock, Consumer<String> report) {
    this.kind = kind;
    this.procStat = procStat;
    this.powercap = powercap;
    this.idleWatts = config.idleWatts();
    this.maxWatts = config.maxWatts();
    this.constantIntensity = config.carbonIntensity();
    this.intensityFile = config.carbonIntensityFile();
    this.clock = clock;
    this.report = report;
    this.domains = powercap != null ? List.of() : List.of(MODEL_DOMAIN);
    this.powercapInline = powercap != null && localFileSystem(powercap.root());
    this.powercapReads = powercap != null && !powercapInline
        ? new BoundedReads("energy-powercap-reader", READ_TIMEOUT) : null;
    this.intensityReads = intensityFile != null ? new BoundedReads("energy-carbon-file-reader",
        READ_TIMEOUT) : null;
    this.lastNanos = clock.nanoTime();
  }

  /**
   * The node's energy as {@code config} says: {@code rapl}, {@code model}, or {@code auto} (RAPL
   * when a zone of {@code powercap_path} is readable now, else the model when configured).
   *
   * @throws IllegalStateException when no source can be used, with what to do
   */
  public static NodeEnergy create(EnergyConfig config, ProcStat procStat, Clock clock,
      Consumer<String> report) {
    Objects.requireNonNull(config, "config");
    Kind kind = switch (config.source()) {
      case RAPL -> {
        String problem = raplProblem(config.powercapPath());
        if (problem != null) {
          throw new IllegalStateException("energy: source = \"rapl\" but " + problem
              + ": set source = \"auto\" with idle_watts "
              + "and max_watts to estimate energy with the model where RAPL is missing, set "
              + "powercap_path to where the powercap tree is, or make energy_uj readable ("
              + PowercapMeter.UNREADABLE_HINT + ")");
        }
        yield Kind.RAPL;
      }
      case MODEL -> Kind.MODEL;
      case AUTO -> {
        String problem = raplProblem(config.powercapPath());
        if (problem == null) {
          yield Kind.RAPL;
        }
        if (!config.hasModel()) {
          throw new IllegalStateException("energy: no readable RAPL zone under "
              + config.powercapPath() + " and no model: set idle_watts and max_watts in "
              + "[energy] to estimate, or make energy_uj readable ("
              + PowercapMeter.UNREADABLE_HINT + ")");
        }
        report.accept(problem + ": energy is estimated by the model (idle_watts " + config.idleWatts()
            + " W, max_watts " + config.maxWatts() + " W), marked energy.source=model");
        yield Kind.MODEL;
      }
    };
    PowercapMeter meter = kind == Kind.RAPL
        ? new PowercapMeter(config.powercapPath(), clock, report) : null;
    NodeEnergy node = new NodeEnergy(kind, procStat, meter, config, clock, report);
    node.read(); // the base of every counter
    return node;
  }

  /**
   * Null when a zone of {@code root} can be read now, else why not; found within {@link
   * #READ_TIMEOUT} (a hung mount is itself the answer).
   */
  static String raplProblem(Path root) {
    try (BoundedReads probe = new BoundedReads("energy-powercap-probe", READ_TIMEOUT)) {
      return probe.call(() -> PowercapMeter.anyReadable(root) ? null : whyNoRapl(root));
    } catch (BoundedReads.Stuck e) {
      return "reading " + root + " did not return within " + READ_TIMEOUT.toSeconds()
          + " s (a hung mount?)";
    } catch (IOException e) {
      return "cannot read " + root + ": " + e.getMessage();
    }
  }

  /** File systems whose regular files never block a read (no network, no user-space server). */
  static final java.util.Set<String> LOCAL_FILE_SYSTEMS = java.util.Set.of("sysfs", "proc",
      "tmpfs", "ramfs", "ext2", "ext3", "ext4", "xfs", "btrfs", "overlay", "zfs", "f2fs");

  /** Whether {@code root} is on a local file system, found within {@link #READ_TIMEOUT}. */
  static boolean localFileSystem(Path root) {
    try (BoundedReads probe = new BoundedReads("energy-powercap-probe", READ_TIMEOUT)) {
      return LOCAL_FILE_SYSTEMS.contains(probe.call(() -> Files.getFileStore(root).type()));
    } catch (BoundedReads.Stuck | IOException e) {
      return false; // cannot tell: read it through the bounded thread
    }
  }

  /** Why no zone of {@code root} is readable, for a message. */
  private static String whyNoRapl(Path root) {
    if (!Files.isDirectory(root)) {
      return root + " does not exist (no RAPL on this machine, a VM, or powercap not mounted)";
    }
    if (PowercapMeter.zoneDirectories(root).isEmpty()) {
      return "no powercap zone with energy_uj under " + root + " (no RAPL on this machine, or "
          + "a VM)";
    }
    return "no zone's energy_uj under " + root + " can be read";
  }

  public Kind kind() {
    return kind;
  }

  /** Domain names, in the order of {@link Reading#joules}; grows when zones appear. */
  public List<String> domains() {
    return domains;
  }

  /** When domain {@code i} was first read (epoch nanoseconds): the start of its counter. */
  public long domainStart(int i) {
    return firstSeen[i];
  }

  /** Reads the node now. Never throws: an unreadable source adds nothing and is reported once. */
  public Reading read() {
    long nanos = clock.nanoTime();
    long epoch = clock.now();
    ProcStat.Times now = last;
    try {
      now = procStat.read();
    } catch (IOException e) {
      if (!procStatReported) {
        procStatReported = true;
        report.accept("cannot read the node's CPU times (/proc/stat): " + e.getMessage()
            + "; no energy is attributed until it can be read");
      }
    }
    if (first == null && now != null) {
      first = now;
    }
    double before = nodeJoules;
    if (kind == Kind.MODEL) {
      if (joules.length == 0) {
        joules = new double[1];
      }
      if (last != null && now != null) {
        long busy = now.busyTicks() - last.busyTicks();
        long total = now.totalTicks() - last.totalTicks();
        double utilization = total > 0 ? Math.min(1, Math.max(0, (double) busy / total)) : 0;
        double seconds = Math.max(0, (nanos - lastNanos) / 1e9);
        double j = (idleWatts + (maxWatts - idleWatts) * utilization) * seconds;
        joules[0] += j;
        nodeJoules += j;
      }
    } else {
      readPowercap();
    }
    if (firstSeen.length < domains.size()) {
      int from = firstSeen.length;
      firstSeen = Arrays.copyOf(firstSeen, domains.size());
      Arrays.fill(firstSeen, from, firstSeen.length, epoch);
    }
    double gridIntensity = intensity(nanos);
    if (!Double.isNaN(gridIntensity)) {
      carbonGrams += (nodeJoules - before) / 3.6e6 * gridIntensity;
    }
    last = now;
    lastNanos = nanos;
    double busySeconds = first == null || now == null ? 0
        : (now.busyTicks() - first.busyTicks()) / ProcStat.TICKS_PER_SECOND;
    return new Reading(epoch, busySeconds, joules.clone(), nodeJoules,
        hasCarbon() ? carbonGrams : Double.NaN);
  }

  /** The meter's totals now, through the reading thread; unchanged when it does not answer. */
  private void readPowercap() {
    try {
      Totals t = powercapInline ? readMeter() : powercapReads.call(this::readMeter);
      joules = t.joules();
      nodeJoules = t.nodeJoules();
      domains = t.domains();
      if (powercapStuckReported) {
        powercapStuckReported = false;
        report.accept("the powercap zones under " + powercap.root() + " answer again: the "
            + "energy of the gap is counted");
      }
    } catch (BoundedReads.Stuck e) {
      if (!powercapStuckReported) {
        powercapStuckReported = true;
        report.accept("a read of the powercap zones under " + powercap.root() + " did not "
            + "return within " + READ_TIMEOUT.toSeconds() + " s (a FIFO, or a hung mount?): no "
            + "RAPL energy is counted until it returns; measuring goes on");
      }
    } catch (IOException e) {
      if (!powercapStuckReported) {
        powercapStuckReported = true;
        report.accept("cannot read the powercap zones under " + powercap.root() + ": " + e);
      }
    }
  }

  /** The meter's totals since the start, with its domains. */
  private record Totals(double[] joules, double nodeJoules, List<String> domains) {}

  /** Runs on the reading thread: one read of every zone, added to the meter's totals. */
  private Totals readMeter() {
    meterJoules = powercap.read(meterJoules);
    meterNodeJoules += powercap.lastNodeJoules();
    return new Totals(meterJoules.clone(), meterNodeJoules, List.copyOf(powercap.domains()));
  }

  public boolean hasCarbon() {
    return !Double.isNaN(constantIntensity) || intensityFile != null;
  }

  /** The grid intensity now (gCO2e/kWh), NaN when unknown; the file is re-read once a minute. */
  public double intensity(long nanos) {
    if (intensityFile == null) {
      return constantIntensity;
    }
    if (!intensityRead || nanos - intensityReadNanos >= INTENSITY_REREAD.toNanos()) {
      intensityRead = true;
      intensityReadNanos = nanos;
      try {
        String text = intensityReads.call(() -> {
          BoundedReads.requireRegularFile(intensityFile);
          return readSmall(intensityFile);
        });
        double v = Double.parseDouble(text.trim());
        if (v >= 0 && v < 1e5) {
          intensity = v;
          intensityReported = false;
        } else if (!intensityReported) {
          intensityReported = true;
          report.accept("carbon_intensity_file " + intensityFile + ": " + v
              + " gCO2e/kWh is out of range; keeping the last value");
        }
      } catch (BoundedReads.Stuck e) {
        if (!intensityReported) {
          intensityReported = true;
          report.accept("carbon_intensity_file " + intensityFile + ": a read did not return "
              + "within " + READ_TIMEOUT.toSeconds() + " s (a FIFO, or a hung NFS or FUSE "
              + "mount?): keeping the last value; tried again every minute once that read "
              + "returns; the file must be a regular file holding one number, gCO2e/kWh");
        }
      } catch (IOException | NumberFormatException e) {
        if (intensityReported) {
          return intensity;
        }
        intensityReported = true;
        report.accept("cannot read carbon_intensity_file " + intensityFile + " ("
            + (e instanceof IOException && e.getMessage() != null ? e.getMessage() : e.toString())
            + "): keeping the last value; the file must hold one number, gCO2e/kWh");
      }
    }
    return intensity;
  }

  /**
   * The file's text, refusing more than {@link #INTENSITY_FILE_MAX} bytes: it holds one number, and
   * a wrong path (a log, a device) must not be read whole into the heap once a minute.
   */
  private static String readSmall(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] bytes = in.readNBytes(INTENSITY_FILE_MAX + 1);
      if (bytes.length > INTENSITY_FILE_MAX) {
        throw new IOException("larger than " + INTENSITY_FILE_MAX + " bytes");
      }
      return new String(bytes, StandardCharsets.US_ASCII);
    }
  }

  /** Never waits for a read that is stuck: the reading threads are daemons, left parked. */
  @Override
  public void close() {
    procStat.close();
    if (intensityReads != null) {
      intensityReads.close();
    }
    if (powercapReads != null) {
      powercapReads.close();
    }
    if (powercap != null && (powercapReads == null || !powercapReads.stuck())) {
      powercap.close(); // not under a read that may still use its channels
    }
  }
}

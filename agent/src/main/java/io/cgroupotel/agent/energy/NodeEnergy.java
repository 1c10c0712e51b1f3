package io.cgroupotel.agent.energy;

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
import java.util.function.LongSupplier;

/**
 * The node's side of the books: its busy CPU time ({@code /proc/stat}) and its energy per domain
 * (RAPL zones, or the model), both counted from the agent's start, and the grid's carbon
 * intensity.
 *
 * <p>The model: power = idle + (max - idle) x node CPU utilization over the interval between two
 * reads, utilization = busy / (busy + idle) ticks of {@code /proc/stat}; one domain, {@code node}.
 *
 * <p>Not thread-safe: the caller serializes reads.
 */
public final class NodeEnergy implements AutoCloseable {
  public static final String MODEL_DOMAIN = "node";
  static final Duration INTENSITY_REREAD = Duration.ofSeconds(60);
  static final int INTENSITY_FILE_MAX = 4096;

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
  private final LongSupplier nanoClock;
  private final LongSupplier epochClock;
  private final Consumer<String> report;
  private final List<String> domains;

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
      LongSupplier nanoClock, LongSupplier epochClock, Consumer<String> report) {
    this.kind = kind;
    this.procStat = procStat;
    this.powercap = powercap;
    this.idleWatts = config.idleWatts();
    this.maxWatts = config.maxWatts();
    this.constantIntensity = config.carbonIntensity();
    this.intensityFile = config.carbonIntensityFile();
    this.nanoClock = nanoClock;
    this.epochClock = epochClock;
    this.report = report;
    this.domains = powercap != null ? powercap.domains() : List.of(MODEL_DOMAIN);
    this.lastNanos = nanoClock.getAsLong();
  }

  /**
   * The node's energy as {@code config} says: {@code rapl}, {@code model}, or {@code auto} (RAPL
   * when a zone of {@code powercap_path} is readable now, else the model when configured).
   *
   * @throws IllegalStateException when no source can be used, with what to do
   */
  public static NodeEnergy create(EnergyConfig config, ProcStat procStat, LongSupplier nanoClock,
      LongSupplier epochClock, Consumer<String> report) {
    Objects.requireNonNull(config, "config");
    Kind kind = switch (config.source()) {
      case RAPL -> Kind.RAPL;
      case MODEL -> Kind.MODEL;
      case AUTO -> {
        if (PowercapMeter.anyReadable(config.powercapPath())) {
          yield Kind.RAPL;
        }
        if (!config.hasModel()) {
          throw new IllegalStateException("energy: no readable RAPL zone under "
              + config.powercapPath() + " and no model: set idle_watts and max_watts in "
              + "[energy] to estimate, or make energy_uj readable ("
              + PowercapMeter.UNREADABLE_HINT + ")");
        }
        report.accept("no readable RAPL zone under " + config.powercapPath()
            + ": energy is estimated by the model (idle_watts " + config.idleWatts()
            + " W, max_watts " + config.maxWatts() + " W), marked energy.source=model");
        yield Kind.MODEL;
      }
    };
    PowercapMeter meter = kind == Kind.RAPL
        ? new PowercapMeter(config.powercapPath(), nanoClock, report) : null;
    NodeEnergy node = new NodeEnergy(kind, procStat, meter, config, nanoClock, epochClock, report);
    node.read(); // the base of every counter
    return node;
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
    long nanos = nanoClock.getAsLong();
    long epoch = epochClock.getAsLong();
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
      joules = powercap.read(joules);
      nodeJoules += powercap.lastNodeJoules();
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
        double v = Double.parseDouble(readSmall(intensityFile).trim());
        if (v >= 0 && v < 1e5) {
          intensity = v;
          intensityReported = false;
        } else if (!intensityReported) {
          intensityReported = true;
          report.accept("carbon_intensity_file " + intensityFile + ": " + v
              + " gCO2e/kWh is out of range; keeping the last value");
        }
      } catch (IOException | NumberFormatException e) {
        if (intensityReported) {
          return intensity;
        }
        intensityReported = true;
        report.accept("cannot read carbon_intensity_file " + intensityFile + " (" + e
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

  @Override
  public void close() {
    procStat.close();
    if (powercap != null) {
      powercap.close();
    }
  }
}

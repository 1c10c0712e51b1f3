package io.cgroupotel.agent.energy;

import io.cgroupotel.config.ConfigSection;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The {@code [energy]} section: where the node's energy comes from and how it becomes carbon.
 * Absent section: no energy, no accounting series.
 *
 * @param enabled whether energy is measured and attributed; default true when the section is
 *     written
 * @param source {@code auto} (RAPL where a zone is readable, else the model; default), {@code
 *     rapl} or {@code model}
 * @param powercapPath the powercap sysfs tree; default {@code /sys/class/powercap}
 * @param idleWatts the model's power of the idle node; NaN when not set
 * @param maxWatts the model's power of the node with every CPU busy; NaN when not set
 * @param carbonIntensity grid intensity in gCO2e/kWh; NaN when not set
 * @param carbonIntensityFile a file holding the grid intensity (a number, gCO2e/kWh) that
 *     something else updates; re-read once a minute; null when not set
 */
public record EnergyConfig(boolean enabled, Source source, Path powercapPath, double idleWatts,
    double maxWatts, double carbonIntensity, Path carbonIntensityFile) {

  /** Where the node's energy comes from. */
  public enum Source { AUTO, RAPL, MODEL }

  public static final Path DEFAULT_POWERCAP = Path.of("/sys/class/powercap");
  public static final EnergyConfig DISABLED = new EnergyConfig(false, Source.AUTO,
      DEFAULT_POWERCAP, Double.NaN, Double.NaN, Double.NaN, null);

  /** Whether the model can run (both wattages set). */
  public boolean hasModel() {
    return !Double.isNaN(idleWatts) && !Double.isNaN(maxWatts);
  }

  /** Whether energy becomes carbon. */
  public boolean hasCarbon() {
    return !Double.isNaN(carbonIntensity) || carbonIntensityFile != null;
  }

  /** Reads {@code [energy]}; problems go to the section's document, positioned. */
  public static EnergyConfig parse(ConfigSection section) {
    if (!section.present()) {
      return DISABLED;
    }
    boolean enabled = section.bool("enabled", true);
    String sourceName = section.choice("source", "auto", List.of("auto", "rapl", "model"));
    Source source = Source.valueOf(sourceName.toUpperCase(Locale.ROOT));
    Path powercap = DEFAULT_POWERCAP;
    String powercapText = section.string("powercap_path", null);
    if (powercapText != null) {
      powercap = absolutePath(section, "powercap_path", powercapText, DEFAULT_POWERCAP,
          "e.g. powercap_path = \"/sys/class/powercap\"");
    }
    double idle = section.number("idle_watts", Double.NaN, 0, 1e6);
    double max = section.number("max_watts", Double.NaN, 0, 1e6);
    double intensity = section.number("carbon_intensity", Double.NaN, 0, 1e5);
    String file = section.string("carbon_intensity_file", null);
    if (Double.isNaN(idle) != Double.isNaN(max)) {
      section.error(Double.isNaN(idle) ? "idle_watts" : "max_watts",
          "the model needs both idle_watts and max_watts",
          "set both, e.g. idle_watts = 60 and max_watts = 250 (the node's measured power idle "
              + "and with every CPU busy)");
    } else if (!Double.isNaN(idle) && max < idle) {
      section.error("max_watts", "max_watts (" + max + ") is below idle_watts (" + idle + ")",
          "max_watts is the power with every CPU busy: at least idle_watts");
    }
    if (source == Source.MODEL && (Double.isNaN(idle) || Double.isNaN(max))
        && Double.isNaN(idle) == Double.isNaN(max)) {
      section.error("source", "source = \"model\" needs idle_watts and max_watts",
          "set both, e.g. idle_watts = 60 and max_watts = 250");
    }
    if (!Double.isNaN(intensity) && file != null) {
      section.error("carbon_intensity_file",
          "both carbon_intensity and carbon_intensity_file are set",
          "keep the constant or the file, not both");
    }
    Path intensityFile = null;
    if (file != null) {
      intensityFile = absolutePath(section, "carbon_intensity_file", file, null,
          "e.g. carbon_intensity_file = \"/run/grid-intensity\"");
      if (intensityFile != null) {
        String problem = notRegular(intensityFile);
        if (problem != null) {
          section.error("carbon_intensity_file", problem, "give a regular file that holds one "
              + "number (gCO2e/kWh), replaced or rewritten by whatever updates it");
        }
      }
    }
    return new EnergyConfig(enabled, source, powercap, idle, max, intensity, intensityFile);
  }

  /**
   * {@code text} as an absolute path; a relative one is an error (the agent's working directory is
   * {@code /} under systemd and something else by hand: the same file would name two places).
   */
  private static Path absolutePath(ConfigSection section, String key, String text,
      Path otherwise, String hint) {
    try {
      Path path = Path.of(text);
      if (!path.isAbsolute()) {
        section.error(key, "\"" + text + "\" is a relative path", "write an absolute path, "
            + hint);
        return otherwise;
      }
      return path;
    } catch (java.nio.file.InvalidPathException e) {
      section.error(key, "not a path: " + e.getReason(), hint);
      return otherwise;
    }
  }

  /**
   * Why {@code file} cannot be the carbon intensity file (a FIFO, a device, a directory), or null
   * when it is a regular file or does not exist yet (it is read when it appears). The stat is
   * bounded: a hung mount is itself the problem.
   */
  static String notRegular(Path file) {
    try (BoundedReads stat = new BoundedReads("energy-config-stat", NodeEnergy.READ_TIMEOUT)) {
      return stat.call(() -> {
        if (!java.nio.file.Files.exists(file)) {
          return null;
        }
        try {
          BoundedReads.requireRegularFile(file);
          return null;
        } catch (java.io.IOException e) {
          return e.getMessage();
        }
      });
    } catch (BoundedReads.Stuck e) {
      return "looking at " + file + " did not return within "
          + NodeEnergy.READ_TIMEOUT.toSeconds() + " s (a hung NFS or FUSE mount?)";
    } catch (java.io.IOException e) {
      return null; // cannot tell: the reads report it
    }
  }
}

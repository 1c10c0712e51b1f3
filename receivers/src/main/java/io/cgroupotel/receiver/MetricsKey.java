package io.cgroupotel.receiver;

import io.cgroupotel.config.ConfigSection;
import io.cgroupotel.metrics.MetricGroup;
import io.cgroupotel.sampler.InterfaceFilter;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The {@code metrics} key that every receiver has: the metric groups it reads, e.g. {@code
 * metrics = ["cpu", "memory", "pressure", "io", "pids", "network"]}. Default {@link MetricGroup#defaults()};
 * {@code cpu} is read whether listed or not ({@code cpu.stat} is how an entity is known to be
 * there).
 */
public final class MetricsKey {
  public static final String KEY = "metrics";
  /** The interfaces whose counters the {@code network} group exports (globs). */
  public static final String INTERFACES_KEY = "network_interfaces";

  private MetricsKey() {}

  /** Reads the key; an unknown name is a positioned error that lists the valid ones. */
  public static Set<MetricGroup> parse(ConfigSection section) {
    List<String> names = section.stringList(KEY, null);
    if (names == null) {
      return MetricGroup.defaults();
    }
    Set<MetricGroup> groups = EnumSet.of(MetricGroup.CPU);
    for (String name : names) {
      // exact names, as every other choice of the config: "CPU" is a typo to show, not to guess
      Optional<MetricGroup> group = MetricGroup.fromConfigName(name);
      if (group.isPresent()) {
        groups.add(group.get());
      } else {
        Optional<MetricGroup> near = MetricGroup.fromConfigName(name.trim()
            .toLowerCase(Locale.ROOT));
        section.error(KEY, "unknown metric group \"" + name + "\"", (near.isPresent()
            ? "names are lower case: \"" + near.get().configName() + "\"; " : "")
            + "valid groups: " + validNames() + "; default " + format(MetricGroup.defaults()));
      }
    }
    return groups;
  }

  /**
   * Reads {@code network_interfaces}: globs on interface names, default every interface but
   * {@code lo}. A bad glob, an empty list or the key without the {@code network} group in {@code
   * groups} is a positioned error.
   */
  public static InterfaceFilter networkInterfaces(ConfigSection section, Set<MetricGroup> groups) {
    List<String> globs = section.stringList(INTERFACES_KEY, null);
    if (globs == null) {
      return InterfaceFilter.DEFAULT;
    }
    boolean ok = true;
    if (!groups.contains(MetricGroup.NETWORK)) {
      section.error(INTERFACES_KEY, "has no effect: the network group is not read",
          "add \"network\" to metrics, e.g. metrics = [\"cpu\", \"memory\", \"network\"]");
      ok = false;
    }
    if (globs.isEmpty()) {
      section.error(INTERFACES_KEY, "empty: no interface would be exported",
          "remove the key for every interface but lo, or list globs, e.g. [\"eth*\", \"lo\"]");
      ok = false;
    }
    for (String glob : globs) {
      String problem = InterfaceFilter.check(glob);
      if (problem != null) {
        section.error(INTERFACES_KEY, "bad glob \"" + glob + "\": " + problem,
            "globs on interface names: * ? [a-z] [!0-9], e.g. \"eth*\"; \"*\" is every one, lo "
                + "included");
        ok = false;
      }
    }
    return ok ? InterfaceFilter.of(globs) : InterfaceFilter.DEFAULT;
  }

  /** {@code cpu, memory, pressure, io, pids, network}. */
  public static String validNames() {
    return Arrays.stream(MetricGroup.values()).map(MetricGroup::configName)
        .collect(Collectors.joining(", "));
  }

  /** {@code ["cpu", "memory"]}, as written in the config. */
  public static String format(Set<MetricGroup> groups) {
    return groups.stream().map(g -> "\"" + g.configName() + "\"")
        .collect(Collectors.joining(", ", "[", "]"));
  }
}

package io.cgroupotel.agent;

import io.cgroupotel.config.ConfigSection;
import io.cgroupotel.config.Durations;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code [agent]} and {@code [processors.*]} sections.
 *
 * @param hostName {@code host.name} of every resource; default: {@code NODE_NAME}, then the host's
 *     name
 * @param exportInterval how often each exporter exports; default 10 s, or {@code
 *     OTEL_METRIC_EXPORT_INTERVAL} (milliseconds) as the SDK reads it, which wins over the file
 * @param maxDataPointsPerExport the batch processor's split: at most this many points per export
 *     request (default 8192)
 * @param filter the filter processor
 * @param traces whether the agent sends its own traces (a span per poll and per export) through
 *     the OTLP exporter; default false
 * @param statePath {@code state_path}: the directory where series state is kept across restarts
 *     (null: none, unless an OTLP send queue has a path)
 * @param receipts whether each pod, job or cgroup that ends gets a receipt (one log record with
 *     what it used and was given) through every exporter that carries logs; default true
 */
public record AgentSettings(String hostName, Duration exportInterval, int maxDataPointsPerExport,
    MetricFilter filter, boolean traces, java.nio.file.Path statePath, boolean receipts) {

  static final Duration DEFAULT_EXPORT_INTERVAL = Duration.ofSeconds(10);
  static final int DEFAULT_MAX_DATA_POINTS = 8192;

  static AgentSettings parse(ConfigSection root, Map<String, String> env) {
    ConfigSection agent = root.section("agent");
    String hostName = agent.string("hostname", null);
    if (hostName == null) {
      hostName = defaultHostName(env);
    }
    Duration exportInterval = agent.duration("export_interval", DEFAULT_EXPORT_INTERVAL,
        Durations.MIN_EXPORT_INTERVAL, Durations.MAX_INTERVAL);
    boolean traces = agent.bool("traces", false);
    java.nio.file.Path statePath = null;
    String state = agent.optionalString("state_path").orElse(null);
    if (state != null) {
      if (state.isBlank() || !java.nio.file.Path.of(state).isAbsolute()) {
        agent.error("state_path", "not an absolute path: \"" + state + "\"",
            "e.g. \"/var/lib/cgroup-otel-agent\"");
      } else {
        statePath = java.nio.file.Path.of(state);
      }
    }
    boolean receipts = agent.bool("receipts", true);
    String fromEnv = env.get("OTEL_METRIC_EXPORT_INTERVAL");
    if (fromEnv != null && !fromEnv.isBlank()) {
      try {
        Duration d = Duration.ofMillis(Long.parseLong(fromEnv.trim()));
        if (d.compareTo(Durations.MIN_EXPORT_INTERVAL) < 0
            || d.compareTo(Durations.MAX_INTERVAL) > 0) {
          agent.error("export_interval", "OTEL_METRIC_EXPORT_INTERVAL=\"" + fromEnv
              + "\" is out of range", "allowed: " + Durations.MIN_EXPORT_INTERVAL.toMillis()
              + " to " + Durations.MAX_INTERVAL.toMillis() + " (milliseconds)");
        } else {
          exportInterval = d;
        }
      } catch (NumberFormatException e) {
        agent.error("export_interval",
            "OTEL_METRIC_EXPORT_INTERVAL=\"" + fromEnv + "\" is not a number of milliseconds",
            "unset it or give milliseconds, e.g. 10000");
      }
    }

    ConfigSection processors = root.section("processors");
    ConfigSection batch = processors.section("batch");
    int maxPoints = (int) batch.integer("max_data_points", DEFAULT_MAX_DATA_POINTS, 1,
        Integer.MAX_VALUE);

    ConfigSection filterSection = processors.section("filter");
    List<String> include = globs(filterSection, "include_metrics");
    List<String> exclude = globs(filterSection, "exclude_metrics");
    Map<String, List<String>> excludeAttributes = new LinkedHashMap<>();
    ConfigSection byAttribute = filterSection.section("exclude_attributes");
    for (String key : byAttribute.keys()) {
      excludeAttributes.put(key, globs(byAttribute, key));
    }
    return new AgentSettings(hostName, exportInterval, maxPoints,
        new MetricFilter(include, exclude, excludeAttributes), traces, statePath, receipts);
  }

  private static List<String> globs(ConfigSection section, String key) {
    List<String> valid = new java.util.ArrayList<>();
    for (String glob : section.stringList(key, List.of())) {
      String problem = MetricFilter.checkGlob(glob);
      if (problem != null) {
        section.error(key, "bad glob \"" + glob + "\": " + problem, "e.g. \"k8s.pod.*\"");
      } else {
        valid.add(glob);
      }
    }
    return valid;
  }

  static String defaultHostName(Map<String, String> env) {
    String node = env.get("NODE_NAME");
    if (node != null && !node.isBlank()) {
      return node;
    }
    try {
      String etc = Files.readString(Path.of("/etc/hostname")).trim();
      if (!etc.isEmpty()) {
        return etc;
      }
    } catch (Exception e) {
      // not Linux, or no such file: ask the resolver instead
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }
}

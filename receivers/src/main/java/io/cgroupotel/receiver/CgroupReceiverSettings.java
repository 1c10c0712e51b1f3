package io.cgroupotel.receiver;

import io.cgroupotel.cgroupfs.Cgroup2;
import io.cgroupotel.config.ConfigSection;
import io.cgroupotel.config.Durations;
import io.cgroupotel.metrics.MetricGroup;
import io.cgroupotel.sampler.InterfaceFilter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The keys every receiver of a cgroup tree shares, parsed once for all of them: {@code path},
 * {@code poll_interval}, {@code metrics}, {@code cgroup_versions} and {@code network_interfaces}.
 * A receiver's factory calls {@link #parse} and then reads its own keys.
 *
 * @param path the cgroup directory to read ({@code path}); default: the receiver's (usually
 *     {@link #defaultPath()})
 * @param pathSet whether {@code path} was written; if not, the factory lets {@link
 *     HierarchyChoice#choose} pick the hierarchy that holds the receiver's cgroups
 * @param pollInterval how often the entities are read; default {@link #DEFAULT_POLL_INTERVAL}
 * @param metrics the metric groups read ({@code metrics}); default {@link MetricGroup#defaults()}
 * @param cgroupVersions the cgroup versions allowed (1, 2); default both
 * @param networkInterfaces the interfaces of the network group; default all but {@code lo}
 */
public record CgroupReceiverSettings(Path path, boolean pathSet, Duration pollInterval,
    Set<MetricGroup> metrics, Set<Integer> cgroupVersions, InterfaceFilter networkInterfaces) {
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);
  static final Path FALLBACK_PATH = Path.of("/sys/fs/cgroup");

  public CgroupReceiverSettings {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(pollInterval, "pollInterval");
    metrics = Set.copyOf(metrics);
    cgroupVersions = Set.copyOf(cgroupVersions);
    Objects.requireNonNull(networkInterfaces, "networkInterfaces");
  }

  /**
   * Reads the shared keys of {@code section}; errors are recorded in the section (with their
   * positions) and the defaults taken instead. An empty {@code path} (e.g. {@code ${VAR}} unset)
   * is {@code defaultPath}.
   */
  public static CgroupReceiverSettings parse(ConfigSection section, Path defaultPath,
      Duration defaultPollInterval) {
    Path path = absolutePath(section, "path", defaultPath);
    Duration poll = section.duration("poll_interval", defaultPollInterval,
        Durations.MIN_POLL_INTERVAL, Durations.MAX_INTERVAL);
    Set<MetricGroup> metrics = MetricsKey.parse(section);
    return new CgroupReceiverSettings(path, section.has("path"), poll, metrics,
        HierarchyChoice.parseVersions(section), MetricsKey.networkInterfaces(section, metrics));
  }

  /**
   * Reads {@code path} as written, whichever cgroup version it is, with every other key's default
   * (for tests and programs that build a receiver without a config file).
   */
  public static CgroupReceiverSettings of(Path path) {
    return of(path, DEFAULT_POLL_INTERVAL);
  }

  /** As {@link #of(Path)}, polled every {@code pollInterval}. */
  public static CgroupReceiverSettings of(Path path, Duration pollInterval) {
    return new CgroupReceiverSettings(path, true, pollInterval, MetricGroup.defaults(),
        HierarchyChoice.ALL_VERSIONS, InterfaceFilter.DEFAULT);
  }

  /** With the host's cgroup v2 mount as the default path, polled every second by default. */
  public static CgroupReceiverSettings parse(ConfigSection section) {
    return parse(section, defaultPath(), DEFAULT_POLL_INTERVAL);
  }

  /**
   * An absolute path at {@code key}, normalized; {@code fallback} when the key is unset or empty,
   * or (with an error recorded) when it is not absolute.
   */
  public static Path absolutePath(ConfigSection section, String key, Path fallback) {
    String text = section.string(key, "");
    if (text.isEmpty()) {
      return fallback;
    }
    try {
      Path p = Path.of(text);
      if (!p.isAbsolute()) {
        section.error(key, "not an absolute path: \"" + text + "\"", "start it with /");
        return fallback;
      }
      return p.normalize();
    } catch (InvalidPathException e) {
      section.error(key, "bad path \"" + text + "\": " + e.getReason(), "");
      return fallback;
    }
  }

  /**
   * The hierarchy the receiver of section {@code receivers.<type>} reads: {@code path} if written,
   * else the one {@code layout} finds its cgroups in (see {@link HierarchyChoice#choose}).
   */
  public HierarchyChoice chooseHierarchy(String type, Function<Path, String> layout)
      throws ReceiverStartException {
    return HierarchyChoice.choose("receivers." + type, pathSet ? path : null, cgroupVersions,
        layout);
  }

  /**
   * An http(s) URL with a host at {@code key}; empty when the key is unset or (with an error
   * recorded, {@code example} as the hint) when it is not one.
   */
  public static Optional<URI> httpUrl(ConfigSection section, String key, String example) {
    Optional<String> text = section.optionalString(key);
    if (text.isEmpty()) {
      return Optional.empty();
    }
    try {
      URI uri = new URI(text.get());
      if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
          && uri.getHost() != null) {
        return Optional.of(uri);
      }
      section.error(key, "not an http(s) URL: \"" + text.get() + "\"", "e.g. " + example);
    } catch (URISyntaxException e) {
      section.error(key, "bad URL \"" + text.get() + "\": " + e.getReason(), "e.g. " + example);
    }
    return Optional.empty();
  }

  /** This host's cgroup v2 mount, else {@code /sys/fs/cgroup}. */
  public static Path defaultPath() {
    try {
      return Cgroup2.findMount().orElse(FALLBACK_PATH);
    } catch (RuntimeException e) {
      return FALLBACK_PATH;
    }
  }
}

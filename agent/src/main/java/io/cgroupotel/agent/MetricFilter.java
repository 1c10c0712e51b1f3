package io.cgroupotel.agent;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The filter processor: which metrics and which entities are exported.
 *
 * <p>Metric names are matched with globs ({@code *.memory.usage}); an entity is dropped when one
 * of its resource attributes matches an exclude glob for that key ({@code k8s.namespace.name =
 * ["kube-*"]}). Decisions per metric name are cached: there are a dozen names.
 *
 * <p>Thread-safe.
 */
public final class MetricFilter {
  public static final MetricFilter ALLOW_ALL = new MetricFilter(List.of(), List.of(), Map.of());

  private final List<PathMatcher> includeMetrics;
  private final List<PathMatcher> excludeMetrics;
  private final Map<String, List<PathMatcher>> excludeAttributes;
  private final Map<String, Boolean> metricDecisions = new ConcurrentHashMap<>();

  public MetricFilter(
      List<String> includeMetrics,
      List<String> excludeMetrics,
      Map<String, List<String>> excludeAttributes) {
    this.includeMetrics = includeMetrics.stream().map(MetricFilter::glob).toList();
    this.excludeMetrics = excludeMetrics.stream().map(MetricFilter::glob).toList();
    this.excludeAttributes = Map.copyOf(excludeAttributes.entrySet().stream()
        .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey,
            e -> e.getValue().stream().map(MetricFilter::glob).toList())));
  }

  /** Whether a glob compiles; used by config validation. */
  static String checkGlob(String pattern) {
    try {
      glob(pattern);
      return null;
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }

  public boolean acceptsMetric(String name) {
    return metricDecisions.computeIfAbsent(name, n -> {
      Path p = Path.of(n);
      boolean included = includeMetrics.isEmpty()
          || includeMetrics.stream().anyMatch(m -> m.matches(p));
      return included && excludeMetrics.stream().noneMatch(m -> m.matches(p));
    });
  }

  public boolean acceptsEntity(Map<String, Object> attributes) {
    if (excludeAttributes.isEmpty()) {
      return true;
    }
    for (Map.Entry<String, List<PathMatcher>> e : excludeAttributes.entrySet()) {
      Object value = attributes.get(e.getKey());
      if (value != null) {
        Path p = Path.of(Objects.toString(value).replace('/', '\u2215'));
        for (PathMatcher m : e.getValue()) {
          if (m.matches(p)) {
            return false;
          }
        }
      }
    }
    return true;
  }

  private static PathMatcher glob(String pattern) {
    // '/' is a separator for PathMatcher: the values matched are not paths, so neither side has one
    return FileSystems.getDefault().getPathMatcher("glob:" + pattern.replace('/', '\u2215'));
  }
}

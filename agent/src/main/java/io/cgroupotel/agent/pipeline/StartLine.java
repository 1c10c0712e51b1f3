package io.cgroupotel.agent.pipeline;

import io.cgroupotel.agent.AgentConfig;
import io.cgroupotel.exporter.ExporterFactory;
import java.lang.reflect.RecordComponent;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.StringJoiner;

/**
 * The one line the agent logs when it has started: what each receiver found and where, and where
 * each exporter sends, so that a first run says something before the first export.
 */
public final class StartLine {
  private StartLine() {}

  static String describe(Pipeline pipeline) {
    AgentConfig config = pipeline.config();
    List<String> receivers = new ArrayList<>();
    for (ReceiverRunner runner : pipeline.runners()) {
      String name = runner.receiver().name();
      String where = config.receivers().stream().filter(c -> c.name().equals(name))
          .findFirst().map(c -> where(c.config())).orElse("");
      // the tree it reads, when it chose one (e.g. the v1 controllers of a hybrid
      // host), rather than the configured path: "cgroup v1 at /sys/fs/cgroup/cpuacct (...)"
      String hierarchy = runner.receiver().hierarchyChoice();
      if (hierarchy != null) {
        where = hierarchy.split(": ", 2)[0];
      }
      receivers.add(name + " (" + (where.isEmpty() ? "" : where + ", ")
          + plural(pipeline.store().live(name), "entity", "entities") + ")");
    }
    List<String> exporters = new ArrayList<>();
    for (String name : pipeline.exporterNames()) {
      config.exporters().stream().filter(c -> c.name().equals(name)).findFirst()
          .ifPresent(c -> exporters.add(name + exporterWhere(c)));
    }
    return "receivers " + String.join(", ", receivers) + "; exporters "
        + String.join(", ", exporters) + "; export every " + human(config.settings().exportInterval())
        + (pipeline.receipts() == io.cgroupotel.agent.receipt.ReceiptSink.NONE ? ""
            : "; a receipt per entity that ends");
  }

  public static String plural(long n, String one, String many) {
    return n + " " + (n == 1 ? one : many);
  }

  /** {@code 10s}, {@code 500ms}: as the config file writes durations. */
  public static String human(java.time.Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
  }

  private static String exporterWhere(AgentConfig.Component<ExporterFactory<?>> c) {
    Optional<URI> endpoint = endpoint(c.factory(), c.config());
    if (endpoint.isPresent()) {
      return " -> " + endpoint.get();
    }
    String where = where(c.config());
    return where.isEmpty() ? "" : " (" + where + ")";
  }

  @SuppressWarnings("unchecked")
  public static <C> Optional<URI> endpoint(ExporterFactory<C> factory, Object config) {
    return factory.endpoint((C) config);
  }

  /** {@code path=..., host=..., port=...} of a config record, for those it has. */
  public static String where(Object config) {
    StringJoiner joiner = new StringJoiner(", ");
    if (config instanceof Record) {
      for (RecordComponent rc : config.getClass().getRecordComponents()) {
        if (List.of("path", "host", "port").contains(rc.getName())) {
          try {
            joiner.add(rc.getName() + "=" + rc.getAccessor().invoke(config));
          } catch (ReflectiveOperationException | RuntimeException e) {
            // a component that cannot be read is left out of the line
          }
        }
      }
    }
    return joiner.toString();
  }
}

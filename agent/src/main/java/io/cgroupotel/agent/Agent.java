package io.cgroupotel.agent;

import io.cgroupotel.exporter.ExporterFactory;
import io.cgroupotel.exporter.ExporterStartException;
import io.cgroupotel.exporter.Reopenable;
import io.cgroupotel.receiver.Receiver;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.ReceiverFactory;
import io.cgroupotel.receiver.ReceiverStartException;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.autoconfigure.ResourceConfiguration;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.common.InternalTelemetryVersion;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pipeline: receivers polled by their runners into the entity store, and per exporter one
 * SdkMeterProvider whose PeriodicMetricReader pulls the store through an {@link
 * EntityMetricProducer}. One provider per exporter, because producers are shared by every reader
 * of a provider and each exporter needs its own delta state and its own "exported once more
 * after it went" bookkeeping.
 */
final class Agent implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Agent.class);
  static final String SERVICE_NAME = "cgroup-otel-agent";

  /**
   * How the pipeline will be run. {@code ONCE}: the readers get no timer (one export, at the
   * end). {@code CHECK}: no exporter is built at all, so nothing is written or sent.
   */
  enum Mode { RUN, ONCE, CHECK }

  /** A reader interval that never fires: --once exports only through the final shutdown. */
  static final Duration NEVER = Duration.ofDays(3650);

  /** What could not start, for --check and for the exit code. */
  record StartProblem(String component, String message) {}

  private final AgentConfig config;
  private final Mode mode;
  private EntityStore store;
  private EnergyAccounting energy; // null without [energy]
  private List<ReceiverStats> receiverStats = List.of();
  private final List<ReceiverRunner> runners = new ArrayList<>();
  private final List<SdkMeterProvider> providers = new ArrayList<>();
  private final List<String> exporterNames = new ArrayList<>();
  private final List<StartProblem> problems = new ArrayList<>();
  private final List<Reopenable> reopenables = new ArrayList<>();
  private final Resource baseResource;
  private SdkTracerProvider tracerProvider; // only with [agent] traces = true
  private Tracer tracer = TracerProvider.noop().get("io.cgroupotel.agent");

  private Agent(AgentConfig config, Map<String, String> env, Mode mode) {
    this.config = config;
    this.mode = mode;
    this.baseResource = baseResource(config.settings().hostName());
  }

  /**
   * Builds receivers and exporters. Components that cannot start are recorded in {@link
   * #problems()} and left out; the caller decides whether what is left is enough.
   */
  static Agent create(AgentConfig config, Map<String, String> env) {
    return create(config, env, Mode.RUN);
  }

  static Agent create(AgentConfig config, Map<String, String> env, Mode mode) {
    Agent agent = new Agent(config, env, mode);
    if (config.settings().traces() && mode != Mode.CHECK) {
      agent.createTracer();
    }
    List<NamedExporter> exporters = mode == Mode.CHECK ? List.of() : agent.createExporters();
    agent.store = new EntityStore(Math.max(1, exporters.size()));
    agent.createEnergy();
    agent.createReceivers(env);
    agent.createProviders(exporters);
    return agent;
  }

  static Resource baseResource(String hostName) {
    Resource own = Resource.create(Attributes.builder()
        .put("service.name", SERVICE_NAME)
        .put("service.version", Version.get())
        .put("host.name", hostName)
        .build());
    // OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME, read by the SDK's own code
    return own.merge(ResourceConfiguration.createEnvironmentResource());
  }

  /** The energy books, when [energy] is on and a source can be read. */
  private void createEnergy() {
    try {
      energy = EnergyAccounting.create(config.energy());
    } catch (IllegalStateException e) {
      problems.add(new StartProblem("energy", e.getMessage()));
    }
  }

  EnergyAccounting energy() {
    return energy;
  }

  private void createReceivers(Map<String, String> env) {
    List<ReceiverStats> stats = new ArrayList<>();
    for (AgentConfig.Component<ReceiverFactory<?>> c : config.receivers()) {
      ReceiverRunner[] self = new ReceiverRunner[1];
      ReceiverContext context = new ReceiverContext(config.settings().hostName(), env, () -> {
        if (self[0] != null) {
          self[0].pollSoon();
        }
      });
      try {
        Receiver receiver = create(c.factory(), c.config(), context);
        ReceiverStats s = new ReceiverStats(c.name());
        self[0] = new ReceiverRunner(receiver, store, s, tracer, energy);
        runners.add(self[0]);
        stats.add(s);
      } catch (ReceiverStartException e) {
        problems.add(new StartProblem("receiver " + c.name(), e.getMessage()));
      } catch (RuntimeException e) {
        problems.add(new StartProblem("receiver " + c.name(), String.valueOf(e)));
      }
    }
    receiverStats = List.copyOf(stats);
  }

  @SuppressWarnings("unchecked")
  private static <C> Receiver create(ReceiverFactory<C> factory, Object config,
      ReceiverContext context) throws ReceiverStartException {
    return factory.create((C) config, context);
  }

  @SuppressWarnings("unchecked")
  private static <C> MetricExporter create(ExporterFactory<C> factory, Object config)
      throws ExporterStartException {
    return factory.create((C) config);
  }

  private record NamedExporter(String name, MetricExporter exporter) {}

  /** The agent's own traces, to every exporter whose factory makes a span exporter (OTLP). */
  private void createTracer() {
    var builder = SdkTracerProvider.builder().setResource(baseResource);
    boolean any = false;
    for (AgentConfig.Component<ExporterFactory<?>> c : config.exporters()) {
      try {
        Optional<SpanExporter> spans = spanExporter(c.factory(), c.config());
        if (spans.isPresent()) {
          builder.addSpanProcessor(BatchSpanProcessor.builder(spans.get()).build());
          any = true;
        }
      } catch (ExporterStartException e) {
        problems.add(new StartProblem("traces", e.getMessage()));
      }
    }
    if (any) {
      tracerProvider = builder.build();
      tracer = tracerProvider.get("io.cgroupotel.agent", Version.get());
    }
  }

  @SuppressWarnings("unchecked")
  private static <C> Optional<SpanExporter> spanExporter(ExporterFactory<C> factory,
      Object config) throws ExporterStartException {
    return factory.spanExporter((C) config);
  }

  private List<NamedExporter> createExporters() {
    List<NamedExporter> exporters = new ArrayList<>();
    for (AgentConfig.Component<ExporterFactory<?>> c : config.exporters()) {
      try {
        MetricExporter exporter = create(c.factory(), c.config());
        if (exporter instanceof Reopenable r) {
          reopenables.add(r);
        }
        exporters.add(new NamedExporter(c.name(), new QuietExporter(c.name(),
            exporter, Duration.ofMinutes(5), System::nanoTime, tracer)));
      } catch (ExporterStartException e) {
        problems.add(new StartProblem("exporter " + c.name(), e.getMessage()));
      } catch (RuntimeException e) {
        problems.add(new StartProblem("exporter " + c.name(), String.valueOf(e)));
      }
    }
    return exporters;
  }

  private void createProviders(List<NamedExporter> exporters) {
    InstrumentationScopeInfo scope = InstrumentationScopeInfo.builder("io.cgroupotel.agent")
        .setVersion(Version.get()).build();
    int view = 0;
    for (NamedExporter named : exporters) {
      MetricExporter exporter = named.exporter();
      EntityMetricProducer producer = new EntityMetricProducer(store, receiverStats, baseResource,
          scope, exporter.getAggregationTemporality(InstrumentType.COUNTER),
          config.settings().filter(), view++, Agent::epochNanos);
      producer.energy(energy);
      PeriodicMetricReader reader = PeriodicMetricReader.builder(exporter)
          .setInterval(mode == Mode.ONCE ? NEVER : config.settings().exportInterval())
          .setMaxExportBatchSize(config.settings().maxDataPointsPerExport())
          // LATEST would record otel.sdk.metric_reader.collection.duration into this very
          // provider, i.e. into every export; LEGACY keeps the SDK's own telemetry off
          .setInternalTelemetryVersion(InternalTelemetryVersion.LEGACY)
          .build();
      providers.add(SdkMeterProvider.builder()
          .setResource(baseResource)
          .registerMetricReader(reader)
          .registerMetricProducer(producer)
          .build());
      exporterNames.add(named.name());
    }
  }

  /**
   * What SIGHUP does to outputs: every exporter that writes a file (the file exporter) closes it
   * and opens its path again, so a file that logrotate moved away is let go at once.
   */
  void reopenFiles() {
    reopenables.forEach(Reopenable::reopen);
  }

  List<StartProblem> problems() {
    return List.copyOf(problems);
  }

  boolean hasReceivers() {
    return !runners.isEmpty();
  }

  boolean hasExporters() {
    return !providers.isEmpty();
  }

  /** Starts discovery and polling. Each receiver is polled once before this returns. */
  void start() {
    for (ReceiverRunner runner : runners) {
      runner.receiver().start();
      runner.pollOnce();
      runner.start();
    }
    log.info("started: {}", StartLine.describe(config, this));
  }

  /** For --check: start discovery, wait (bounded) for enrichment, poll each receiver once. */
  void pollOnce(Duration readyTimeout) {
    for (ReceiverRunner runner : runners) {
      runner.receiver().start();
    }
    for (ReceiverRunner runner : runners) {
      runner.receiver().awaitReady(readyTimeout);
      runner.pollOnce();
    }
  }

  /**
   * One-shot: start, wait (bounded) for enrichment, poll once, export once (the readers' last
   * export at shutdown), release everything. True if every export succeeded in time.
   */
  boolean runOnce(Duration readyTimeout, Duration exportTimeout) {
    pollOnce(readyTimeout);
    boolean exported = shutdownExporters(exportTimeout);
    closeReceivers();
    return exported;
  }

  /**
   * Stops: last poll of every receiver, last export, within {@code budget} even when a collector
   * does not answer.
   */
  void shutdown(Duration budget) {
    long deadline = System.nanoTime() + budget.toNanos();
    for (ReceiverRunner runner : runners) {
      runner.stopAndPollLast(Duration.ofMillis(500));
    }
    if (!shutdownExporters(Duration.ofNanos(Math.max(100_000_000, deadline - System.nanoTime())))) {
      log.warn("the last export did not complete in time; exiting anyway");
    }
    closeReceivers();
  }

  /** Shuts the providers down: each reader collects and exports one last time. */
  private boolean shutdownExporters(Duration timeout) {
    if (providersShut) {
      return true;
    }
    providersShut = true;
    List<CompletableResultCode> results = new ArrayList<>();
    for (SdkMeterProvider provider : providers) {
      results.add(provider.shutdown());
    }
    if (tracerProvider != null) {
      results.add(tracerProvider.shutdown());
    }
    CompletableResultCode all = CompletableResultCode.ofAll(results);
    all.join(timeout.toMillis(), TimeUnit.MILLISECONDS);
    return all.isDone() && all.isSuccess();
  }

  private boolean providersShut;

  private void closeReceivers() {
    for (ReceiverRunner runner : runners) {
      runner.close();
    }
    if (energy != null && providersShut) {
      energy.close();
    }
  }

  /** Releases everything without waiting for exports (after --check, or a failed start). */
  @Override
  public void close() {
    closeReceivers();
    shutdownExporters(Duration.ofSeconds(1));
  }

  List<ReceiverRunner> runners() {
    return List.copyOf(runners);
  }

  List<String> receiverNames() {
    return runners.stream().map(r -> r.receiver().name()).toList();
  }

  List<String> exporterNames() {
    return List.copyOf(exporterNames);
  }

  EntityStore store() {
    return store;
  }

  static long epochNanos() {
    java.time.Instant now = java.time.Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }
}

package io.cgroupotel.agent.pipeline;

import io.cgroupotel.agent.AgentConfig;
import io.cgroupotel.agent.Version;
import io.cgroupotel.agent.energy.EnergyAccounting;
import io.cgroupotel.agent.export.QuietExporter;
import io.cgroupotel.agent.pipeline.Pipeline.Mode;
import io.cgroupotel.agent.pipeline.Pipeline.StartProblem;
import io.cgroupotel.agent.receipt.ReceiptDispatcher;
import io.cgroupotel.agent.receipt.ReceiptSink;
import io.cgroupotel.exporter.DeliveryStats;
import io.cgroupotel.exporter.ExporterFactory;
import io.cgroupotel.exporter.ExporterStartException;
import io.cgroupotel.exporter.PullExporter;
import io.cgroupotel.exporter.Reopenable;
import io.cgroupotel.receiver.Receiver;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.ReceiverFactory;
import io.cgroupotel.receiver.ReceiverStartException;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.sdk.autoconfigure.ResourceConfiguration;
import io.opentelemetry.sdk.common.Clock;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.common.InternalTelemetryVersion;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Assembles a {@link Pipeline} from a configuration: the agent's tracer, exporters, the entity
 * store, the energy books, receivers with their runners, and one meter provider per exporter.
 * Builds only; {@link Agent} runs what it built. Each {@link #build()} makes a new pipeline.
 */
public final class PipelineBuilder {
  static final String SERVICE_NAME = "cgroup-otel-agent";
  static final String SCOPE = "io.cgroupotel.agent";

  /** A reader interval that never fires: --once exports only through the final shutdown. */
  static final Duration NEVER = Duration.ofDays(3650);

  private final AgentConfig config;
  private Map<String, String> env = Map.of();
  private Mode mode = Mode.RUN;

  public PipelineBuilder(AgentConfig config) {
    this.config = Objects.requireNonNull(config, "config");
  }

  /** The environment the receivers read (e.g. KUBERNETES_SERVICE_HOST). Default: empty. */
  public PipelineBuilder env(Map<String, String> env) {
    this.env = Map.copyOf(Objects.requireNonNull(env, "env"));
    return this;
  }

  /** How the pipeline will be run (see {@link Mode}). Default: {@link Mode#RUN}. */
  public PipelineBuilder mode(Mode mode) {
    this.mode = Objects.requireNonNull(mode, "mode");
    return this;
  }

  /**
   * Builds every component that can start; those that cannot are in {@link
   * Pipeline#problems()} and left out. Never throws for a component. When something else throws
   * (a fault of the agent, an Error), what was already made is closed, newest first, before the
   * throwable goes on: no port stays bound, no file open, no thread running.
   */
  public Pipeline build() {
    List<StartProblem> problems = new ArrayList<>();
    Opened opened = new Opened();
    try {
      Resource resource = baseResource(config.settings().hostName());
      SdkTracerProvider tracing = config.settings().traces() && mode != Mode.CHECK
          ? tracing(resource, opened, problems) : null;
      Tracer tracer = tracing == null
          ? TracerProvider.noop().get(SCOPE) : tracing.get(SCOPE, Version.get());
      List<Reopenable> reopenables = new ArrayList<>();
      List<NamedExporter> exporters = mode == Mode.CHECK
          ? List.of() : exporters(tracer, reopenables, opened, problems);
      EntityStore store = new EntityStore(Math.max(1, exporters.size()));
      Checkpoint checkpoint = mode == Mode.RUN ? checkpoint() : null;
      if (checkpoint != null) {
        store.restore(checkpoint.read());
      }
      EnergyAccounting energy = energy(problems);
      if (energy != null) {
        opened.add(energy, () -> {
          energy.close();
          return CompletableResultCode.ofSuccess();
        });
      }
      ReceiptSink receipts = config.settings().receipts() && mode != Mode.CHECK
          ? receipts(reopenables, opened, problems) : ReceiptSink.NONE;
      if (receipts != ReceiptSink.NONE) {
        store.endListener(new ReceiptWriter(receipts, resource, InstrumentationScopeInfo
            .builder(SCOPE).setVersion(Version.get()).build(), energy,
            config.settings().filter(), Clock.getDefault()));
      }
      List<ReceiverRunner> runners = runners(store, energy, tracer, opened, problems);
      List<Pipeline.View> views = views(exporters, store, energy, resource,
          runners.stream().map(ReceiverRunner::stats).toList(), checkpoint, opened);
      return new Pipeline(config, store, energy, runners, views, reopenables, tracing, problems,
          receipts);
    } catch (RuntimeException | Error e) {
      opened.closeAll(e);
      throw e;
    }
  }

  /**
   * What {@link #build()} made so far and how to release each, so that a build that fails part
   * way leaves nothing behind. A part handed to another (an exporter to its reader, the reader to
   * its meter provider) is released through that other.
   */
  private static final class Opened {
    private record Part(Object part, Supplier<CompletableResultCode> close) {}

    private final List<Part> parts = new ArrayList<>();

    void add(Object part, Supplier<CompletableResultCode> close) {
      parts.add(new Part(part, close));
    }

    /** {@code from} is now released by closing {@code to}. */
    void handOver(Object from, Object to, Supplier<CompletableResultCode> close) {
      parts.removeIf(p -> p.part() == from);
      add(to, close);
    }

    /** Releases every part, newest first; one that fails to close does not stop the rest. */
    void closeAll(Throwable cause) {
      List<CompletableResultCode> results = new ArrayList<>();
      for (int i = parts.size() - 1; i >= 0; i--) {
        try {
          results.add(parts.get(i).close().get());
        } catch (RuntimeException e) {
          cause.addSuppressed(e);
        }
      }
      // as Agent.close(): released without waiting long for a last flush
      CompletableResultCode.ofAll(results).join(1, TimeUnit.SECONDS);
    }
  }

  /**
   * Where series state is kept across restarts: {@code [agent] state_path}, else beside the
   * OTLP send queue when it has a path; null when neither is set.
   */
  private Checkpoint checkpoint() {
    java.nio.file.Path dir = config.settings().statePath();
    if (dir != null) {
      return new Checkpoint(dir.resolve("series.state"));
    }
    for (AgentConfig.Component<ExporterFactory<?>> c : config.exporters()) {
      if (c.config() instanceof io.cgroupotel.exporter.otlp.OtlpExporterConfig otlp
          && otlp.queue().enabled() && otlp.queue().path() != null) {
        return new Checkpoint(otlp.queue().path().resolve("series.state"));
      }
    }
    return null;
  }

  /** The agent's own resource; OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME override it. */
  public static Resource baseResource(String hostName) {
    Resource own = Resource.create(Attributes.builder()
        .put("service.name", SERVICE_NAME)
        .put("service.version", Version.get())
        .put("host.name", hostName)
        .build());
    // read by the SDK's own code
    return own.merge(ResourceConfiguration.createEnvironmentResource());
  }

  /** The energy books, when [energy] is on and a source can be read. */
  private EnergyAccounting energy(List<StartProblem> problems) {
    try {
      return EnergyAccounting.create(config.energy(), Clock.getDefault());
    } catch (IllegalStateException e) {
      problems.add(new StartProblem("energy", e.getMessage())); // says what to do
      return null;
    } catch (RuntimeException e) {
      problems.add(new StartProblem("energy", String.valueOf(e)));
      return null;
    }
  }

  private List<ReceiverRunner> runners(EntityStore store, EnergyAccounting energy, Tracer tracer,
      Opened opened, List<StartProblem> problems) {
    List<ReceiverRunner> runners = new ArrayList<>();
    for (AgentConfig.Component<ReceiverFactory<?>> c : config.receivers()) {
      // discovery asks its runner for a poll, and the runner needs the receiver first
      ReceiverRunner[] self = new ReceiverRunner[1];
      ReceiverContext context = new ReceiverContext(config.settings().hostName(), env, () -> {
        if (self[0] != null) {
          self[0].pollSoon();
        }
      });
      Receiver receiver = null;
      try {
        receiver = create(c.factory(), c.config(), context);
        ReceiverRunner runner =
            new ReceiverRunner(receiver, store, new ReceiverStats(c.name()), tracer, energy);
        opened.add(runner, () -> {
          runner.close();
          return CompletableResultCode.ofSuccess();
        });
        self[0] = runner;
        runners.add(runner);
      } catch (ReceiverStartException e) {
        problems.add(new StartProblem("receiver " + c.name(), e.getMessage()));
      } catch (RuntimeException e) {
        if (receiver != null) {
          closeQuietly(receiver, e);
        }
        problems.add(new StartProblem("receiver " + c.name(), String.valueOf(e)));
      }
    }
    return runners;
  }

  private static void closeQuietly(Receiver receiver, RuntimeException cause) {
    try {
      receiver.close();
    } catch (RuntimeException e) {
      cause.addSuppressed(e);
    }
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

  @SuppressWarnings("unchecked")
  private static <C> Optional<SpanExporter> spanExporter(ExporterFactory<C> factory,
      Object config) throws ExporterStartException {
    return factory.spanExporter((C) config);
  }

  @SuppressWarnings("unchecked")
  private static <C> Optional<LogRecordExporter> logRecordExporter(ExporterFactory<C> factory,
      Object config) throws ExporterStartException {
    return factory.logRecordExporter((C) config);
  }

  /**
   * Receipts: the log exporter of every exporter that carries logs (OTLP, file, console), all fed
   * by one dispatcher off the poll threads; {@link ReceiptSink#NONE} when none does. An exporter
   * whose log side cannot start is a start problem of its own; its metrics still go.
   */
  private ReceiptSink receipts(List<Reopenable> reopenables, Opened opened,
      List<StartProblem> problems) {
    Map<String, LogRecordExporter> logs = new java.util.LinkedHashMap<>();
    for (AgentConfig.Component<ExporterFactory<?>> c : config.exporters()) {
      try {
        Optional<LogRecordExporter> exporter = logRecordExporter(c.factory(), c.config());
        if (exporter.isPresent()) {
          LogRecordExporter e = exporter.get();
          opened.add(e, e::shutdown);
          logs.put(c.name(), e);
          if (e instanceof Reopenable r) {
            reopenables.add(r);
          }
        }
      } catch (ExporterStartException e) {
        problems.add(new StartProblem("receipts to " + c.name(), e.getMessage()));
      } catch (RuntimeException e) {
        problems.add(new StartProblem("receipts to " + c.name(), String.valueOf(e)));
      }
    }
    if (logs.isEmpty()) {
      return ReceiptSink.NONE;
    }
    ReceiptDispatcher dispatcher = ReceiptDispatcher.builder(logs).build();
    for (LogRecordExporter e : logs.values()) {
      opened.handOver(e, dispatcher, dispatcher::shutdown); // it shuts them down
    }
    return dispatcher;
  }

  /** {@code made}: the exporter as its factory made it; {@code exporter}: what the reader gets. */
  private record NamedExporter(String name, MetricExporter made, MetricExporter exporter) {}

  /**
   * The agent's own traces, to every exporter whose factory makes a span exporter (OTLP); null
   * when none does.
   */
  private SdkTracerProvider tracing(Resource resource, Opened opened,
      List<StartProblem> problems) {
    var builder = SdkTracerProvider.builder().setResource(resource);
    boolean any = false;
    for (AgentConfig.Component<ExporterFactory<?>> c : config.exporters()) {
      try {
        Optional<SpanExporter> spans = spanExporter(c.factory(), c.config());
        if (spans.isPresent()) {
          // the processor owns its exporter and thread; the provider holds only processors
          BatchSpanProcessor processor = BatchSpanProcessor.builder(spans.get()).build();
          opened.add(processor, processor::shutdown);
          builder.addSpanProcessor(processor);
          any = true;
        }
      } catch (ExporterStartException e) {
        problems.add(new StartProblem("traces", e.getMessage()));
      } catch (RuntimeException e) {
        // e.g. the SDK's IllegalStateException for a traces certificate that is not PEM
        problems.add(new StartProblem("traces", String.valueOf(e)));
      }
    }
    return any ? builder.build() : null;
  }

  private List<NamedExporter> exporters(Tracer tracer, List<Reopenable> reopenables,
      Opened opened, List<StartProblem> problems) {
    List<NamedExporter> exporters = new ArrayList<>();
    for (AgentConfig.Component<ExporterFactory<?>> c : config.exporters()) {
      try {
        MetricExporter exporter = create(c.factory(), c.config());
        if (mode == Mode.ONCE
            && exporter instanceof io.cgroupotel.exporter.otlp.QueuedOtlpExporter queued) {
          // --once: its one export is delivered (or not) before the run ends, within the 15 s
          // that Main gives the export
          queued.drainAtShutdown(Duration.ofSeconds(12));
        }
        NamedExporter named = new NamedExporter(c.name(), exporter, new QuietExporter(c.name(),
            exporter, Duration.ofMinutes(5), Clock.getDefault(), tracer));
        opened.add(exporter, exporter::shutdown);
        if (exporter instanceof Reopenable r) {
          reopenables.add(r);
        }
        exporters.add(named);
      } catch (ExporterStartException e) {
        problems.add(new StartProblem("exporter " + c.name(), e.getMessage()));
      } catch (RuntimeException e) {
        problems.add(new StartProblem("exporter " + c.name(), String.valueOf(e)));
      }
    }
    return exporters;
  }

  /**
   * Per exporter, its producer (view i of the store) and a provider whose reader pulls it. Not a
   * per-component failure: the store was made for one view per exporter, so a view that cannot
   * be made fails the build (and {@link #build()} releases what was made).
   */
  private List<Pipeline.View> views(List<NamedExporter> exporters, EntityStore store,
      EnergyAccounting energy, Resource resource, List<ReceiverStats> receiverStats,
      Checkpoint checkpoint, Opened opened) {
    InstrumentationScopeInfo scope = InstrumentationScopeInfo.builder(SCOPE)
        .setVersion(Version.get()).build();
    // every view reports every send queue, as it reports every receiver
    Map<String, DeliveryStats> delivery = new java.util.LinkedHashMap<>();
    for (NamedExporter named : exporters) {
      if (named.made() instanceof DeliveryStats stats) {
        delivery.put(named.name(), stats);
      }
    }
    List<Pipeline.View> views = new ArrayList<>();
    // the Prometheus endpoint's aborted scrapes, exported through every exporter
    List<PullExporter> pulled = exporters.stream().map(NamedExporter::made)
        .filter(PullExporter.class::isInstance).map(PullExporter.class::cast).toList();
    LongSupplier aborted = pulled.isEmpty() ? null
        : () -> pulled.stream().mapToLong(PullExporter::abortedReads).sum();
    for (NamedExporter named : exporters) {
      MetricExporter exporter = named.exporter();
      EntityMetricProducer producer = EntityMetricProducer.builder(store)
          .receiverStats(receiverStats)
          .scrapesAborted(aborted)
          .resource(resource)
          .scope(scope)
          .temporality(exporter.getAggregationTemporality(InstrumentType.COUNTER))
          .memoryMode(exporter.getMemoryMode())
          .filter(config.settings().filter())
          .view(views.size())
          .energy(energy)
          .processStats(ProcessStats::self)
          .delivery(delivery)
          .checkpoint(views.isEmpty() ? checkpoint : null)
          .build();
      PeriodicMetricReader reader = PeriodicMetricReader.builder(exporter)
          .setInterval(mode == Mode.ONCE ? NEVER : config.settings().exportInterval())
          .setMaxExportBatchSize(config.settings().maxDataPointsPerExport())
          // LATEST would record otel.sdk.metric_reader.collection.duration into this very
          // provider, i.e. into every export; LEGACY keeps the SDK's own telemetry off
          .setInternalTelemetryVersion(InternalTelemetryVersion.LEGACY)
          .build();
      // from here the reader shuts the exporter down, and then the provider the reader
      opened.handOver(named.made(), reader, reader::shutdown);
      SdkMeterProvider provider = SdkMeterProvider.builder()
          .setResource(resource)
          .registerMetricReader(reader)
          .registerMetricProducer(producer)
          .build();
      opened.handOver(reader, provider, provider::shutdown);
      if (named.made() instanceof PullExporter pull) {
        pull.collectOnDemand(reader::forceFlush); // a scrape before the first export
      }
      views.add(new Pipeline.View(named.name(), producer, provider));
    }
    return views;
  }
}

package io.cgroupotel.agent.pipeline;

import io.cgroupotel.agent.AgentConfig;
import io.cgroupotel.agent.energy.EnergyAccounting;
import io.cgroupotel.agent.receipt.ReceiptSink;
import io.cgroupotel.exporter.Reopenable;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.MetricProducer;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import java.util.List;

/**
 * An assembled pipeline, not running yet: receivers with their runners, the entity store they
 * feed, and per exporter one view (a SdkMeterProvider whose PeriodicMetricReader pulls the store
 * through its own {@link EntityMetricProducer}). Made by {@link PipelineBuilder}, run by {@link
 * Agent}: what is built is kept apart from when it polls and exports.
 *
 * <p>One provider per exporter, because producers are shared by every reader of a provider and
 * each exporter needs its own delta state and its own "exported once more after it went"
 * bookkeeping.
 */
public final class Pipeline {
  /**
   * How the pipeline will be run. {@code ONCE}: the readers get no timer (one export, at the
   * end). {@code CHECK}: no exporter is built at all, so nothing is written or sent.
   */
  public enum Mode { RUN, ONCE, CHECK }

  /** What could not start, for --check and for the exit code. */
  public record StartProblem(String component, String message) {}

  /** One exporter's share: its name, the producer its reader pulls, and its provider. */
  record View(String exporterName, EntityMetricProducer producer, SdkMeterProvider provider) {}

  private final AgentConfig config;
  private final EntityStore store;
  private final EnergyAccounting energy; // null without [energy]
  private final List<ReceiverRunner> runners;
  private final List<View> views;
  private final List<Reopenable> reopenables;
  private final SdkTracerProvider tracerProvider; // null unless [agent] traces = true
  private final List<StartProblem> problems;
  private final ReceiptSink receipts;

  public Pipeline(AgentConfig config, EntityStore store, EnergyAccounting energy,
      List<ReceiverRunner> runners, List<View> views, List<Reopenable> reopenables,
      SdkTracerProvider tracerProvider, List<StartProblem> problems) {
    this(config, store, energy, runners, views, reopenables, tracerProvider, problems,
        ReceiptSink.NONE);
  }

  public Pipeline(AgentConfig config, EntityStore store, EnergyAccounting energy,
      List<ReceiverRunner> runners, List<View> views, List<Reopenable> reopenables,
      SdkTracerProvider tracerProvider, List<StartProblem> problems, ReceiptSink receipts) {
    this.receipts = receipts;
    this.config = config;
    this.store = store;
    this.energy = energy;
    this.runners = List.copyOf(runners);
    this.views = List.copyOf(views);
    this.reopenables = List.copyOf(reopenables);
    this.tracerProvider = tracerProvider;
    this.problems = List.copyOf(problems);
  }

  /**
   * Builds receivers and exporters from {@code config}. Components that cannot start are
   * recorded in {@link #problems()} and left out; the caller decides whether what is left is
   * enough.
   */
  public static PipelineBuilder builder(AgentConfig config) {
    return new PipelineBuilder(config);
  }

  public AgentConfig config() {
    return config;
  }

  /** What could not be started (a receiver, an exporter), each with its reason; empty: all. */
  public List<StartProblem> problems() {
    return problems;
  }

  public boolean hasReceivers() {
    return !runners.isEmpty();
  }

  public boolean hasExporters() {
    return !views.isEmpty();
  }

  /** One runner per configured receiver, in configuration order. */
  public List<ReceiverRunner> runners() {
    return runners;
  }

  public List<String> receiverNames() {
    return runners.stream().map(r -> r.receiver().name()).toList();
  }

  List<String> exporterNames() {
    return views.stream().map(View::exporterName).toList();
  }

  List<View> views() {
    return views;
  }

  /**
   * What the reader of exporter view {@code view} pulls: produce() gives the data that exporter
   * would get now. For measuring the export path without a timer (Mode.ONCE, before shutdown):
   * the producer is not thread-safe, so not while that view's reader runs.
   */
  public MetricProducer producer(int view) {
    return views.get(view).producer();
  }

  public EntityStore store() {
    return store;
  }

  /** The energy books, when [energy] is on and a source could be read; else null. */
  public EnergyAccounting energy() {
    return energy;
  }

  /** The exporters that write a file, for SIGHUP. */
  List<Reopenable> reopenables() {
    return reopenables;
  }

  /** Where receipts go: {@link ReceiptSink#NONE} when off or no exporter carries logs. */
  ReceiptSink receipts() {
    return receipts;
  }

  /** Null unless [agent] traces = true and an exporter takes spans. */
  SdkTracerProvider tracerProvider() {
    return tracerProvider;
  }
}

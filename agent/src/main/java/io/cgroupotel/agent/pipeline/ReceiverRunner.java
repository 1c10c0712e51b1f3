package io.cgroupotel.agent.pipeline;

import io.cgroupotel.agent.FaultLog;
import io.cgroupotel.agent.energy.EnergyAccounting;
import io.cgroupotel.metrics.MetricGroup;
import io.cgroupotel.metrics.NetworkStats;
import io.cgroupotel.receiver.Receiver;
import io.cgroupotel.sampler.Sample;
import io.cgroupotel.sampler.ScrapeError;
import io.cgroupotel.sampler.ScrapeResult;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.common.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls one receiver at its interval on a thread of its own, feeding the entity store; the one
 * place where a receiver is scheduled. Nothing a receiver throws escapes the loop.
 *
 * <p>Thread-safe.
 */
public final class ReceiverRunner implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ReceiverRunner.class);

  private final Receiver receiver;
  private final EntityStore store;
  private final ReceiverStats stats;
  private final FaultLog faults;
  private final ScheduledExecutorService executor;
  private final AtomicBoolean pollRequested = new AtomicBoolean();

  private final Tracer tracer;

  private final EnergyAccounting energy; // null: no [energy]
  private final Clock clock;

  public ReceiverRunner(Receiver receiver, EntityStore store, ReceiverStats stats, Tracer tracer) {
    this(receiver, store, stats, tracer, null);
  }

  /** @param energy the energy books, told after each poll; null for none */
  public ReceiverRunner(Receiver receiver, EntityStore store, ReceiverStats stats, Tracer tracer,
      EnergyAccounting energy) {
    this(receiver, store, stats, tracer, energy, Clock.getDefault());
  }

  /** @param clock times the polls and spaces requested polls and fault summaries */
  ReceiverRunner(Receiver receiver, EntityStore store, ReceiverStats stats, Tracer tracer,
      EnergyAccounting energy, Clock clock) {
    this.clock = clock;
    this.lastPollStart = clock.nanoTime() - Long.MAX_VALUE / 2;
    this.energy = energy;
    this.receiver = receiver;
    this.tracer = tracer;
    this.store = store;
    this.stats = stats;
    this.faults = new FaultLog(log, receiver.name(), Duration.ofMinutes(5), clock);
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "poll-" + receiver.name());
      t.setDaemon(true);
      return t;
    });
  }

  /** The receiver this runner polls (a bench may poll it directly, holding this runner's lock). */
  public Receiver receiver() {
    return receiver;
  }

  /** What its polls cost and found, for the agent's own metrics. */
  ReceiverStats stats() {
    return stats;
  }

  /**
   * Polls now on the calling thread. Synchronized: the first and the last polls run on the
   * caller's thread while requested polls run on the runner's, and a receiver reuses its read
   * buffers, so two polls must never overlap.
   */
  public synchronized void pollOnce() {
    lastPollStart = clock.nanoTime();
    Span span = tracer.spanBuilder("poll " + receiver.name()).startSpan();
    long start = clock.nanoTime();
    ScrapeResult result;
    try {
      result = receiver.poll();
    } catch (RuntimeException | Error e) {
      // a receiver must not throw; if one does, the loop survives and says so
      result = ScrapeResult.of(List.of(),
          List.of(new ScrapeError("polling", "receiver " + receiver.name(), String.valueOf(e))));
      if (e instanceof VirtualMachineError vme) {
        throw vme;
      }
    }
    double seconds = (clock.nanoTime() - start) / 1e9;
    int live = store.apply(receiver.name(), result);
    List<ScrapeError> errors = result.errors();
    if (energy != null) {
      try {
        energy.afterPoll(receiver.name(), receiver.scope(), result, store::state);
      } catch (RuntimeException e) {
        errors = new java.util.ArrayList<>(errors);
        errors.add(new ScrapeError("attributing energy", "receiver " + receiver.name(),
            String.valueOf(e)));
      }
    }
    stats.recordPoll(seconds, live, errors.size());
    if (receiver.metricGroups().contains(MetricGroup.NETWORK)) {
      stats.recordHostNetwork(hostNetwork(result));
    }
    faults.poll(errors);
    span.setAttribute("receiver", receiver.name());
    span.setAttribute("entities", live);
    span.setAttribute("errors", errors.size());
    span.end();
  }

  /** The entities of this poll whose processes are in the node's own network namespace. */
  private static int hostNetwork(ScrapeResult result) {
    int n = 0;
    for (Sample s : result.samples()) {
      NetworkStats net = s.network();
      n += net != null && net.hostNamespace() ? 1 : 0;
    }
    return n;
  }

  /** Starts polling every {@code receiver.pollInterval()}. */
  void start() {
    long periodNanos = receiver.pollInterval().toNanos();
    executor.scheduleAtFixedRate(this::pollOnce, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
  }

  private volatile long lastPollStart;

  /**
   * Asks for a poll as soon as possible (discovery saw something new). Requests made while one
   * is pending are merged, and ignored within one interval of the last poll: on a node where
   * pods come and go every second, each arrival must not cost a poll of every pod (the soak
   * run measured twice the CPU), and receivers read what must not be missed themselves (the
   * oar3 receiver reads a new job at once).
   */
  void pollSoon() {
    if (clock.nanoTime() - lastPollStart < receiver.pollInterval().toNanos()) {
      return;
    }
    if (pollRequested.compareAndSet(false, true)) {
      try {
        executor.execute(() -> {
          pollRequested.set(false);
          pollOnce();
        });
      } catch (java.util.concurrent.RejectedExecutionException e) {
        pollRequested.set(false); // shutting down
      }
    }
  }

  /** Stops the schedule and waits (bounded) for a running poll, then polls once more. */
  void stopAndPollLast(Duration wait) {
    // no interrupt: a poll being interrupted mid-read would report its files as unreadable
    executor.shutdown();
    try {
      executor.awaitTermination(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // the last poll must read: an interrupted thread's channel reads fail (and close them)
    boolean interrupted = Thread.interrupted();
    try {
      pollOnce();
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private boolean closed;

  @Override
  public synchronized void close() {
    executor.shutdownNow();
    if (!closed) {
      closed = true;
      receiver.close();
    }
  }
}

package io.cgroupotel.agent.receipt;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes and delivers receipts to every exporter that takes logs, off the poll threads: {@link
 * #send} only queues, a thread of its own makes and exports what is queued in batches (a node where 100 pods end at
 * once sends one request, not 100). The queue is bounded: past {@link Builder#capacity}, a
 * receipt is dropped and counted, and the drops are logged once per episode.
 *
 * <p>An exporter that fails keeps its failure to itself: the others still get the batch. What a
 * collector outage does to a receipt is the exporter's business (its retries; a durable queue
 * wrapped around it).
 *
 * <p>Thread-safe.
 */
public final class ReceiptDispatcher implements ReceiptSink {
  private static final Logger log = LoggerFactory.getLogger(ReceiptDispatcher.class);
  private static final int BATCH = 512;

  private final Map<String, LogRecordExporter> exporters;
  private final BlockingQueue<Supplier<LogRecordData>> queue;
  private final Duration exportTimeout;
  private final Thread thread;
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicBoolean dropping = new AtomicBoolean();
  private final AtomicBoolean shut = new AtomicBoolean();
  private final Object idle = new Object();
  private long sent; // guarded by idle
  private long done; // guarded by idle
  private final Map<String, Boolean> failing = new java.util.concurrent.ConcurrentHashMap<>();

  private ReceiptDispatcher(Builder b) {
    this.exporters = Map.copyOf(b.exporters);
    this.queue = new ArrayBlockingQueue<>(b.capacity);
    this.exportTimeout = b.exportTimeout;
    this.thread = new Thread(this::run, "receipts");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  /** A dispatcher to {@code exporters} (by exporter name, for the log). */
  public static Builder builder(Map<String, LogRecordExporter> exporters) {
    return new Builder(exporters);
  }

  /** Settings; each has a default. */
  public static final class Builder {
    private final Map<String, LogRecordExporter> exporters;
    private int capacity = 10_000;
    private Duration exportTimeout = Duration.ofSeconds(30);

    private Builder(Map<String, LogRecordExporter> exporters) {
      this.exporters = Objects.requireNonNull(exporters, "exporters");
    }

    /** Receipts queued at most; default 10,000. */
    public Builder capacity(int capacity) {
      if (capacity < 1) {
        throw new IllegalArgumentException("capacity must be positive, got " + capacity);
      }
      this.capacity = capacity;
      return this;
    }

    /** How long one export may take before the next batch goes; default 30 s. */
    public Builder exportTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("exportTimeout must be positive");
      }
      this.exportTimeout = timeout;
      return this;
    }

    public ReceiptDispatcher build() {
      return new ReceiptDispatcher(this);
    }
  }

  /** Receipts dropped because the queue was full. */
  public long dropped() {
    return dropped.get();
  }

  @Override
  public void send(Supplier<LogRecordData> receipt) {
    if (shut.get()) {
      return;
    }
    synchronized (idle) {
      sent++;
    }
    if (queue.offer(receipt)) {
      dropping.set(false);
      return;
    }
    dropped.incrementAndGet();
    completed(1);
    if (dropping.compareAndSet(false, true)) {
      log.warn("receipts: the queue is full ({} waiting): receipts are dropped until it drains "
          + "(logged once per episode; {} dropped so far)", queue.size(), dropped.get());
    }
  }

  private void run() {
    List<Supplier<LogRecordData>> batch = new ArrayList<>(BATCH);
    while (true) {
      try {
        Supplier<LogRecordData> first = queue.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
          if (shut.get() && queue.isEmpty()) {
            return;
          }
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, BATCH - 1);
        export(make(batch));
        completed(batch.size());
        batch.clear();
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** The receipts of a batch, made here, off the poll threads; one that fails is left out. */
  private List<LogRecordData> make(List<Supplier<LogRecordData>> batch) {
    List<LogRecordData> records = new ArrayList<>(batch.size());
    for (Supplier<LogRecordData> maker : batch) {
      try {
        LogRecordData r = maker.get();
        if (r != null) {
          records.add(r);
        }
      } catch (RuntimeException e) {
        if (!makeFailed) {
          makeFailed = true;
          log.warn("receipts: cannot make a receipt ({}): left out; logged once", e.toString());
        }
      }
    }
    return records;
  }

  private boolean makeFailed; // the delivery thread's

  private void export(List<LogRecordData> records) {
    if (records.isEmpty()) {
      return;
    }
    for (Map.Entry<String, LogRecordExporter> e : exporters.entrySet()) {
      CompletableResultCode result;
      try {
        result = e.getValue().export(records);
        result.join(exportTimeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (RuntimeException ex) {
        result = CompletableResultCode.ofExceptionalFailure(ex);
      }
      boolean ok = result.isDone() && result.isSuccess();
      if (!ok && failing.put(e.getKey(), true) == null) {
        log.warn("receipts: exporter {} did not take {} receipt(s){} (logged once until it "
            + "recovers)", e.getKey(), records.size(), result.isDone() ? "" : " in time");
      } else if (ok && failing.remove(e.getKey()) != null) {
        log.info("receipts: exporter {} takes receipts again", e.getKey());
      }
    }
  }

  private void completed(int n) {
    synchronized (idle) {
      done += n;
      idle.notifyAll();
    }
  }

  /** Waits (bounded) until every receipt sent before the call is exported. */
  private boolean awaitDelivered(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (idle) {
      long target = sent;
      while (done < target) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !thread.isAlive()) {
          return false;
        }
        try {
          idle.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
      return true;
    }
  }

  @Override
  public CompletableResultCode flush() {
    return async("receipts-flush", () -> {
      boolean delivered = awaitDelivered(exportTimeout);
      List<CompletableResultCode> flushes = new ArrayList<>();
      exporters.values().forEach(e -> flushes.add(e.flush()));
      CompletableResultCode all = CompletableResultCode.ofAll(flushes);
      all.join(exportTimeout.toMillis(), TimeUnit.MILLISECONDS);
      return delivered && all.isSuccess();
    });
  }

  /**
   * Delivers what is queued (bounded by the export timeout), then shuts the exporters down.
   * Returns at once; the result completes when that is done.
   */
  @Override
  public CompletableResultCode shutdown() {
    if (!shut.compareAndSet(false, true)) {
      return CompletableResultCode.ofSuccess();
    }
    return async("receipts-shutdown", () -> {
      boolean delivered = awaitDelivered(exportTimeout);
      thread.interrupt();
      List<CompletableResultCode> results = new ArrayList<>();
      exporters.values().forEach(e -> results.add(e.shutdown()));
      CompletableResultCode all = CompletableResultCode.ofAll(results);
      all.join(exportTimeout.toMillis(), TimeUnit.MILLISECONDS);
      return delivered && all.isSuccess();
    });
  }

  /** Runs {@code work} on a thread of its own: the caller bounds its wait with the result. */
  private static CompletableResultCode async(String name,
      java.util.function.BooleanSupplier work) {
    CompletableResultCode result = new CompletableResultCode();
    Thread t = new Thread(() -> {
      boolean ok = false;
      try {
        ok = work.getAsBoolean();
      } finally {
        if (ok) {
          result.succeed();
        } else {
          result.fail();
        }
      }
    }, name);
    t.setDaemon(true);
    t.start();
    return result;
  }
}

package io.cgroupotel.exporter.otlp;

import io.cgroupotel.exporter.DeliveryStats;
import io.opentelemetry.sdk.common.Clock;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The send queue in front of an OTLP exporter: {@link #enqueue} hands a serialized request over
 * and returns; one sender thread sends the oldest request until the collector accepts it, then
 * the next, in order. A request leaves only when it was accepted (a partial success counts as
 * accepted, its rejected items are counted), or when the collector refuses the data itself (HTTP
 * 400, gRPC INVALID_ARGUMENT), or to make room: when the queue is at its bound the oldest
 * requests are dropped, never the newest. Everything else is retried with capped exponential
 * backoff (the collector's Retry-After honoured), for as long as the request is queued.
 *
 * <p>Faults are logged once per episode: the first failed delivery, a summary every few minutes,
 * one line when delivery works again; the same for dropping when full and for rejected items.
 *
 * <p>Thread-safe.
 */
final class SendQueue implements DeliveryStats {
  private static final Logger log = LoggerFactory.getLogger(SendQueue.class);
  static final Duration INITIAL_BACKOFF = Duration.ofMillis(500);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(15);
  static final Duration MAX_RETRY_AFTER = Duration.ofMinutes(5);
  private static final long SUMMARY_MILLIS = Duration.ofMinutes(5).toMillis();

  private final QueueStore store;
  private final long maxBytes;
  private final OtlpSender sender;
  private final String where; // "in memory" or the path, for the log
  private final Clock clock; // epoch time of records and episodes
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Thread thread;
  private final AtomicLong droppedFull = new AtomicLong();
  private final AtomicLong droppedRejected = new AtomicLong();
  private final AtomicLong droppedCorrupt = new AtomicLong();
  private final AtomicLong failedAttempts = new AtomicLong();

  private long removed; // requests that left the head, guarded by lock
  private boolean closing; // guarded by lock
  private volatile boolean stopped;

  // episodes, sender thread (or under lock for the full episode)
  private volatile long failingSince = -1;
  private long failuresSinceSummary;
  private long lastFailureSummary;
  private String lastFailure;
  private long fullEpisodePoints = -1; // guarded by lock; -1: not dropping
  private long rejectedSinceLog;
  private long lastRejectedLog = -1;

  SendQueue(QueueStore store, long maxBytes, OtlpSender sender, String where,
      Clock clock) {
    this.store = store;
    this.maxBytes = maxBytes;
    this.sender = sender;
    this.where = where;
    this.clock = clock;
    this.thread = new Thread(this::run, "otlp-sender");
    thread.setDaemon(true);
  }

  private long nowMillis() {
    return clock.now() / 1_000_000;
  }

  void start() {
    thread.start();
  }

  /** Counts records of a persistent queue that could not be read back (at open or later). */
  void corrupt(long items, String why) {
    long before = droppedCorrupt.getAndAdd(items);
    log.warn("otlp send queue {}: skipped an unreadable record ({}; {} point(s)); the rest is "
        + "sent (a file cut short or garbled, e.g. by a power cut){}", where, why, items,
        before > 0 ? "; " + (before + items) + " point(s) skipped so far" : "");
  }

  /**
   * Queues one request (gzip-compressed) at the tail, dropping the oldest while the queue would
   * exceed its bound. False when the queue is closed, or the request could not be stored.
   */
  boolean enqueue(Signal signal, byte[] gzipped, int items) {
    QueueRecord record = new QueueRecord(signal, gzipped, items, nowMillis());
    lock.lock();
    try {
      if (closing) {
        return false;
      }
      while (store.count() > 0 && store.bytes() + gzipped.length + framing() > maxBytes) {
        dropHead("the queue is at its bound of " + Bytes.format(maxBytes) + " " + where);
      }
      while (true) {
        try {
          store.append(record);
          break;
        } catch (IOException e) {
          if (store.count() == 0) {
            droppedFull.addAndGet(items);
            log.warn("otlp send queue {}: cannot store a request of {} ({}): dropped, {} "
                + "point(s); free space there, or set a smaller max_size or another path",
                where, Bytes.format(gzipped.length), e.getMessage(), items);
            return false;
          }
          dropHead("cannot write " + where + " (" + e.getMessage() + "): free space there, "
              + "or set max_size below the free space");
        }
      }
      changed.signalAll();
      return true;
    } finally {
      lock.unlock();
    }
  }

  private long framing() {
    return store instanceof SegmentQueueStore ? SegmentQueueStore.HEADER : 0;
  }

  /** Drops the oldest request to make room; one WARNING per episode. Under lock. */
  private void dropHead(String why) {
    QueueRecord head = store.peek(this::corrupt);
    if (head == null) {
      return;
    }
    store.removeHead();
    removed++;
    droppedFull.addAndGet(head.items());
    if (fullEpisodePoints < 0) {
      fullEpisodePoints = 0;
      log.warn("otlp send queue {}: full, dropping the oldest queued requests: {}; the collector "
          + "has not accepted anything for {} s (the points dropped are counted in "
          + "cgroup_agent.export.dropped, reason=queue_full)", where, why,
          (nowMillis() - head.enqueuedMillis()) / 1000);
    }
    fullEpisodePoints += head.items();
  }

  private void run() {
    int attempt = 0;
    while (true) {
      QueueRecord head = null;
      long removedAtPeek;
      lock.lock();
      try {
        while (!stopped && (head = store.peek(this::corrupt)) == null) {
          if (closing) {
            changed.signalAll();
          }
          changed.await();
        }
        if (stopped) {
          return;
        }
        removedAtPeek = removed;
      } catch (InterruptedException e) {
        return;
      } finally {
        lock.unlock();
      }
      SendResult result = sender.send(head);
      long now = nowMillis();
      if (result.outcome() == SendResult.Outcome.RETRY) {
        attempt++;
        failed(result, now);
        long wait = backoff(attempt, result.retryAfterMillis());
        lock.lock();
        try {
          long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(wait);
          long left;
          while (!stopped && (left = deadline - System.nanoTime()) > 0) {
            changed.awaitNanos(left);
          }
        } catch (InterruptedException e) {
          return;
        } finally {
          lock.unlock();
        }
        continue;
      }
      attempt = 0;
      delivered(result, now);
      lock.lock();
      try {
        if (removed == removedAtPeek) { // else dropped to make room while it was being sent
          store.removeHead();
          removed++;
        }
        if (store.count() == 0 && fullEpisodePoints >= 0) {
          log.info("otlp send queue {}: everything queued is delivered; {} point(s) were dropped "
              + "while it was full", where, fullEpisodePoints);
          fullEpisodePoints = -1;
        }
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  /** Milliseconds to wait before sending again: capped exponential, jittered; Retry-After wins. */
  static long backoff(int attempt, long retryAfterMillis) {
    if (retryAfterMillis >= 0) {
      return Math.min(Math.max(retryAfterMillis, INITIAL_BACKOFF.toMillis()),
          MAX_RETRY_AFTER.toMillis());
    }
    double base = INITIAL_BACKOFF.toMillis() * Math.pow(2, Math.min(attempt - 1, 20));
    double capped = Math.min(base, MAX_BACKOFF.toMillis());
    return (long) (capped * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble()));
  }

  private void failed(SendResult result, long now) {
    failedAttempts.incrementAndGet();
    lastFailure = result.detail();
    if (failingSince < 0) {
      failingSince = now;
      lastFailureSummary = now;
      failuresSinceSummary = 0;
      log.warn("otlp exporter: not delivered: {}; the request stays queued ({}) and is sent "
          + "again with backoff until the collector accepts it: nothing is lost unless the "
          + "queue reaches its bound of {}; repeats are summarised", result.detail(), depth(),
          Bytes.format(maxBytes));
      return;
    }
    failuresSinceSummary++;
    if (now - lastFailureSummary >= SUMMARY_MILLIS) {
      log.warn("otlp exporter: still not delivered after {} s ({} more attempt(s)): {}; queued: {}",
          (now - failingSince) / 1000, failuresSinceSummary, result.detail(), depth());
      lastFailureSummary = now;
      failuresSinceSummary = 0;
    }
  }

  private void delivered(SendResult result, long now) {
    if (failingSince >= 0) {
      log.info("otlp exporter: delivering again after {} s; {} to send", (now - failingSince)
          / 1000, depth());
      failingSince = -1;
    }
    if (result.rejected() > 0) {
      droppedRejected.addAndGet(result.rejected());
      rejectedSinceLog += result.rejected();
      if (lastRejectedLog < 0 || now - lastRejectedLog >= SUMMARY_MILLIS) {
        log.warn("otlp exporter: {} ({} rejected point(s) since the last such line; counted in "
            + "cgroup_agent.export.dropped, reason=rejected)", result.detail(), rejectedSinceLog);
        lastRejectedLog = now;
        rejectedSinceLog = 0;
      }
    } else if (result.outcome() == SendResult.Outcome.REFUSED) {
      log.warn("otlp exporter: {}", result.detail());
    }
  }

  private String depth() {
    lock.lock();
    try {
      return store.count() + " request(s), " + Bytes.format(store.bytes()) + " " + where;
    } finally {
      lock.unlock();
    }
  }

  /** Waits until every queued request is delivered; false when {@code timeout} ran out first. */
  boolean awaitEmpty(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    lock.lock();
    try {
      long left;
      while (store.count() > 0) {
        if (stopped || (left = deadline - System.nanoTime()) <= 0) {
          return false;
        }
        changed.awaitNanos(left);
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits for the queue to empty while the collector answers, at most {@code budget}: not at all
   * when it is failing, and no longer once a request has waited over 1.5 s for its answer (a
   * stalled collector must not hold the exit).
   */
  private boolean drain(Duration budget) {
    long deadline = System.nanoTime() + budget.toNanos();
    while (true) {
      if (failingSince >= 0 || sender.inFlightMillis() > 1500) {
        return queuedRequests() == 0;
      }
      long left = deadline - System.nanoTime();
      if (awaitEmpty(Duration.ofNanos(Math.min(left, 100_000_000L)))) {
        return true;
      }
      if (left <= 100_000_000L) {
        return false;
      }
    }
  }

  /**
   * Stops taking requests, sends what it can within {@code drain}, then stops the sender (a
   * request in flight is cancelled) and closes the store. True when nothing was left.
   */
  boolean close(Duration drain) {
    return close(drain, false);
  }

  /**
   * {@link #close(Duration)}; with {@code untilDelivered} (a one-shot run, whose one export is
   * the point of it) the whole {@code drain} is spent retrying, failing collector or not.
   */
  boolean close(Duration drain, boolean untilDelivered) {
    lock.lock();
    try {
      if (stopped) {
        return store.count() == 0;
      }
      closing = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    // a collector that does not answer gets no more time: what is left stays on disk, or is lost
    // from memory either way
    boolean empty = untilDelivered ? awaitEmpty(drain) : drain(drain);
    lock.lock();
    try {
      stopped = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    sender.cancel();
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    sender.close();
    lock.lock();
    try {
      int left = store.count();
      if (left > 0) {
        if (store instanceof SegmentQueueStore) {
          log.info("otlp send queue: {} request(s) ({}) stay {}, sent first at the next start",
              left, Bytes.format(store.bytes()), where);
        } else {
          log.warn("otlp send queue: {} request(s) ({}) not delivered at exit are lost (set "
              + "[exporters.otlp.queue] path to keep them across restarts)", left,
              Bytes.format(store.bytes()));
        }
      }
      store.close();
      return left == 0;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public int queuedRequests() {
    lock.lock();
    try {
      return store.count();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public long queuedBytes() {
    lock.lock();
    try {
      return store.bytes();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public double queueAgeSeconds() {
    long oldest;
    lock.lock();
    try {
      oldest = store.oldestMillis();
    } finally {
      lock.unlock();
    }
    return oldest < 0 ? 0 : Math.max(0, nowMillis() - oldest) / 1000.0;
  }

  @Override
  public long failedAttempts() {
    return failedAttempts.get();
  }

  @Override
  public Map<String, Long> droppedPoints() {
    Map<String, Long> m = new LinkedHashMap<>();
    m.put(QUEUE_FULL, droppedFull.get());
    m.put(REJECTED, droppedRejected.get());
    m.put(CORRUPT, droppedCorrupt.get());
    return m;
  }

  String where() {
    return where;
  }
}

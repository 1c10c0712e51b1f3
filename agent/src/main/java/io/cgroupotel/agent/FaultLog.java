package io.cgroupotel.agent;

import io.cgroupotel.sampler.ScrapeError;
import io.opentelemetry.sdk.common.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;

/**
 * Logs a fault that repeats every poll once, then a summary now and then, then its recovery; so a
 * node with a thousand unreadable cgroups polled every second keeps a quiet log.
 *
 * <p>A fault is identified by receiver, operation and cause ("k8s / reading cpu.stat / permission
 * denied"), not by the object, so the same fault on many cgroups counts as one.
 *
 * <p>Not thread-safe: one instance per poll thread.
 */
public final class FaultLog {
  private final Logger log;
  private final String receiver;
  private final long summaryIntervalNanos;
  private final Clock clock;
  private final Map<String, Fault> active = new HashMap<>();

  private static final class Fault {
    long sinceSummary;
    long total;
    long lastSummaryNanos;
    String lastExample;
  }

  public FaultLog(Logger log, String receiver, Duration summaryInterval, Clock clock) {
    this.log = log;
    this.receiver = receiver;
    this.summaryIntervalNanos = summaryInterval.toNanos();
    this.clock = clock;
  }

  /** Reports the errors of one poll: new faults logged, repeats counted, absent ones recovered. */
  public void poll(List<ScrapeError> errors) {
    long now = clock.nanoTime();
    Set<String> seen = new HashSet<>();
    for (ScrapeError error : errors) {
      String key = error.operation() + ": " + error.cause();
      seen.add(key);
      Fault fault = active.get(key);
      if (fault == null) {
        fault = new Fault();
        fault.lastSummaryNanos = now;
        active.put(key, fault);
        log.warn("receiver {}: {} (repeats are counted and summarised)", receiver, error);
      } else {
        fault.sinceSummary++;
      }
      fault.total++;
      fault.lastExample = error.object();
    }
    for (Iterator<Map.Entry<String, Fault>> it = active.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Fault> e = it.next();
      Fault fault = e.getValue();
      if (!seen.contains(e.getKey())) {
        log.info("receiver {}: recovered from \"{}\" after {} occurrence(s)", receiver, e.getKey(),
            fault.total);
        it.remove();
      } else if (now - fault.lastSummaryNanos >= summaryIntervalNanos && fault.sinceSummary > 0) {
        log.warn("receiver {}: \"{}\" happened {} more time(s) in the last {}s (last: {})",
            receiver, e.getKey(), fault.sinceSummary,
            (now - fault.lastSummaryNanos) / 1_000_000_000L, fault.lastExample);
        fault.sinceSummary = 0;
        fault.lastSummaryNanos = now;
      }
    }
  }

  /** Number of distinct faults going on (for tests). */
  int activeFaults() {
    return active.size();
  }
}

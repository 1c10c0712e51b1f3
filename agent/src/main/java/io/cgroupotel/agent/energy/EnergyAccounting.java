package io.cgroupotel.agent.energy;

import io.cgroupotel.cgroupfs.KeptOpenFile;
import io.cgroupotel.sampler.Sample;
import io.cgroupotel.sampler.ScrapeResult;
import io.opentelemetry.sdk.common.Clock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The energy books: after each poll of a receiver, the node's energy and busy CPU time of that
 * receiver's poll interval are split among its entities in proportion to the increase of their
 * CPU time ({@code usage_usec}), against the node's busy time.
 *
 * <p>Per interval of receiver R: {@code d} = max(node busy time, sum of R's top-level entities'
 * CPU increases); a top-level entity's share is its increase over {@code d}; it gets that share
 * of each domain's energy, of the node's carbon and of the busy time. A nested entity (a
 * container, {@link io.cgroupotel.sampler.Entity#parentId()}) gets a share of its parent's, in
 * proportion to its increase among its siblings, so nothing is counted twice. An entity first
 * seen at R's first poll starts from its CPU time then; one first seen later was created during
 * the interval, so all of its CPU time is that interval's (an entity that lived between two polls
 * is read by the sampler at discovery and at its end, and counted).
 *
 * <p>The unattributed parts are not kept here: the producer computes them from the entities it
 * exports (node total minus their sum) under this object's lock, so the books close in every
 * export by construction, and stay monotonic because no interval gives away more than the node
 * measured.
 *
 * <p>Thread-safe: poll threads and export threads meet on this object's lock.
 */
public final class EnergyAccounting implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EnergyAccounting.class);

  /**
   * One entity's account: who it is; its figures live in its receiver's {@link AccountTable} at
   * {@link #slot}, or, once the entity is gone, in {@link #frozen}. Guarded by the accounting's
   * lock.
   */
  public static final class Account {
    final String receiver;
    final Booked state;
    final String parentId;
    int slot = -1;
    /** The totals when the entity went (CPU seconds, carbon grams, joules per domain). */
    double[] frozen;
    private final AccountTable table;

    Account(String receiver, Booked state, AccountTable table) {
      this.receiver = receiver;
      this.state = state;
      this.parentId = state.entity().parentId();
      this.table = table;
    }

    boolean topLevel() {
      return parentId == null;
    }
  }

  /** One receiver's side. */
  private static final class Books {
    NodeEnergy.Reading previous;
    long polls;
    final AccountTable table = new AccountTable();
    /** Slots read in this poll with a CPU time, in sample order. */
    int[] sampled = new int[16];
    Path scopePath;
    KeptOpenFile scope;
    long scopeLast = -1;
    double scopeSeconds;
    double scopeUnexplainedSeconds;
  }

  /** What one export needs, read at once under the lock. */
  public record Snapshot(NodeEnergy.Reading node, List<String> domains, long[] domainStart,
      String source, long startEpochNanos, boolean carbon, Map<String, double[]> scopes,
      Map<String, double[]> values) {}

  private final NodeEnergy node;
  private final long startEpochNanos;
  private final NodeEnergy.Reading start;
  private NodeEnergy.Reading latest;
  private final Map<String, Books> books = new HashMap<>();
  private final ByteBuffer scopeBuffer = ByteBuffer.allocateDirect(1024);
  private final byte[] scopeBytes = new byte[1024];
  private long attributionNanos;
  private long attributions;
  private long nodeReadNanos;

  public EnergyAccounting(NodeEnergy node, Clock clock) {
    this.node = node;
    this.startEpochNanos = clock.now();
    this.start = node.read();
    this.latest = start;
  }

  /**
   * The books of {@code config}, or null when energy is off.
   *
   * @throws IllegalStateException when no energy source can be used (says what to do)
   */
  public static EnergyAccounting create(EnergyConfig config, Clock clock) {
    if (!config.enabled()) {
      return null;
    }
    NodeEnergy node = NodeEnergy.create(config, ProcStat.system(), clock,
        message -> log.warn("energy: {}", message));
    log.info("energy: source {}, domains {}", node.kind().attribute(), node.domains());
    return new EnergyAccounting(node, clock);
  }

  NodeEnergy node() {
    return node;
  }

  /**
   * Total time spent attributing (node reads included), the number of attributions, and the
   * time of the node reads alone (nanoseconds).
   */
  synchronized long[] cost() {
    return new long[] {attributionNanos, attributions, nodeReadNanos};
  }

  /** Attributes the interval that ended with this poll of {@code receiver}. */
  public synchronized void afterPoll(String receiver, Path scope, ScrapeResult result,
      BiFunction<String, String, ? extends Booked> states) {
    long t0 = System.nanoTime();
    NodeEnergy.Reading now = node.read();
    nodeReadNanos += System.nanoTime() - t0;
    latest = now;
    Books b = books.computeIfAbsent(receiver, r -> new Books());
    boolean first = b.previous == null;
    NodeEnergy.Reading before = first ? start : b.previous;
    double busy = Math.max(0, now.busySeconds() - before.busySeconds());
    int domainCount = now.joules().length;
    double[] joules = new double[domainCount];
    for (int d = 0; d < domainCount; d++) {
      joules[d] = Math.max(0, now.joules(d) - before.joules(d));
    }
    double carbon = Double.isNaN(now.carbonGrams()) ? 0
        : Math.max(0, now.carbonGrams() - before.carbonGrams());

    // the CPU increase of each entity read in this poll
    long poll = ++b.polls;
    AccountTable t = b.table;
    t.domains(domainCount);
    List<Sample> samples = result.samples();
    if (b.sampled.length < samples.size()) {
      b.sampled = new int[Math.max(16, samples.size() * 2)];
    }
    int[] sampled = b.sampled;
    int sampledCount = 0;
    int seen = 0;
    long topSum = 0;
    boolean anyNested = false;
    for (int i = 0, n = samples.size(); i < n; i++) {
      Sample sample = samples.get(i);
      io.cgroupotel.sampler.Entity entity = sample.entity();
      long usage = sample.usageUsec();
      int slot = t.slotAt(i, entity);
      if (slot < 0) {
        // new (an entity that went and came back is a new Entity, with a new state)
        Booked state = states.apply(receiver, entity.id());
        if (state == null) {
          continue;
        }
        Account a = new Account(receiver, state, t);
        slot = t.open(i, entity, a);
        t.lastUsage[slot] = first ? Math.max(0, usage) : 0;
        state.account(a);
      }
      if (t.seenPoll[slot] != poll) {
        t.seenPoll[slot] = poll;
        seen++;
      }
      if (usage < 0) {
        continue;
      }
      long last = t.lastUsage[slot];
      long delta = usage >= last ? usage - last : usage;
      t.pendingUsage[slot] = usage;
      t.pendingDelta[slot] = delta;
      t.share[slot] = 0;
      sampled[sampledCount++] = slot;
      if (t.nested[slot]) {
        anyNested = true;
      } else {
        topSum += delta;
      }
    }
    for (var e : result.retained()) {
      int slot = t.slotOf(e);
      if (slot >= 0 && t.seenPoll[slot] != poll) {
        t.seenPoll[slot] = poll;
        seen++;
      }
    }

    // top-level entities against the node; nested ones within their parent
    Map<String, List<Integer>> children = anyNested ? children(t, sampled, sampledCount) : null;
    // a node whose busy time did not advance attributes nothing (and divides by nothing): the
    // entities' increases are kept for the next interval
    double denominator = busy > 0 ? Math.max(busy * 1e6, topSum) : 0;
    if (denominator > 0) {
      for (int k = 0; k < sampledCount; k++) {
        int slot = sampled[k];
        if (!t.nested[slot]) {
          t.share[slot] = t.pendingDelta[slot] / denominator;
          credit(t, slot, busy, joules, carbon);
          t.lastUsage[slot] = t.pendingUsage[slot];
          if (children != null) {
            shareWithin(t, slot, children, busy, joules, carbon);
          }
        }
      }
    }

    // the scope cgroup: its increase, and the part no entity explains
    readScope(b, scope, topSum);

    if (seen != t.live()) {
      t.closeUnseen(poll); // entities gone in this poll
    }
    b.previous = now;
    attributionNanos += System.nanoTime() - t0;
    attributions++;
  }

  /** The nested slots read in this poll, by their parent's entity id. */
  private static Map<String, List<Integer>> children(AccountTable t, int[] sampled, int count) {
    Map<String, List<Integer>> children = new HashMap<>();
    for (int k = 0; k < count; k++) {
      int slot = sampled[k];
      if (t.nested[slot]) {
        children.computeIfAbsent(t.account[slot].parentId, p -> new ArrayList<>(2)).add(slot);
      }
    }
    return children;
  }

  /** Gives the children of {@code parent} their part of its share, recursively. */
  private static void shareWithin(AccountTable t, int parent,
      Map<String, List<Integer>> children, double busy, double[] joules, double carbon) {
    List<Integer> kids = children.get(t.account[parent].state.entity().id());
    if (kids == null) {
      return;
    }
    long sum = 0;
    for (int c : kids) {
      sum += t.pendingDelta[c];
    }
    double denominator = Math.max(t.pendingDelta[parent], sum);
    for (int c : kids) {
      t.share[c] = denominator > 0 ? t.share[parent] * t.pendingDelta[c] / denominator : 0;
      credit(t, c, busy, joules, carbon);
      t.lastUsage[c] = t.pendingUsage[c];
      shareWithin(t, c, children, busy, joules, carbon);
    }
  }

  private static void credit(AccountTable t, int slot, double busy, double[] joules,
      double carbon) {
    double share = t.share[slot];
    if (share <= 0) {
      return;
    }
    double[] totals = t.totals;
    int at = slot * t.stride;
    totals[at] += share * busy;
    totals[at + 1] += share * carbon;
    for (int d = 0; d < joules.length; d++) {
      totals[at + 2 + d] += share * joules[d];
    }
  }

  private void readScope(Books b, Path scope, long topSum) {
    if (scope == null) {
      return;
    }
    if (!scope.equals(b.scopePath)) {
      closeScope(b);
      b.scopePath = scope;
    }
    long usage = -1;
    try {
      if (b.scope == null) {
        b.scope = new KeptOpenFile(scope.resolve("cpu.stat"));
      }
      int n = b.scope.read(scopeBuffer);
      if (n > 0) {
        scopeBuffer.get(0, scopeBytes, 0, n);
        usage = usageUsec(scopeBytes, n);
      }
    } catch (IOException e) {
      closeScope(b); // not there yet (no pod yet), or gone: tried again next poll
    }
    if (usage < 0) {
      return;
    }
    if (b.scopeLast >= 0 && usage >= b.scopeLast) {
      long delta = usage - b.scopeLast;
      b.scopeSeconds += delta / 1e6;
      b.scopeUnexplainedSeconds += Math.max(0, delta - topSum) / 1e6;
    }
    b.scopeLast = usage;
  }

  /** {@code usage_usec} of a cpu.stat, or -1. */
  static long usageUsec(byte[] b, int n) {
    byte[] key = "usage_usec ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    outer:
    for (int i = 0; i + key.length <= n; i++) {
      if (i > 0 && b[i - 1] != '\n') {
        continue;
      }
      for (int k = 0; k < key.length; k++) {
        if (b[i + k] != key[k]) {
          continue outer;
        }
      }
      long v = 0;
      int j = i + key.length;
      int start = j;
      while (j < n && b[j] >= '0' && b[j] <= '9') {
        v = v * 10 + (b[j] - '0');
        j++;
      }
      return j > start ? v : -1;
    }
    return -1;
  }

  private static void closeScope(Books b) {
    if (b.scope != null) {
      b.scope.close();
      b.scope = null;
    }
    b.scopeLast = -1;
  }

  /**
   * The node's totals and, for each of {@code states} that has an account, its values: {@code
   * [cpu seconds, carbon grams, joules per domain...]}, all read at one instant.
   */
  public synchronized Snapshot snapshot(List<? extends Booked> states) {
    List<String> domains = List.copyOf(node.domains());
    long[] domainStart = new long[domains.size()];
    for (int i = 0; i < domainStart.length; i++) {
      domainStart[i] = node.domainStart(i);
    }
    Map<String, double[]> scopes = new HashMap<>();
    for (Map.Entry<String, Books> e : books.entrySet()) {
      scopes.put(e.getKey(), new double[] {e.getValue().scopeSeconds,
          e.getValue().scopeUnexplainedSeconds, e.getValue().scopePath == null ? 0 : 1});
    }
    Map<String, double[]> values = new HashMap<>(states.size() * 2);
    for (Booked s : states) {
      Account a = s.account();
      if (a == null) {
        continue;
      }
      values.put(s.entity().id(), a.table.values(a, 2 + domains.size()));
    }
    return new Snapshot(latest, domains, domainStart, node.kind().attribute(), startEpochNanos,
        node.hasCarbon(), scopes, values);
  }

  /** Receivers with books (polled at least once). */
  synchronized Set<String> receivers() {
    return new HashSet<>(books.keySet());
  }

  @Override
  public synchronized void close() {
    for (Books b : books.values()) {
      closeScope(b);
    }
    node.close();
  }
}

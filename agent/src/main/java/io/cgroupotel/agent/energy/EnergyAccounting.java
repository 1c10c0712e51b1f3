package io.cgroupotel.agent.energy;

import io.cgroupotel.cgroupfs.KeptOpenFile;
import io.cgroupotel.sampler.Sample;
import io.cgroupotel.sampler.ScrapeResult;
import io.opentelemetry.sdk.common.Clock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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

  /** What the books gave one entity since first sight. Guarded by the accounting's lock. */
  public static final class Account {
    final String receiver;
    final Booked state;
    final String parentId;
    long seenPoll;
    long lastUsage;
    long pendingUsage;
    long pendingDelta;
    double share;
    double cpuSeconds;
    double carbonGrams;
    double[] joules = new double[0];

    public Account(String receiver, Booked state) {
      this.receiver = receiver;
      this.state = state;
      this.parentId = state.entity().parentId();
    }

    boolean topLevel() {
      return parentId == null;
    }
  }

  /** One receiver's side. */
  private static final class Books {
    NodeEnergy.Reading previous;
    long polls;
    /**
     * By entity object: a receiver hands the same Entity in every sample, and an identity map
     * spares the id string's cache lines on the per-entity path.
     */
    final Map<io.cgroupotel.sampler.Entity, Account> accounts = new java.util.IdentityHashMap<>();
    final List<Account> sampled = new ArrayList<>();
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
    List<Account> sampled = b.sampled;
    sampled.clear();
    int seen = 0;
    for (Sample sample : result.samples()) {
      io.cgroupotel.sampler.Entity entity = sample.entity();
      long usage = sample.usageUsec();
      Account a = b.accounts.get(entity);
      if (a == null) {
        // new (an entity that went and came back is a new Entity, with a new state)
        Booked state = states.apply(receiver, entity.id());
        if (state == null) {
          continue;
        }
        a = new Account(receiver, state);
        a.lastUsage = first ? Math.max(0, usage) : 0;
        b.accounts.put(entity, a);
        state.account(a);
      }
      if (a.seenPoll != poll) {
        a.seenPoll = poll;
        seen++;
      }
      if (usage < 0) {
        continue;
      }
      a.pendingUsage = usage;
      a.pendingDelta = usage >= a.lastUsage ? usage - a.lastUsage : usage;
      a.share = 0;
      sampled.add(a);
    }
    for (var e : result.retained()) {
      Account a = b.accounts.get(e);
      if (a != null && a.seenPoll != poll) {
        a.seenPoll = poll;
        seen++;
      }
    }

    // top-level entities against the node; nested ones within their parent
    Map<String, List<Account>> children = null;
    long topSum = 0;
    for (Account a : sampled) {
      if (a.topLevel()) {
        topSum += a.pendingDelta;
      } else {
        if (children == null) {
          children = new HashMap<>();
        }
        children.computeIfAbsent(a.parentId, k -> new ArrayList<>(2)).add(a);
      }
    }
    // a node whose busy time did not advance attributes nothing (and divides by nothing): the
    // entities' increases are kept for the next interval
    double denominator = busy > 0 ? Math.max(busy * 1e6, topSum) : 0;
    for (Account a : sampled) {
      if (a.topLevel() && denominator > 0) {
        a.share = denominator > 0 ? a.pendingDelta / denominator : 0;
        credit(a, busy, joules, carbon);
        a.lastUsage = a.pendingUsage;
        if (children != null) {
          shareWithin(a, children, busy, joules, carbon);
        }
      }
    }

    // the scope cgroup: its increase, and the part no entity explains
    readScope(b, scope, topSum);

    if (seen != b.accounts.size()) {
      b.accounts.values().removeIf(a -> a.seenPoll != poll); // entities gone in this poll
    }
    b.previous = now;
    attributionNanos += System.nanoTime() - t0;
    attributions++;
  }

  /** Gives the children of {@code parent} their part of its share, recursively. */
  private static void shareWithin(Account parent, Map<String, List<Account>> children,
      double busy, double[] joules, double carbon) {
    List<Account> kids = children.get(parent.state.entity().id());
    if (kids == null) {
      return;
    }
    long sum = 0;
    for (Account c : kids) {
      sum += c.pendingDelta;
    }
    double denominator = Math.max(parent.pendingDelta, sum);
    for (Account c : kids) {
      c.share = denominator > 0 ? parent.share * c.pendingDelta / denominator : 0;
      credit(c, busy, joules, carbon);
      c.lastUsage = c.pendingUsage;
      shareWithin(c, children, busy, joules, carbon);
    }
  }

  private static void credit(Account a, double busy, double[] joules, double carbon) {
    if (a.joules.length < joules.length) {
      a.joules = Arrays.copyOf(a.joules, joules.length);
    }
    if (a.share <= 0) {
      return;
    }
    a.cpuSeconds += a.share * busy;
    for (int d = 0; d < joules.length; d++) {
      a.joules[d] += a.share * joules[d];
    }
    a.carbonGrams += a.share * carbon;
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
      double[] v = new double[2 + domains.size()];
      v[0] = a.cpuSeconds;
      v[1] = a.carbonGrams;
      System.arraycopy(a.joules, 0, v, 2, Math.min(a.joules.length, domains.size()));
      values.put(s.entity().id(), v);
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

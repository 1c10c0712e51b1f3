package io.cgroupotel.agent.pipeline;

import io.cgroupotel.agent.MetricFilter;
import io.cgroupotel.agent.energy.EnergyAccounting;
import io.cgroupotel.agent.receipt.EndedEntity;
import io.cgroupotel.agent.receipt.ReceiptSink;
import io.cgroupotel.agent.receipt.Receipts;
import io.cgroupotel.sampler.Entity;
import io.cgroupotel.sampler.Sample;
import io.opentelemetry.sdk.common.Clock;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands an entity's receipt to the sink when the store sees it end: once per entity, told on the
 * poll thread that saw it go, which only queues it (the sink makes it on its own thread; nothing
 * is done per poll).
 *
 * <p>Once: an {@link Entity} is the receiver's object for one cgroup's life (a cgroup made again
 * under the same path is a new one), and each gets one receipt at most, even if a late read of it
 * came back after its end and the store took it for a new state.
 *
 * <p>Thread-safe.
 */
final class ReceiptWriter implements EntityStore.EndListener {
  private static final Logger log = LoggerFactory.getLogger(ReceiptWriter.class);

  private final ReceiptSink sink;
  private final Resource base;
  private final InstrumentationScopeInfo scope;
  private final EnergyAccounting energy; // null without [energy]
  private final MetricFilter filter;
  private final Clock clock; // when an end was observed
  /** Entities with a receipt; weak, so the set holds no more than the entities still referenced. */
  private final Map<Entity, Boolean> written = Collections.synchronizedMap(new WeakHashMap<>());
  private volatile boolean warned;

  ReceiptWriter(ReceiptSink sink, Resource base, InstrumentationScopeInfo scope,
      EnergyAccounting energy, MetricFilter filter, Clock clock) {
    this.sink = sink;
    this.base = base;
    this.scope = scope;
    this.energy = energy;
    this.filter = filter;
    this.clock = clock;
  }

  @Override
  public void ended(String receiver, EntityState state, boolean predatesReceiver) {
    try {
      Entity entity = state.entity();
      if (!filter.acceptsEntity(entity.attributes())
          || written.putIfAbsent(entity, Boolean.TRUE) != null) {
        return;
      }
      // the facts as they are now (the final sample); the record is made on the sink's thread
      Sample first = state.firstSample();
      Sample last = state.reading().sample();
      long observed = clock.now();
      sink.send(() -> Receipts.receipt(ended(state, first, last, !predatesReceiver), scope,
          observed));
    } catch (RuntimeException e) {
      // a receipt must never cost the poll; one line, not one per entity
      if (!warned) {
        warned = true;
        log.warn("receipts: cannot make the receipt of {} ({}): logged once", state.entity(),
            e.toString());
      }
    }
  }

  /** The facts of an ended entity, its energy from the books (final once it is gone). */
  private EndedEntity ended(EntityState state, Sample first, Sample last, boolean observed) {
    double joules = Double.NaN;
    double carbon = Double.NaN;
    if (energy != null && state.account() != null) {
      EnergyAccounting.Snapshot snap = energy.snapshot(List.of(state));
      double[] v = snap.values().get(state.entity().id());
      if (v != null) {
        joules = wholeNode(snap.domains(), v);
        carbon = snap.carbon() ? v[1] : Double.NaN;
      }
    }
    return new EndedEntity(state.entity(), state.resource(base), first, last, observed, joules,
        carbon);
  }

  /**
   * The entity's share of the whole node's energy from its share of each domain, as the books
   * count the node: {@code psys} where the platform has it, else the packages and their {@code
   * dram} (RAPL's {@code core} and {@code uncore} lie inside a package); the model's one domain.
   */
  static double wholeNode(List<String> domains, double[] v) {
    double psys = 0;
    double others = 0;
    boolean hasPsys = false;
    for (int d = 0; d < domains.size() && 2 + d < v.length; d++) {
      String name = domains.get(d);
      if (name.startsWith("psys")) {
        hasPsys = true;
        psys += v[2 + d];
      } else if (name.startsWith("package") || name.startsWith("dram")
          || domains.size() == 1) {
        others += v[2 + d];
      }
    }
    return hasPsys ? psys : others;
  }
}

package io.cgroupotel.agent.pipeline;

import io.cgroupotel.sampler.Entity;
import io.cgroupotel.sampler.Sample;
import io.cgroupotel.sampler.ScrapeResult;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The latest reading of every entity, per receiver: latest wins, first-seen time kept.
 *
 * <p>An entity missing from a poll is marked gone; each exporter view exports it once more with
 * its last value, and when every view has, it is dropped. So the store holds the live entities
 * plus those gone since the last export: it cannot grow without bound.
 *
 * <p>Thread-safe: each receiver's poll thread calls {@link #apply} for its own receiver; export
 * threads iterate.
 */
public final class EntityStore {
  private final Map<String, ReceiverEntities> byReceiver = new ConcurrentHashMap<>();
  private final int viewCount;
  /** What the last run's checkpoint kept, by {@link Checkpoint#key}; taken as entities return. */
  private final Map<String, Checkpoint.Entry> restored = new ConcurrentHashMap<>();
  private volatile boolean checkpointing;
  /**
   * Told once of each entity that ends, on the poll thread that saw it go (receipts); not of a
   * state this run never read (one restored from elsewhere: its end may predate this run).
   */
  private volatile EndListener endListener = (receiver, state, predatesReceiver) -> {};

  /** What is told of an entity's end. */
  interface EndListener {
    /**
     * @param state the entity's state, its last reading the final one
     * @param predatesReceiver whether it was there at the receiver's first poll (its start is
     *     then the agent's, not its own)
     */
    void ended(String receiver, EntityState state, boolean predatesReceiver);
  }

  /** @param viewCount number of exporter views (each exports a gone entity once) */
  public EntityStore(int viewCount) {
    if (viewCount < 1 || viewCount > 31) {
      throw new IllegalArgumentException("viewCount must be in [1, 31], got " + viewCount);
    }
    this.viewCount = viewCount;
  }

  int viewCount() {
    return viewCount;
  }

  /**
   * Series of the agent's last run, from its checkpoint: an entity seen again (and whose CPU
   * counter has not gone back, i.e. not a cgroup recreated under the same name) continues its
   * series. What a receiver's first poll does not find is forgotten.
   */
  void restore(Map<String, Checkpoint.Entry> entries) {
    restored.putAll(entries);
    checkpointing = true;
  }

  /** Whether a checkpoint is kept (producers then publish their delta baselines). */
  boolean checkpointing() {
    return checkpointing;
  }

  /** Every live entity with its receiver's name. */
  void forEachLive(java.util.function.BiConsumer<String, EntityState> action) {
    byReceiver.forEach((receiver, r) -> r.states.values().forEach(s -> {
      if (!s.gone()) {
        action.accept(receiver, s);
      }
    }));
  }

  void endListener(EndListener listener) {
    this.endListener = java.util.Objects.requireNonNull(listener, "listener");
  }

  /** Applies one poll of {@code receiver}; returns the number of live entities it has now. */
  public int apply(String receiver, ScrapeResult result) {
    ReceiverEntities entities = byReceiver.computeIfAbsent(receiver, r -> new ReceiverEntities());
    long poll = ++entities.polls;
    int seen = 0; // live entities this poll mentions, each once
    for (Sample sample : result.samples()) {
      Entity entity = sample.entity();
      EntityState state = entities.states.get(entity.id());
      if (state == null || state.gone()) {
        // new, or back after it went (a cgroup recreated under the same name): a new series
        Checkpoint.Entry before = state != null || restored.isEmpty() ? null
            : restored.remove(Checkpoint.key(receiver, entity.id()));
        if (before != null && (sample.usageUsec() < 0 || sample.usageUsec() < before.usageUsec())) {
          before = null; // its counter went back: recreated while the agent was down
        }
        state = new EntityState(entity, sample, before);
        state.seen(poll);
        state.firstPoll(poll);
        entities.states.put(entity.id(), state);
        entities.live++;
        seen++;
      } else {
        if (state.lastSeenPoll() != poll) {
          seen++;
        }
        state.update(sample, poll);
      }
    }
    for (Entity entity : result.retained()) {
      EntityState state = entities.states.get(entity.id());
      if (state != null && !state.gone() && state.lastSeenPoll() != poll) {
        state.seen(poll);
        seen++;
      }
    }
    if (poll == 1 && !restored.isEmpty()) {
      // gone while the agent was down: nothing more can be said of them
      restored.keySet().removeIf(k -> k.startsWith(receiver + '\0'));
    }
    if (seen == entities.live) {
      return seen; // every live entity was seen: none went (the common poll, no walk of all)
    }
    for (EntityState state : entities.states.values()) {
      if (!state.gone() && state.lastSeenPoll() != poll) {
        state.markGone();
        entities.live--;
        if (state.firstPoll() > 0) { // read in this run (not restored): its end was seen
          endListener.ended(receiver, state, state.firstPoll() == 1);
        }
      }
    }
    return entities.live;
  }

  /** The state of entity {@code id} of {@code receiver}, or null. */
  public EntityState state(String receiver, String id) {
    ReceiverEntities r = byReceiver.get(receiver);
    return r == null ? null : r.states.get(id);
  }

  /** Every entity state, live or gone-but-not-yet-exported, of every receiver. */
  public List<EntityState> states() {
    List<EntityState> all = new ArrayList<>();
    for (ReceiverEntities r : byReceiver.values()) {
      all.addAll(r.states.values());
    }
    return all;
  }

  /** Drops, for {@code view}, the gone entities it has now exported; the last view frees them. */
  void exportedGone(Collection<EntityState> gone, int view) {
    for (EntityState state : gone) {
      if (state.exportedAfterGone(view, viewCount)) {
        for (ReceiverEntities r : byReceiver.values()) {
          r.states.remove(state.entity().id(), state);
        }
      }
    }
  }

  /** Number of states held, gone ones included (for tests and self-checks). */
  public int size() {
    int n = 0;
    for (ReceiverEntities r : byReceiver.values()) {
      n += r.states.size();
    }
    return n;
  }

  /** The states of one receiver, gone ones included. */
  public List<EntityState> states(String receiver) {
    ReceiverEntities r = byReceiver.get(receiver);
    return r == null ? List.of() : List.copyOf(r.states.values());
  }

  /** Live entities of one receiver. */
  public int live(String receiver) {
    ReceiverEntities r = byReceiver.get(receiver);
    if (r == null) {
      return 0;
    }
    int n = 0;
    for (Iterator<EntityState> it = r.states.values().iterator(); it.hasNext(); ) {
      if (!it.next().gone()) {
        n++;
      }
    }
    return n;
  }

  private static final class ReceiverEntities {
    public final Map<String, EntityState> states = new ConcurrentHashMap<>();
    long polls; // written by the receiver's one poll thread only
    public int live; // states not gone; likewise
  }
}

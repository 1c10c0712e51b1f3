package io.cgroupotel.agent.pipeline;

import io.cgroupotel.agent.energy.Booked;
import io.cgroupotel.agent.energy.EnergyAccounting;
import io.cgroupotel.sampler.Entity;
import io.cgroupotel.sampler.Sample;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.sdk.resources.Resource;
import java.util.Map;

/**
 * What the pipeline keeps for one entity: its latest reading and the time it was first seen (the
 * start time of its cumulative counters).
 *
 * <p>Written by the entity's poll thread, read by the export threads: the reading is one
 * immutable object behind a volatile reference, so readers never see half an update.
 */
public final class EntityState implements Booked {
  /** The latest sample and the CPU rate between it and the sample before (NaN if unknown). */
  public record Reading(Sample sample, double cpuCores) {}

  private final Entity entity;
  private final long firstSeenEpochNanos;
  private final Sample firstSample;
  private volatile Reading reading;
  private volatile long lastSeenPoll;
  private volatile long firstPoll;
  private volatile boolean gone;
  private int exportedGoneViews; // bit per exporter view, guarded by this

  private volatile EnergyAccounting.Account account; // values guarded by the accounting's lock

  private int resourceVersion = -1; // guarded by this
  private Resource resource;

  public EntityState(Entity entity, Sample first) {
    this(entity, first, null);
  }

  /**
   * @param restored what a checkpoint of the agent's last run kept of this entity's series (its
   *     start time, its delta baselines), or null for a new series
   */
  public EntityState(Entity entity, Sample first, Checkpoint.Entry restored) {
    this.entity = entity;
    this.firstSeenEpochNanos = restored == null ? first.epochNanos()
        : restored.firstSeenEpochNanos();
    this.firstSample = first;
    this.reading = new Reading(first, Double.NaN);
    this.restoredDeltas = restored == null ? null : restored.deltas();
  }

  private final Checkpoint.Baseline[] restoredDeltas; // from the last run, or null
  private volatile Checkpoint.Baseline[] deltaBaselines = NO_BASELINES;
  private static final Checkpoint.Baseline[] NO_BASELINES = new Checkpoint.Baseline[0];

  /** For delta view {@code view}: where its last export before a restart left off, or null. */
  Checkpoint.Baseline restoredDelta(int view) {
    return restoredDeltas == null || view >= restoredDeltas.length ? null : restoredDeltas[view];
  }

  /** Delta view {@code view} exported {@code values} at {@code epochNanos} (for the checkpoint). */
  synchronized void deltaExported(int view, long epochNanos, double[] values) {
    Checkpoint.Baseline[] b = deltaBaselines;
    if (b.length <= view) {
      b = java.util.Arrays.copyOf(b, view + 1);
    } else {
      b = b.clone();
    }
    b[view] = new Checkpoint.Baseline(epochNanos, values.clone());
    deltaBaselines = b;
  }

  /** Per view, the last delta export (null entries: not a delta view, or none yet). */
  Checkpoint.Baseline[] deltaBaselines() {
    return deltaBaselines;
  }

  @Override
  public Entity entity() {
    return entity;
  }

  long firstSeenEpochNanos() {
    return firstSeenEpochNanos;
  }

  Sample firstSample() {
    return firstSample;
  }

  public Reading reading() {
    return reading;
  }

  boolean gone() {
    return gone;
  }

  long lastSeenPoll() {
    return lastSeenPoll;
  }

  void seen(long poll) {
    lastSeenPoll = poll;
  }

  /** The receiver's poll that first read it (1: it was there when the agent started). */
  long firstPoll() {
    return firstPoll;
  }

  void firstPoll(long poll) {
    firstPoll = poll;
  }

  /** Records a new sample; the CPU rate is derived from the previous one. */
  void update(Sample sample, long poll) {
    Sample previous = reading.sample();
    double cores = Double.NaN;
    long dtNanos = sample.epochNanos() - previous.epochNanos();
    long now = sample.usageUsec();
    long before = previous.usageUsec();
    if (dtNanos > 0 && now != Sample.ABSENT && before != Sample.ABSENT
        && Long.compareUnsigned(now, before) >= 0) { // u64 counters
      cores = (now - before) * 1_000.0 / dtNanos;
    }
    reading = new Reading(sample, cores);
    lastSeenPoll = poll;
  }

  /** What the energy books gave it (null without energy, or before its first attribution). */
  @Override
  public EnergyAccounting.Account account() {
    return account;
  }

  @Override
  public void account(EnergyAccounting.Account account) {
    this.account = account;
  }

  void markGone() {
    gone = true;
  }

  /**
   * For a gone entity: records that {@code view} exported it one last time. Returns true when every
   * one of {@code viewCount} views has, so that it can be dropped.
   */
  synchronized boolean exportedAfterGone(int view, int viewCount) {
    exportedGoneViews |= 1 << view;
    return Integer.bitCount(exportedGoneViews) >= viewCount;
  }

  synchronized boolean exportedAfterGoneBy(int view) {
    return (exportedGoneViews & (1 << view)) != 0;
  }

  /** The entity's Resource: base merged with its attributes, rebuilt only when they change. */
  synchronized Resource resource(Resource base) {
    int version = entity.attributesVersion();
    if (resource == null || version != resourceVersion) {
      resource = base.merge(Resource.create(toAttributes(entity.attributes())));
      resourceVersion = version;
    }
    return resource;
  }

  static Attributes toAttributes(Map<String, Object> map) {
    AttributesBuilder b = Attributes.builder();
    map.forEach((k, v) -> {
      if (v instanceof Long || v instanceof Integer) {
        b.put(LONG_KEYS.computeIfAbsent(k, AttributeKey::longKey), ((Number) v).longValue());
      } else {
        b.put(STRING_KEYS.computeIfAbsent(k, AttributeKey::stringKey), String.valueOf(v));
      }
    });
    return b.build();
  }

  /**
   * One key object per attribute name, shared by every entity's resource (a handful of names; a
   * key per entity and name was 30,000 objects at 10,000 cgroups).
   */
  private static final Map<String, AttributeKey<String>> STRING_KEYS =
      new java.util.concurrent.ConcurrentHashMap<>();
  private static final Map<String, AttributeKey<Long>> LONG_KEYS =
      new java.util.concurrent.ConcurrentHashMap<>();
}

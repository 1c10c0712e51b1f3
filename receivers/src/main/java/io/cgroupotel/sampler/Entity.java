package io.cgroupotel.sampler;

import io.cgroupotel.metrics.EntitySpec;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A thing measured: a cgroup, a pod, a container or a job. One entity becomes one OTel Resource.
 *
 * <p>Receivers create an entity once, when they discover it, and hand the same object in every
 * sample; the pipeline keys its state on {@link #id()}. Attributes may be replaced later (e.g.
 * when the Kubernetes API answers): {@link #attributesVersion()} changes each time, so the
 * pipeline rebuilds the Resource only then.
 *
 * <p>Thread-safe: attributes are replaced as a whole, by reference.
 */
public final class Entity {
  private final String id;
  private final EntityKind kind;
  private final String parentId;
  private volatile Map<String, Object> attributes;
  private volatile int attributesVersion;
  private volatile long[] specs; // per EntitySpec ordinal, or null: none known
  private volatile long discoveredEpochNanos = Sample.ABSENT;

  /**
   * @param id unique among all entities of all receivers, stable while the entity lives
   * @param kind what the entity is
   * @param attributes resource attributes; values are {@link String} or {@link Long}
   */
  public Entity(String id, EntityKind kind, Map<String, Object> attributes) {
    this(id, kind, attributes, null);
  }

  /**
   * @param parentId the id of the entity whose cgroup holds this one's (a container's pod), or
   *     null: nested entities are never counted twice when totals are made
   */
  public Entity(String id, EntityKind kind, Map<String, Object> attributes, String parentId) {
    this.id = Objects.requireNonNull(id, "id");
    this.kind = Objects.requireNonNull(kind, "kind");
    this.attributes = Map.copyOf(new LinkedHashMap<>(attributes));
    this.parentId = parentId;
  }

  /** The id of the enclosing entity of the same receiver, or null for a top-level one. */
  public String parentId() {
    return parentId;
  }

  public String id() {
    return id;
  }

  public EntityKind kind() {
    return kind;
  }

  /** Resource attributes (String or Long values); immutable. */
  public Map<String, Object> attributes() {
    return attributes;
  }

  /** Bumped each time {@link #setAttributes} changes the attributes. */
  public int attributesVersion() {
    return attributesVersion;
  }

  /** Replaces the attributes; a no-op when they are equal to the current ones. */
  public void setAttributes(Map<String, Object> newAttributes) {
    Map<String, Object> copy = Map.copyOf(newAttributes);
    synchronized (this) {
      if (!copy.equals(attributes)) {
        attributes = copy;
        attributesVersion++;
      }
    }
  }

  /** A value of the entity's spec (e.g. its pod's CPU limit), or {@link Sample#ABSENT}. */
  public long spec(EntitySpec spec) {
    long[] s = specs;
    return s == null ? Sample.ABSENT : s[spec.ordinal()];
  }

  /**
   * Replaces the spec values ({@link EntitySpec#none()} filled in, one per {@link EntitySpec}
   * ordinal; {@link Sample#ABSENT} where unknown), or clears them with null.
   */
  public void setSpecs(long[] values) {
    if (values != null && values.length != EntitySpec.values().length) {
      throw new IllegalArgumentException("one value per EntitySpec");
    }
    specs = values == null ? null : values.clone();
  }

  /**
   * When the sampler found its cgroup (wall clock, nanoseconds since the epoch), or {@link
   * Sample#ABSENT}: the start of a receipt, a poll interval closer to the cgroup's birth than its
   * first poll.
   */
  public long discoveredEpochNanos() {
    return discoveredEpochNanos;
  }

  public void discovered(long epochNanos) {
    this.discoveredEpochNanos = epochNanos;
  }

  @Override
  public String toString() {
    return kind.prefix() + " " + id;
  }
}

package io.cgroupotel.sampler;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * What makes a receiver: which cgroup directories are entities, and what they are. The sampler
 * does the rest (discovery, files, reads, final counters). Paths are relative to the hierarchy's
 * root ({@code ""} is the root itself); they keep the name's bytes, whatever the JVM's charset, so
 * never turn one into a String and back into a Path.
 *
 * <p>Called on the discovery thread, parents before children.
 */
public interface Classifier {

  /** Whether to look below this directory: lets a receiver skip subtrees and save watches. */
  boolean descend(Path relative);

  /** What the cgroup at {@code relative} is, or null when it is not an entity. */
  Classification classify(Path relative);

  /** The sampler tracks a new entity (after its first read). */
  default void added(TrackedEntity entity) {}

  /** An entity's cgroup is gone; its final sample is reported at the next poll. */
  default void removed(TrackedEntity entity) {}

  /**
   * An entity to track.
   *
   * @param kind what it is
   * @param attributes its resource attributes (String or Long values)
   */
  record Classification(EntityKind kind, Map<String, Object> attributes) {
    public Classification {
      Objects.requireNonNull(kind, "kind");
      attributes = Map.copyOf(attributes);
    }
  }
}

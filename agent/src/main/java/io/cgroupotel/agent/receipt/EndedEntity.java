package io.cgroupotel.agent.receipt;

import io.cgroupotel.sampler.Entity;
import io.cgroupotel.sampler.Sample;
import io.opentelemetry.sdk.resources.Resource;
import java.util.Objects;

/**
 * What the agent knows of an entity when it ends: the facts a receipt is made of.
 *
 * @param entity what ended (its kind, attributes and the specs its receiver attached)
 * @param resource its Resource, as its metrics carry it
 * @param first the first sample read of it
 * @param last the final sample (the read at its end, or the last poll's)
 * @param startObserved whether the agent saw it appear; false when it was there at the agent's
 *     start (its start is then the agent's first sight of it)
 * @param joules its share of the node's energy while the agent watched, NaN without energy
 * @param carbonGrams its share of the node's carbon, NaN without a carbon intensity
 */
public record EndedEntity(Entity entity, Resource resource, Sample first, Sample last,
    boolean startObserved, double joules, double carbonGrams) {
  public EndedEntity {
    Objects.requireNonNull(entity, "entity");
    Objects.requireNonNull(resource, "resource");
    Objects.requireNonNull(first, "first");
    Objects.requireNonNull(last, "last");
  }
}

package io.cgroupotel.agent.energy;

import io.cgroupotel.sampler.Entity;

/**
 * An entity the books keep an account for (the pipeline's entity state): the books read its
 * entity and keep its account on it, so an export finds the account without a lookup.
 */
public interface Booked {
  /** The entity, as its receiver last classified it. */
  Entity entity();

  /** Its account in the books; null until the books first saw it. */
  EnergyAccounting.Account account();

  /** Set by the books when they first see the entity. */
  void account(EnergyAccounting.Account account);
}

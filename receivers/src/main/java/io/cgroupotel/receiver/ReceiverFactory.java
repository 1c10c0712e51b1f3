package io.cgroupotel.receiver;

import io.cgroupotel.config.ConfigSection;

/**
 * Makes one kind of receiver: reads its config section, then builds it.
 *
 * @param <C> the receiver's config record
 */
public interface ReceiverFactory<C> {

  /** The config section name under {@code [receivers]}, e.g. {@code cgroup}. */
  String type();

  /**
   * Reads and validates the section. Errors are recorded in the section (all of them, with their
   * positions), and a best-effort config is returned anyway.
   */
  C parseConfig(ConfigSection section);

  /**
   * Builds the receiver, checking the environment (e.g. that {@code path} is cgroup v2).
   *
   * @throws ReceiverStartException when the environment makes the receiver unusable
   */
  Receiver create(C config, ReceiverContext context) throws ReceiverStartException;
}

package io.cgroupotel.receiver;

import java.util.List;

/** Every kind of receiver the agent knows, in the order they are documented. */
public final class Receivers {
  private Receivers() {}

  public static List<ReceiverFactory<?>> factories() {
    return List.of();
  }
}

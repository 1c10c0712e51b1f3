package io.cgroupotel.receiver;

import io.cgroupotel.receiver.cgroup.CgroupReceiverFactory;
import java.util.List;

/** Every kind of receiver the agent knows, in the order they are documented. */
public final class Receivers {
  private Receivers() {}

  public static List<ReceiverFactory<?>> factories() {
    return List.of(new CgroupReceiverFactory());
  }
}

package io.cgroupotel.receiver.builtin;

import io.cgroupotel.receiver.ReceiverFactory;
import io.cgroupotel.receiver.cgroup.CgroupReceiverFactory;
import io.cgroupotel.receiver.k8s.K8sReceiverFactory;
import io.cgroupotel.receiver.oar3.Oar3ReceiverFactory;
import io.cgroupotel.receiver.slurm.SlurmReceiverFactory;
import java.util.List;

/** Every kind of receiver the agent knows, in the order they are documented. */
public final class Receivers {
  private Receivers() {}

  public static List<ReceiverFactory<?>> factories() {
    return List.of(new CgroupReceiverFactory(), new K8sReceiverFactory(),
        new Oar3ReceiverFactory(), new SlurmReceiverFactory());
  }
}

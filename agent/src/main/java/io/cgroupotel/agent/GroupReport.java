package io.cgroupotel.agent;

import io.cgroupotel.receiver.Sample;
import io.cgroupotel.sampler.Field;
import io.cgroupotel.sampler.MetricGroup;
import io.cgroupotel.sampler.NetworkStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * What {@code --check} says of each metric group of a receiver: in how many entities it found
 * values, and which. A group found nowhere is not an error: its controller is not enabled there.
 */
final class GroupReport {
  private GroupReport() {}

  /** How many entities have a namespace of their own, how many share the node's. */
  private static String network(List<EntityState> states) {
    int own = 0;
    int host = 0;
    int interfaces = 0;
    for (EntityState state : states) {
      NetworkStats net = state.reading().sample().network();
      if (net == null) {
        continue;
      }
      if (net.hostNamespace()) {
        host++;
      } else {
        own++;
        interfaces = Math.max(interfaces, net.size());
      }
    }
    return "  metrics network: " + own + " of " + states.size() + " entities in a network "
        + "namespace of their own (up to " + interfaces + " interface(s) exported), " + host + " in the "
        + "node's (no network series)";
  }

  static List<String> lines(Set<MetricGroup> groups, List<EntityState> states) {
    List<String> out = new ArrayList<>();
    for (MetricGroup group : groups) {
      if (group == MetricGroup.NETWORK) {
        out.add(network(states));
        continue;
      }
      int found = 0;
      int devices = 0;
      Set<String> fields = new TreeSet<>();
      for (EntityState state : states) {
        Sample s = state.reading().sample();
        boolean any = false;
        for (Field f : Field.values()) {
          if (f.group() == group && s.get(f) >= 0) {
            fields.add(f.name().toLowerCase(Locale.ROOT));
            any = true;
          }
        }
        if (group == MetricGroup.IO && s.io() != null) {
          devices = Math.max(devices, s.io().size());
          any = true;
        }
        if (any) {
          found++;
        }
      }
      String what = found == 0
          ? "nothing (its controller is not enabled on these cgroups: absent, not an error)"
          : group == MetricGroup.IO ? "io.stat, up to " + devices + " device(s)"
          : String.join(", ", fields);
      out.add("  metrics " + group.configName() + ": " + found + " of " + states.size()
          + " entities: " + what);
    }
    return out;
  }
}

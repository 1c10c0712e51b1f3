package io.cgroupotel.agent;

import io.cgroupotel.receiver.Sample;
import io.cgroupotel.sampler.Field;
import io.cgroupotel.sampler.MetricGroup;
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

  static List<String> lines(Set<MetricGroup> groups, List<EntityState> states) {
    List<String> out = new ArrayList<>();
    for (MetricGroup group : groups) {
      int found = 0;
      int devices = 0;
      Set<String> fields = new TreeSet<>();
      for (EntityState state : states) {
        Sample s = state.reading().sample();
        boolean any = false;
        for (Field f : Field.values()) {
          if (f.group() == group && s.get(f) != Sample.ABSENT) {
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

package io.cgroupotel.agent.cli;

import io.cgroupotel.agent.pipeline.EntityState;
import io.cgroupotel.agent.pipeline.StartLine;
import io.cgroupotel.metrics.EntityMetric;
import io.cgroupotel.metrics.Field;
import io.cgroupotel.metrics.MetricGroup;
import io.cgroupotel.metrics.NetworkStats;
import io.cgroupotel.sampler.EntityKind;
import io.cgroupotel.sampler.Sample;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What {@code --check} says of each metric group of a receiver: in how many entities it found
 * values, and which metrics (as they are exported) those values make. A group found nowhere is
 * not an error: its controller is not enabled there, or (pressure) cgroup v1 has no such file.
 */
public final class GroupReport {
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

  /**
   * @param v1 whether the receiver reads cgroup v1, where pressure (PSI) does not exist
   */
  public static List<String> lines(Set<MetricGroup> groups, List<EntityState> states, boolean v1) {
    List<String> out = new ArrayList<>();
    for (MetricGroup group : groups) {
      if (group == MetricGroup.NETWORK) {
        out.add(network(states));
        continue;
      }
      int found = 0;
      Set<String> metrics = new LinkedHashSet<>();
      for (EntityState state : states) {
        Sample s = state.reading().sample();
        EntityKind kind = state.entity().kind();
        boolean any = false;
        for (EntityMetric m : EntityMetric.values()) {
          if (m.group() == group && kind.has(m) && present(m, kind, s)) {
            metrics.add(kind.metricName(m));
            any = true;
          }
        }
        if (any) {
          found++;
        }
      }
      String what;
      if (found > 0) {
        what = String.join(", ", metrics);
      } else if (group == MetricGroup.PRESSURE && v1) {
        what = "nothing: pressure (PSI) is not available on cgroup v1";
      } else {
        what = "nothing (its controller is not enabled on these cgroups: absent, not an error)";
      }
      out.add("  metrics " + group.configName() + ": " + found + " of "
          + StartLine.plural(states.size(), "entity", "entities") + ": " + what);
    }
    return out;
  }

  /** Whether {@code s} has a value for one of the metric's points. */
  private static boolean present(EntityMetric m, EntityKind kind, Sample s) {
    return switch (m.source()) {
      case FIELDS, CPU_TIME -> kind.points(m).stream().anyMatch(p -> s.get(p.field()) != Sample.ABSENT);
      case CPU_RATE -> s.get(Field.CPU_USAGE_USEC) != Sample.ABSENT;
      case IO_BYTES, IO_OPERATIONS -> s.io() != null && s.io().size() > 0;
      default -> false;
    };
  }
}

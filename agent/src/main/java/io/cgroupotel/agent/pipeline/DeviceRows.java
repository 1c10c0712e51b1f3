package io.cgroupotel.agent.pipeline;

import io.cgroupotel.agent.export.ReusedMetricData.Points;
import io.cgroupotel.metrics.EntityMetric;
import io.cgroupotel.metrics.MetricAttributes;
import io.cgroupotel.metrics.NetworkStats;
import io.cgroupotel.sampler.IoStats;
import io.cgroupotel.sampler.Sample;
import io.opentelemetry.api.common.Attributes;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The rows with a point per device (I/O by block device) or per interface (network, in the
 * entity's own namespace) and direction; for delta, each against its own previous value.
 */
final class DeviceRows {
  private DeviceRows() {}

  /** I/O bytes or operations, a point per device and direction. */
  static final RowSource IO = DeviceRows::io;
  /** A network counter, a point per interface and direction; none in the host's namespace. */
  static final RowSource NETWORK = DeviceRows::network;

  /** Devices of the node, times two directions: a handful, shared by every producer. */
  private static final Map<String, Attributes> IO_ATTRIBUTES = new ConcurrentHashMap<>();
  private static final Map<String, Attributes> NETWORK_ATTRIBUTES = new ConcurrentHashMap<>();

  private static void io(EntityMetric m, EntityRows.Row row, Points points) {
    IoStats io = row.sample.io();
    if (io == null) {
      return;
    }
    EntityRows.Exported last = row.delta ? row.last : null;
    boolean bytes = m.source() == EntityMetric.Source.IO_BYTES;
    for (int d = 0; d < io.size(); d++) {
      String device = io.device(d);
      long read = bytes ? io.readBytes(d) : io.readOperations(d);
      long write = bytes ? io.writtenBytes(d) : io.writeOperations(d);
      if (read != Sample.ABSENT) {
        points.add(row.pointStart, row.time, ioAttributes("read", device),
            value(last, m, device, "read", read));
      }
      if (write != Sample.ABSENT) {
        points.add(row.pointStart, row.time, ioAttributes("write", device),
            value(last, m, device, "write", write));
      }
    }
  }

  private static void network(EntityMetric m, EntityRows.Row row, Points points) {
    NetworkStats net = row.sample.network();
    if (net == null || net.hostNamespace()) {
      return;
    }
    EntityRows.Exported last = row.delta ? row.last : null;
    NetworkStats.Counter counter = m.networkCounter();
    for (int i = 0; i < net.size(); i++) {
      String name = net.name(i);
      points.add(row.pointStart, row.time, networkAttributes(EntityMetric.RECEIVE, name),
          value(last, m, name, EntityMetric.RECEIVE, net.received(i, counter)));
      points.add(row.pointStart, row.time, networkAttributes(EntityMetric.TRANSMIT, name),
          value(last, m, name, EntityMetric.TRANSMIT, net.transmitted(i, counter)));
    }
  }

  /** The value, or under delta ({@code last} not null) its increase since the last export. */
  private static double value(EntityRows.Exported last, EntityMetric m, String device,
      String direction, long value) {
    double v = Sample.toDouble(value); // a u64
    if (last == null) {
      return v;
    }
    if (last.io == null) {
      last.io = new HashMap<>();
    }
    Double previous = last.io.put(m.ordinal() + "/" + device + "/" + direction, v);
    return previous == null ? 0 : Math.max(0, v - previous);
  }

  /**
   * The same Attributes object for the same device and direction at every export: the file
   * exporter's encoder keeps a point's attributes encoded by identity (so do the SDK's).
   */
  private static Attributes ioAttributes(String direction, String device) {
    return IO_ATTRIBUTES.computeIfAbsent(direction + '\0' + device, k -> Attributes.of(
        MetricAttributes.DISK_IO_DIRECTION, direction, MetricAttributes.SYSTEM_DEVICE, device));
  }

  /** As {@link #ioAttributes}: one object per direction and interface name, shared. */
  private static Attributes networkAttributes(String direction, String name) {
    String key = direction + '\0' + name;
    Attributes a = NETWORK_ATTRIBUTES.get(key);
    if (a == null) {
      a = Attributes.of(MetricAttributes.NETWORK_IO_DIRECTION, direction,
          MetricAttributes.NETWORK_INTERFACE_NAME, name);
      if (NETWORK_ATTRIBUTES.size() < 4096) { // names are few (eth0, net1): bounded all the same
        NETWORK_ATTRIBUTES.put(key, a);
      }
    }
    return a;
  }
}

package io.cgroupotel.agent.pipeline;

import io.cgroupotel.agent.energy.HostBooks;
import io.cgroupotel.agent.export.ReusedMetricData.Points;
import io.cgroupotel.metrics.EntityMetric;

/**
 * How the points of one kind of row of the metric table are made for one entity: each {@link
 * EntityMetric.Source} the table declares has one. A new kind of row (a new source of values) is
 * a new strategy here, not a new method of the producer.
 */
@FunctionalInterface
interface RowSource {
  /** Adds the row's points for the entity {@code row} is at; none when it has no value. */
  void fill(EntityMetric m, EntityRows.Row row, Points points);

  /** The strategy of {@code source}; the same object at every call (none is allocated). */
  static RowSource of(EntityMetric.Source source) {
    return switch (source) {
      case CPU_RATE -> SampleRows.CPU_RATE;
      case FIELDS, CPU_TIME -> SampleRows.FIELDS;
      case SPEC_RATIO -> SampleRows.SPEC_RATIO;
      case IO_BYTES, IO_OPERATIONS -> DeviceRows.IO;
      case NETWORK -> DeviceRows.NETWORK;
      case ENERGY -> EntityRows.ENERGY;
    };
  }
}

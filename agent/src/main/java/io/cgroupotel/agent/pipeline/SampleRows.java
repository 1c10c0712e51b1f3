package io.cgroupotel.agent.pipeline;

import io.cgroupotel.agent.export.ReusedMetricData.Points;
import io.cgroupotel.metrics.EntityMetric;
import io.cgroupotel.sampler.Sample;
import io.opentelemetry.api.common.Attributes;
import java.util.List;

/** The rows read from one field (or two) of the entity's sample: most of the table. */
final class SampleRows {
  private SampleRows() {}

  /** Cores used since the previous sample (none before the second). */
  static final RowSource CPU_RATE = (m, row, points) -> {
    double cores = row.reading.cpuCores();
    if (!Double.isNaN(cores)) {
      points.add(row.start, row.time, Attributes.empty(), cores);
    }
  };

  /**
   * A point per field the row lists, scaled; a counter under delta temporality is its increase
   * since the last export (the first: since the entity's first sample).
   */
  static final RowSource FIELDS = SampleRows::fields;

  /** Usage over the entity's spec value (a request or limit its platform declares). */
  static final RowSource SPEC_RATIO = (m, row, points) -> {
    double ratio = specRatio(m, row.state.entity().spec(m.spec()), row.sample,
        row.reading.cpuCores());
    if (!Double.isNaN(ratio)) {
      points.add(row.start, row.time, Attributes.empty(), ratio);
    }
  };

  private static void fields(EntityMetric m, EntityRows.Row row, Points points) {
    boolean delta = row.delta && m.instrument() == EntityMetric.Instrument.COUNTER;
    List<EntityMetric.PointSpec> specs = row.kind.points(m);
    for (int i = 0; i < specs.size(); i++) {
      EntityMetric.PointSpec spec = specs.get(i);
      long raw = row.sample.get(spec.field());
      if (raw == Sample.ABSENT) {
        continue;
      }
      double value = Sample.toDouble(raw) * spec.scale(); // a u64
      if (delta) {
        double[] last = row.last.values();
        int slot = m.ordinal() * 2 + i;
        double previous = last[slot];
        if (Double.isNaN(previous)) {
          long first = row.state.firstSample().get(spec.field());
          previous = first == Sample.ABSENT ? value : Sample.toDouble(first) * spec.scale();
        }
        last[slot] = value;
        value = Math.max(0, value - previous);
      }
      points.add(row.pointStart, row.time, spec.attributes(), value);
    }
  }

  /**
   * Usage over the entity's spec value: cores over millicores / 1000, or the row's field over the
   * value; NaN (no point) where either is unknown.
   */
  static double specRatio(EntityMetric m, long spec, Sample s, double cpuCores) {
    if (spec <= 0) {
      return Double.NaN;
    }
    if (m.numerator() == null) {
      return cpuCores / (spec / 1000.0); // NaN before the second sample
    }
    long usage = s.get(m.numerator());
    return usage == Sample.ABSENT ? Double.NaN : Sample.toDouble(usage) / spec;
  }
}

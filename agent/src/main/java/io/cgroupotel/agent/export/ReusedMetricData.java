package io.cgroupotel.agent.export;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.Data;
import io.opentelemetry.sdk.metrics.data.DoubleExemplarData;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.GaugeData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.metrics.data.SumData;
import java.util.ArrayList;
import java.util.List;

/**
 * One metric of one entity that a producer hands out again at every export, its points rewritten
 * in place: the SDK's {@link io.opentelemetry.sdk.common.export.MemoryMode#REUSABLE_DATA}. Only
 * for an exporter that says it is done with the data when its export completes (the SDK's
 * periodic reader collects again only after that). Made anew, an export is four objects per
 * metric (metric, data, list, point), 20,000 metrics at 10,000 cgroups; kept, the agent's
 * steady garbage is its samples alone, and its young generation can be small (the launcher's
 * MaxNewSize).
 *
 * <p>The SDK's own reusable implementations are internal, so the agent implements the public
 * interfaces; a sum here is always monotonic (the table's counters).
 */
public final class ReusedMetricData extends EntityMetricData {
  private final PointsData data;

  private ReusedMetricData(InstrumentationScopeInfo scope, String name, String description,
      String unit, MetricDataType type, PointsData data) {
    super(null, scope, name, description, unit, type, data);
    this.data = data;
  }

  /** A counter ({@code temporality} given) or a gauge ({@code temporality} null). */
  public static ReusedMetricData create(InstrumentationScopeInfo scope, String name,
      String description,
      String unit, AggregationTemporality temporality) {
    // not one class for both: consumers tell a sum from a gauge by its type or its class
    return temporality == null
        ? new ReusedMetricData(scope, name, description, unit, MetricDataType.DOUBLE_GAUGE,
            new Gauge())
        : new ReusedMetricData(scope, name, description, unit, MetricDataType.DOUBLE_SUM,
            new Sum(temporality));
  }

  /**
   * Takes {@code filled} as its points and returns its previous ones (or a new list), for the
   * caller to refill for the next metric: so a row without a value this export costs no object.
   */
  public Points swapPoints(Points filled) {
    Points previous = data.points;
    data.points = filled;
    return previous == null ? new Points(true) : previous;
  }

  private abstract static class PointsData implements Data<DoublePointData> {
    Points points;

    @Override
    public List<DoublePointData> getPoints() {
      return points;
    }
  }

  private static final class Gauge extends PointsData implements GaugeData<DoublePointData> {}

  private static final class Sum extends PointsData implements SumData<DoublePointData> {
    private final AggregationTemporality temporality;

    Sum(AggregationTemporality temporality) {
      this.temporality = temporality;
    }

    @Override
    public boolean isMonotonic() {
      return true;
    }

    @Override
    public AggregationTemporality getAggregationTemporality() {
      return temporality;
    }
  }

  /**
   * The points of one metric as a producer makes them: fresh immutable points ({@code reuse}
   * false: the caller copies the list out), or the same point objects rewritten at each export.
   */
  public static final class Points extends java.util.AbstractList<DoublePointData>
      implements java.util.RandomAccess {
    private final boolean reuse;
    private final ArrayList<DoublePointData> points = new ArrayList<>(2);
    private int size;

    public Points(boolean reuse) {
      this.reuse = reuse;
    }

    public void add(long startEpochNanos, long epochNanos, Attributes attributes, double value) {
      if (!reuse) {
        points.add(DoublePointData.create(startEpochNanos, epochNanos, attributes, value,
            List.of()));
      } else if (size < points.size()) {
        ((MutablePoint) points.get(size)).set(startEpochNanos, epochNanos, attributes, value);
      } else {
        MutablePoint p = new MutablePoint();
        p.set(startEpochNanos, epochNanos, attributes, value);
        points.add(p);
      }
      size++;
    }

    @Override
    public void clear() {
      size = 0;
      if (!reuse) {
        points.clear();
      }
    }

    @Override
    public DoublePointData get(int index) {
      if (index >= size) {
        throw new IndexOutOfBoundsException(index + " >= " + size);
      }
      return points.get(index);
    }

    @Override
    public int size() {
      return size;
    }
  }

  /** A point whose fields the next export overwrites. */
  private static final class MutablePoint implements DoublePointData {
    private long startEpochNanos;
    private long epochNanos;
    private Attributes attributes;
    private double value;

    void set(long startEpochNanos, long epochNanos, Attributes attributes, double value) {
      this.startEpochNanos = startEpochNanos;
      this.epochNanos = epochNanos;
      this.attributes = attributes;
      this.value = value;
    }

    @Override
    public double getValue() {
      return value;
    }

    @Override
    public long getStartEpochNanos() {
      return startEpochNanos;
    }

    @Override
    public long getEpochNanos() {
      return epochNanos;
    }

    @Override
    public Attributes getAttributes() {
      return attributes;
    }

    @Override
    public List<DoubleExemplarData> getExemplars() {
      return List.of();
    }

    @Override
    public String toString() {
      return "Point{" + attributes + " " + value + " @" + epochNanos + "}";
    }
  }
}

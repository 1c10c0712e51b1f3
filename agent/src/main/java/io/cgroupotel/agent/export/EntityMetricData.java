package io.cgroupotel.agent.export;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.Data;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.GaugeData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.metrics.data.SumData;
import io.opentelemetry.sdk.resources.Resource;
import java.util.List;

/**
 * A metric as the producer hands it to the SDK, made anew at each export. The SDK's own
 * implementations are in an internal package, so the agent implements the public interface;
 * {@link ReusedMetricData} is the one kept from export to export.
 */
public class EntityMetricData implements MetricData {
  private Resource resource;
  private final InstrumentationScopeInfo scope;
  private final String name;
  private final String description;
  private final String unit;
  private final MetricDataType type;
  private final Data<?> data;

  public EntityMetricData(Resource resource, InstrumentationScopeInfo scope, String name,
      String description, String unit, MetricDataType type, Data<?> data) {
    this.resource = resource;
    this.scope = scope;
    this.name = name;
    this.description = description;
    this.unit = unit;
    this.type = type;
    this.data = data;
  }

  /** A monotonic sum of {@code points}, made anew. */
  public static MetricData sum(Resource resource, InstrumentationScopeInfo scope, String name,
      String description, String unit, AggregationTemporality temporality,
      List<DoublePointData> points) {
    return new EntityMetricData(resource, scope, name, description, unit,
        MetricDataType.DOUBLE_SUM, SumData.createDoubleSumData(true, temporality, points));
  }

  /** A gauge of {@code points}, made anew. */
  public static MetricData gauge(Resource resource, InstrumentationScopeInfo scope, String name,
      String description, String unit, List<DoublePointData> points) {
    return new EntityMetricData(resource, scope, name, description, unit,
        MetricDataType.DOUBLE_GAUGE, GaugeData.createDoubleGaugeData(points));
  }

  /** An immutable point without exemplars. */
  public static DoublePointData point(long start, long time, Attributes attributes, double value) {
    return DoublePointData.create(start, time, attributes, value, List.of());
  }

  /** For {@link ReusedMetricData}: a new Resource when the entity's attributes changed. */
  public void resource(Resource resource) {
    this.resource = resource;
  }

  @Override
  public Resource getResource() {
    return resource;
  }

  @Override
  public InstrumentationScopeInfo getInstrumentationScopeInfo() {
    return scope;
  }

  @Override
  public String getName() {
    return name;
  }

  @Override
  public String getDescription() {
    return description;
  }

  @Override
  public String getUnit() {
    return unit;
  }

  @Override
  public MetricDataType getType() {
    return type;
  }

  @Override
  public Data<?> getData() {
    return data;
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "{name=" + name + ", type=" + type + ", resource="
        + resource + ", points=" + data.getPoints() + "}";
  }
}

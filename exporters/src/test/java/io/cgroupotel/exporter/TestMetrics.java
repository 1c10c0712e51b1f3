package io.cgroupotel.exporter;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.GaugeData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.SumData;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.metrics.TestMetricData;
import java.util.List;

/** Metrics as the agent's producer makes them: one resource per cgroup. */
public final class TestMetrics {
  public static final long START = 1_764_000_000_000_000_000L;
  public static final long NOW = START + 10_000_000_000L;
  static final AttributeKey<String> MODE = AttributeKey.stringKey("cpu.mode");
  /** One scope object for all, as the agent has: the marshaler groups scopes by identity. */
  static final InstrumentationScopeInfo SCOPE = InstrumentationScopeInfo.create("io.cgroupotel.agent");

  private TestMetrics() {}

  public static Resource cgroup(String path) {
    return Resource.create(Attributes.builder()
        .put("service.name", "cgroup-otel-agent")
        .put("host.name", "node-1")
        .put("cgroup.path", path)
        .build());
  }

  public static MetricData cpuTime(Resource resource, double user, double system) {
    return TestMetricData.builder()
        .setResource(resource)
        .setInstrumentationScopeInfo(SCOPE)
        .setName("cgroup.cpu.time")
        .setDescription("Total CPU time consumed")
        .setUnit("s")
        .setDoubleSumData(SumData.createDoubleSumData(true, AggregationTemporality.CUMULATIVE,
            List.of(point(START, NOW, Attributes.of(MODE, "user"), user),
                point(START, NOW, Attributes.of(MODE, "system"), system))))
        .build();
  }

  public static MetricData memory(Resource resource, double bytes) {
    return TestMetricData.builder()
        .setResource(resource)
        .setInstrumentationScopeInfo(SCOPE)
        .setName("cgroup.memory.usage")
        .setDescription("Memory in use (memory.current)")
        .setUnit("By")
        .setDoubleGaugeData(GaugeData.createDoubleGaugeData(
            List.of(point(START, NOW, Attributes.empty(), bytes))))
        .build();
  }

  public static List<MetricData> twoCgroups() {
    Resource a = cgroup("/system.slice/ssh.service");
    Resource b = cgroup("/user.slice");
    return List.of(cpuTime(a, 1.5, 0.25), cpuTime(b, 12.0, 3.0), memory(b, 52_428_800));
  }

  private static DoublePointData point(long start, long time, Attributes attributes,
      double value) {
    return DoublePointData.create(start, time, attributes, value, List.of());
  }
}

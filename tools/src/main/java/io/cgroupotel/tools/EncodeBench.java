package io.cgroupotel.tools;

import io.cgroupotel.exporter.file.OtlpJsonEncoder;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.internal.otlp.metrics.MetricsRequestMarshaler;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.Data;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.GaugeData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.metrics.data.SumData;
import io.opentelemetry.sdk.resources.Resource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * What the file exporter's encoding costs per export: {@link OtlpJsonEncoder} beside the SDK's
 * {@code MetricsRequestMarshaler} (what the exporter used before), on metrics shaped like the
 * agent's: N entities, each its own Resource object kept across exports (pods with 5 k8s
 * attributes, containers with 7), each with {@code cpu.time} (a sum, two points: user and
 * system) and {@code cpu.usage} (a gauge), new MetricData and points at every export.
 *
 * <p>Both encoders warm up, then encode the same EXPORTS exports, taking turns; the CPU time of
 * this thread (ThreadMXBean) per export is printed (mean and median), with the line's bytes and
 * the bytes allocated per export, and the ratios ours/SDK.
 *
 * <pre>java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx128m \
 *   -cp tools/target/cgroup-otel-tools.jar io.cgroupotel.tools.EncodeBench [N] [EXPORTS]
 * </pre>
 */
final class EncodeBench {
  static final InstrumentationScopeInfo SCOPE =
      InstrumentationScopeInfo.builder("io.cgroupotel.agent").setVersion("0.1.0").build();
  static final long T0 = 1_764_000_000_000_000_000L;
  static final AttributeKey<String> MODE = AttributeKey.stringKey("cpu.mode");
  static final Attributes USER = Attributes.of(MODE, "user");
  static final Attributes SYSTEM = Attributes.of(MODE, "system");

  /** A metric as the agent's producer hands it over (the agent's own is package-private). */
  record Metric(Resource getResource, InstrumentationScopeInfo getInstrumentationScopeInfo,
      String getName, String getDescription, String getUnit, MetricDataType getType,
      Data<?> getData) implements MetricData {}

  interface Encoder {
    /** Encodes one line; returns its length in bytes. */
    int encode(List<MetricData> metrics) throws IOException;
  }

  public static void main(String[] args) throws Exception {
    int entities = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    int exports = args.length > 1 ? Integer.parseInt(args[1]) : 50;
    List<Resource> resources = resources(entities);

    ByteArrayOutputStream line = new ByteArrayOutputStream(64 * 1024);
    Encoder sdk = metrics -> { // as the file exporter did before
      line.reset();
      MetricsRequestMarshaler.create(metrics).writeJsonTo(line);
      line.write('\n');
      return line.toByteArray().length;
    };
    OtlpJsonEncoder encoder = new OtlpJsonEncoder();
    Encoder ours = metrics -> {
      encoder.encode(metrics);
      return encoder.size();
    };

    long[] clock = {T0};
    for (int i = 0; i < 20; i++) { // warm both
      List<MetricData> metrics = export(resources, clock);
      sdk.encode(metrics);
      ours.encode(metrics);
    }
    // the same exports for both, taken in turn, so that what else runs weighs on both alike
    Meter s = new Meter("sdk (MetricsRequestMarshaler)", exports);
    Meter o = new Meter("ours (OtlpJsonEncoder)", exports);
    for (int i = 0; i < exports; i++) {
      List<MetricData> metrics = export(resources, clock); // not measured: the producer's work
      s.measure(sdk, metrics);
      o.measure(ours, metrics);
    }
    double[] sr = s.print(entities);
    double[] or = o.print(entities);
    System.out.printf(Locale.ROOT, "ratio ours/sdk: CPU mean %.3f, median %.3f; allocated %.3f;"
        + " bytes %.4f%n", or[0] / sr[0], or[1] / sr[1], or[2] / sr[2], or[3] / sr[3]);
  }

  /** One encoder's CPU time (this thread's), allocation and bytes, export by export. */
  static final class Meter {
    static final com.sun.management.ThreadMXBean MX =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    final String name;
    final long[] cpu;
    int count;
    long allocated;
    long bytes;

    Meter(String name, int exports) {
      this.name = name;
      this.cpu = new long[exports];
    }

    void measure(Encoder encoder, List<MetricData> metrics) throws IOException {
      long a0 = MX.getCurrentThreadAllocatedBytes();
      long t0 = MX.getCurrentThreadCpuTime();
      bytes += encoder.encode(metrics);
      cpu[count++] = MX.getCurrentThreadCpuTime() - t0;
      allocated += MX.getCurrentThreadAllocatedBytes() - a0;
    }

    /** Prints and returns {mean CPU ms, median CPU ms, allocated bytes, line bytes} per export. */
    double[] print(int entities) {
      double mean = Arrays.stream(cpu).average().orElse(0) / 1e6;
      long[] sorted = cpu.clone();
      Arrays.sort(sorted);
      double median = sorted[count / 2] / 1e6;
      System.out.printf(Locale.ROOT, "%-30s CPU %.3f ms/export (median %.3f), %d bytes/export,"
          + " %.1f KiB allocated/export (%d entities, %d exports)%n", name, mean, median,
          bytes / count, allocated / count / 1024.0, entities, count);
      return new double[] {mean, median, (double) allocated / count, (double) bytes / count};
    }
  }

  /** Half pods, half containers, as the k8s receiver makes them. */
  static List<Resource> resources(int n) {
    List<Resource> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String pod = "web-" + (i / 2) + "-7d9f8c6b5-x2x4q";
      var b = Attributes.builder()
          .put("k8s.pod.uid", UUID.nameUUIDFromBytes(pod.getBytes()).toString())
          .put("k8s.pod.name", pod)
          .put("k8s.namespace.name", "team-" + (i % 17))
          .put("k8s.node.name", "node-1")
          .put("service.name", "cgroup-otel-agent");
      if (i % 2 == 1) {
        b.put("k8s.container.name", "app")
            .put("container.id", UUID.nameUUIDFromBytes(("c" + i).getBytes()).toString()
                .replace("-", "") + "0123456789abcdef0123456789abcdef");
      }
      out.add(Resource.create(b.build()));
    }
    return out;
  }

  /** One export's metrics: new points and MetricData, the same Resource objects. */
  static List<MetricData> export(List<Resource> resources, long[] clock) {
    long start = 1_763_000_000_000_000_000L;
    long now = clock[0] += 10_000_000_000L;
    List<MetricData> out = new ArrayList<>(resources.size() * 2);
    for (int i = 0; i < resources.size(); i++) {
      Resource r = resources.get(i);
      boolean pod = i % 2 == 0;
      double seconds = (now - start) / 1e9 * (i % 7 + 1) / 1000.0;
      out.add(new Metric(r, SCOPE, pod ? "k8s.pod.cpu.time" : "container.cpu.time",
          "Total CPU time consumed", "s", MetricDataType.DOUBLE_SUM,
          SumData.createDoubleSumData(true, AggregationTemporality.CUMULATIVE, List.of(
              DoublePointData.create(start, now, USER, seconds * 0.7, List.of()),
              DoublePointData.create(start, now, SYSTEM, seconds * 0.3, List.of())))));
      out.add(new Metric(r, SCOPE, pod ? "k8s.pod.cpu.usage" : "container.cpu.usage",
          "CPU in use, in cores", "{cpu}", MetricDataType.DOUBLE_GAUGE,
          GaugeData.createDoubleGaugeData(List.of(DoublePointData.create(start, now,
              Attributes.empty(), (i % 13) / 13.0 + (now % 1000) / 1e6, List.of())))));
    }
    return out;
  }
}

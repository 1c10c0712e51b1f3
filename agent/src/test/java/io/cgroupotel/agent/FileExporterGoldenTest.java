package io.cgroupotel.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.JsonFormat;
import io.cgroupotel.agent.pipeline.EntityMetricProducer;
import io.cgroupotel.agent.pipeline.EntityStore;
import io.cgroupotel.agent.pipeline.PipelineBuilder;
import io.cgroupotel.agent.pipeline.ReceiverStats;
import io.cgroupotel.exporter.file.FileExporterConfig;
import io.cgroupotel.exporter.file.FileExporterFactory;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.cgroup.CgroupReceiver;
import io.cgroupotel.receiver.cgroup.CgroupReceiverConfig;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.resources.Resource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The raw receiver on a checked-in fixture tree (a copy of a host's cgroupfs files), through the
 * producer and the file exporter, compared with the golden OTLP JSON, ignoring timestamps and
 * order. Regenerate with {@code -Dgolden.update=true}.
 */
class FileExporterGoldenTest {
  static final Path FIXTURE = Path.of("src/test/resources/fixtures/cgroupfs");
  static final Path GOLDEN = Path.of("src/test/resources/golden/cgroup-receiver.json");

  @Test
  void fileExporter_fixtureTree_matchesGolden(@TempDir Path dir) throws Exception {
    Path tree = dir.resolve("cgroupfs");
    copy(FIXTURE, tree);
    Path out = dir.resolve("metrics.jsonl");

    EntityStore store = new EntityStore(1);
    ReceiverStats stats = new ReceiverStats("cgroup");
    try (CgroupReceiver receiver = new CgroupReceiver(new CgroupReceiverConfig(tree,
        CgroupReceiverConfig.DEFAULT_INCLUDE, Duration.ofSeconds(1)))) {
      receiver.start();
      store.apply("cgroup", receiver.poll());
      stats.recordPoll(0.001, store.live("cgroup"), 0);
    }
    EntityMetricProducer producer = EntityMetricProducer.builder(store)
        .receiverStats(List.of(stats))
        .resource(PipelineBuilder.baseResource("golden-node").merge(Resource.builder()
            .put("service.version", "test").build()))
        .build();
    MetricExporter exporter = new FileExporterFactory().create(
        new FileExporterConfig(out.toString(), AggregationTemporality.CUMULATIVE));
    assertThat(exporter.export(producer.produce(Resource.empty())).isSuccess()).isTrue();
    exporter.shutdown();

    List<String> lines = Files.readAllLines(out);
    assertThat(lines).hasSize(1);
    ExportMetricsServiceRequest.Builder request = ExportMetricsServiceRequest.newBuilder();
    JsonFormat.parser().merge(lines.get(0), request);
    String normalized = JsonFormat.printer().print(normalize(request.build()));
    if (Boolean.getBoolean("golden.update")) {
      Files.createDirectories(GOLDEN.getParent());
      Files.writeString(GOLDEN, normalized + "\n");
    }
    assertThat(normalized).isEqualTo(Files.readString(GOLDEN).trim());
  }

  /** Timestamps zeroed; resources, metrics and points in a fixed order. */
  static ExportMetricsServiceRequest normalize(ExportMetricsServiceRequest request) {
    ExportMetricsServiceRequest.Builder b = ExportMetricsServiceRequest.newBuilder();
    request.getResourceMetricsList().stream()
        .map(FileExporterGoldenTest::normalize)
        .sorted(Comparator.comparing(FileExporterGoldenTest::key))
        .forEach(b::addResourceMetrics);
    return b.build();
  }

  private static ResourceMetrics normalize(ResourceMetrics rm) {
    ResourceMetrics.Builder b = rm.toBuilder().clearScopeMetrics();
    b.getResourceBuilder().clearAttributes().addAllAttributes(rm.getResource()
        .getAttributesList().stream().sorted(Comparator.comparing(KeyValue::getKey)).toList());
    for (ScopeMetrics sm : rm.getScopeMetricsList()) {
      ScopeMetrics.Builder sb = sm.toBuilder().clearMetrics();
      sm.getMetricsList().stream().sorted(Comparator.comparing(Metric::getName))
          .map(FileExporterGoldenTest::normalize).forEach(sb::addMetrics);
      b.addScopeMetrics(sb);
    }
    return b.build();
  }

  private static Metric normalize(Metric m) {
    Metric.Builder b = m.toBuilder();
    if (m.hasSum()) {
      b.getSumBuilder().clearDataPoints().addAllDataPoints(points(m.getSum().getDataPointsList()));
    } else if (m.hasGauge()) {
      b.getGaugeBuilder().clearDataPoints()
          .addAllDataPoints(points(m.getGauge().getDataPointsList()));
    }
    return b.build();
  }

  private static List<NumberDataPoint> points(List<NumberDataPoint> points) {
    return points.stream().map(p -> p.toBuilder().setStartTimeUnixNano(0).setTimeUnixNano(0)
        .build()).sorted(Comparator.comparing(p -> p.getAttributesList().toString())).toList();
  }

  private static String key(ResourceMetrics rm) {
    return rm.getResource().getAttributesList().stream()
        .filter(kv -> kv.getKey().equals("cgroup.path"))
        .map(kv -> kv.getValue().getStringValue()).findFirst().orElse("");
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : files.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }
}

package io.cgroupotel.exporter.file;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.KeyValue;
import io.opentelemetry.api.common.Value;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.internal.otlp.metrics.MetricsRequestMarshaler;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.ExemplarFilter;
import io.opentelemetry.sdk.metrics.InstrumentSelector;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.View;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.DoubleExemplarData;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.ExponentialHistogramBuckets;
import io.opentelemetry.sdk.metrics.data.ExponentialHistogramData;
import io.opentelemetry.sdk.metrics.data.ExponentialHistogramPointData;
import io.opentelemetry.sdk.metrics.data.GaugeData;
import io.opentelemetry.sdk.metrics.data.HistogramData;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongExemplarData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.SumData;
import io.opentelemetry.sdk.metrics.data.SummaryData;
import io.opentelemetry.sdk.metrics.data.SummaryPointData;
import io.opentelemetry.sdk.metrics.data.ValueAtQuantile;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.metrics.TestMetricData;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Our encoder against the SDK's OTLP marshaler, on every kind of metric the SDK makes: the same
 * JSON tree, resources and scopes compared as multisets (the SDK groups them in hash order), and
 * the same bytes where there is one resource and one scope (no order to differ).
 */
class OtlpJsonEncoderTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final long T0 = 1_764_000_000_123_456_789L;
  static final long T1 = T0 + 10_000_000_000L;

  /** Quote, backslash, every kind of control character, 2-4 byte UTF-8, unpaired surrogates. */
  static final String NASTY = "q\"b\\s/n\nt\tr\rb\bf\fc\u0001\u001f\u007fé€😀 lone\uD800x\uDC00"
      + " end\uD83D";

  static final Resource POD = Resource.create(Attributes.builder()
      .put("service.name", "cgroup-otel-agent")
      .put("k8s.pod.uid", "0b7c6f2e-8a7e-4b0e-9d2a-1f3c5e7a9b11")
      .put("k8s.pod.name", "web-7d9f8-x2x4q")
      .put("k8s.namespace.name", "default")
      .put("k8s.node.name", "node-1")
      .build());
  static final Resource WITH_SCHEMA = Resource.create(
      Attributes.of(AttributeKey.stringKey("cgroup.path"), NASTY), "https://opentelemetry.io/schemas/1.24.0");
  /** Equal to POD but another object: the SDK groups by identity, so it is another resource. */
  static final Resource POD_AGAIN = Resource.create(POD.getAttributes());

  static final InstrumentationScopeInfo AGENT = InstrumentationScopeInfo.create("io.cgroupotel.agent");
  static final InstrumentationScopeInfo FULL_SCOPE = InstrumentationScopeInfo.builder("lib/" + NASTY)
      .setVersion("1.2.3").setSchemaUrl("https://example.com/s")
      .setAttributes(Attributes.of(AttributeKey.longKey("scope.n"), 7L)).build();

  static final SpanContext SPAN = SpanContext.create("0af7651916cd43dd8448eb211c80319c",
      "b7ad6b7169203331", TraceFlags.getSampled(), TraceState.getDefault());

  /** Attributes of every value kind, with their edge values. */
  static Attributes everyKind() {
    return Attributes.builder()
        .put("s", NASTY)
        .put("empty", "")
        .put("", "empty key")
        .put("t", true)
        .put("f", false)
        .put("zero", 0L)
        .put("neg", -42L)
        .put("max", Long.MAX_VALUE)
        .put("min", Long.MIN_VALUE)
        .put("d", 1.5)
        .put("dzero", 0.0)
        .put("dneg0", -0.0)
        .put("nan", Double.NaN)
        .put("inf", Double.POSITIVE_INFINITY)
        .put("ninf", Double.NEGATIVE_INFINITY)
        .put("tiny", 1e-7)
        .put("huge", 1.0e21)
        .put("sa", "a", NASTY, "")
        .put("sa.empty", new String[0])
        .put("ba", true, false)
        .put("la", 1L, -2L, 0L)
        .put("da", 0.5, -0.0, Double.NaN)
        .put(AttributeKey.valueKey("v.kv"), Value.of(KeyValue.of("k", Value.of("v")),
            KeyValue.of("n", Value.of(3L)), KeyValue.of("inner", Value.of(Value.of(true),
                Value.of(2.5), Value.of(new byte[] {0, 1, (byte) 0xff})))))
        .put(AttributeKey.valueKey("v.bytes"), Value.of(new byte[] {104, 105}))
        .put(AttributeKey.valueKey("v.empty"), Value.empty())
        .put(AttributeKey.valueKey("v.str"), Value.of(NASTY))
        .build();
  }

  static List<MetricData> varied() {
    Attributes all = everyKind();
    Attributes user = Attributes.of(AttributeKey.stringKey("cpu.mode"), "user");
    List<MetricData> out = new ArrayList<>();
    DoubleExemplarData withSpan = DoubleExemplarData.create(
        Attributes.of(AttributeKey.stringKey("filtered"), "x"), T1 - 5, SPAN, 0.75);
    DoubleExemplarData noSpan = DoubleExemplarData.create(Attributes.empty(), T1 - 7,
        SpanContext.getInvalid(), 0.0);
    LongExemplarData longExemplar = LongExemplarData.create(all, T1 - 9, SPAN, -3);
    // double gauge and sum, cumulative and delta, monotonic or not
    out.add(TestMetricData.builder().setResource(POD).setInstrumentationScopeInfo(AGENT)
        .setName("k8s.pod.cpu.usage").setDescription("CPU in use, in cores").setUnit("{cpu}")
        .setDoubleGaugeData(GaugeData.createDoubleGaugeData(List.of(
            DoublePointData.create(T0, T1, Attributes.empty(), 0.123456789, List.of()),
            DoublePointData.create(0, 0, all, 0.0, List.of(withSpan, noSpan)),
            DoublePointData.create(T0, T1, user, -0.0, List.of()),
            DoublePointData.create(T0, T1, user, Double.NaN, List.of()),
            DoublePointData.create(T0, T1, user, Double.NEGATIVE_INFINITY, List.of()),
            DoublePointData.create(T0, T1, user, 52_428_800, List.of()),
            DoublePointData.create(T0, T1, user, 1e-300, List.of()))))
        .build());
    out.add(TestMetricData.builder().setResource(POD).setInstrumentationScopeInfo(AGENT)
        .setName("k8s.pod.cpu.time").setDescription("CPU time").setUnit("s")
        .setDoubleSumData(SumData.createDoubleSumData(true, AggregationTemporality.CUMULATIVE,
            List.of(DoublePointData.create(T0, T1, user, 1.5, List.of()),
                DoublePointData.create(T0, T1, Attributes.of(AttributeKey.stringKey("cpu.mode"),
                    "system"), 0.25, List.of()))))
        .build());
    out.add(TestMetricData.builder().setResource(POD).setInstrumentationScopeInfo(AGENT)
        .setName("delta.nonmonotonic").setDescription("").setUnit("")
        .setDoubleSumData(SumData.createDoubleSumData(false, AggregationTemporality.DELTA,
            List.of(DoublePointData.create(T0, T1, user, -7.25, List.of(withSpan)))))
        .build());
    // long gauge and sum, an exemplar on a long point
    out.add(TestMetricData.builder().setResource(WITH_SCHEMA).setInstrumentationScopeInfo(FULL_SCOPE)
        .setName(NASTY).setDescription(NASTY).setUnit(NASTY)
        .setLongGaugeData(GaugeData.createLongGaugeData(List.of(
            LongPointData.create(T0, T1, all, 0),
            LongPointData.create(T0, T1, user, Long.MIN_VALUE),
            new LongPoint(T0, T1, user, 12, List.of(longExemplar)))))
        .build());
    out.add(TestMetricData.builder().setResource(WITH_SCHEMA).setInstrumentationScopeInfo(AGENT)
        .setName("long.sum").setDescription("d").setUnit("By")
        .setLongSumData(SumData.createLongSumData(true, AggregationTemporality.DELTA,
            List.of(LongPointData.create(T0, T1, user, Long.MAX_VALUE))))
        .build());
    out.add(TestMetricData.builder().setResource(WITH_SCHEMA).setInstrumentationScopeInfo(AGENT)
        .setName("long.sum.cumulative.down").setDescription("d").setUnit("By")
        .setLongSumData(SumData.createLongSumData(false, AggregationTemporality.CUMULATIVE,
            List.of(LongPointData.create(T0, T1, user, -5), LongPointData.create(T0, T1,
                Attributes.empty(), 0))))
        .build());
    // the same name with another description, unit and kind: another header
    out.add(TestMetricData.builder().setResource(WITH_SCHEMA).setInstrumentationScopeInfo(AGENT)
        .setName("k8s.pod.cpu.time").setDescription("CPU time, again").setUnit("ms")
        .setDoubleGaugeData(GaugeData.createDoubleGaugeData(List.of(
            DoublePointData.create(T0, T1, user, 3, List.of()))))
        .build());
    // histograms: with and without min/max, one bucket, empty
    out.add(TestMetricData.builder().setResource(Resource.empty())
        .setInstrumentationScopeInfo(InstrumentationScopeInfo.empty())
        .setName("histogram").setDescription("h").setUnit("ms")
        .setHistogramData(HistogramData.create(AggregationTemporality.CUMULATIVE, List.of(
            new HistogramPoint(T0, T1, user, 17.5, 3, true, 0.5, true, 9.0,
                List.of(1.0, 5.0, 10.0), List.of(1L, 2L, 0L, 0L), List.of(withSpan)),
            HistogramPointData.create(T0, T1, all, 0, false, 0, false, 0, List.of(),
                List.of(0L)),
            HistogramPointData.create(T0, T1, Attributes.empty(), -3, true, -3, true, -3,
                List.of(-1.0), List.of(1L, 0L))))).build());
    out.add(TestMetricData.builder().setResource(POD_AGAIN).setInstrumentationScopeInfo(AGENT)
        .setName("histogram.delta").setDescription("h").setUnit("ms")
        .setHistogramData(HistogramData.create(AggregationTemporality.DELTA, List.of(
            HistogramPointData.create(T0, T1, user, 1, false, 0, false, 0, List.of(2.0),
                List.of(1L, 0L))))).build());
    // exponential histograms: negative scale and offsets, zero counts, empty buckets
    out.add(TestMetricData.builder().setResource(POD_AGAIN).setInstrumentationScopeInfo(FULL_SCOPE)
        .setName("exp").setDescription("e").setUnit("s")
        .setExponentialHistogramData(ExponentialHistogramData.create(
            AggregationTemporality.DELTA, List.of(
                ExponentialHistogramPointData.create(3, 12.5, 4, true, 0.0, true, 8.0,
                    ExponentialHistogramBuckets.create(3, -2, List.of(1L, 0L, 2L)),
                    ExponentialHistogramBuckets.create(3, 0, List.of()), T0, T1, user,
                    List.of(withSpan)),
                ExponentialHistogramPointData.create(-2, 0, 0, false, 0, false, 0,
                    ExponentialHistogramBuckets.create(-2, 0, List.of()),
                    ExponentialHistogramBuckets.create(-2, 5, List.of(3L)), T0, T1, all,
                    List.of())))).build());
    // summary: a zero quantile, a zero value, a zero sum
    out.add(TestMetricData.builder().setResource(POD).setInstrumentationScopeInfo(FULL_SCOPE)
        .setName("summary").setDescription("s").setUnit("1")
        .setSummaryData(SummaryData.create(List.of(
            SummaryPointData.create(T0, T1, user, 3, 4.5, List.of(ValueAtQuantile.create(0, 0),
                ValueAtQuantile.create(0.5, 1.5), ValueAtQuantile.create(1, 3))),
            SummaryPointData.create(T0, T1, all, 0, 0, List.of())))).build());
    return out;
  }

  @Test
  void encode_everyKindOfMetric_sameJsonAsTheSdkMarshaler() throws Exception {
    List<MetricData> metrics = varied();
    assertSameAsSdk(metrics);
    // from the caches, the second time
    OtlpJsonEncoder encoder = new OtlpJsonEncoder();
    String first = encode(encoder, metrics);
    assertThat(encode(encoder, metrics)).isEqualTo(first);
    assertSameTree(first, sdk(metrics));
  }

  @Test
  void encode_eachMetricAlone_sameBytesAsTheSdkMarshaler() throws Exception {
    for (MetricData metric : varied()) {
      String ours = encode(new OtlpJsonEncoder(), List.of(metric));
      assertSameTree(ours, sdk(List.of(metric)));
      assertThat(ours).as(metric.getName()).isEqualTo(sdk(List.of(metric)));
    }
  }

  @Test
  void encode_realSdkPipeline_sameJsonAsTheSdkMarshaler() throws Exception {
    for (InMemoryMetricReader reader : List.of(InMemoryMetricReader.create(),
        InMemoryMetricReader.createDelta())) {
      SdkMeterProvider provider = SdkMeterProvider.builder()
          .setResource(POD.merge(WITH_SCHEMA))
          .setExemplarFilter(ExemplarFilter.alwaysOn())
          .registerView(InstrumentSelector.builder().setName("exp.*").build(),
              View.builder().setAggregation(Aggregation.base2ExponentialBucketHistogram()).build())
          .registerMetricReader(reader)
          .build();
      Meter agent = provider.get("io.cgroupotel.agent");
      Meter other = provider.meterBuilder("other").setInstrumentationVersion("9.9")
          .setSchemaUrl("https://example.com/schema").build();
      Span span = Span.wrap(SPAN);
      try (Scope ignored = span.storeInContext(Context.root()).makeCurrent()) {
        agent.counterBuilder("c.long").setUnit("1").build().add(5, everyKind());
        agent.counterBuilder("c.double").ofDoubles().setDescription("a counter").build()
            .add(2.5);
        agent.upDownCounterBuilder("udc").build().add(-3);
        agent.histogramBuilder("h").setExplicitBucketBoundariesAdvice(List.of(1.0, 10.0)).build()
            .record(4.2, Attributes.of(AttributeKey.stringKey("k"), NASTY));
        agent.histogramBuilder("exp.h").build().record(0.001);
        agent.histogramBuilder("exp.h").build().record(1000);
        other.gaugeBuilder("g").build().set(7.5);
        other.gaugeBuilder("g.long").ofLongs().build().set(-1);
        other.counterBuilder("obs").buildWithCallback(m -> m.record(9));
      }
      Collection<MetricData> metrics = reader.collectAllMetrics();
      assertThat(metrics).hasSize(8);
      assertSameAsSdk(metrics);
      provider.close();
    }
  }

  @Test
  void encode_resourcesAndScopes_inOrderOfFirstAppearance() throws Exception {
    Resource a = Resource.create(Attributes.of(AttributeKey.stringKey("n"), "a"));
    Resource b = Resource.create(Attributes.of(AttributeKey.stringKey("n"), "b"));
    InstrumentationScopeInfo s1 = InstrumentationScopeInfo.create("s1");
    InstrumentationScopeInfo s2 = InstrumentationScopeInfo.create("s2");
    List<MetricData> metrics = List.of(gauge(b, s2, "m1"), gauge(a, s1, "m2"),
        gauge(b, s1, "m3"), gauge(b, s2, "m4"));
    JsonNode line = JSON.readTree(encode(new OtlpJsonEncoder(), metrics));
    List<String> seen = new ArrayList<>();
    for (JsonNode rm : line.get("resourceMetrics")) {
      for (JsonNode sm : rm.get("scopeMetrics")) {
        for (JsonNode m : sm.get("metrics")) {
          seen.add(rm.at("/resource/attributes/0/value/stringValue").asText() + "/"
              + sm.at("/scope/name").asText() + "/" + m.get("name").asText());
        }
      }
    }
    assertThat(seen).containsExactly("b/s2/m1", "b/s2/m4", "b/s1/m3", "a/s1/m2");
    assertSameAsSdk(metrics);
  }

  @Test
  void encode_entitiesThatWent_droppedFromTheCachesAfterExportsWithoutThem() throws Exception {
    OtlpJsonEncoder encoder = new OtlpJsonEncoder();
    List<MetricData> many = podGauges(100);
    encoder.encode(many);
    assertThat(encoder.cachedEntries()).isEqualTo(100 + 1 + 3);
    List<MetricData> few = many.subList(0, 10);
    for (int i = 1; i < OtlpJsonEncoder.UNUSED_EXPORTS; i++) {
      encoder.encode(few);
      assertThat(encoder.cachedEntries()).as("after %d exports without 90 of them", i)
          .isEqualTo(100 + 1 + 3);
    }
    String line = encode(encoder, few);
    assertThat(encoder.cachedEntries()).isEqualTo(10 + 1 + 3);
    assertSameTree(line, sdk(few));
    for (int i = 0; i < OtlpJsonEncoder.UNUSED_EXPORTS; i++) {
      encoder.encode(List.of());
    }
    assertThat(encoder.cachedEntries()).isZero();
    assertThat(new String(encoder.buffer(), 0, encoder.size(), StandardCharsets.UTF_8))
        .isEqualTo("{\"resourceMetrics\":[]}\n");
  }

  @Test
  void encode_aCollectionInBatches_eachResourceEncodedOncePerCollection() throws Exception {
    OtlpJsonEncoder encoder = new OtlpJsonEncoder();
    List<MetricData> all = podGauges(400);
    // as the reader exports a collection split at max_data_points: 4 batches, again and again
    List<List<MetricData>> batches = List.of(all.subList(0, 100), all.subList(100, 200),
        all.subList(200, 300), all.subList(300, 400));
    for (List<MetricData> batch : batches) {
      encoder.encode(batch);
    }
    java.util.Map<Resource, Object> entries = encoder.resourceEntries();
    for (int collection = 0; collection < 5; collection++) {
      for (List<MetricData> batch : batches) {
        String line = encode(encoder, batch);
        assertSameTree(line, sdk(batch));
      }
    }
    assertThat(encoder.cachedEntries()).isEqualTo(400 + 1 + 3);
    java.util.Map<Resource, Object> after = encoder.resourceEntries();
    assertThat(after).hasSize(400);
    after.forEach((r, entry) -> assertThat(entry).as("encoded once, kept")
        .isSameAs(entries.get(r)));
  }

  // ---- helpers

  /** A gauge per pod, each pod its own Resource, three metric names in turn. */
  private static List<MetricData> podGauges(int pods) {
    List<MetricData> gauges = new ArrayList<>();
    for (int i = 0; i < pods; i++) {
      Resource r = Resource.create(Attributes.of(AttributeKey.stringKey("pod"), "p" + i));
      gauges.add(gauge(r, AGENT, "m" + (i % 3)));
    }
    return gauges;
  }

  static MetricData gauge(Resource resource, InstrumentationScopeInfo scope, String name) {
    return TestMetricData.builder().setResource(resource).setInstrumentationScopeInfo(scope)
        .setName(name).setDescription("d").setUnit("1")
        .setDoubleGaugeData(GaugeData.createDoubleGaugeData(List.of(
            DoublePointData.create(T0, T1, Attributes.empty(), 1, List.of()))))
        .build();
  }

  /** A long point with exemplars: the SDK's public factory makes none. */
  record LongPoint(long getStartEpochNanos, long getEpochNanos, Attributes getAttributes,
      long getValue, List<LongExemplarData> getExemplars) implements LongPointData {}

  /** A histogram point with exemplars: the SDK's public factory makes none. */
  record HistogramPoint(long getStartEpochNanos, long getEpochNanos, Attributes getAttributes,
      double getSum, long getCount, boolean hasMin, double getMin, boolean hasMax,
      double getMax, List<Double> getBoundaries, List<Long> getCounts,
      List<DoubleExemplarData> getExemplars) implements HistogramPointData {}

  static void assertSameAsSdk(Collection<MetricData> metrics) throws Exception {
    String ours = encode(new OtlpJsonEncoder(), metrics);
    assertThat(ours).endsWith("\n").doesNotContain("\n\n");
    assertThat(ours.indexOf('\n')).isEqualTo(ours.length() - 1);
    assertSameTree(ours, sdk(metrics));
  }

  /** The trees are equal, or the first place where they differ is named. */
  static void assertSameTree(String ours, String sdk) throws Exception {
    String difference = difference(tree(ours), tree(sdk), "");
    assertThat(difference).as("ours vs the SDK's").isNull();
  }

  static String difference(JsonNode ours, JsonNode sdk, String path) {
    if (ours.equals(sdk)) {
      return null;
    }
    if (ours.isObject() && sdk.isObject()) {
      List<String> names = new ArrayList<>();
      ours.fieldNames().forEachRemaining(names::add);
      sdk.fieldNames().forEachRemaining(n -> {
        if (!names.contains(n)) {
          names.add(n);
        }
      });
      for (String n : names) {
        if (!ours.has(n) || !sdk.has(n)) {
          return path + "/" + n + ": ours " + ours.get(n) + ", the SDK's " + sdk.get(n);
        }
        String d = difference(ours.get(n), sdk.get(n), path + "/" + n);
        if (d != null) {
          return d;
        }
      }
    }
    if (ours.isArray() && sdk.isArray() && ours.size() == sdk.size()) {
      for (int i = 0; i < ours.size(); i++) {
        String d = difference(ours.get(i), sdk.get(i), path + "/" + i);
        if (d != null) {
          return d;
        }
      }
    }
    return path + ": ours " + abbreviate(ours) + ", the SDK's " + abbreviate(sdk);
  }

  static String abbreviate(JsonNode node) {
    String text = node.toString();
    return text.length() <= 300 ? text : text.substring(0, 300) + "...";
  }

  static String encode(OtlpJsonEncoder encoder, Collection<MetricData> metrics) {
    encoder.encode(metrics);
    return new String(encoder.buffer(), 0, encoder.size(), StandardCharsets.UTF_8);
  }

  static String sdk(Collection<MetricData> metrics) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    MetricsRequestMarshaler.create(metrics).writeJsonTo(out);
    return out.toString(StandardCharsets.UTF_8) + "\n";
  }

  static JsonNode tree(String line) throws Exception {
    return normalize(JSON.readTree(line));
  }

  /** Resources and the scopes of each sorted by their text: the SDK's order is hash order. */
  static JsonNode normalize(JsonNode request) {
    ArrayNode resources = (ArrayNode) request.get("resourceMetrics");
    for (JsonNode rm : resources) {
      sort((ArrayNode) rm.get("scopeMetrics"));
    }
    sort(resources);
    return request;
  }

  static void sort(ArrayNode array) {
    List<JsonNode> elements = new ArrayList<>();
    array.forEach(elements::add);
    elements.sort(Comparator.comparing(JsonNode::toString));
    array.removeAll();
    array.addAll(elements);
  }
}

package io.cgroupotel.exporter.file;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.KeyValue;
import io.opentelemetry.api.common.Value;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.Data;
import io.opentelemetry.sdk.metrics.data.DoubleExemplarData;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.ExemplarData;
import io.opentelemetry.sdk.metrics.data.ExponentialHistogramBuckets;
import io.opentelemetry.sdk.metrics.data.ExponentialHistogramData;
import io.opentelemetry.sdk.metrics.data.ExponentialHistogramPointData;
import io.opentelemetry.sdk.metrics.data.HistogramData;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongExemplarData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.metrics.data.SumData;
import io.opentelemetry.sdk.metrics.data.SummaryPointData;
import io.opentelemetry.sdk.metrics.data.ValueAtQuantile;
import io.opentelemetry.sdk.resources.Resource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * Encodes an export as one line: an {@code ExportMetricsServiceRequest} in the protobuf JSON
 * mapping, the same JSON as the OTel SDK's OTLP marshaler writes (field names, value encodings,
 * defaults left out where it leaves them out; {@code OtlpJsonEncoderTest} holds the two side by
 * side on every kind of metric the SDK makes).
 *
 * <p>Made for an agent whose resources, scopes and metrics stay the same from one export to the
 * next, with only the points new:
 *
 * <ul>
 *   <li>a resource is encoded once, when it is first met, and its bytes kept by identity (the
 *       agent keeps one {@link Resource} object per entity); likewise a scope, and a metric's
 *       header ({@code {"name":...,"sum":{"dataPoints":[}) by name, description, unit and kind,
 *       and a point's attributes by identity (the agent's are a few objects it reuses). Only the
 *       points' times and values are written at each export (and a time shared by consecutive
 *       points, as an entity's are, is formatted once);
 *   <li>what {@value #UNUSED_EXPORTS} exports in a row did not use is dropped, so the caches
 *       hold the live set and little more: a pod that went takes its bytes with it. Not at the
 *       first export without it: the reader splits a collection into exports of at most {@code
 *       max_data_points} points (4 at 10,000 cgroups), each holding other resources, and
 *       dropping at the end of each made every resource encoded again at every collection;
 *   <li>the line is written into one byte buffer, reused from export to export; given a place
 *       to hand its parts to, it hands them over at resource boundaries and the buffer stays
 *       near the part size, else it grows to the largest line and stays there.
 * </ul>
 *
 * <p>Order: resources in the order they first appear in the collection, the scopes of a resource
 * likewise, metrics in collection order. The SDK groups the same way (by identity) but in hash
 * order, so its lines hold the same objects in another order.
 *
 * <p>Not encoded: a resource's entity references, an incubating SDK feature only reachable
 * through SDK-internal API, which the agent does not use; {@code entityRefs} is always empty
 * here. Every metric type is encoded (exponential histograms and summaries too).
 *
 * <p>Not thread-safe: the exporter serialises calls.
 *
 * <p>Public for the tools' {@code EncodeBench}, which measures it beside the SDK's marshaler; the
 * file exporter is its only user in the agent.
 */
public final class OtlpJsonEncoder {
  /**
   * An entry unused by this many consecutive exports is dropped: up to this many batches of one
   * collection (131,072 points at the default max_data_points) keep their entries.
   */
  static final int UNUSED_EXPORTS = 16;

  private byte[] buf = new byte[64 * 1024];
  private int size;
  private long export; // stamps what the current export used

  private final Cache<Resource, ResourceEntry> resources = new Cache<>(new IdentityHashMap<>());
  private final Cache<InstrumentationScopeInfo, ScopeEntry> scopes =
      new Cache<>(new IdentityHashMap<>());
  private final Cache<MetricKey, MetricEntry> metricHeaders = new Cache<>(new HashMap<>());
  private final Cache<Attributes, AttributesEntry> pointAttributes =
      new Cache<>(new IdentityHashMap<>());
  private final MetricEntry[] recentHeaders = new MetricEntry[64];
  private final List<ResourceEntry> order = new ArrayList<>();
  private final BiConsumer<AttributeKey<?>, Object> keyValue = this::keyValue;
  private final RecentTime lastStart = new RecentTime();
  private final RecentTime lastTime = new RecentTime();

  /** The line: bytes [0, {@link #size()}) of this array, valid until the next encode. */
  byte[] buffer() {
    return buf;
  }

  /** The length of the last encoded line, in bytes, its newline included. */
  public int size() {
    return size;
  }

  /** Resources, scopes, metric headers and point attributes held in the caches (for tests). */
  int cachedEntries() {
    return resources.map.size() + scopes.map.size() + metricHeaders.map.size()
        + pointAttributes.map.size();
  }

  /** The resource entries held, by resource (for tests). */
  Map<Resource, Object> resourceEntries() {
    return new IdentityHashMap<>(resources.map);
  }

  /** Where the first parts of a line go while it is encoded. */
  interface Parts {
    void write(byte[] bytes, int length) throws IOException;
  }

  /** Encodes {@code metrics} as one line, its newline included, replacing the last line. */
  public void encode(Collection<MetricData> metrics) {
    try {
      encode(metrics, null, 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // cannot happen: no parts are handed over
    }
  }

  /**
   * Encodes {@code metrics} as one line, handing it to {@code parts} whenever the buffer holds
   * {@code partSize} bytes or more at the end of a resource; what is left, the newline included,
   * is in the buffer after the call. So the buffer stays near {@code partSize} (a whole line is 8
   * MB at 10,000 entities, kept for good in a buffer that grew to it). {@code parts} null: the
   * whole line stays in the buffer.
   */
  void encode(Collection<MetricData> metrics, Parts parts, int partSize) throws IOException {
    export++;
    size = 0;
    resources.used = 0;
    scopes.used = 0;
    metricHeaders.used = 0;
    pointAttributes.used = 0;
    order.clear();
    for (MetricData metric : metrics) {
      Resource resource = metric.getResource();
      ResourceEntry r = resources.get(resource);
      if (r == null) {
        r = resources.put(resource, new ResourceEntry(resource));
      }
      if (r.lastGrouped != export) {
        r.lastGrouped = export;
        r.scopeCount = 0;
        order.add(r);
      }
      r.bucket(metric.getInstrumentationScopeInfo()).add(metric);
    }

    put(REQUEST_OPEN);
    for (int i = 0; i < order.size(); i++) {
      ResourceEntry r = order.get(i);
      element();
      if (r.open == null) {
        r.encodeHeader();
      }
      put(r.open);
      for (int s = 0; s < r.scopeCount; s++) {
        ScopeBucket bucket = r.buckets.get(s);
        element();
        ScopeEntry scope = scope(bucket.scope);
        put(scope.open);
        for (int m = 0; m < bucket.metrics.size(); m++) {
          element();
          metric(bucket.metrics.get(m));
        }
        bucket.metrics.clear(); // hold no data until the next export
        put(scope.close);
      }
      put(r.close);
      if (parts != null && size >= partSize) {
        // all but the last byte: element() looks at the byte before to place its comma
        parts.write(buf, size - 1);
        buf[0] = buf[size - 1];
        size = 1;
      }
    }
    put(REQUEST_CLOSE);
    order.clear();
    resources.sweep();
    scopes.sweep();
    if (metricHeaders.sweep()) {
      Arrays.fill(recentHeaders, null); // hold none that went
    }
    pointAttributes.sweep();
  }

  // ---- caches

  /**
   * Entries stamped with the last export that used them; {@link #sweep} drops those that the last
   * {@value #UNUSED_EXPORTS} exports did not use.
   */
  private final class Cache<K, V extends Entry> {
    private final Map<K, V> map;
    private int used; // entries this export used

    Cache(Map<K, V> map) {
      this.map = map;
    }

    V get(K key) {
      V v = map.get(key);
      if (v != null) {
        touch(v);
      }
      return v;
    }

    /** Marks {@code v}, an entry of this cache, used by this export. */
    void touch(V v) {
      if (v.export != export) {
        v.export = export;
        used++;
      }
    }

    V put(K key, V value) {
      value.export = export;
      used++;
      map.put(key, value);
      return value;
    }

    /**
     * Drops what the last {@value #UNUSED_EXPORTS} exports did not use: walks the map only when
     * this one did not use everything. Returns whether something went.
     */
    boolean sweep() {
      return map.size() > used
          && map.values().removeIf(v -> export - v.export >= UNUSED_EXPORTS);
    }
  }

  private static class Entry {
    long export;
  }

  /** A resource's bytes and, during an export, its metrics grouped by scope. */
  private final class ResourceEntry extends Entry {
    private final Resource resource;
    byte[] open; // {"resource":{...},"scopeMetrics":[
    byte[] close; // ],"schemaUrl":"..."}
    long lastGrouped;
    final List<ScopeBucket> buckets = new ArrayList<>(1);
    int scopeCount;

    ResourceEntry(Resource resource) {
      this.resource = resource;
    }

    /** Its scope's bucket in this export (scopes are few per resource: a linear search). */
    List<MetricData> bucket(InstrumentationScopeInfo scope) {
      for (int i = 0; i < scopeCount; i++) {
        ScopeBucket b = buckets.get(i);
        if (b.scope == scope) {
          return b.metrics;
        }
      }
      if (scopeCount == buckets.size()) {
        buckets.add(new ScopeBucket());
      }
      ScopeBucket b = buckets.get(scopeCount++);
      b.scope = scope;
      b.metrics.clear(); // empty unless the last export failed partway
      return b.metrics;
    }

    void encodeHeader() {
      open = fragment(() -> {
        put(RESOURCE_OPEN);
        attributes(ATTRIBUTES, resource.getAttributes());
        put(RESOURCE_CLOSE);
      });
      close = closing(resource.getSchemaUrl());
    }
  }

  private static final class ScopeBucket {
    InstrumentationScopeInfo scope;
    final List<MetricData> metrics = new ArrayList<>();
  }

  private static final class ScopeEntry extends Entry {
    byte[] open; // {"scope":{...},"metrics":[
    byte[] close; // ],"schemaUrl":"..."}
  }

  private ScopeEntry scope(InstrumentationScopeInfo scope) {
    ScopeEntry e = scopes.get(scope);
    if (e != null) {
      return e;
    }
    e = new ScopeEntry();
    e.open = fragment(() -> {
      put(SCOPE_OPEN);
      stringField(NAME, scope.getName());
      stringField(VERSION, scope.getVersion());
      attributes(ATTRIBUTES, scope.getAttributes());
      put(SCOPE_CLOSE);
    });
    e.close = closing(scope.getSchemaUrl());
    return scopes.put(scope, e);
  }

  /** {@code ]}, the schema URL if there is one, {@code }}. */
  private byte[] closing(String schemaUrl) {
    return fragment(() -> {
      put((byte) ']');
      stringField(SCHEMA_URL, schemaUrl);
      put((byte) '}');
    });
  }

  /** The bytes {@code writer} writes, taken off the line (which is left as it was). */
  private byte[] fragment(Runnable writer) {
    int start = size;
    writer.run();
    byte[] bytes = Arrays.copyOfRange(buf, start, size);
    size = start;
    return bytes;
  }

  /** What a metric's header depends on. */
  private record MetricKey(String name, String description, String unit, MetricDataType type,
      AggregationTemporality temporality, boolean monotonic) {}

  private static final class MetricEntry extends Entry {
    final MetricKey key;
    byte[] open; // {"name":...,"description":...,"unit":...,"sum":{"dataPoints":[
    byte[] close; // ],"aggregationTemporality":2,"isMonotonic":true}}

    MetricEntry(MetricKey key) {
      this.key = key;
    }
  }

  // ---- metrics and points

  private void metric(MetricData metric) {
    MetricDataType type = metric.getType();
    Data<?> data = metric.getData();
    AggregationTemporality temporality = switch (type) {
      case DOUBLE_SUM, LONG_SUM -> ((SumData<?>) data).getAggregationTemporality();
      case HISTOGRAM -> ((HistogramData) data).getAggregationTemporality();
      case EXPONENTIAL_HISTOGRAM -> ((ExponentialHistogramData) data).getAggregationTemporality();
      default -> null;
    };
    boolean monotonic = data instanceof SumData<?> sum && sum.isMonotonic();
    MetricEntry header = metricHeader(metric, type, temporality, monotonic);
    Collection<? extends PointData> points = data.getPoints();
    put(header.open);
    // by index where the list allows it: no iterator per metric (the agent's lists are)
    List<? extends PointData> list = points instanceof List<? extends PointData> l
        && points instanceof java.util.RandomAccess ? l : List.copyOf(points);
    for (int i = 0; i < list.size(); i++) {
      PointData point = list.get(i);
      element();
      put((byte) '{');
      times(point);
      switch (type) {
        case DOUBLE_GAUGE, DOUBLE_SUM -> number((DoublePointData) point);
        case LONG_GAUGE, LONG_SUM -> number((LongPointData) point);
        case HISTOGRAM -> histogram((HistogramPointData) point);
        case EXPONENTIAL_HISTOGRAM -> exponentialHistogram((ExponentialHistogramPointData) point);
        default -> summary((SummaryPointData) point);
      }
      put((byte) '}');
    }
    put(header.close);
  }

  /**
   * The header's bytes: from a small table indexed by the name's hash (no key to make; metrics
   * come in the same few kinds entity after entity), else from the cache.
   */
  private MetricEntry metricHeader(MetricData metric, MetricDataType type,
      AggregationTemporality temporality, boolean monotonic) {
    String name = metric.getName();
    String description = metric.getDescription();
    String unit = metric.getUnit();
    int slot = Objects.hashCode(name) & (recentHeaders.length - 1);
    MetricEntry e = recentHeaders[slot];
    if (e != null && e.key.type() == type && e.key.temporality() == temporality
        && e.key.monotonic() == monotonic && Objects.equals(e.key.name(), name)
        && Objects.equals(e.key.description(), description)
        && Objects.equals(e.key.unit(), unit)) {
      metricHeaders.touch(e);
      return e;
    }
    MetricKey key = new MetricKey(name, description, unit, type, temporality, monotonic);
    e = metricHeaders.get(key);
    if (e == null) {
      e = metricHeaders.put(key, encodeHeader(key));
    }
    recentHeaders[slot] = e;
    return e;
  }

  private MetricEntry encodeHeader(MetricKey key) {
    MetricEntry e = new MetricEntry(key);
    e.open = fragment(() -> {
      put((byte) '{');
      stringField(NAME, key.name());
      stringField(DESCRIPTION, key.description());
      stringField(UNIT, key.unit());
      field(switch (key.type()) {
        case DOUBLE_GAUGE, LONG_GAUGE -> GAUGE;
        case DOUBLE_SUM, LONG_SUM -> SUM;
        case HISTOGRAM -> HISTOGRAM;
        case EXPONENTIAL_HISTOGRAM -> EXPONENTIAL_HISTOGRAM;
        default -> SUMMARY;
      });
      put((byte) '{');
      field(DATA_POINTS);
      put((byte) '[');
    });
    e.close = fragment(() -> {
      put((byte) ']');
      if (key.temporality() != null) {
        field(AGGREGATION_TEMPORALITY);
        longValue(key.temporality() == AggregationTemporality.DELTA ? 1 : 2);
      }
      if (key.monotonic()) {
        field(IS_MONOTONIC);
        put(TRUE);
      }
      put((byte) '}');
      put((byte) '}');
    });
    return e;
  }

  private void times(PointData point) {
    time(START_TIME_UNIX_NANO, point.getStartEpochNanos(), lastStart);
    time(TIME_UNIX_NANO, point.getEpochNanos(), lastTime);
  }

  /** The last time written in a field, and its digits: an entity's points share their times. */
  private static final class RecentTime {
    long value;
    byte[] quoted;
  }

  private void time(byte[] name, long value, RecentTime recent) {
    if (value == 0) {
      return;
    }
    field(name);
    if (recent.quoted != null && recent.value == value) {
      put(recent.quoted);
      return;
    }
    int start = size;
    quotedLong(value);
    recent.value = value;
    recent.quoted = Arrays.copyOfRange(buf, start, size);
  }

  private void number(DoublePointData point) {
    field(AS_DOUBLE);
    doubleValue(point.getValue());
    exemplars(point.getExemplars());
    pointAttributes(point.getAttributes());
  }

  private void number(LongPointData point) {
    field(AS_INT);
    quotedLong(point.getValue());
    exemplars(point.getExemplars());
    pointAttributes(point.getAttributes());
  }

  private void histogram(HistogramPointData point) {
    countSumMinMax(point.getCount(), point.getSum(), point.hasMin(), point.getMin(),
        point.hasMax(), point.getMax());
    quotedLongs(BUCKET_COUNTS, point.getCounts());
    List<Double> bounds = point.getBoundaries();
    if (!bounds.isEmpty()) {
      field(EXPLICIT_BOUNDS);
      put((byte) '[');
      for (int i = 0; i < bounds.size(); i++) {
        element();
        doubleValue(bounds.get(i));
      }
      put((byte) ']');
    }
    exemplars(point.getExemplars());
    pointAttributes(point.getAttributes());
  }

  private void exponentialHistogram(ExponentialHistogramPointData point) {
    countSumMinMax(point.getCount(), point.getSum(), point.hasMin(), point.getMin(),
        point.hasMax(), point.getMax());
    intField(SCALE, point.getScale());
    fixed64Field(ZERO_COUNT, point.getZeroCount());
    buckets(POSITIVE, point.getPositiveBuckets());
    buckets(NEGATIVE, point.getNegativeBuckets());
    exemplars(point.getExemplars());
    pointAttributes(point.getAttributes());
  }

  /** A histogram's count, sum (written even when zero, as the SDK does), min and max. */
  private void countSumMinMax(long count, double sum, boolean hasMin, double min, boolean hasMax,
      double max) {
    fixed64Field(COUNT, count);
    field(SUM);
    doubleValue(sum);
    if (hasMin) {
      field(MIN);
      doubleValue(min);
    }
    if (hasMax) {
      field(MAX);
      doubleValue(max);
    }
  }

  private void buckets(byte[] name, ExponentialHistogramBuckets buckets) {
    field(name);
    put((byte) '{');
    intField(OFFSET, buckets.getOffset());
    quotedLongs(BUCKET_COUNTS, buckets.getBucketCounts());
    put((byte) '}');
  }

  /** A repeated 64-bit integer field, left out when empty. */
  private void quotedLongs(byte[] name, List<Long> values) {
    if (values.isEmpty()) {
      return;
    }
    field(name);
    put((byte) '[');
    for (int i = 0; i < values.size(); i++) {
      element();
      quotedLong(values.get(i));
    }
    put((byte) ']');
  }

  private void summary(SummaryPointData point) {
    fixed64Field(COUNT, point.getCount());
    doubleField(SUM, point.getSum());
    field(QUANTILE_VALUES);
    put((byte) '[');
    List<ValueAtQuantile> values = point.getValues();
    for (int i = 0; i < values.size(); i++) {
      element();
      put((byte) '{');
      doubleField(QUANTILE, values.get(i).getQuantile());
      doubleField(VALUE, values.get(i).getValue());
      put((byte) '}');
    }
    put((byte) ']');
    pointAttributes(point.getAttributes());
  }

  private void exemplars(List<? extends ExemplarData> exemplars) {
    field(EXEMPLARS);
    put((byte) '[');
    for (int i = 0; i < exemplars.size(); i++) {
      ExemplarData e = exemplars.get(i);
      element();
      put((byte) '{');
      fixed64Field(TIME_UNIX_NANO, e.getEpochNanos());
      if (e instanceof LongExemplarData l) {
        field(AS_INT);
        quotedLong(l.getValue());
      } else {
        field(AS_DOUBLE);
        doubleValue(((DoubleExemplarData) e).getValue());
      }
      SpanContext span = e.getSpanContext();
      if (span.isValid()) {
        field(SPAN_ID);
        string(span.getSpanId());
        field(TRACE_ID);
        string(span.getTraceId());
      }
      attributes(FILTERED_ATTRIBUTES, e.getFilteredAttributes());
      put((byte) '}');
    }
    put((byte) ']');
  }

  // ---- attributes and values

  private void attributes(byte[] name, Attributes attributes) {
    field(name);
    put((byte) '[');
    attributes.forEach(keyValue);
    put((byte) ']');
  }

  /**
   * A point's attributes, their bytes kept by identity: the agent's points carry the same few
   * Attributes objects ({@code cpu.mode=user}, none) at every export.
   */
  private void pointAttributes(Attributes attributes) {
    field(ATTRIBUTES);
    if (attributes.isEmpty()) {
      put(EMPTY_ARRAY);
      return;
    }
    AttributesEntry e = pointAttributes.get(attributes);
    if (e != null) {
      put(e.json);
      return;
    }
    int start = size;
    put((byte) '[');
    attributes.forEach(keyValue);
    put((byte) ']');
    e = new AttributesEntry();
    e.json = Arrays.copyOfRange(buf, start, size);
    pointAttributes.put(attributes, e);
  }

  private static final class AttributesEntry extends Entry {
    byte[] json; // [{"key":...,"value":...},...]
  }

  @SuppressWarnings("unchecked")
  private void keyValue(AttributeKey<?> key, Object value) {
    element();
    put((byte) '{');
    stringField(KEY, key.getKey());
    field(VALUE);
    switch (key.getType()) {
      case STRING -> {
        put(STRING_VALUE);
        string((String) value);
        put((byte) '}');
      }
      case BOOLEAN -> boolValue((Boolean) value);
      case LONG -> intValue((Long) value);
      case DOUBLE -> doubleAnyValue((Double) value);
      case STRING_ARRAY, BOOLEAN_ARRAY, LONG_ARRAY, DOUBLE_ARRAY -> {
        put(ARRAY_VALUE);
        for (Object element : (List<Object>) value) {
          element();
          switch (key.getType()) {
            case STRING_ARRAY -> {
              put(STRING_VALUE);
              string((String) element);
              put((byte) '}');
            }
            case BOOLEAN_ARRAY -> boolValue((Boolean) element);
            case LONG_ARRAY -> intValue((Long) element);
            default -> doubleAnyValue((Double) element);
          }
        }
        put(ARRAY_VALUE_CLOSE);
      }
      case VALUE -> anyValue((Value<?>) value);
      default -> throw new IllegalArgumentException("unknown attribute type " + key.getType());
    }
    put((byte) '}');
  }

  private void boolValue(boolean value) {
    put(BOOL_VALUE);
    put(value ? TRUE : FALSE);
    put((byte) '}');
  }

  private void intValue(long value) {
    put(INT_VALUE);
    quotedLong(value);
    put((byte) '}');
  }

  private void doubleAnyValue(double value) {
    put(DOUBLE_VALUE);
    doubleValue(value);
    put((byte) '}');
  }

  /** An {@code AnyValue} from the API's {@link Value} (attributes of type VALUE). */
  @SuppressWarnings("unchecked")
  private void anyValue(Value<?> value) {
    switch (value.getType()) {
      case STRING -> {
        put(STRING_VALUE);
        string((String) value.getValue());
        put((byte) '}');
      }
      case BOOLEAN -> boolValue((Boolean) value.getValue());
      case LONG -> intValue((Long) value.getValue());
      case DOUBLE -> doubleAnyValue((Double) value.getValue());
      case ARRAY -> {
        put(ARRAY_VALUE);
        for (Value<?> element : (List<Value<?>>) value.getValue()) {
          element();
          anyValue(element);
        }
        put(ARRAY_VALUE_CLOSE);
      }
      case KEY_VALUE_LIST -> {
        put(KVLIST_VALUE);
        for (KeyValue kv : (List<KeyValue>) value.getValue()) {
          element();
          put((byte) '{');
          stringField(KEY, kv.getKey());
          field(VALUE);
          anyValue(kv.getValue());
          put((byte) '}');
        }
        put(ARRAY_VALUE_CLOSE);
      }
      case BYTES -> {
        ByteBuffer bytes = ((ByteBuffer) value.getValue()).duplicate();
        byte[] raw = new byte[bytes.remaining()];
        bytes.get(raw);
        put(BYTES_VALUE);
        put((byte) '"');
        put(Base64.getEncoder().encode(raw));
        put((byte) '"');
        put((byte) '}');
      }
      default -> { // EMPTY
        put((byte) '{');
        put((byte) '}');
      }
    }
  }

  // ---- fields (the SDK leaves out a scalar field at its proto3 default)

  /** A comma before an array element unless it is the first. */
  private void element() {
    if (buf[size - 1] != '[') {
      put((byte) ',');
    }
  }

  /** {@code "name":}, after a comma unless it is the first member. */
  private void field(byte[] quotedNameColon) {
    if (buf[size - 1] != '{') {
      put((byte) ',');
    }
    put(quotedNameColon);
  }

  private void stringField(byte[] name, String value) {
    if (value != null && !value.isEmpty()) {
      field(name);
      string(value);
    }
  }

  private void fixed64Field(byte[] name, long value) {
    if (value != 0) {
      field(name);
      quotedLong(value);
    }
  }

  private void doubleField(byte[] name, double value) {
    if (value != 0) {
      field(name);
      doubleValue(value);
    }
  }

  private void intField(byte[] name, int value) {
    if (value != 0) {
      field(name);
      longValue(value);
    }
  }

  // ---- values

  /** A 64-bit integer as the protobuf JSON mapping has it: a decimal string. */
  private void quotedLong(long value) {
    put((byte) '"');
    longValue(value);
    put((byte) '"');
  }

  private void longValue(long value) {
    if (value == Long.MIN_VALUE) {
      put(Long.toString(value).getBytes(StandardCharsets.US_ASCII));
      return;
    }
    ensure(20);
    if (value < 0) {
      buf[size++] = '-';
      value = -value;
    }
    int digits = 1;
    for (long v = value / 10; v != 0; v /= 10) {
      digits++;
    }
    int end = size + digits;
    int p = end;
    do {
      buf[--p] = (byte) ('0' + value % 10);
      value /= 10;
    } while (value != 0);
    size = end;
  }

  /** As {@link Double#toString}; the non-finite values as the strings proto3 JSON has. */
  private void doubleValue(double value) {
    if (Double.isNaN(value)) {
      put(NAN);
    } else if (Double.isInfinite(value)) {
      put(value > 0 ? INFINITY : MINUS_INFINITY);
    } else {
      String s = Double.toString(value);
      int n = s.length();
      ensure(n);
      for (int i = 0; i < n; i++) {
        buf[size++] = (byte) s.charAt(i);
      }
    }
  }

  /**
   * A JSON string in UTF-8, as the SDK's writer makes it: quote, backslash and control
   * characters escaped (the two-character forms where JSON has one, else six characters), an
   * unpaired surrogate written as {@code ?}.
   */
  private void string(String value) {
    int n = value.length();
    ensure(6 * n + 2); // the longest form: a control character as 6 bytes
    byte[] b = buf;
    int p = size;
    b[p++] = '"';
    for (int i = 0; i < n; i++) {
      char c = value.charAt(i);
      if (c < 0x80) {
        if (c >= 0x20 && c != '"' && c != '\\') {
          b[p++] = (byte) c;
        } else {
          b[p++] = '\\';
          switch (c) {
            case '"' -> b[p++] = '"';
            case '\\' -> b[p++] = '\\';
            case '\b' -> b[p++] = 'b';
            case '\f' -> b[p++] = 'f';
            case '\n' -> b[p++] = 'n';
            case '\r' -> b[p++] = 'r';
            case '\t' -> b[p++] = 't';
            default -> {
              b[p++] = 'u';
              b[p++] = '0';
              b[p++] = '0';
              b[p++] = HEX[c >> 4];
              b[p++] = HEX[c & 0xF];
            }
          }
        }
      } else if (c < 0x800) {
        b[p++] = (byte) (0xC0 | (c >> 6));
        b[p++] = (byte) (0x80 | (c & 0x3F));
      } else if (Character.isHighSurrogate(c) && i + 1 < n
          && Character.isLowSurrogate(value.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, value.charAt(++i));
        b[p++] = (byte) (0xF0 | (cp >> 18));
        b[p++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
        b[p++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
        b[p++] = (byte) (0x80 | (cp & 0x3F));
      } else if (Character.isSurrogate(c)) {
        b[p++] = '?';
      } else {
        b[p++] = (byte) (0xE0 | (c >> 12));
        b[p++] = (byte) (0x80 | ((c >> 6) & 0x3F));
        b[p++] = (byte) (0x80 | (c & 0x3F));
      }
    }
    b[p++] = '"';
    size = p;
  }

  private void put(byte b) {
    ensure(1);
    buf[size++] = b;
  }

  private void put(byte[] bytes) {
    ensure(bytes.length);
    System.arraycopy(bytes, 0, buf, size, bytes.length);
    size += bytes.length;
  }

  private void ensure(int more) {
    if (size + more > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
    }
  }

  // ---- the protobuf JSON names

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] name(String name) {
    return ascii("\"" + name + "\":");
  }

  private static final byte[] HEX = ascii("0123456789abcdef");
  private static final byte[] TRUE = ascii("true");
  private static final byte[] EMPTY_ARRAY = ascii("[]");
  private static final byte[] FALSE = ascii("false");
  private static final byte[] NAN = ascii("\"NaN\"");
  private static final byte[] INFINITY = ascii("\"Infinity\"");
  private static final byte[] MINUS_INFINITY = ascii("\"-Infinity\"");
  private static final byte[] REQUEST_OPEN = ascii("{\"resourceMetrics\":[");
  private static final byte[] REQUEST_CLOSE = ascii("]}\n");
  private static final byte[] RESOURCE_OPEN = ascii("{\"resource\":{");
  private static final byte[] RESOURCE_CLOSE = ascii(",\"entityRefs\":[]},\"scopeMetrics\":[");
  private static final byte[] SCOPE_OPEN = ascii("{\"scope\":{");
  private static final byte[] SCOPE_CLOSE = ascii("},\"metrics\":[");
  private static final byte[] STRING_VALUE = ascii("{\"stringValue\":");
  private static final byte[] BOOL_VALUE = ascii("{\"boolValue\":");
  private static final byte[] INT_VALUE = ascii("{\"intValue\":");
  private static final byte[] DOUBLE_VALUE = ascii("{\"doubleValue\":");
  private static final byte[] BYTES_VALUE = ascii("{\"bytesValue\":");
  private static final byte[] ARRAY_VALUE = ascii("{\"arrayValue\":{\"values\":[");
  private static final byte[] KVLIST_VALUE = ascii("{\"kvlistValue\":{\"values\":[");
  private static final byte[] ARRAY_VALUE_CLOSE = ascii("]}}");
  private static final byte[] SCHEMA_URL = name("schemaUrl");
  private static final byte[] NAME = name("name");
  private static final byte[] VERSION = name("version");
  private static final byte[] ATTRIBUTES = name("attributes");
  private static final byte[] FILTERED_ATTRIBUTES = name("filteredAttributes");
  private static final byte[] KEY = name("key");
  private static final byte[] VALUE = name("value");
  private static final byte[] DESCRIPTION = name("description");
  private static final byte[] UNIT = name("unit");
  private static final byte[] GAUGE = name("gauge");
  private static final byte[] SUM = name("sum");
  private static final byte[] HISTOGRAM = name("histogram");
  private static final byte[] EXPONENTIAL_HISTOGRAM = name("exponentialHistogram");
  private static final byte[] SUMMARY = name("summary");
  private static final byte[] DATA_POINTS = name("dataPoints");
  private static final byte[] AGGREGATION_TEMPORALITY = name("aggregationTemporality");
  private static final byte[] IS_MONOTONIC = name("isMonotonic");
  private static final byte[] START_TIME_UNIX_NANO = name("startTimeUnixNano");
  private static final byte[] TIME_UNIX_NANO = name("timeUnixNano");
  private static final byte[] AS_DOUBLE = name("asDouble");
  private static final byte[] AS_INT = name("asInt");
  private static final byte[] EXEMPLARS = name("exemplars");
  private static final byte[] SPAN_ID = name("spanId");
  private static final byte[] TRACE_ID = name("traceId");
  private static final byte[] COUNT = name("count");
  private static final byte[] BUCKET_COUNTS = name("bucketCounts");
  private static final byte[] EXPLICIT_BOUNDS = name("explicitBounds");
  private static final byte[] MIN = name("min");
  private static final byte[] MAX = name("max");
  private static final byte[] SCALE = name("scale");
  private static final byte[] ZERO_COUNT = name("zeroCount");
  private static final byte[] POSITIVE = name("positive");
  private static final byte[] NEGATIVE = name("negative");
  private static final byte[] OFFSET = name("offset");
  private static final byte[] QUANTILE_VALUES = name("quantileValues");
  private static final byte[] QUANTILE = name("quantile");
}

package io.cgroupotel.exporter.prometheus;

import io.cgroupotel.exporter.PullExporter;
import io.opentelemetry.sdk.common.Clock;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.metrics.data.SumData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the last export on {@code GET /metrics} with the Prometheus Java client's scrape
 * handler and writers on the JDK's HTTP server ({@link ScrapeServer}): Prometheus text,
 * OpenMetrics text or Prometheus protobuf as the scraper's {@code Accept} header asks, gzip when
 * {@code Accept-Encoding} allows it. Names follow {@link PrometheusNames} (the rules of
 * Prometheus's own OTLP translator): {@code cgroup.cpu.time} in s, a counter, is {@code
 * cgroup_cpu_time_seconds_total}, and every resource attribute of the entity is a label ({@code
 * cgroup_path}, {@code k8s_pod_name}, {@code oar_job_id}...): Prometheus identifies a series by
 * its labels only, so without them every pod would collapse into one series.
 *
 * <p>Hostile or broken clients: scrapes are served by a pool of {@value #THREADS} threads, so
 * one client that sends part of a request (or binary, or a TLS ClientHello) and holds the
 * connection costs one thread, not the endpoint. The JDK's HTTP server reads a request on a pool
 * thread and has no read timeout unless its system properties set one, read once per JVM: unless
 * already set (e.g. in {@code JAVA_OPTS}), this class sets {@code sun.net.httpserver.maxReqTime}
 * = {@value #MAX_REQUEST_SECONDS} s (from the first byte to the end of the headers, and the
 * longest a connection may stay silent after it opens), {@code sun.net.httpserver.maxRspTime} =
 * {@value #MAX_RESPONSE_SECONDS} s, and {@code jdk.httpserver.maxConnections} = {@value
 * #MAX_CONNECTIONS}. So {@value #THREADS} or more stalled clients delay scrapes by at most
 * {@value #MAX_REQUEST_SECONDS} s (plus the JDK's 1 s timer tick), after which the server closes
 * them.
 *
 * <p>Clients that go away mid-answer (a scrape reset after its first byte) free their connection
 * at once and are counted: see {@link ScrapeServer}.
 *
 * <p>Histograms and summaries are not served (the agent makes none). Values are as of the last
 * export (at the agent's export interval); a scrape before the first export asks the pipeline
 * for a collection (at most {@value #FIRST_COLLECTION_SECONDS} s) rather than answering an empty
 * page. Thread-safe.
 */
final class PrometheusExporter implements MetricExporter, PullExporter {
  private static final Logger log = LoggerFactory.getLogger(PrometheusExporter.class);

  /** Threads that serve scrapes; a stalled client holds one until it times out. */
  static final int THREADS = 4;
  static final int MAX_REQUEST_SECONDS = 5;
  static final int MAX_RESPONSE_SECONDS = 60;
  static final int MAX_CONNECTIONS = 64;
  static final String MAX_REQ_TIME = "sun.net.httpserver.maxReqTime";
  static final String MAX_RSP_TIME = "sun.net.httpserver.maxRspTime";
  static final String MAX_CONNECTIONS_PROPERTY = "jdk.httpserver.maxConnections";

  static {
    // before the first HttpServer of this JVM reads them (and before HTTPServer's own defaults
    // of 60 s and 600 s); a value the operator set wins
    setDefault(MAX_REQ_TIME, Integer.toString(MAX_REQUEST_SECONDS));
    setDefault(MAX_RSP_TIME, Integer.toString(MAX_RESPONSE_SECONDS));
    setDefault(MAX_CONNECTIONS_PROPERTY, Integer.toString(MAX_CONNECTIONS));
  }

  /** How long a scrape before the first export waits for the collection it asked for. */
  static final int FIRST_COLLECTION_SECONDS = 5;

  private final ScrapeServer server;
  /** The last export; null before the first. */
  private volatile MetricSnapshots snapshots;
  private volatile Supplier<CompletableResultCode> collect;
  private final Set<String> warned = ConcurrentHashMap.newKeySet();

  private PrometheusExporter(InetSocketAddress address) throws IOException {
    if (address.isUnresolved()) {
      throw new IOException("cannot resolve " + address.getHostString());
    }
    PrometheusRegistry registry = new PrometheusRegistry();
    registry.register((MultiCollector) this::current);
    this.server = new ScrapeServer(address, registry, pool(), Clock.getDefault());
  }

  /** What a scrape serves: the last export, or a collection made now when none has run yet. */
  private MetricSnapshots current() {
    MetricSnapshots last = snapshots;
    Supplier<CompletableResultCode> now = collect;
    if (last == null && now != null) {
      CompletableResultCode result = now.get().join(FIRST_COLLECTION_SECONDS, TimeUnit.SECONDS);
      if (!result.isSuccess()) {
        warnOnce("a scrape before the first export asked for a collection, which did not "
            + "finish within " + FIRST_COLLECTION_SECONDS + " s");
      }
      last = snapshots;
    }
    return last == null ? MetricSnapshots.of() : last;
  }

  @Override
  public void collectOnDemand(Supplier<CompletableResultCode> collect) {
    this.collect = collect;
  }

  @Override
  public long abortedReads() {
    return server.aborted();
  }

  static PrometheusExporter start(InetSocketAddress address) throws IOException {
    return new PrometheusExporter(address);
  }

  private static void setDefault(String property, String value) {
    if (System.getProperty(property) == null) {
      System.setProperty(property, value);
    }
  }

  /** {@value #THREADS} daemon threads; idle ones end after a minute. Waiting scrapes queue. */
  private static ThreadPoolExecutor pool() {
    AtomicInteger n = new AtomicInteger();
    ThreadFactory threads = r -> {
      Thread t = new Thread(r, "prometheus-http-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
    ThreadPoolExecutor pool = new ThreadPoolExecutor(THREADS, THREADS, 60, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), threads);
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  /** Scrapes whose client went away before the response was sent. */
  long abortedScrapes() {
    return server.aborted();
  }

  /** The port listened on (useful when 0 was asked for). */
  int port() {
    return server.port();
  }

  @Override
  public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
    return AggregationTemporality.CUMULATIVE; // Prometheus wants totals
  }

  /** Done with the data when {@code export} returns: the producer may hand out the same objects. */
  @Override
  public MemoryMode getMemoryMode() {
    return MemoryMode.REUSABLE_DATA;
  }

  @Override
  public CompletableResultCode export(Collection<MetricData> metrics) {
    snapshots = snapshots(metrics, this::warnOnce);
    return CompletableResultCode.ofSuccess();
  }

  private void warnOnce(String message) {
    if (warned.add(message)) {
      log.warn("prometheus exporter: {} (logged once)", message);
    }
  }

  /** The Prometheus text format (0.0.4) of {@code metrics}, as a scrape without Accept gets. */
  static String render(Collection<MetricData> metrics) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ExpositionFormats.init().getPrometheusTextFormatWriter()
          .write(out, snapshots(metrics, m -> { }));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** One family per Prometheus name; a point per entity and attribute set. */
  static MetricSnapshots snapshots(Collection<MetricData> metrics,
      java.util.function.Consumer<String> warn) {
    Map<String, Family> families = new LinkedHashMap<>();
    Map<String, String> exposed = new java.util.HashMap<>(); // exposed name -> family name
    for (MetricData m : metrics) {
      PrometheusNames.Kind kind = kind(m);
      if (kind == null) {
        warn.accept("skipped " + m.getName() + ": " + m.getType() + " is not served");
        continue;
      }
      boolean counter = kind == PrometheusNames.Kind.COUNTER;
      String name = PrometheusNames.metricName(m.getName(), m.getUnit(), kind);
      if (name.isEmpty() || counter && name.equals("total")) {
        warn.accept("skipped " + m.getName() + ": no legal Prometheus name is left of it");
        continue;
      }
      // the model names a counter without _total; its writers add it
      String base = counter ? name.substring(0, name.length() - "_total".length()) : name;
      Family family = families.get(base);
      if (family == null) {
        String other = exposed.putIfAbsent(name, base);
        if (other != null) {
          warn.accept("skipped " + m.getName() + ": " + name + " is already another metric");
          continue;
        }
        family = new Family(base, counter, m.getDescription(),
            unit(base, PrometheusNames.unitName(m.getUnit())));
        families.put(base, family);
      } else if (family.counter != counter) {
        warn.accept("skipped " + m.getName() + ": " + name + " is already a "
            + (family.counter ? "counter" : "gauge"));
        continue;
      }
      for (PointData p : m.getData().getPoints()) {
        family.points.put(PrometheusNames.labels(m.getResource().getAttributes(),
            p.getAttributes(), warn), value(p));
      }
    }
    List<MetricSnapshot> out = new ArrayList<>(families.size());
    for (Family f : families.values()) {
      try {
        out.add(f.snapshot());
      } catch (IllegalArgumentException e) { // e.g. a negative counter: the model refuses it
        warn.accept("skipped " + f.name + ": " + e.getMessage());
      }
    }
    return new MetricSnapshots(out);
  }

  /**
   * A monotonic sum is a counter, a gauge a gauge, a non-monotonic sum is served as a gauge
   * (named as the translator names it); null for what is not served.
   */
  private static PrometheusNames.Kind kind(MetricData m) {
    MetricDataType type = m.getType();
    if (type == MetricDataType.DOUBLE_GAUGE || type == MetricDataType.LONG_GAUGE) {
      return PrometheusNames.Kind.GAUGE;
    }
    if (type == MetricDataType.DOUBLE_SUM || type == MetricDataType.LONG_SUM) {
      SumData<?> sum = type == MetricDataType.DOUBLE_SUM ? m.getDoubleSumData()
          : m.getLongSumData();
      if (sum.getAggregationTemporality() != AggregationTemporality.CUMULATIVE) {
        return null; // the reader asks for cumulative: a delta sum would be a producer's
      }
      return sum.isMonotonic() ? PrometheusNames.Kind.COUNTER : PrometheusNames.Kind.UP_DOWN;
    }
    return null;
  }

  private static Unit unit(String base, String suffix) {
    if (suffix.isEmpty() || !base.endsWith("_" + suffix)) {
      return null;
    }
    try {
      return new Unit(suffix);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static double value(PointData p) {
    return p instanceof DoublePointData d ? d.getValue()
        : p instanceof LongPointData l ? l.getValue() : Double.NaN;
  }

  private static final class Family {
    final String name;
    final boolean counter;
    final String help;
    final Unit unit;
    final Map<Labels, Double> points = new LinkedHashMap<>();

    Family(String name, boolean counter, String help, Unit unit) {
      this.name = name;
      this.counter = counter;
      this.help = help == null || help.isEmpty() ? null : help;
      this.unit = unit;
    }

    MetricSnapshot snapshot() {
      if (counter) {
        CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help).unit(unit);
        points.forEach((labels, v) -> b.dataPoint(
            CounterDataPointSnapshot.builder().labels(labels).value(v).build()));
        return b.build();
      }
      GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help).unit(unit);
      points.forEach((labels, v) -> b.dataPoint(
          GaugeDataPointSnapshot.builder().labels(labels).value(v).build()));
      return b.build();
    }
  }

  @Override
  public CompletableResultCode flush() {
    return CompletableResultCode.ofSuccess();
  }

  @Override
  public CompletableResultCode shutdown() {
    server.close();
    return CompletableResultCode.ofSuccess();
  }
}

package io.cgroupotel.exporter.prometheus;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.metrics.AgentMetric;
import io.cgroupotel.metrics.EntityMetric;
import io.cgroupotel.sampler.EntityKind;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.GaugeData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.SumData;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.metrics.TestMetricData;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Every name of the metric table ({@link EntityMetric} for every {@link EntityKind} it applies
 * to, and {@link AgentMetric}) through the Prometheus exporter: what a scrape shows is the name
 * that otlptranslator's rules give, computed here apart from {@link PrometheusNames} (a literal
 * transcription of {@code normalizeName} with the Go code's regular expressions).
 */
class PrometheusMetricTableNamesTest {
  private static final Pattern TYPE = Pattern.compile("^# TYPE (\\S+) (counter|gauge)$",
      Pattern.MULTILINE);

  /** One row of the table: its OTel name, unit and whether it is a counter. */
  private record Row(String name, String unit, boolean counter) {}

  static List<Row> table() {
    List<Row> rows = new ArrayList<>();
    for (EntityMetric m : EntityMetric.values()) {
      for (EntityKind k : EntityKind.values()) {
        if (k.has(m)) {
          rows.add(new Row(k.metricName(m), m.unit(),
              m.instrument() == EntityMetric.Instrument.COUNTER));
        }
      }
    }
    for (AgentMetric m : AgentMetric.values()) {
      rows.add(new Row(m.metricName(), m.unit(),
          m.instrument() == EntityMetric.Instrument.COUNTER));
    }
    return rows;
  }

  @Test
  void everyMetricOfTheTable_exposedUnderTheTranslatorsName() {
    List<Row> rows = table();
    List<MetricData> data = new ArrayList<>();
    for (Row r : rows) {
      data.add(metric(r));
    }
    String text = PrometheusExporter.render(data);
    Map<String, String> exposed = new LinkedHashMap<>(); // name -> counter|gauge
    Matcher m = TYPE.matcher(text);
    while (m.find()) {
      exposed.put(m.group(1), m.group(2));
    }
    List<String> wrong = new ArrayList<>();
    for (Row r : rows) {
      String expected = translator(r.name(), r.unit(), r.counter());
      if (!(r.counter() ? "counter" : "gauge").equals(exposed.get(expected))) {
        wrong.add(r + ": expected " + expected + ", not exposed as a "
            + (r.counter() ? "counter" : "gauge"));
      } else if (!text.contains("\n" + expected + "{")) {
        wrong.add(r + ": no sample line for " + expected);
      }
      assertThat(expected).matches("[a-zA-Z_:][a-zA-Z0-9_:]*").doesNotContain("__");
    }
    assertThat(wrong).isEmpty();
    assertThat(exposed).as("one family per row, none skipped").hasSize(rows.size());
    System.out.println(rows.size() + " metric table names exposed as the translator names "
        + "them, e.g. " + exposed.keySet().stream().filter(n -> n.contains("carbon"))
        .collect(Collectors.joining(", ")));
  }

  @Test
  void namesThatAUserSeesInTheReadmeAndTheDemo() {
    Map<String, String> byOtel = new LinkedHashMap<>();
    for (Row r : table()) {
      byOtel.put(r.name(), PrometheusNames.metricName(r.name(), r.unit(), r.counter()));
    }
    assertThat(byOtel).containsEntry("k8s.pod.carbon", "k8s_pod_carbon_total")
        .containsEntry("cgroup.cpu.time", "cgroup_cpu_time_seconds_total")
        .containsEntry("k8s.pod.cpu.usage", "k8s_pod_cpu_usage")
        .containsEntry("oar.job.memory.usage", "oar_job_memory_usage_bytes")
        .containsEntry("k8s.pod.energy", "k8s_pod_energy_joules_total")
        .containsEntry("cgroup_agent.scrape.errors", "cgroup_agent_scrape_errors_total")
        .containsEntry("host.energy", "host_energy_joules_total");
  }

  private static MetricData metric(Row r) {
    List<DoublePointData> points = List.of(DoublePointData.create(1, 2,
        Attributes.empty(), 1, List.of()));
    TestMetricData.Builder b = TestMetricData.builder()
        .setResource(Resource.create(Attributes.of(
            io.opentelemetry.api.common.AttributeKey.stringKey("service.name"), "t")))
        .setInstrumentationScopeInfo(InstrumentationScopeInfo.create("t"))
        .setName(r.name()).setDescription("d").setUnit(r.unit());
    return r.counter()
        ? b.setDoubleSumData(SumData.createDoubleSumData(true,
            AggregationTemporality.CUMULATIVE, points)).build()
        : b.setDoubleGaugeData(GaugeData.createDoubleGaugeData(points)).build();
  }

  // --- the rules, transcribed from metric_namer.go / unit_namer.go with their regexps ---

  private static final Map<String, String> UNIT_MAP = Map.ofEntries(Map.entry("d", "days"),
      Map.entry("h", "hours"), Map.entry("min", "minutes"), Map.entry("s", "seconds"),
      Map.entry("ms", "milliseconds"), Map.entry("us", "microseconds"),
      Map.entry("ns", "nanoseconds"), Map.entry("By", "bytes"), Map.entry("KiBy", "kibibytes"),
      Map.entry("MiBy", "mebibytes"), Map.entry("GiBy", "gibibytes"),
      Map.entry("TiBy", "tibibytes"), Map.entry("KBy", "kilobytes"),
      Map.entry("MBy", "megabytes"), Map.entry("GBy", "gigabytes"),
      Map.entry("TBy", "terabytes"), Map.entry("m", "meters"), Map.entry("V", "volts"),
      Map.entry("A", "amperes"), Map.entry("J", "joules"), Map.entry("W", "watts"),
      Map.entry("g", "grams"), Map.entry("Cel", "celsius"), Map.entry("Hz", "hertz"),
      Map.entry("1", ""), Map.entry("%", "percent"));
  private static final Map<String, String> PER_UNIT_MAP = Map.of("s", "second", "m", "minute",
      "h", "hour", "d", "day", "w", "week", "mo", "month", "y", "year");

  static String translator(String name, String unit, boolean counter) {
    List<String> tokens = new ArrayList<>(Arrays.stream(name.split("[^a-zA-Z0-9:]"))
        .filter(t -> !t.isEmpty()).toList());
    String[] parts = unit.split("/", 2);
    String main = parts[0].trim();
    main = main.isEmpty() || main.matches(".*[{}].*") ? "" : UNIT_MAP.getOrDefault(main, main);
    String per = "";
    if (parts.length > 1 && !parts[1].isEmpty()) {
      String p = parts[1].trim();
      per = p.isEmpty() || p.matches(".*[{}].*") ? "" : PER_UNIT_MAP.getOrDefault(p, p);
      per = per.isEmpty() ? "" : "per_" + per;
    }
    main = clean(main);
    per = clean(per);
    if (tokens.contains(main)) {
      main = "";
    }
    per = per.equals("per_") ? "" : per.replaceAll("_$", "");
    if (tokens.contains(per)) {
      per = "";
    }
    if (!per.isEmpty()) {
      main = main.replaceAll("_$", "");
    }
    if (!main.isEmpty()) {
      tokens.add(main);
    }
    if (!per.isEmpty()) {
      tokens.add(per);
    }
    if (counter) {
      tokens.removeIf("total"::equals);
      tokens.add("total");
    }
    if (unit.equals("1") && !counter) {
      tokens.removeIf("ratio"::equals);
      tokens.add("ratio");
    }
    String joined = String.join("_", tokens);
    return joined.matches("^[0-9].*") ? "_" + joined : joined;
  }

  private static String clean(String unit) {
    return unit.replaceAll("[^a-zA-Z0-9:]", "_").replaceAll("__+", "_").replaceAll("^_", "");
  }
}

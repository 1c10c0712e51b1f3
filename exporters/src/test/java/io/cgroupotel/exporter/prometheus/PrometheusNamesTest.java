package io.cgroupotel.exporter.prometheus;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.exporter.prometheus.PrometheusNames.Kind;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.prometheus.metrics.model.snapshots.Labels;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The test tables of Prometheus's otlptranslator ({@code metric_namer_test.go} {@code
 * TestMetricNamer_Build} with {@code UTF8Allowed: false, WithMetricSuffixes: true} and no
 * namespace, {@code unit_namer_test.go} {@code TestUnitNamer_Build} with {@code UTF8Allowed:
 * false}, {@code label_namer_test.go} {@code TestBuildLabel}), case for case.
 */
class PrometheusNamesTest {

  /** name, unit, kind, wanted metric name, wanted unit name. */
  private record MetricCase(String name, String unit, Kind kind, String metric, String unitName) {}

  private static MetricCase c(String name, String unit, Kind kind, String metric,
      String unitName) {
    return new MetricCase(name, unit, kind, metric, unitName);
  }

  private static final Kind G = Kind.GAUGE;
  private static final Kind C = Kind.COUNTER;

  static final List<MetricCase> METRIC_NAMER = List.of(
      c("requests", "", C, "requests_total", ""),
      c("cpu_usage", "1", G, "cpu_usage_ratio", ""),
      c("items", "1", C, "items_total", ""),
      c("response_time", "ms", G, "response_time_milliseconds", "milliseconds"),
      c("memory_usage", "By", G, "memory_usage_bytes", "bytes"),
      c("requests", "1/s", G, "requests_per_second", "per_second"),
      c("throughput", "By/s", G, "throughput_bytes_per_second", "bytes_per_second"),
      c("custom_metric", "custom_unit", G, "custom_metric_custom_unit", "custom_unit"),
      c("custom_metric", "{custom}", G, "custom_metric", ""),
      c("custom_metric", "By/{custom}", G, "custom_metric_bytes", "bytes"),
      c("requests_total", "", C, "requests_total", ""),
      c("cpu_usage_ratio", "1", G, "cpu_usage_ratio", ""),
      c("response_time_seconds", "s", G, "response_time_seconds", "seconds"),
      c("metric__with__multiple__underscores", "unit__multiple__underscores", G,
          "metric_with_multiple_underscores_unit_multiple_underscores",
          "unit_multiple_underscores"),
      c("custom_metric", "unit@with#special/chars", G,
          "custom_metric_unit_with_special_per_chars", "unit_with_special_per_chars"),
      c("@#$%", "", G, "", ""),
      c("active_connections", "", Kind.UP_DOWN, "active_connections", ""),
      c("uptime", "d", G, "uptime_days", "days"),
      c("duration", "h", G, "duration_hours", "hours"),
      c("timeout", "min", G, "timeout_minutes", "minutes"),
      c("latency", "us", G, "latency_microseconds", "microseconds"),
      c("precision_time", "ns", G, "precision_time_nanoseconds", "nanoseconds"),
      c("cache_size", "KiBy", G, "cache_size_kibibytes", "kibibytes"),
      c("memory", "MiBy", G, "memory_mebibytes", "mebibytes"),
      c("storage", "GiBy", G, "storage_gibibytes", "gibibytes"),
      c("capacity", "TiBy", G, "capacity_tibibytes", "tibibytes"),
      c("transfer", "KBy", G, "transfer_kilobytes", "kilobytes"),
      c("download", "MBy", G, "download_megabytes", "megabytes"),
      c("backup", "GBy", G, "backup_gigabytes", "gigabytes"),
      c("archive", "TBy", G, "archive_terabytes", "terabytes"),
      c("distance", "m", G, "distance_meters", "meters"),
      c("voltage", "V", G, "voltage_volts", "volts"),
      c("current", "A", G, "current_amperes", "amperes"),
      c("energy", "J", G, "energy_joules", "joules"),
      c("power", "W", G, "power_watts", "watts"),
      c("weight", "g", G, "weight_grams", "grams"),
      c("temperature", "Cel", G, "temperature_celsius", "celsius"),
      c("frequency", "Hz", G, "frequency_hertz", "hertz"),
      c("cpu_usage", "%", G, "cpu_usage_percent", "percent"),
      c("requests", "1/m", G, "requests_per_minute", "per_minute"),
      c("events", "1/h", G, "events_per_hour", "per_hour"),
      c("transactions", "1/d", G, "transactions_per_day", "per_day"),
      c("reports", "1/w", G, "reports_per_week", "per_week"),
      c("invoices", "1/mo", G, "invoices_per_month", "per_month"),
      c("renewals", "1/y", G, "renewals_per_year", "per_year"),
      c("custom", "1/custom_unit", G, "custom_per_custom_unit", "per_custom_unit"),
      c("metric", "By/", G, "metric_bytes", "bytes"),
      c("metric", " By / s ", G, "metric_bytes_per_second", "bytes_per_second"),
      c("metric", "/", G, "metric", ""),
      c("http.request.duration", "ms", G, "http_request_duration_milliseconds",
          "milliseconds"),
      c("http.requests", "1", C, "http_requests_total", ""),
      // the suffix-less cases' name rules (special characters, leading digit), with suffixes
      c("metric@with#special$chars", "", G, "metric_with_special_chars", ""),
      c("metric@@##$$name", "", G, "metric_name", ""),
      c("123metric", "", G, "_123metric", ""),
      c("123_requests", "", C, "_123_requests_total", ""),
      c("requests", "1/s", C, "requests_per_second_total", "per_second"),
      // what this agent emits
      c("k8s.pod.carbon", "g{CO2e}", C, "k8s_pod_carbon_total", ""),
      c("cgroup.cpu.time", "s", C, "cgroup_cpu_time_seconds_total", "seconds"),
      c("k8s.pod.cpu.usage", "{cpu}", G, "k8s_pod_cpu_usage", ""),
      c("k8s.pod.memory.working_set", "By", G, "k8s_pod_memory_working_set_bytes", "bytes"),
      c("k8s.pod.cpu_limit_utilization", "1", G, "k8s_pod_cpu_limit_utilization_ratio", ""),
      c("cgroup_agent.scrape.errors", "{error}", C, "cgroup_agent_scrape_errors_total", ""),
      c("host.energy", "J", C, "host_energy_joules_total", "joules"),
      c("a.total.b", "", C, "a_b_total", ""),
      c("x.seconds.y", "s", G, "x_seconds_y", "seconds"));

  @Test
  void metricName_otlptranslatorMetricNamerTable() {
    List<String> wrong = new ArrayList<>();
    for (MetricCase t : METRIC_NAMER) {
      String got = PrometheusNames.metricName(t.name(), t.unit(), t.kind());
      if (!got.equals(t.metric())) {
        wrong.add(t + " -> " + got);
      }
      String unit = PrometheusNames.unitName(t.unit());
      if (!unit.equals(t.unitName())) {
        wrong.add(t + " unit -> " + unit);
      }
      // as the Go test checks: the unit's words are in the name
      assertThat(got).as(t.toString()).contains(unit);
    }
    assertThat(wrong).isEmpty();
    System.out.println("otlptranslator metric namer table: " + METRIC_NAMER.size() + " cases");
  }

  @Test
  void unitName_otlptranslatorUnitNamerTable() {
    String[][] table = {
        {"", ""}, {"   ", ""}, {"s", "seconds"}, {"ms", "milliseconds"},
        {"us", "microseconds"}, {"ns", "nanoseconds"}, {"min", "minutes"}, {"h", "hours"},
        {"d", "days"}, {"By", "bytes"}, {"KiBy", "kibibytes"}, {"MiBy", "mebibytes"},
        {"GiBy", "gibibytes"}, {"TiBy", "tibibytes"}, {"KBy", "kilobytes"},
        {"MBy", "megabytes"}, {"GBy", "gigabytes"}, {"TBy", "terabytes"}, {"m", "meters"},
        {"V", "volts"}, {"A", "amperes"}, {"J", "joules"}, {"W", "watts"}, {"g", "grams"},
        {"Cel", "celsius"}, {"Hz", "hertz"}, {"%", "percent"}, {"1", ""},
        {"1/s", "per_second"}, {"1/m", "per_minute"}, {"1/h", "per_hour"},
        {"1/d", "per_day"}, {"1/w", "per_week"}, {"1/mo", "per_month"}, {"1/y", "per_year"},
        {"By/s", "bytes_per_second"}, {"KBy/s", "kilobytes_per_second"},
        {"MBy/h", "megabytes_per_hour"}, {"requests/m", "requests_per_minute"},
        {"W/h", "watts_per_hour"}, {"custom_unit", "custom_unit"}, {"1/custom", "per_custom"},
        {"custom/custom", "custom_per_custom"}, {"{custom}", ""}, {"By/{custom}", "bytes"},
        {"{custom}/s", "per_second"}, {"{custom}/{invalid}", ""},
        {"custom@unit#with$chars", "custom_unit_with_chars"},
        {"By/custom@per#unit", "bytes_per_custom_per_unit"}, {"unit@@##$$name", "unit_name"},
        {"unit__with__multiple__underscores", "unit_with_multiple_underscores"},
        {"@#$%", ""}, {"/", ""}, {"By/", "bytes"}, {"seconds/", "seconds"},
        {"/s", "per_second"}, {"_custom_unit", "custom_unit"}, {"custom_unit_", "custom_unit"},
        {"By/_custom__unit_", "bytes_per_custom_unit"}, {"g{CO2e}", ""}};
    for (String[] t : table) {
      assertThat(PrometheusNames.unitName(t[0])).as("unit '%s'", t[0]).isEqualTo(t[1]);
    }
  }

  @Test
  void labelName_otlptranslatorLabelNamerTable() {
    String[][] table = {
        {"label:with:colons", "label_with_colons"},
        {"LabelWithCapitalLetters", "LabelWithCapitalLetters"},
        {"label!with&special$chars)", "label_with_special_chars_"},
        {"label_with_foreign_characters_字符", "label_with_foreign_characters___"},
        {"label.with.dots", "label_with_dots"},
        {"123label", "key_123label"},
        {"_label_starting_with_underscore", "_label_starting_with_underscore"},
        {"__label_starting_with_2underscores", "__label_starting_with_2underscores"},
        {"ようこそ", ""},
        {"regular label", "regular_label"},
        // the agent's own keys
        {"k8s.pod.name", "k8s_pod_name"}, {"a.:-b", "a___b"}, {"café", "caf_"},
        {"k8s.pod.label.app.kubernetes.io/name", "k8s_pod_label_app_kubernetes_io_name"},
        {"Zone_9", "Zone_9"}, {"", ""}};
    for (String[] t : table) {
      assertThat(PrometheusNames.labelName(t[0])).as("key '%s'", t[0]).isEqualTo(t[1]);
    }
  }

  @Test
  void labels_reservedOrEmptyNamesLeftOutAndReported_arrayValuesAsJson() {
    List<String> dropped = new ArrayList<>();
    Attributes resource = Attributes.builder().put("service.name", "a")
        .put("__name__", "x").put("ключ", "y")
        .put(AttributeKey.stringArrayKey("k8s.pod.tags"), List.of("a", "b\"c"))
        .put(AttributeKey.longArrayKey("ids"), List.of(1L, 2L))
        .put(AttributeKey.doubleArrayKey("weights"), List.of(1.5, 2.0))
        .put(AttributeKey.booleanArrayKey("flags"), List.of(true, false))
        .put("ratio", 0.25).put("big", 1e20).build();
    Labels labels = PrometheusNames.labels(resource, Attributes.empty(), dropped::add);
    assertThat(labels.get("service_name")).isEqualTo("a");
    assertThat(labels.get("k8s_pod_tags")).isEqualTo("[\"a\",\"b\\\"c\"]");
    assertThat(labels.get("ids")).isEqualTo("[1,2]");
    assertThat(labels.get("weights")).isEqualTo("[1.5,2]");
    assertThat(labels.get("flags")).isEqualTo("[true,false]");
    assertThat(labels.get("ratio")).isEqualTo("0.25");
    assertThat(labels.get("big")).isEqualTo("100000000000000000000");
    assertThat(labels.size()).isEqualTo(7);
    assertThat(dropped).hasSize(2).allMatch(m -> m.contains("no legal label name"));
  }
}

package io.cgroupotel.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.sampler.EntityKind;
import io.opentelemetry.api.common.AttributeKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The metric tables of the READMEs are generated from {@link EntityMetric} and {@link
 * AgentMetric}: each block between {@code <!-- BEGIN GENERATED METRICS kinds=... -->} and {@code
 * <!-- END GENERATED METRICS -->} must be what {@link #table} makes of the table, else this test
 * fails; so must {@link #NAMES_FILE}, every full metric name per entity kind ({@link #namesFile}).
 * {@code ./mvnw -pl receivers test -Dtest=MetricTableReadmeTest -Dreadme.update=true} rewrites
 * them.
 */
class MetricTableReadmeTest {
  static final Pattern BLOCK = Pattern.compile(
      "(<!-- BEGIN GENERATED METRICS kinds=([A-Z0-9_,]+) [^>]*-->\n)(.*?)(<!-- END GENERATED "
          + "METRICS -->)", Pattern.DOTALL);
  static final List<String> FILES = List.of("README.md",
      "receivers/src/main/java/io/cgroupotel/receiver/cgroup/README.md",
      "receivers/src/main/java/io/cgroupotel/receiver/k8s/README.md",
      "receivers/src/main/java/io/cgroupotel/receiver/oar3/README.md",
      "receivers/src/main/java/io/cgroupotel/receiver/slurm/README.md");

  /** The list of every full metric name, so that a grep for one finds where it comes from. */
  static final String NAMES_FILE = "docs/metric-names.md";

  static Path repo() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("mvnw"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new AssertionError("no mvnw above " + Path.of("").toAbsolutePath());
    }
    return dir;
  }

  @Test
  void readmes_metricTables_generatedFromTheTable() throws IOException {
    boolean update = Boolean.getBoolean("readme.update");
    List<String> drifted = new ArrayList<>();
    int blocks = 0;
    for (String file : FILES) {
      Path path = repo().resolve(file);
      String text = Files.readString(path, StandardCharsets.UTF_8);
      Matcher m = BLOCK.matcher(text);
      StringBuilder out = new StringBuilder();
      int found = 0;
      while (m.find()) {
        found++;
        Set<EntityKind> kinds = kinds(m.group(2));
        String wanted = table(kinds, m.group(2).equals("ALL"));
        if (!wanted.equals(m.group(3))) {
          drifted.add(file + " (kinds=" + m.group(2) + ")");
        }
        m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + wanted + m.group(4)));
      }
      m.appendTail(out);
      assertThat(found).as("a generated metric block in %s", file).isPositive();
      blocks += found;
      if (update && !out.toString().equals(text)) {
        Files.writeString(path, out.toString(), StandardCharsets.UTF_8);
        System.out.println("rewrote the metric table of " + file);
      }
    }
    System.out.println(blocks + " generated metric blocks in " + FILES.size() + " files; "
        + EntityMetric.values().length + " entity rows, " + AgentMetric.values().length
        + " agent rows; drifted: " + drifted);
    if (!update) {
      assertThat(drifted).as("README metric tables differ from EntityMetric/AgentMetric: run "
          + "./mvnw -pl receivers test -Dtest=MetricTableReadmeTest -Dreadme.update=true")
          .isEmpty();
    }
  }

  @Test
  void metricNamesFile_generatedFromTheTable() throws IOException {
    Path path = repo().resolve(NAMES_FILE);
    String wanted = namesFile();
    String text = Files.exists(path) ? Files.readString(path, StandardCharsets.UTF_8) : "";
    if (Boolean.getBoolean("readme.update")) {
      if (!wanted.equals(text)) {
        Files.createDirectories(path.getParent());
        Files.writeString(path, wanted, StandardCharsets.UTF_8);
        System.out.println("rewrote " + NAMES_FILE);
      }
      return;
    }
    assertThat(text).as(NAMES_FILE + " differs from EntityMetric/EntityKind/AgentMetric: run "
        + "./mvnw -pl receivers test -Dtest=MetricTableReadmeTest -Dreadme.update=true")
        .isEqualTo(wanted);
    assertThat(text).contains("`oar.job.cpu.time`", "`k8s.container.cpu_limit_utilization`");
  }

  /** Every full metric name by entity kind, then the agent's own, with the row it comes from. */
  static String namesFile() {
    StringBuilder sb = new StringBuilder("""
        # Metric names

        Every name the agent can export a metric under, by entity kind, with the row of the
        metric table it comes from (`EntityMetric` in
        `receivers/src/main/java/io/cgroupotel/metrics/`; the kind's prefix and the rows it has
        are in `EntityKind`). Generated by `MetricTableReadmeTest`: do not edit, run
        `./mvnw -pl receivers -am test -Dtest=MetricTableReadmeTest -Dreadme.update=true
        -Dsurefire.failIfNoSpecifiedTests=false`. Units, attributes and sources are in the
        README's [Metrics](../README.md#metrics) table.
        """);
    for (EntityKind kind : EntityKind.values()) {
      sb.append("\n## `").append(kind.prefix()).append("` (`EntityKind.").append(kind.name())
          .append("`)\n\n| metric | unit | row |\n|---|---|---|\n");
      for (EntityMetric m : EntityMetric.values()) {
        if (kind.has(m)) {
          sb.append("| `").append(kind.metricName(m)).append("` | ").append(m.unit())
              .append(" | `EntityMetric.").append(m.name()).append("` |\n");
        }
      }
    }
    sb.append("\n## The agent's own (`AgentMetric`)\n\n| metric | unit | row |\n|---|---|---|\n");
    for (AgentMetric m : AgentMetric.values()) {
      sb.append("| `").append(m.metricName()).append("` | ").append(m.unit())
          .append(" | `AgentMetric.").append(m.name()).append("` |\n");
    }
    return sb.toString();
  }

  @Test
  void table_everyExportedNameIsInTheMainReadme() throws IOException {
    String readme = Files.readString(repo().resolve("README.md"), StandardCharsets.UTF_8);
    for (EntityKind kind : EntityKind.values()) {
      for (EntityMetric m : EntityMetric.values()) {
        if (!kind.has(m)) {
          continue;
        }
        String name = kind.metricName(m);
        boolean generic = name.equals(kind.prefix() + m.suffix()) && m.spec() == null;
        assertThat(readme).as(name).contains(generic ? "`P" + m.suffix() + "`" : "`" + name + "`");
      }
    }
    for (AgentMetric m : AgentMetric.values()) {
      assertThat(readme).contains("`" + m.metricName() + "`");
    }
  }

  static Set<EntityKind> kinds(String spec) {
    if (spec.equals("ALL")) {
      return EnumSet.allOf(EntityKind.class);
    }
    Set<EntityKind> kinds = EnumSet.noneOf(EntityKind.class);
    for (String k : spec.split(",")) {
      kinds.add(EntityKind.valueOf(k));
    }
    return kinds;
  }

  /**
   * The Markdown of the rows for {@code kinds}: with {@code generic}, names as {@code P.<suffix>}
   * ({@code P} = every kind's prefix) and the agent's own rows after them.
   */
  static String table(Set<EntityKind> kinds, boolean generic) {
    StringBuilder sb = new StringBuilder();
    if (generic) {
      sb.append("`P` is the entity's prefix: ").append(kinds.stream()
          .map(k -> "`" + k.prefix() + "`").collect(Collectors.joining(", ")))
          .append(". The `metrics` column is the receiver's `metrics` group that reads it.\n\n");
    }
    sb.append("| metric | instrument | unit | `metrics` | attributes | cgroup v2 | cgroup v1 | "
        + "description |\n|---|---|---|---|---|---|---|---|\n");
    for (EntityMetric m : EntityMetric.values()) {
      List<String> names = new ArrayList<>();
      boolean all = true;
      for (EntityKind k : kinds) {
        if (!k.has(m)) {
          continue; // named below: P.<suffix> (not these kinds)
        }
        String name = k.metricName(m);
        all &= name.equals(k.prefix() + m.suffix());
        names.add(name);
      }
      if (names.isEmpty()) {
        continue;
      }
      String metric = generic && all && names.size() == kinds.size()
          ? "`P" + m.suffix() + "`"
          : generic && all ? "`P" + m.suffix() + "` (not " + kinds.stream()
              .filter(k -> !k.has(m)).map(k -> "`" + k.prefix() + "`")
              .collect(Collectors.joining(", ")) + ")"
          : names.stream().map(n -> "`" + n + "`").collect(Collectors.joining(", "));
      sb.append("| ").append(metric)
          .append(" | ").append(instrument(m.instrument()))
          .append(" | ").append(m.unit())
          .append(" | ").append(m.group().configName())
          .append(" | ").append(attributes(m, kinds))
          .append(" | ").append(m.sourceV2())
          .append(" | ").append(m.sourceV1())
          .append(" | ").append(m.description().replace("|", "\\|"))
          .append(" |\n");
    }
    if (generic) {
      sb.append("\nThe agent's own metrics (the agent's resource only; `cgroup_agent.*` by "
          + "attribute `receiver`):\n\n"
          + "| metric | instrument | unit | description |\n|---|---|---|---|\n");
      for (AgentMetric m : AgentMetric.values()) {
        sb.append("| `").append(m.metricName()).append("` | ")
            .append(instrument(m.instrument())).append(" | ").append(m.unit()).append(" | ")
            .append(m.description()).append(" |\n");
      }
    }
    return sb.toString();
  }

  static String instrument(EntityMetric.Instrument i) {
    return i == EntityMetric.Instrument.COUNTER ? "Counter (double, cumulative)"
        : "Gauge (double)";
  }

  /** The point attributes of a row, e.g. {@code `pressure.stall` = some, full}. */
  static String attributes(EntityMetric m, Set<EntityKind> kinds) {
    Map<String, Set<String>> byKey = new LinkedHashMap<>();
    switch (m.source()) {
      case CPU_TIME -> {
        boolean someByMode = kinds.stream().anyMatch(EntityKind::cpuTimeByMode);
        if (someByMode) {
          String except = kinds.stream().filter(k -> !k.cpuTimeByMode())
              .map(k -> "`" + k.prefix() + "`").collect(Collectors.joining(", "));
          return "`cpu.mode` = user, system" + (except.isEmpty() ? "" : " (not " + except + ")");
        }
        return "";
      }
      case IO_BYTES, IO_OPERATIONS -> {
        return "`disk.io.direction` = read, write; `system.device` = `MAJ:MIN`";
      }
      case NETWORK -> {
        return "`network.io.direction` = receive, transmit; `network.interface.name`";
      }
      default -> {
        for (EntityMetric.PointSpec p : EntityKind.CGROUP.points(m)) {
          p.attributes().forEach((AttributeKey<?> k, Object v) -> byKey
              .computeIfAbsent(k.getKey(), x -> new LinkedHashSet<>()).add(String.valueOf(v)));
        }
      }
    }
    return byKey.entrySet().stream().map(e -> "`" + e.getKey() + "` = "
        + String.join(", ", e.getValue())).collect(Collectors.joining("; "));
  }
}

package io.cgroupotel.agent.energy;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.agent.pipeline.EntityMetricProducer;
import io.cgroupotel.agent.pipeline.EntityStore;
import io.cgroupotel.receiver.Receiver;
import io.cgroupotel.sampler.ScrapeResult;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.common.Clock;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.resources.Resource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The agent's poll-and-export path, driven by a test: one receiver, the entity store, the energy
 * books over a powercap tree the test advances, and a cumulative and a delta producer, each export
 * checked against the closure invariant.
 */
final class EnergyHarness implements AutoCloseable {
  static final String PACKAGE = "intel-rapl:0";
  static final String DRAM = "intel-rapl:0:0";

  final PowercapTree powercap;
  final long range;
  final Receiver receiver;
  final EntityStore store = new EntityStore(2);
  final EnergyAccounting accounting;
  final EntityMetricProducer cumulative;
  final EntityMetricProducer delta;
  final double packageWatts;
  final double dramWatts;
  long writtenPackageUj;
  long lastStepNanos = System.nanoTime();
  int exports;
  double worstRelativeError;
  /** Sum over the delta exports of each series, to compare with the cumulative ones. */
  final Map<String, Double> deltaTotals = new TreeMap<>();

  EnergyHarness(Path powercapDir, long startUj, long range, double packageWatts,
      double dramWatts, Receiver receiver) {
    this.powercap = new PowercapTree(powercapDir);
    this.range = range;
    this.packageWatts = packageWatts;
    this.dramWatts = dramWatts;
    powercap.zone(PACKAGE, "package-0", startUj, range);
    powercap.zone(DRAM, "dram", 0, range);
    this.receiver = receiver;
    EnergyConfig config = new EnergyConfig(true, EnergyConfig.Source.RAPL, powercapDir,
        Double.NaN, Double.NaN, 400, null);
    NodeEnergy node = NodeEnergy.create(config, ProcStat.system(), Clock.getDefault(),
        m -> System.out.println("energy: " + m));
    this.accounting = new EnergyAccounting(node, Clock.getDefault());
    Resource base = Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "t"));
    this.cumulative = EntityMetricProducer.builder(store).resource(base).energy(accounting)
        .build();
    this.delta = EntityMetricProducer.builder(store).resource(base).energy(accounting)
        .temporality(AggregationTemporality.DELTA).view(1).build();
  }

  /** The meters advance by their watts over the real time since the last step. */
  void advanceMeters() {
    long now = System.nanoTime();
    double seconds = (now - lastStepNanos) / 1e9;
    lastStepNanos = now;
    long pkg = Math.round(packageWatts * seconds * 1e6);
    powercap.advance(PACKAGE, pkg, range);
    writtenPackageUj += pkg;
    powercap.advance(DRAM, Math.round(dramWatts * seconds * 1e6), range);
  }

  static final java.lang.management.ThreadMXBean THREADS =
      java.lang.management.ManagementFactory.getThreadMXBean();
  /** CPU time of this thread in the sampler's polls and in the attributions (nanoseconds). */
  long pollCpuNanos;
  long attributionCpuNanos;

  /** Advances the meters, polls, attributes; returns the poll's nanoseconds. */
  long poll() {
    advanceMeters();
    long t0 = System.nanoTime();
    long c0 = THREADS.getCurrentThreadCpuTime();
    ScrapeResult result = receiver.poll();
    long c1 = THREADS.getCurrentThreadCpuTime();
    long pollNanos = System.nanoTime() - t0;
    store.apply(receiver.name(), result);
    long c2 = THREADS.getCurrentThreadCpuTime();
    accounting.afterPoll(receiver.name(), receiver.scope(), result, store::state);
    long c3 = THREADS.getCurrentThreadCpuTime();
    pollCpuNanos += c1 - c0;
    attributionCpuNanos += c3 - c2;
    return pollNanos;
  }

  /** Exports through both producers and checks the books of each. */
  Books export() {
    Books c = Books.of(cumulative.produce(Resource.empty()));
    Books d = Books.of(delta.produce(Resource.empty()));
    worstRelativeError = Math.max(worstRelativeError, c.check("cumulative export " + exports));
    worstRelativeError = Math.max(worstRelativeError, d.check("delta export " + exports));
    d.totals().forEach((k, v) -> deltaTotals.merge(k, v, Double::sum));
    exports++;
    return c;
  }

  @Override
  public void close() {
    receiver.close();
    accounting.close();
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis); // real burners need real time to burn
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /**
   * One export, read as a checker outside the agent would: host series on the resource without
   * entity attributes, entity series on resources with {@code cgroup.path}; the top-level
   * entities are those whose path has no ancestor among the exported ones.
   */
  record Books(Map<String, Double> host, Map<String, Map<String, Double>> entityEnergy,
      Map<String, Double> entityCpu, Map<String, Double> unattributedEnergy,
      double unattributedCpu, double busy, double scope, double scopeUnexplained) {
    static final AttributeKey<String> PATH = AttributeKey.stringKey("cgroup.path");
    static final AttributeKey<String> DOMAIN = AttributeKey.stringKey("energy.domain");
    static final AttributeKey<String> SOURCE = AttributeKey.stringKey("energy.source");

    static Books of(Collection<MetricData> metrics) {
      Map<String, Double> host = new TreeMap<>();
      Map<String, Map<String, Double>> energy = new TreeMap<>();
      Map<String, Double> cpu = new TreeMap<>();
      Map<String, Double> unattributed = new TreeMap<>();
      double unattributedCpu = 0;
      double busy = 0;
      double scope = 0;
      double scopeUnexplained = 0;
      for (MetricData m : metrics) {
        String path = m.getResource().getAttribute(PATH);
        for (PointData p : m.getDoubleSumData().getPoints().isEmpty() ? List.<PointData>of()
            : new ArrayList<PointData>(m.getDoubleSumData().getPoints())) {
          double v = ((io.opentelemetry.sdk.metrics.data.DoublePointData) p).getValue();
          String domain = p.getAttributes().get(DOMAIN);
          switch (m.getName()) {
            case "host.energy" -> host.put(domain, v);
            case "host.energy.unattributed" -> unattributed.put(domain, v);
            case "host.cpu.unattributed" -> unattributedCpu = v;
            case "host.cpu.busy.time" -> busy = v;
            case "host.cpu.scope.time" -> scope = v;
            case "host.cpu.scope.unattributed" -> scopeUnexplained = v;
            case "cgroup.energy" -> {
              assertThat(p.getAttributes().get(SOURCE)).isEqualTo("rapl");
              energy.computeIfAbsent(path, k -> new TreeMap<>()).put(domain, v);
            }
            case "cgroup.cpu.attributed_time" -> cpu.put(path, v);
            default -> { }
          }
        }
      }
      return new Books(host, energy, cpu, unattributed, unattributedCpu, busy, scope,
          scopeUnexplained);
    }

    Set<String> topLevel() {
      Set<String> all = new java.util.TreeSet<>(entityCpu.keySet());
      all.addAll(entityEnergy.keySet());
      Set<String> top = new java.util.TreeSet<>();
      for (String p : all) {
        boolean nested = false;
        for (String q : all) {
          if (!q.equals(p) && (q.equals("/") || p.startsWith(q + "/"))) {
            nested = true;
          }
        }
        if (!nested) {
          top.add(p);
        }
      }
      return top;
    }

    double energy(String path, String domain) {
      return entityEnergy.getOrDefault(path, Map.of()).getOrDefault(domain, 0.0);
    }

    /** Checks sum(top-level) + unattributed = node, per domain and for CPU; returns the worst. */
    double check(String what) {
      double worst = 0;
      assertThat(host).as(what + ": host.energy domains").containsKey("package-0");
      for (Map.Entry<String, Double> e : host.entrySet()) {
        double sum = unattributedEnergy.getOrDefault(e.getKey(), Double.NaN);
        for (String p : topLevel()) {
          sum += energy(p, e.getKey());
        }
        worst = Math.max(worst, assertClose(what + " energy " + e.getKey(), sum, e.getValue()));
        assertThat(unattributedEnergy.get(e.getKey())).as(what + " unattributed " + e.getKey())
            .isGreaterThanOrEqualTo(-1e-9 * Math.max(1, e.getValue()));
      }
      double cpuSum = unattributedCpu;
      for (String p : topLevel()) {
        cpuSum += entityCpu.getOrDefault(p, 0.0);
      }
      worst = Math.max(worst, assertClose(what + " cpu", cpuSum, busy));
      assertThat(unattributedCpu).as(what + " unattributed cpu").isGreaterThanOrEqualTo(-1e-9);
      return worst;
    }

    static double assertClose(String what, double actual, double expected) {
      double error = Math.abs(actual - expected);
      double relative = expected == 0 ? error : error / Math.abs(expected);
      assertThat(error).as("%s: %s vs node %s", what, actual, expected)
          .isLessThanOrEqualTo(Math.max(1e-9, 0.001 * Math.abs(expected)));
      return relative;
    }

    Map<String, Double> totals() {
      Map<String, Double> t = new HashMap<>();
      host.forEach((k, v) -> t.put("host.energy/" + k, v));
      t.put("host.cpu.busy.time", busy);
      return t;
    }
  }
}

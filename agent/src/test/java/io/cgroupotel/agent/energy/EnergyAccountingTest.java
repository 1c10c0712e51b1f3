package io.cgroupotel.agent.energy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cgroupotel.agent.pipeline.EntityMetricProducer;
import io.cgroupotel.agent.pipeline.EntityStore;
import io.cgroupotel.sampler.Entity;
import io.cgroupotel.sampler.EntityKind;
import io.cgroupotel.sampler.Sample;
import io.cgroupotel.sampler.ScrapeResult;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.time.TestClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The books' arithmetic on synthetic samples, a /proc/stat fixture and a powercap tree: exact
 * figures, injected clocks.
 */
class EnergyAccountingTest {
  static final long SECOND = 1_000_000_000L;

  @TempDir
  Path dir;

  final TestClock clock = TestClock.create(Instant.ofEpochSecond(0, 1_700_000_000L * SECOND));
  final EntityStore store = new EntityStore(2);
  PowercapTree powercap;
  Path stat;
  long busyTicks;
  long idleTicks;
  EnergyAccounting books;
  EntityMetricProducer cumulative;
  EntityMetricProducer delta;

  @BeforeEach
  void setUp() throws Exception {
    powercap = new PowercapTree(dir.resolve("powercap"));
    powercap.zone("intel-rapl:0", "package-0", 0, 1L << 40);
    stat = dir.resolve("stat");
    writeStat();
    EnergyConfig config = new EnergyConfig(true, EnergyConfig.Source.RAPL, powercap.root(),
        Double.NaN, Double.NaN, Double.NaN, null);
    books = new EnergyAccounting(NodeEnergy.create(config, new ProcStat(stat), clock,
        m -> { }), clock);
    Resource base = Resource.create(Attributes.of(AttributeKey.stringKey("host.name"), "n"));
    cumulative = EntityMetricProducer.builder(store).resource(base).clock(clock)
        .energy(books).build();
    delta = EntityMetricProducer.builder(store).resource(base).clock(clock)
        .temporality(AggregationTemporality.DELTA).view(1).energy(books).build();
  }

  void writeStat() throws Exception {
    Files.writeString(stat, "cpu  " + busyTicks + " 0 0 " + idleTicks + " 0 0 0 0 0 0\n");
  }

  /** One interval: the node busy for {@code busySeconds}, the package drawing {@code joules}. */
  void interval(double busySeconds, long joules) throws Exception {
    busyTicks += Math.round(busySeconds * 100);
    idleTicks += 100;
    writeStat();
    powercap.advance("intel-rapl:0", joules * 1_000_000, 1L << 40);
    clock.advance(Duration.ofNanos(SECOND));
  }

  static Entity cgroup(String path, String parent) {
    return new Entity("cgroup:" + path, EntityKind.CGROUP, Map.of("cgroup.path", path),
        parent == null ? null : "cgroup:" + parent);
  }

  void poll(Object... entityAndUsageSeconds) {
    List<Sample> samples = new java.util.ArrayList<>();
    for (int i = 0; i < entityAndUsageSeconds.length; i += 2) {
      long usec = Math.round(((Number) entityAndUsageSeconds[i + 1]).doubleValue() * 1e6);
      samples.add(Sample.of((Entity) entityAndUsageSeconds[i], usec, usec, 0, 0, clock.now()));
    }
    ScrapeResult r = ScrapeResult.of(samples, List.of());
    store.apply("cgroup", r);
    books.afterPoll("cgroup", null, r, store::state);
  }

  EnergyHarness.Books export() {
    EnergyHarness.Books c = EnergyHarness.Books.of(cumulative.produce(Resource.empty()));
    EnergyHarness.Books d = EnergyHarness.Books.of(delta.produce(Resource.empty()));
    c.check("cumulative");
    d.check("delta");
    return c;
  }

  @Test
  void afterPoll_splitsByCpuShare_againstTheNodesBusyTime() throws Exception {
    Entity a = cgroup("/a", null);
    Entity b = cgroup("/b", null);
    poll(a, 10, b, 10); // first poll: the base
    interval(1.0, 100);
    poll(a, 10.5, b, 10.25); // 0.75 of the node's 1 s busy is a and b
    EnergyHarness.Books e = export();
    assertThat(e.energy("/a", "package-0")).isCloseTo(50.0, within(1e-9));
    assertThat(e.energy("/b", "package-0")).isCloseTo(25.0, within(1e-9));
    assertThat(e.unattributedEnergy().get("package-0")).isCloseTo(25.0, within(1e-9));
    assertThat(e.entityCpu().get("/a")).isCloseTo(0.5, within(1e-9));
    assertThat(e.unattributedCpu()).isCloseTo(0.25, within(1e-9));
  }

  @Test
  void afterPoll_nodeBusyDidNotAdvance_attributesNothingAndKeepsTheIncrease() throws Exception {
    Entity a = cgroup("/a", null);
    poll(a, 1);
    interval(0, 40);
    poll(a, 1.5);
    EnergyHarness.Books e = export();
    assertThat(e.energy("/a", "package-0")).isZero();
    assertThat(e.unattributedEnergy().get("package-0")).isEqualTo(40.0);
    interval(1.0, 60);
    poll(a, 2.0); // 1 s in all, against 1 s of node busy time
    e = export();
    assertThat(e.energy("/a", "package-0")).isCloseTo(60.0, within(1e-9));
    assertThat(e.entityCpu().get("/a")).isCloseTo(1.0, within(1e-9));
  }

  @Test
  void afterPoll_entitiesAboveTheNodesTicks_scaledToTheNode() throws Exception {
    Entity a = cgroup("/a", null);
    Entity b = cgroup("/b", null);
    poll(a, 0, b, 0);
    interval(1.0, 100);
    poll(a, 0.9, b, 0.3); // 1.2 s of usage_usec against 1.0 s of ticks
    EnergyHarness.Books e = export();
    assertThat(e.energy("/a", "package-0")).isCloseTo(75.0, within(1e-9));
    assertThat(e.energy("/b", "package-0")).isCloseTo(25.0, within(1e-9));
    assertThat(e.entityCpu().get("/a") + e.entityCpu().get("/b")).isCloseTo(1.0, within(1e-9));
    assertThat(e.unattributedEnergy().get("package-0")).isCloseTo(0.0, within(1e-9));
  }

  @Test
  void afterPoll_nested_containersShareTheirPodsNeverCountedTwice() throws Exception {
    Entity pod = cgroup("/pod", null);
    Entity c1 = cgroup("/pod/c1", "/pod");
    Entity c2 = cgroup("/pod/c2", "/pod");
    poll(pod, 0, c1, 0, c2, 0);
    interval(1.0, 100);
    poll(pod, 0.5, c1, 0.3, c2, 0.1); // 0.1 s in the pod itself
    EnergyHarness.Books e = export();
    assertThat(e.topLevel()).containsExactly("/pod");
    assertThat(e.energy("/pod", "package-0")).isCloseTo(50.0, within(1e-9));
    assertThat(e.energy("/pod/c1", "package-0")).isCloseTo(30.0, within(1e-9));
    assertThat(e.energy("/pod/c2", "package-0")).isCloseTo(10.0, within(1e-9));
    assertThat(e.unattributedEnergy().get("package-0")).isCloseTo(50.0, within(1e-9));
  }

  @Test
  void afterPoll_entityEndsAndAnotherLivesBetweenPolls_booksCloseInEveryExport()
      throws Exception {
    Entity a = cgroup("/a", null);
    Entity gone = cgroup("/gone", null);
    poll(a, 0, gone, 5);
    interval(1.0, 100);
    poll(a, 0.2, gone, 5.4); // gone's final sample, handed over once
    export();
    Entity flash = cgroup("/flash", null);
    interval(1.0, 100);
    poll(a, 0.4, flash, 0.5); // created and ended within this interval: all of it counts
    EnergyHarness.Books e = export();
    assertThat(e.energy("/flash", "package-0")).isCloseTo(50.0, within(1e-9));
    assertThat(e.energy("/gone", "package-0")).as("exported once more").isCloseTo(40.0,
        within(1e-9));
    interval(1.0, 100);
    poll(a, 0.6);
    e = export(); // flash is gone: exported once more with its last values
    assertThat(e.entityEnergy()).doesNotContainKey("/gone").containsKey("/flash");
    assertThat(e.unattributedEnergy().get("package-0")).isCloseTo(300 - 60 - 50, within(1e-9));
    interval(1.0, 100);
    poll(a, 0.8);
    e = export();
    assertThat(e.entityEnergy()).doesNotContainKeys("/gone", "/flash");
    // the dropped entities' joules are in the unattributed part: 400 J = a's 80 + 320
    assertThat(e.energy("/a", "package-0")).isCloseTo(80.0, within(1e-9));
    assertThat(e.unattributedEnergy().get("package-0")).isCloseTo(320.0, within(1e-9));
  }

  @Test
  void afterPoll_aNewEntityTakesAGoneOnesPlace_eachKeepsItsOwnTotals() throws Exception {
    Entity a = cgroup("/a", null);
    Entity b = cgroup("/b", null);
    Entity c = cgroup("/c", null);
    poll(a, 0, b, 0, c, 0);
    interval(1.0, 100);
    poll(a, 0.1, b, 0.2, c, 0.3); // b: 20 J
    interval(1.0, 100);
    poll(a, 0.2, c, 0.6); // b went: its 20 J stay with it; c moved up a place
    Entity d = cgroup("/d", null);
    interval(1.0, 100);
    poll(a, 0.3, d, 0.5, c, 0.7); // d, new, takes b's place in the books
    EnergyHarness.Books e = export();
    assertThat(e.energy("/b", "package-0")).as("b, exported once more").isCloseTo(20.0,
        within(1e-9));
    assertThat(e.energy("/d", "package-0")).as("d, from zero").isCloseTo(50.0, within(1e-9));
    assertThat(e.energy("/c", "package-0")).isCloseTo(30.0 + 30.0 + 10.0, within(1e-9));
    assertThat(e.energy("/a", "package-0")).isCloseTo(30.0, within(1e-9));
    interval(1.0, 100);
    poll(a, 0.4, c, 0.8, d, 0.9); // the order changes again
    e = export();
    assertThat(e.energy("/d", "package-0")).isCloseTo(90.0, within(1e-9));
    assertThat(e.energy("/c", "package-0")).isCloseTo(80.0, within(1e-9));
  }
}

package io.cgroupotel.agent.energy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.sdk.common.Clock;
import io.opentelemetry.sdk.testing.time.TestClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model on this machine's real /proc/stat, and the node side's choices. */
class EnergyModelTest {
  @TempDir
  Path dir;

  final List<String> reports = new ArrayList<>();

  static EnergyConfig model(double idle, double max) {
    return new EnergyConfig(true, EnergyConfig.Source.MODEL, Path.of("/nonexistent"), idle, max,
        Double.NaN, null);
  }

  @Test
  void model_realProcStat_powerBetweenIdleAndMaxAndRisesWithABurner() throws Exception {
    AtomicLong nanos = new AtomicLong(System.nanoTime());
    try (NodeEnergy node = NodeEnergy.create(model(20, 120), ProcStat.system(), Clock.getDefault(),
        reports::add)) {
      NodeEnergy.Reading before = node.read();
      long t0 = System.nanoTime();
      busyFor(300);
      NodeEnergy.Reading burning = node.read();
      double seconds = (System.nanoTime() - t0) / 1e9;
      double watts = (burning.joules(0) - before.joules(0)) / seconds;
      double busy = burning.busySeconds() - before.busySeconds();
      System.out.printf("model on /proc/stat: %.3f s, node busy %.3f s (of %d CPUs), %.1f W "
          + "(idle 20, max 120)%n", seconds, busy, Runtime.getRuntime().availableProcessors(),
          watts);
      assertThat(node.kind()).isEqualTo(NodeEnergy.Kind.MODEL);
      assertThat(node.domains()).containsExactly("node");
      assertThat(busy).as("the burner's thread shows in /proc/stat").isGreaterThan(0.1);
      assertThat(watts).isBetween(20.0, 120.0 + 1e-9);
      assertThat(watts).as("one busy thread on %d CPUs",
          Runtime.getRuntime().availableProcessors())
          .isGreaterThan(20 + 100.0 * 0.5 / Runtime.getRuntime().availableProcessors());
    }
    assertThat(nanos.get()).isPositive();
  }

  /** Burns this thread for {@code millis} of real time (the kernel must see the CPU used). */
  static void busyFor(long millis) {
    long end = System.nanoTime() + millis * 1_000_000;
    long x = 0;
    while (System.nanoTime() < end) {
      x += x * 31 + 7;
    }
    if (x == 42) {
      System.out.println();
    }
  }

  @Test
  void model_clockFrozen_addsNothingAndDividesByNothing() throws Exception {
    Path stat = dir.resolve("stat");
    java.nio.file.Files.writeString(stat, "cpu  100 0 100 800 0 0 0 0 0 0\n");
    TestClock nanos = TestClock.create(Instant.ofEpochSecond(0, 5));
    try (NodeEnergy node = NodeEnergy.create(model(10, 110), new ProcStat(stat), nanos,
        reports::add)) {
      NodeEnergy.Reading r = node.read();
      assertThat(r.joules(0)).isZero();
      assertThat(r.busySeconds()).isZero();
      // 1 s later, 50% busy: 10 + 100 x 0.5 = 60 J
      java.nio.file.Files.writeString(stat, "cpu  150 0 150 900 0 0 0 0 0 0\n");
      nanos.advance(Duration.ofSeconds(1));
      r = node.read();
      assertThat(r.joules(0)).isEqualTo(60.0);
      assertThat(r.busySeconds()).isEqualTo(1.0);
    }
  }

  @Test
  void procStat_parse_busyExcludesIdleAndIowait() throws Exception {
    byte[] line = "cpu  10 1 5 100 7 2 3 4 9 0\ncpu0 1 2 3\n".getBytes(StandardCharsets.US_ASCII);
    ProcStat.Times t = ProcStat.parse(line, line.length, Path.of("/proc/stat"));
    assertThat(t.busyTicks()).isEqualTo(10 + 1 + 5 + 2 + 3 + 4);
    assertThat(t.totalTicks()).isEqualTo(25 + 100 + 7);
    byte[] bad = "intr 1 2\n".getBytes(StandardCharsets.US_ASCII);
    assertThatThrownBy(() -> ProcStat.parse(bad, bad.length, Path.of("x")))
        .hasMessageContaining("cpu");
  }

  @Test
  void create_autoWithoutRaplOrModel_saysWhatToDo() {
    EnergyConfig auto = new EnergyConfig(true, EnergyConfig.Source.AUTO, dir, Double.NaN,
        Double.NaN, Double.NaN, null);
    assertThatThrownBy(() -> NodeEnergy.create(auto, ProcStat.system(), Clock.getDefault(),
        reports::add))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("idle_watts").hasMessageContaining(dir.toString());
  }

  @Test
  void create_autoWithReadableRapl_usesRapl() {
    new PowercapTree(dir).zone("intel-rapl:0", "package-0", 1, 1000);
    EnergyConfig auto = new EnergyConfig(true, EnergyConfig.Source.AUTO, dir, 10, 20,
        Double.NaN, null);
    try (NodeEnergy node = NodeEnergy.create(auto, ProcStat.system(), Clock.getDefault(),
        reports::add)) {
      assertThat(node.kind()).isEqualTo(NodeEnergy.Kind.RAPL);
      assertThat(node.kind().attribute()).isEqualTo("rapl");
    }
  }

  @Test
  void carbon_intensityFile_reReadAndAppliedToTheNodeEnergy() throws Exception {
    PowercapTree tree = new PowercapTree(dir.resolve("powercap"));
    tree.zone("intel-rapl:0", "package-0", 0, 1L << 40);
    Path intensity = dir.resolve("intensity");
    java.nio.file.Files.writeString(intensity, "360\n");
    TestClock nanos = TestClock.create(Instant.EPOCH);
    EnergyConfig config = new EnergyConfig(true, EnergyConfig.Source.RAPL, tree.root(),
        Double.NaN, Double.NaN, Double.NaN, intensity);
    try (NodeEnergy node = NodeEnergy.create(config, ProcStat.system(), nanos,
        reports::add)) {
      tree.advance("intel-rapl:0", 3_600_000_000L, 1L << 40); // 3.6 kJ = 1 Wh at 360 g/kWh
      NodeEnergy.Reading r = node.read();
      assertThat(r.carbonGrams()).isCloseTo(0.36, org.assertj.core.api.Assertions.within(1e-9));
      java.nio.file.Files.writeString(intensity, "720\n");
      nanos.advance(NodeEnergy.INTENSITY_REREAD);
      tree.advance("intel-rapl:0", 3_600_000_000L, 1L << 40);
      r = node.read();
      assertThat(r.carbonGrams()).isCloseTo(0.36 + 0.72,
          org.assertj.core.api.Assertions.within(1e-9));
    }
  }

  @Test
  void carbon_intensityFileTooLargeOrGarbled_keepsTheLastValue_reportedOnce() throws Exception {
    Path intensity = dir.resolve("intensity");
    java.nio.file.Files.writeString(intensity, "360\n");
    TestClock nanos = TestClock.create(Instant.EPOCH);
    EnergyConfig config = new EnergyConfig(true, EnergyConfig.Source.MODEL, null,
        10, 110, Double.NaN, intensity);
    try (NodeEnergy node = NodeEnergy.create(config, ProcStat.system(), nanos,
        reports::add)) {
      assertThat(node.intensity(nanos.now())).isEqualTo(360);
      // a wrong path, say a log: a number first, then far more than one number's worth
      java.nio.file.Files.writeString(intensity, "720\n" + "x".repeat(1 << 20));
      nanos.advance(NodeEnergy.INTENSITY_REREAD);
      assertThat(node.intensity(nanos.now())).isEqualTo(360);
      nanos.advance(NodeEnergy.INTENSITY_REREAD);
      java.nio.file.Files.writeString(intensity, "not a number");
      assertThat(node.intensity(nanos.now())).isEqualTo(360);
      assertThat(reports).hasSize(1);
      assertThat(reports.get(0)).contains(intensity.toString()).contains("larger than 4096 bytes");
      nanos.advance(NodeEnergy.INTENSITY_REREAD);
      java.nio.file.Files.writeString(intensity, " 500 \n");
      assertThat(node.intensity(nanos.now())).isEqualTo(500);
    }
  }
}

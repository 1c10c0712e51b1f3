package io.cgroupotel.agent.energy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.opentelemetry.sdk.testing.time.TestClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The powercap meter on a tree in a temp dir whose counters the test advances in place. */
class EnergyPowercapTest {
  static final long RANGE = 262_143_328_850L; // a real package's max_energy_range_uj

  @TempDir
  Path dir;

  final TestClock nanos = TestClock.create(Instant.EPOCH);
  final List<String> reports = new ArrayList<>();

  PowercapMeter meter(PowercapTree tree) {
    return new PowercapMeter(tree.root(), nanos, reports::add);
  }

  double domain(PowercapMeter m, double[] joules, String name) {
    int i = m.domains().indexOf(name);
    return i < 0 || i >= joules.length ? 0 : joules[i];
  }

  @Test
  void read_steadyWatts_countsEveryZoneByName() {
    PowercapTree tree = new PowercapTree(dir);
    tree.zone("intel-rapl:0", "package-0", 1_000, RANGE);
    tree.zone("intel-rapl:0:0", "core", 500, RANGE);
    tree.zone("intel-rapl:0:1", "dram", 0, RANGE);
    try (PowercapMeter m = meter(tree)) {
      double[] j = m.read(new double[0]); // base
      for (int s = 0; s < 10; s++) {
        tree.advance("intel-rapl:0", 50_000_000, RANGE); // 50 W for 1 s
        tree.advance("intel-rapl:0:0", 30_000_000, RANGE);
        tree.advance("intel-rapl:0:1", 5_000_000, RANGE);
        nanos.advance(Duration.ofSeconds(1));
        j = m.read(j);
      }
      System.out.printf("steady: package-0 %.1f J, core %.1f J, dram %.1f J, node %.1f J%n",
          domain(m, j, "package-0"), domain(m, j, "core"), domain(m, j, "dram"),
          m.lastNodeJoules());
      assertThat(m.domains()).containsExactlyInAnyOrder("package-0", "core", "dram");
      assertThat(domain(m, j, "package-0")).isCloseTo(500.0, within(1e-9));
      assertThat(domain(m, j, "core")).isCloseTo(300.0, within(1e-9));
      assertThat(domain(m, j, "dram")).isCloseTo(50.0, within(1e-9));
      assertThat(m.lastNodeJoules()).as("package + dram of the last second")
          .isCloseTo(55.0, within(1e-9));
      assertThat(reports).isEmpty();
    }
  }

  @Test
  void read_wraparound_createsAndLosesNoJoule() {
    PowercapTree tree = new PowercapTree(dir);
    long range = 1_000_000_000L; // 1 kJ: wraps every 20 s at 50 W
    tree.zone("intel-rapl:0", "package-0", range - 120_000_000L, range);
    try (PowercapMeter m = meter(tree)) {
      double[] j = m.read(new double[0]);
      long written = 0;
      for (int s = 0; s < 100; s++) { // 5 wraparounds
        long step = 40_000_000L + s * 137_000L; // uneven watts
        tree.advance("intel-rapl:0", step, range);
        written += step;
        nanos.advance(Duration.ofSeconds(1));
        j = m.read(j);
      }
      System.out.printf("wraparound: written %d uJ, counted %.6f J%n", written, j[0]);
      assertThat(j[0] * 1e6).isCloseTo(written, within(1e-3));
      assertThat(reports).isEmpty();
    }
  }

  @Test
  void read_stuckCounter_countsNothing() {
    PowercapTree tree = new PowercapTree(dir);
    tree.zone("intel-rapl:0", "package-0", 7_000_000, RANGE);
    try (PowercapMeter m = meter(tree)) {
      double[] j = m.read(new double[0]);
      for (int s = 0; s < 5; s++) {
        nanos.advance(Duration.ofSeconds(1));
        j = m.read(j);
      }
      assertThat(j[0]).isZero();
      tree.advance("intel-rapl:0", 2_000_000, RANGE);
      j = m.read(j);
      assertThat(j[0]).isEqualTo(2.0);
    }
  }

  @Test
  void read_counterBackwards_skipsThatIntervalReportsOnceAndGoesOn() {
    PowercapTree tree = new PowercapTree(dir);
    tree.zone("intel-rapl:0", "package-0", 5_000_000_000L, RANGE);
    tree.zone("intel-rapl:1", "package-1", 0, RANGE);
    try (PowercapMeter m = meter(tree)) {
      double[] j = m.read(new double[0]);
      tree.set("intel-rapl:0", 1_000_000_000L); // back by 4 kJ: not a wraparound
      tree.advance("intel-rapl:1", 10_000_000, RANGE);
      j = m.read(j);
      tree.set("intel-rapl:0", 900_000_000L); // back again
      j = m.read(j);
      tree.set("intel-rapl:0", 903_000_000L);
      tree.advance("intel-rapl:1", 10_000_000, RANGE);
      j = m.read(j);
      System.out.println("backwards: " + reports);
      assertThat(domain(m, j, "package-0")).as("only the 3 J after the resets").isEqualTo(3.0);
      assertThat(domain(m, j, "package-1")).as("the other zone loses nothing").isEqualTo(20.0);
      assertThat(reports).hasSize(1);
      assertThat(reports.get(0)).contains("intel-rapl:0", "went back", "not a wraparound");
    }
  }

  @Test
  void read_unreadableZone_reportedOnceWithWhatToDo_othersCounted() {
    PowercapTree tree = new PowercapTree(dir);
    tree.zone("intel-rapl:0", "package-0", 0, RANGE);
    tree.zone("intel-rapl:1", "package-1", 0, RANGE);
    tree.makeUnreadable("intel-rapl:1");
    try (PowercapMeter m = meter(tree)) {
      double[] j = m.read(new double[0]);
      for (int s = 0; s < 3; s++) {
        tree.advance("intel-rapl:0", 1_000_000, RANGE);
        nanos.advance(PowercapMeter.RESCAN); // rescans try it again, quietly
        j = m.read(j);
      }
      System.out.println("unreadable: " + reports);
      assertThat(m.domains()).containsExactly("package-0");
      assertThat(j[0]).isEqualTo(3.0);
      assertThat(reports).hasSize(1);
      assertThat(reports.get(0)).contains("intel-rapl:1", "permission denied", "root");
      assertThat(PowercapMeter.anyReadable(tree.root())).isTrue();
    }
  }

  @Test
  void read_zoneAppearingLater_isFoundAtTheRescanAndCountedFromThere() {
    PowercapTree tree = new PowercapTree(dir);
    tree.zone("intel-rapl:0", "package-0", 0, RANGE);
    try (PowercapMeter m = meter(tree)) {
      double[] j = m.read(new double[0]);
      tree.zone("intel-rapl:0:2", "dram", 123_000_000, RANGE);
      tree.advance("intel-rapl:0", 1_000_000, RANGE);
      nanos.advance(Duration.ofSeconds(1));
      j = m.read(j);
      assertThat(m.domains()).containsExactly("package-0");
      nanos.advance(PowercapMeter.RESCAN);
      j = m.read(j); // found: its value now is its base
      tree.advance("intel-rapl:0:2", 4_000_000, RANGE);
      j = m.read(j);
      assertThat(m.domains()).containsExactly("package-0", "dram");
      assertThat(domain(m, j, "dram")).isEqualTo(4.0);
      assertThat(domain(m, j, "package-0")).isEqualTo(1.0);
    }
  }

  @Test
  void read_absentTree_reportsOnceAndReadsNothing() {
    try (PowercapMeter m = new PowercapMeter(dir.resolve("none"), nanos, reports::add)) {
      double[] j = m.read(new double[0]);
      nanos.advance(PowercapMeter.RESCAN);
      j = m.read(j);
      assertThat(j).isEmpty();
      assertThat(reports).hasSize(1);
      assertThat(PowercapMeter.anyReadable(dir.resolve("none"))).isFalse();
    }
  }

  @Test
  void zoneDirectories_nestedAndFlatLayouts_eachZoneOnce() throws Exception {
    PowercapTree tree = new PowercapTree(dir);
    tree.zone("intel-rapl:0", "package-0", 0, RANGE);
    tree.zone("intel-rapl:0/intel-rapl:0:0", "core", 0, RANGE);
    java.nio.file.Files.createSymbolicLink(dir.resolve("intel-rapl:0:0"),
        dir.resolve("intel-rapl:0/intel-rapl:0:0"));
    java.nio.file.Files.createDirectories(dir.resolve("intel-rapl")); // the control type
    assertThat(PowercapMeter.zoneDirectories(dir)).extracting(p -> p.getFileName().toString())
        .containsExactly("intel-rapl:0", "intel-rapl:0:0");
  }

  @Test
  void read_aboveMaxRange_countsNothingReportsOnceAndStartsAgain() {
    PowercapTree tree = new PowercapTree(dir);
    long range = 60_000_000L; // 60 J
    tree.zone("intel-rapl:0", "package-0", 10_000_000, range);
    try (PowercapMeter m = meter(tree)) {
      double[] j = m.read(new double[0]);
      tree.set("intel-rapl:0", 500_009_000_000L); // 500,009 J: above the range
      nanos.advance(Duration.ofSeconds(1));
      j = m.read(j);
      tree.set("intel-rapl:0", 20_000_000); // in range again: the new base
      nanos.advance(Duration.ofSeconds(1));
      j = m.read(j);
      tree.set("intel-rapl:0", 25_000_000);
      nanos.advance(Duration.ofSeconds(1));
      j = m.read(j);
      tree.set("intel-rapl:0", 600_000_000_000L); // again: same episode kind, not logged twice
      nanos.advance(Duration.ofSeconds(1));
      j = m.read(j);
      System.out.println("above range: " + reports);
      assertThat(j[0]).as("only the 5 J after the counter came back in range").isEqualTo(5.0);
      assertThat(reports).hasSize(1);
      assertThat(reports.get(0)).contains("intel-rapl:0", "above max_energy_range_uj");
    }
  }

  @Test
  void read_23DigitValueOrGarbage_countsNothingThenGoesOn() {
    PowercapTree tree = new PowercapTree(dir);
    tree.zone("intel-rapl:0", "package-0", 1_000_000, 0); // no range known: the digits decide
    tree.zone("intel-rapl:1", "package-1", 1_000_000, RANGE);
    try (PowercapMeter m = meter(tree)) {
      double[] j = m.read(new double[0]);
      java.nio.file.Path energy = dir.resolve("intel-rapl:0").resolve("energy_uj");
      writeInPlace(energy, "12345678901234567890123\n"); // 23 digits: overflows a long
      tree.set("intel-rapl:1", 2_000_000);
      nanos.advance(Duration.ofSeconds(1));
      j = m.read(j);
      tree.set("intel-rapl:0", 3_000_000); // a new base, not an increase from 1 J
      nanos.advance(Duration.ofSeconds(1));
      j = m.read(j);
      writeInPlace(energy, "12x\n");
      nanos.advance(Duration.ofSeconds(1));
      j = m.read(j);
      tree.set("intel-rapl:0", 9_000_000); // a new base again
      nanos.advance(Duration.ofSeconds(1));
      j = m.read(j);
      tree.set("intel-rapl:0", 10_000_000);
      nanos.advance(Duration.ofSeconds(1));
      j = m.read(j);
      System.out.println("23 digits, garbage: " + reports);
      assertThat(domain(m, j, "package-0")).as("only the last good interval").isEqualTo(1.0);
      assertThat(domain(m, j, "package-1")).isEqualTo(1.0);
      assertThat(reports).hasSize(2);
      assertThat(reports.get(0)).contains("intel-rapl:0", "too large");
      assertThat(reports.get(1)).contains("intel-rapl:0", "does not hold a number");
    }
  }

  @Test
  void read_increaseAboveWhatTheZoneCanDraw_countsNothingReportsOnce() {
    PowercapTree tree = new PowercapTree(dir);
    tree.zone("intel-rapl:0", "package-0", 0, RANGE); // 262 kJ range
    try (PowercapMeter m = meter(tree)) {
      double[] j = m.read(new double[0]);
      // 100 kJ in one second: under half the range, far above any zone's power
      tree.set("intel-rapl:0", 100_000_000_000L);
      nanos.advance(Duration.ofSeconds(1));
      j = m.read(j);
      // 400 J in 1 s: plausible, counted from the jump's value
      tree.set("intel-rapl:0", 100_400_000_000L);
      nanos.advance(Duration.ofSeconds(1));
      j = m.read(j);
      // a slow poll: 60 kJ in 30 s (2 kW) is plausible
      tree.set("intel-rapl:0", 160_400_000_000L);
      nanos.advance(Duration.ofSeconds(30));
      j = m.read(j);
      System.out.println("jump: " + reports);
      assertThat(j[0]).isEqualTo(60_400.0);
      assertThat(reports).hasSize(1);
      assertThat(reports.get(0)).contains("intel-rapl:0", "more than the zone can draw");
    }
  }

  static void writeInPlace(java.nio.file.Path file, String text) {
    try {
      java.nio.file.Files.writeString(file, text, java.nio.file.StandardOpenOption.WRITE,
          java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}

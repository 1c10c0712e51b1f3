package io.cgroupotel.agent.energy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.cgroupotel.config.ConfigDocument;
import io.cgroupotel.config.ConfigException;
import io.opentelemetry.sdk.common.Clock;
import io.opentelemetry.sdk.testing.time.TestClock;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Optional inputs that block (real FIFOs: a read blocks until a writer comes, as on a hung NFS or
 * FUSE mount) never hold up the thread that reads the node.
 */
class BlockingInputsTest {
  @TempDir
  Path dir;

  final List<String> reports = Collections.synchronizedList(new ArrayList<>());

  static Path mkfifo(Path path) throws Exception {
    Process p = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
    assertThat(p.waitFor()).isZero();
    assertThat(Files.isRegularFile(path)).isFalse();
    return path;
  }

  @Test
  void intensityFile_becomesAFifo_readReturnsAtOnceReportedOnce() throws Exception {
    Path intensity = dir.resolve("intensity");
    Files.writeString(intensity, "360\n");
    TestClock nanos = TestClock.create(Instant.EPOCH);
    EnergyConfig config = new EnergyConfig(true, EnergyConfig.Source.MODEL, null, 10, 110,
        Double.NaN, intensity);
    try (NodeEnergy node = NodeEnergy.create(config, ProcStat.system(), nanos,
        reports::add)) {
      assertThat(node.intensity(nanos.now())).isEqualTo(360);
      Files.delete(intensity);
      mkfifo(intensity);
      for (int i = 0; i < 3; i++) {
        nanos.advance(NodeEnergy.INTENSITY_REREAD);
        long t0 = System.nanoTime();
        node.read();
        assertThat(node.intensity(nanos.now())).as("the last value").isEqualTo(360);
        assertThat((System.nanoTime() - t0) / 1e6).as("ms for a read").isLessThan(500);
      }
      System.out.println("fifo carbon file: " + reports);
      assertThat(reports).hasSize(1);
      assertThat(reports.get(0)).contains(intensity.toString(), "FIFO", "not a regular file");
    }
  }

  @Test
  void boundedReads_aReadThatBlocks_returnsAfterTheBoundAndNeverPilesUp() throws Exception {
    Path fifo = mkfifo(dir.resolve("fifo"));
    try (BoundedReads reads = new BoundedReads("test-reader", java.time.Duration.ofMillis(300))) {
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> reads.call(() -> Files.readAllBytes(fifo))) // blocks in open(2)
          .isInstanceOfSatisfying(BoundedReads.Stuck.class,
              s -> assertThat(s.firstTime()).isTrue());
      double waited = (System.nanoTime() - t0) / 1e6;
      assertThat(waited).as("ms waited").isBetween(250.0, 1500.0);
      t0 = System.nanoTime();
      assertThatThrownBy(() -> reads.call(() -> "never run"))
          .isInstanceOfSatisfying(BoundedReads.Stuck.class,
              s -> assertThat(s.firstTime()).isFalse());
      assertThat((System.nanoTime() - t0) / 1e6).as("ms: no wait while stuck").isLessThan(100);
      try (OutputStream writer = Files.newOutputStream(fifo)) { // the read can finish now
        writer.write('x');
      }
      await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
          .until(() -> !reads.stuck());
      assertThat(reads.call(() -> "next")).isEqualTo("next");
    }
    // closing never waits for a read stuck in the kernel: shutdown stays bounded
    BoundedReads stuck = new BoundedReads("test-reader-2", java.time.Duration.ofMillis(100));
    assertThatThrownBy(() -> stuck.call(() -> Files.readAllBytes(fifo)))
        .isInstanceOf(BoundedReads.Stuck.class);
    long t0 = System.nanoTime();
    stuck.close();
    assertThat((System.nanoTime() - t0) / 1e6).as("ms to close").isLessThan(100);
    try (OutputStream writer = Files.newOutputStream(fifo)) { // lets the parked thread go
      writer.write('x');
    }
  }

  @Test
  void powercap_energyFileIsAFifo_zoneSkippedWithoutBlocking() throws Exception {
    PowercapTree tree = new PowercapTree(dir.resolve("powercap"));
    tree.zone("intel-rapl:0", "package-0", 0, 1L << 40);
    tree.zone("intel-rapl:1", "package-1", 0, 1L << 40);
    Path energy = tree.root().resolve("intel-rapl:1").resolve("energy_uj");
    Files.delete(energy);
    mkfifo(energy);
    TestClock nanos = TestClock.create(Instant.EPOCH);
    EnergyConfig config = new EnergyConfig(true, EnergyConfig.Source.RAPL, tree.root(),
        Double.NaN, Double.NaN, Double.NaN, null);
    long t0 = System.nanoTime();
    try (NodeEnergy node = NodeEnergy.create(config, ProcStat.system(), nanos,
        reports::add)) {
      tree.advance("intel-rapl:0", 2_000_000, 1L << 40);
      nanos.advance(Duration.ofSeconds(1));
      NodeEnergy.Reading r = node.read();
      assertThat((System.nanoTime() - t0) / 1e6).as("ms").isLessThan(1000);
      assertThat(node.domains()).containsExactly("package-0");
      assertThat(r.joules(0)).isEqualTo(2.0);
      System.out.println("fifo energy_uj: " + reports);
      assertThat(reports).hasSize(1);
      assertThat(reports.get(0)).contains("intel-rapl:1", "FIFO");
    }
  }

  @Test
  void config_fifoCarbonFile_positionedError() throws Exception {
    Path fifo = mkfifo(dir.resolve("grid"));
    assertThatThrownBy(() -> parse("""
        [energy]
        idle_watts = 10
        max_watts = 20
        carbon_intensity_file = "%s"
        """.formatted(fifo)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("test.toml:4:")
        .hasMessageContaining("energy.carbon_intensity_file")
        .hasMessageContaining("a FIFO");
  }

  @Test
  void config_relativePaths_positionedErrors() {
    assertThatThrownBy(() -> parse("""
        [energy]
        idle_watts = 10
        max_watts = 20
        powercap_path = "sys/class/powercap"
        carbon_intensity_file = "grid.txt"
        """))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("test.toml:4:").hasMessageContaining("energy.powercap_path")
        .hasMessageContaining("relative path")
        .hasMessageContaining("test.toml:5:").hasMessageContaining("energy.carbon_intensity_file");
  }

  @Test
  void create_raplWithoutATree_failsSayingWhyAndWhatToSet() {
    EnergyConfig rapl = new EnergyConfig(true, EnergyConfig.Source.RAPL, dir.resolve("none"),
        Double.NaN, Double.NaN, Double.NaN, null);
    assertThatThrownBy(() -> NodeEnergy.create(rapl, ProcStat.system(), Clock.getDefault(),
        reports::add))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("source = \"rapl\"")
        .hasMessageContaining(dir.resolve("none") + " does not exist")
        .hasMessageContaining("source = \"auto\"").hasMessageContaining("idle_watts");
  }

  static EnergyConfig parse(String toml) throws ConfigException, IOException {
    ConfigDocument doc = ConfigDocument.parse("test.toml", toml, Map.of());
    EnergyConfig config = EnergyConfig.parse(doc.root().section("energy"));
    doc.finish();
    return config;
  }
}

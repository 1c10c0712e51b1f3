package io.cgroupotel.receiver.slurm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cgroupotel.config.ConfigDocument;
import io.cgroupotel.config.ConfigError;
import io.cgroupotel.config.ConfigSection;
import io.cgroupotel.metrics.MetricGroup;
import io.cgroupotel.receiver.CgroupReceiverSettings;
import io.cgroupotel.receiver.HierarchyChoice;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.ReceiverStartException;
import io.cgroupotel.receiver.builtin.Receivers;
import io.cgroupotel.sampler.InterfaceFilter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SlurmReceiverFactoryTest {
  @TempDir Path dir;
  private final SlurmReceiverFactory factory = new SlurmReceiverFactory();

  private static ConfigDocument doc(String toml) {
    return ConfigDocument.parse("slurm.toml", toml, Map.of("SC", "/opt/slurm/bin/scontrol"));
  }

  private static ConfigSection section(ConfigDocument doc) {
    return doc.root().section("receivers").section("slurm");
  }

  @Test
  void registered() {
    assertThat(Receivers.factories()).anySatisfy(f -> assertThat(f.type()).isEqualTo("slurm"));
  }

  @Test
  void parseConfig_defaults() {
    ConfigDocument doc = doc("[receivers.slurm]\n");
    SlurmReceiverConfig c = factory.parseConfig(section(doc));
    assertThat(doc.errors()).isEmpty();
    SlurmReceiverConfig d = SlurmReceiverConfig.defaults(CgroupReceiverSettings.defaultPath());
    // no path written: the factory picks the hierarchy, v2 or the v1 controllers
    assertThat(c).isEqualTo(new SlurmReceiverConfig(new CgroupReceiverSettings(d.path(), false,
        Duration.ofSeconds(1), MetricGroup.defaults(), HierarchyChoice.ALL_VERSIONS,
        InterfaceFilter.DEFAULT), d.steps(), d.scontrol(), d.scontrolTimeout(), d.enabled()));
    assertThat(c.settings().pollInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.steps()).isFalse();
    assertThat(c.scontrol()).contains(List.of("scontrol"));
    assertThat(c.scontrolTimeout()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void parseConfig_everyKey() {
    ConfigDocument doc = doc("""
        [receivers.slurm]
        path = "/sys/fs/cgroup/unified"
        poll_interval = "500ms"
        steps = true
        scontrol = "env SLURM_CONF=/etc/slurm/slurm.conf ${SC}"
        scontrol_timeout = "2s"
        enabled = false
        """);
    SlurmReceiverConfig c = factory.parseConfig(section(doc));
    assertThat(doc.errors()).isEmpty();
    assertThat(c).isEqualTo(new SlurmReceiverConfig(new CgroupReceiverSettings(
        Path.of("/sys/fs/cgroup/unified"), true, Duration.ofMillis(500), MetricGroup.defaults(),
        HierarchyChoice.ALL_VERSIONS, InterfaceFilter.DEFAULT), true,
        Optional.of(List.of("env", "SLURM_CONF=/etc/slurm/slurm.conf", "/opt/slurm/bin/scontrol")),
        Duration.ofSeconds(2), false));
  }

  @Test
  void parseConfig_variablesUnset_defaults_noUnknownKey() throws Exception {
    ConfigDocument doc = ConfigDocument.parse("slurm.toml",
        "[receivers.slurm]\npath = \"${NOPE:-}\"\nscontrol = \"${NOPE:-}\"\n", Map.of());
    SlurmReceiverConfig c = factory.parseConfig(section(doc));
    doc.finish(); // throws on unknown keys
    assertThat(doc.errors()).isEmpty();
    assertThat(c.path()).isEqualTo(CgroupReceiverSettings.defaultPath());
    assertThat(c.scontrol()).contains(List.of("scontrol"));
  }

  @Test
  void parseConfig_scontrolOff_anyCase() {
    for (String off : List.of("off", "OFF", " Off ")) {
      ConfigDocument doc = doc("[receivers.slurm]\nscontrol = \"" + off + "\"\n");
      assertThat(factory.parseConfig(section(doc)).scontrol()).as(off).isEmpty();
      assertThat(doc.errors()).isEmpty();
    }
  }

  @Test
  void parseConfig_scontrolNotACommandHere_positionedError_neverRun() throws Exception {
    Path notExecutable = Files.writeString(dir.resolve("scontrol"), "#!/bin/sh\n");
    for (String bad : List.of("none", "disabled", "no-such-scontrol --x", "bin/scontrol",
        "/nonexistent/scontrol", notExecutable.toString())) {
      ConfigDocument doc = doc("[receivers.slurm]\n\nscontrol = \"" + bad + "\"\n");
      assertThat(factory.parseConfig(section(doc)).scontrol()).as(bad).isEmpty();
      assertThat(doc.errors()).extracting(ConfigError::toString).singleElement().asString()
          .as(bad).contains("slurm.toml:3:", "receivers.slurm.scontrol", "\"off\"");
    }
    // an absolute executable, or a bare name on the PATH, with arguments
    ConfigDocument doc = doc("[receivers.slurm]\nscontrol = \"/usr/bin/env SLURM_CONF=/x "
        + "scontrol\"\n");
    assertThat(factory.parseConfig(section(doc)).scontrol())
        .contains(List.of("/usr/bin/env", "SLURM_CONF=/x", "scontrol"));
    assertThat(doc.errors()).isEmpty();
  }

  @Test
  void parseConfig_scontrolTimeout_bounded() {
    for (String t : List.of("1ms", "99ms", "61s", "100000h")) {
      ConfigDocument doc = doc("[receivers.slurm]\nscontrol_timeout = \"" + t + "\"\n");
      assertThat(factory.parseConfig(section(doc)).scontrolTimeout()).as(t)
          .isEqualTo(Duration.ofSeconds(5));
      assertThat(doc.errors()).extracting(ConfigError::toString).singleElement().asString()
          .as(t).contains("slurm.toml:2:", "receivers.slurm.scontrol_timeout", "100ms", "1m");
    }
    for (String t : List.of("100ms", "60s")) {
      ConfigDocument doc = doc("[receivers.slurm]\nscontrol_timeout = \"" + t + "\"\n");
      factory.parseConfig(section(doc));
      assertThat(doc.errors()).as(t).isEmpty();
    }
  }

  @Test
  void parseConfig_badValues_allReportedWithPositions() {
    ConfigDocument doc = doc("""
        [receivers.slurm]
        path = "relative"
        poll_interval = "often"
        steps = "yes"
        scontrol = "OFF please"
        scontrol_timeout = 5
        """);
    factory.parseConfig(section(doc));
    assertThat(doc.errors()).extracting(ConfigError::toString).satisfiesExactlyInAnyOrder(
        e -> assertThat(e).contains("slurm.toml:2:", "receivers.slurm.path", "absolute"),
        e -> assertThat(e).contains("slurm.toml:3:", "receivers.slurm.poll_interval"),
        e -> assertThat(e).contains("slurm.toml:4:", "receivers.slurm.steps"),
        e -> assertThat(e).contains("slurm.toml:5:", "receivers.slurm.scontrol", "off"),
        e -> assertThat(e).contains("slurm.toml:6:", "receivers.slurm.scontrol_timeout"));
  }

  @Test
  void parseConfig_deployExample_isValid() throws Exception {
    ConfigDocument doc = ConfigDocument.parse(Path.of("..", "deploy", "slurm.toml"), Map.of());
    SlurmReceiverConfig c = factory.parseConfig(section(doc));
    assertThat(doc.errors()).isEmpty();
    assertThat(c.path()).isEqualTo(Path.of("/sys/fs/cgroup"));
    assertThat(c.scontrol()).contains(List.of("scontrol"));
  }

  @Test
  void create_notCgroup2_refusedNamingThePath() {
    assertThatThrownBy(() -> factory.create(SlurmReceiverConfig.defaults(dir),
        ReceiverContext.forTest("node1")))
        .isInstanceOf(ReceiverStartException.class)
        .hasMessageContaining(dir.toString())
        .hasMessageContaining("cgroup v2")
        .hasMessageNotContaining("cgroup/v1 layout");
  }

  @Test
  void create_slurmCgroupV1Tree_saysItIsSlurmsV1Layout() throws Exception {
    Files.createDirectories(dir.resolve("cpuacct/slurm/uid_1000/job_42/step_0/task_0"));
    Files.createDirectories(dir.resolve("memory/slurm/uid_1000/job_42"));
    assertThatThrownBy(() -> factory.create(SlurmReceiverConfig.defaults(dir),
        ReceiverContext.forTest("node1")))
        .isInstanceOf(ReceiverStartException.class)
        .hasMessageContaining("Slurm's cgroup/v1 layout")
        .hasMessageContaining("cpuacct/slurm/uid_1000/job_42")
        .hasMessageContaining("CgroupPlugin=cgroup/v2");
  }
}

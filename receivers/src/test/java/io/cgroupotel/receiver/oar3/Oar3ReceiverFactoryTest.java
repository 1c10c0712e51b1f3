package io.cgroupotel.receiver.oar3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cgroupotel.receiver.CgroupReceiverSettings;
import io.cgroupotel.config.ConfigDocument;
import io.cgroupotel.config.ConfigError;
import io.cgroupotel.config.ConfigSection;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.ReceiverStartException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Oar3ReceiverFactoryTest {
  @TempDir Path dir;
  private final Oar3ReceiverFactory factory = new Oar3ReceiverFactory();

  private static ConfigDocument doc(String toml) {
    return ConfigDocument.parse("oar3.toml", toml, Map.of("API", "http://oar/oarapi"));
  }

  private static ConfigSection section(ConfigDocument doc) {
    return doc.root().section("receivers").section("oar3");
  }

  @Test
  void parseConfig_defaults() {
    ConfigDocument doc = doc("[receivers.oar3]\n");
    Oar3ReceiverConfig c = factory.parseConfig(section(doc));
    assertThat(doc.errors()).isEmpty();
    assertThat(factory.type()).isEqualTo("oar3");
    assertThat(c.path()).isEqualTo(io.cgroupotel.receiver.CgroupReceiverSettings.defaultPath());
    assertThat(c.settings().pollInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.prefix()).isEqualTo("oar");
    assertThat(c.oarexecDirectory()).isEqualTo(Path.of("/tmp/oar_runtime"));
    assertThat(c.oarApiUrl()).isEmpty();
    assertThat(c.enabled()).isTrue();
  }

  @Test
  void parseConfig_everyKey() {
    ConfigDocument doc = doc("""
        [receivers.oar3]
        path = "/sys/fs/cgroup/unified"
        poll_interval = "500ms"
        prefix = "myoar"
        oarexec_directory = "/var/lib/oar/runtime"
        oar_api_url = "${API}"
        enabled = false
        """);
    Oar3ReceiverConfig c = factory.parseConfig(section(doc));
    assertThat(doc.errors()).isEmpty();
    assertThat(c).isEqualTo(new Oar3ReceiverConfig(
        CgroupReceiverSettings.of(Path.of("/sys/fs/cgroup/unified"), Duration.ofMillis(500)),
        "myoar", Path.of("/var/lib/oar/runtime"),
        Optional.of(URI.create("http://oar/oarapi")), false));
  }

  @Test
  void parseConfig_badValues_allReportedWithPositions() {
    ConfigDocument doc = doc("""
        [receivers.oar3]
        path = "relative/dir"
        poll_interval = "often"
        prefix = "/oar"
        oarexec_directory = 3
        oar_api_url = "ftp://x/"
        enabled = "maybe"
        """);
    factory.parseConfig(section(doc));
    assertThat(doc.errors()).extracting(ConfigError::toString).satisfiesExactlyInAnyOrder(
        e -> assertThat(e).contains("oar3.toml:2:", "receivers.oar3.path", "absolute"),
        e -> assertThat(e).contains("oar3.toml:3:", "receivers.oar3.poll_interval"),
        e -> assertThat(e).contains("oar3.toml:4:", "receivers.oar3.prefix", "CPUSET_PATH"),
        e -> assertThat(e).contains("oar3.toml:5:", "receivers.oar3.oarexec_directory"),
        e -> assertThat(e).contains("oar3.toml:6:", "receivers.oar3.oar_api_url", "http"),
        e -> assertThat(e).contains("oar3.toml:7:", "receivers.oar3.enabled"));
  }

  @Test
  void create_notCgroup2_refusedNamingThePath() {
    Oar3ReceiverConfig c = Oar3ReceiverConfig.defaults(dir);
    assertThatThrownBy(() -> factory.create(c, ReceiverContext.forTest("node1")))
        .isInstanceOf(ReceiverStartException.class)
        .hasMessageContaining(dir.toString())
        .hasMessageContaining("cgroup v2");
  }

  @Test
  void create_oar2CgroupV1Tree_saysItIsOar2() throws Exception {
    Files.createDirectories(dir.resolve("cpuset/oar/alice_4242"));
    Files.createDirectories(dir.resolve("cpuset/oar/bob_17"));
    Oar3ReceiverConfig c = Oar3ReceiverConfig.defaults(dir);
    assertThatThrownBy(() -> factory.create(c, ReceiverContext.forTest("node1")))
        .isInstanceOf(ReceiverStartException.class)
        .hasMessageContaining("OAR 2.x layout on cgroup v1")
        .hasMessageContaining("alice_4242")
        .hasMessageContaining("cgroup v2");
  }

  @Test
  void create_cgroupV1CpusetWithoutJobs_saysCgroupV1() throws Exception {
    Files.createDirectories(dir.resolve("cpuset"));
    Files.writeString(dir.resolve("cpuset/cpuset.cpus"), "0-1\n");
    Oar3ReceiverConfig c = Oar3ReceiverConfig.defaults(dir);
    assertThatThrownBy(() -> factory.create(c, ReceiverContext.forTest("node1")))
        .hasMessageContaining("cgroup v1 layout, as OAR 2.x uses")
        .hasMessageNotContaining("OAR 2.x layout on");
  }

  @Test
  void create_oar2TreeDirectlyUnderPath_saysItIsOar2() throws Exception {
    Files.createDirectories(dir.resolve("oar/carol_9"));
    Oar3ReceiverConfig c = Oar3ReceiverConfig.defaults(dir);
    assertThatThrownBy(() -> factory.create(c, ReceiverContext.forTest("node1")))
        .hasMessageContaining("OAR 2.x").hasMessageContaining("carol_9");
  }

  @Test
  void parseConfig_deployExample_isValid() throws Exception {
    Path example = Path.of("..", "deploy", "oar3.toml");
    ConfigDocument doc = ConfigDocument.parse(example, Map.of());
    Oar3ReceiverConfig c = factory.parseConfig(section(doc));
    assertThat(doc.errors()).isEmpty();
    assertThat(c.path()).isEqualTo(Path.of("/sys/fs/cgroup"));
    assertThat(c.prefix()).isEqualTo("oar");
  }

  @Test
  void systemdUnit_readOnlyAndRestartOnFailure() throws Exception {
    // OAR nodes run the generic unit with the oar3.conf drop-in (the env files are in the
    // host's /tmp/oar_runtime, which the unit's private /tmp would hide)
    Path systemd = Path.of("..", "deploy", "systemd");
    String unit = Files.readString(systemd.resolve("cgroup-otel-agent.service"));
    assertThat(unit).contains("ProtectSystem=strict", "NoNewPrivileges=yes",
        "ProtectControlGroups=yes", "Restart=on-failure", "User=cgroup-otel-agent",
        "ExecStart=/opt/cgroup-otel-agent/bin/cgroup-otel-agent --config ${CGROUP_OTEL_AGENT_CONFIG}")
        .doesNotContain("MemoryDenyWriteExecute=yes", "DynamicUser=yes");
    assertThat(Files.readString(systemd.resolve("oar3.conf"))).contains("PrivateTmp=no");
  }
}

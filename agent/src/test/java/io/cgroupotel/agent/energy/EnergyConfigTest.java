package io.cgroupotel.agent.energy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cgroupotel.config.ConfigDocument;
import io.cgroupotel.config.ConfigException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnergyConfigTest {
  static EnergyConfig parse(String toml) throws ConfigException {
    ConfigDocument doc = ConfigDocument.parse("test.toml", toml, Map.of());
    EnergyConfig config = EnergyConfig.parse(doc.root().section("energy"));
    doc.finish();
    return config;
  }

  @Test
  void parse_absentSection_disabled() throws Exception {
    assertThat(parse("")).isEqualTo(EnergyConfig.DISABLED);
  }

  @Test
  void parse_everyKey() throws Exception {
    EnergyConfig c = parse("""
        [energy]
        source = "model"
        powercap_path = "/tmp/pc"
        idle_watts = 55
        max_watts = 212.5
        carbon_intensity = 56
        """);
    assertThat(c.enabled()).isTrue();
    assertThat(c.source()).isEqualTo(EnergyConfig.Source.MODEL);
    assertThat(c.powercapPath()).isEqualTo(Path.of("/tmp/pc"));
    assertThat(c.idleWatts()).isEqualTo(55.0);
    assertThat(c.maxWatts()).isEqualTo(212.5);
    assertThat(c.carbonIntensity()).isEqualTo(56.0);
    assertThat(c.hasModel()).isTrue();
    assertThat(c.hasCarbon()).isTrue();
  }

  @Test
  void parse_badValues_everyErrorPositionedAtOnce() {
    assertThatThrownBy(() -> parse("""
        [energy]
        source = "tdp"
        idle_watts = 300
        max_watts = 100
        carbon_intensity = 50
        carbon_intensity_file = "/run/grid"
        wats = 3
        """))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("test.toml:2:")
        .hasMessageContaining("energy.source").hasMessageContaining("auto, rapl, model")
        .hasMessageContaining("test.toml:4:").hasMessageContaining("below idle_watts")
        .hasMessageContaining("carbon_intensity_file")
        .hasMessageContaining("energy.wats");
  }

  @Test
  void parse_modelWithoutWatts_saysWhatToSet() {
    assertThatThrownBy(() -> parse("""
        [energy]
        source = "model"
        """)).hasMessageContaining("idle_watts and max_watts");
    assertThatThrownBy(() -> parse("""
        [energy]
        idle_watts = 40
        """)).hasMessageContaining("energy.max_watts");
  }
}

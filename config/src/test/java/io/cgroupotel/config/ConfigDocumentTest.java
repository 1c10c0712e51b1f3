package io.cgroupotel.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigDocumentTest {

  private static ConfigException errorsOf(String text, java.util.function.Consumer<ConfigSection> reader) {
    ConfigDocument doc = ConfigDocument.parse("agent.toml", text, Map.of());
    reader.accept(doc.root());
    return catchThrowableOfType(ConfigException.class, doc::finish);
  }

  @Test
  void finish_unknownKeyAndBadDuration_bothReportedWithLineAndColumn() {
    String text = """
        [receivers.cgroup]
        path = "/sys/fs/cgroup"
        pol_interval = "1s"
        poll_interval = "10 parsecs"
        """;
    ConfigException e = errorsOf(text, root -> {
      ConfigSection cgroup = root.section("receivers").section("cgroup");
      cgroup.string("path", null);
      cgroup.duration("poll_interval", Duration.ofSeconds(1));
    });
    assertThat(e.errors()).hasSize(2);
    assertThat(e.errors().get(0).toString())
        .startsWith("agent.toml:3:1: receivers.cgroup.pol_interval: unknown key")
        .contains("poll_interval");
    assertThat(e.errors().get(1).toString())
        .startsWith("agent.toml:4:1: receivers.cgroup.poll_interval: bad duration \"10 parsecs\"")
        .contains("(a number and a unit");
  }

  @Test
  void finish_syntaxError_reportsPosition() {
    ConfigException e = errorsOf("[agent]\nexport_interval = \"10s\nfoo = 1\n", root -> {});
    assertThat(e.errors()).isNotEmpty();
    ConfigError first = e.errors().get(0);
    assertThat(first.line()).isEqualTo(2);
    assertThat(first.column()).isGreaterThan(0);
    assertThat(first.toString()).startsWith("agent.toml:2:").contains("syntax error");
  }

  @Test
  void getters_wrongTypes_reportedAndDefaultsReturned() {
    String text = """
        [x]
        flag = "maybe"
        count = 1.5
        names = [1, "b"]
        mode = "fast"
        """;
    ConfigDocument doc = ConfigDocument.parse("t.toml", text, Map.of());
    ConfigSection x = doc.root().section("x");
    assertThat(x.bool("flag", true)).isTrue();
    assertThat(x.integer("count", 7, 0, 10)).isEqualTo(7);
    assertThat(x.stringList("names", List.of())).containsExactly("b");
    assertThat(x.choice("mode", "slow", List.of("slow", "cumulative"))).isEqualTo("slow");
    ConfigException e = catchThrowableOfType(ConfigException.class, doc::finish);
    assertThat(e.errors()).extracting(ConfigError::key)
        .containsExactly("x.flag", "x.count", "x.names[0]", "x.mode");
    assertThat(e.errors().get(3).hint()).isEqualTo("one of slow, cumulative");
  }

  @Test
  void string_environmentVariables_expandedAndEmptyMeansUnset() {
    String text = """
        a = "${NODE_NAME}"
        b = "${MISSING}"
        c = "${MISSING:-fallback}-x"
        """;
    ConfigDocument doc = ConfigDocument.parse("t.toml", text, Map.of("NODE_NAME", "node-7"));
    ConfigSection root = doc.root();
    assertThat(root.string("a", null)).isEqualTo("node-7");
    assertThat(root.string("b", "default")).isEqualTo("default");
    assertThat(root.has("b")).isFalse();
    assertThat(root.string("c", null)).isEqualTo("fallback-x");
  }

  @Test
  void section_notATable_reported() {
    ConfigException e = errorsOf("receivers = 3\n", root -> root.section("receivers"));
    assertThat(e.errors()).singleElement().hasToString(
        "t.toml:1:1: receivers: expected a table, found an integer (write [receivers])"
            .replace("t.toml", "agent.toml"));
  }

  @Test
  void integer_outOfRange_reported() {
    ConfigException e = errorsOf("port = -1\n", root -> root.integer("port", 9464, 1, 65535));
    assertThat(e.errors()).singleElement().asString()
        .isEqualTo("agent.toml:1:1: port: expecting a value in [1, 65535], found -1");
  }

  @Test
  void parse_missingFile_namesIt(@TempDir Path dir) {
    Path missing = dir.resolve("nope.toml");
    assertThatThrownBy(() -> ConfigDocument.parse(missing, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(missing.toString())
        .hasMessageContaining("no such file");
  }

  @Test
  void parse_validFile_noErrors(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("ok.toml");
    Files.writeString(file, "[agent]\nexport_interval = \"500ms\"\n");
    ConfigDocument doc = ConfigDocument.parse(file, Map.of());
    Duration d = doc.root().section("agent").duration("export_interval", Duration.ZERO);
    doc.finish();
    assertThat(d).isEqualTo(Duration.ofMillis(500));
  }
}

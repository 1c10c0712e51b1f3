package io.cgroupotel.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Config input at the edges: bad ${...}, huge files, intervals out of range, strings for lists. */
class ConfigEdgesTest {
  private static final String VARIABLE_HINT =
      "(write ${NAME} or ${NAME:-default}, NAME of letters, digits and _; $${ is a literal ${)";

  private static List<String> errors(String text, java.util.function.Consumer<ConfigSection> r) {
    ConfigDocument doc = ConfigDocument.parse("agent.toml", text, Map.of("NODE_NAME", "node-7"));
    r.accept(doc.root());
    ConfigException e = catchThrowableOfType(ConfigException.class, doc::finish);
    return e == null ? List.of() : e.errors().stream().map(ConfigError::toString).toList();
  }

  @Test
  void string_unterminatedVariable_positionedErrorNotTheLiteral() {
    String[] read = new String[1];
    List<String> errors = errors("[agent]\nhostname = \"${NODE_NAME\"\n",
        root -> read[0] = root.section("agent").string("hostname", "default-host"));
    assertThat(errors).containsExactly("agent.toml:2:1: agent.hostname: unterminated \"${\" in "
        + "\"${NODE_NAME\" " + VARIABLE_HINT);
    assertThat(read[0]).isEqualTo("default-host");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "${NODE_NAME                | unterminated \"${\" in \"${NODE_NAME\"",
      "node-${NODE_NAME-x          | unterminated \"${\" in \"node-${NODE_NAME-x\"",
      "${}                         | empty variable name in \"${}\"",
      "${:-x}                      | empty variable name in \"${:-x}\"",
      "${1NODE}                    | bad variable name \"1NODE\" in \"${1NODE}\"",
      "${NODE NAME}                | bad variable name \"NODE NAME\" in \"${NODE NAME}\"",
      "${NODE_NAME:-${HOSTNAME}}   | a \"${\" inside the default of ${NODE_NAME} in "
          + "\"${NODE_NAME:-${HOSTNAME}}\": defaults are literal text",
  })
  void string_badVariable_positionedError(String value, String message) {
    List<String> errors = errors("[x]\n  name = \"" + value + "\"\n",
        root -> root.section("x").string("name", null));
    assertThat(errors).containsExactly("agent.toml:2:3: x.name: " + message + " "
        + VARIABLE_HINT);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "${NODE_NAME}           | node-7",
      "${NODE_NAME:-x}-a      | node-7-a",
      "${UNSET:-fallback}     | fallback",
      "$${NODE_NAME}          | ${NODE_NAME}",
      "cost $5 and $NODE_NAME | cost $5 and $NODE_NAME",
      "a}b{c                  | a}b{c",
  })
  void string_goodVariables_expanded(String value, String expected) {
    String[] read = new String[1];
    assertThat(errors("v = \"" + value + "\"\n", root -> read[0] = root.string("v", null)))
        .isEmpty();
    assertThat(read[0]).isEqualTo(expected);
  }

  @Test
  void badVariable_inEveryGetter_reportedOnceEach() {
    String text = """
        flag = "${FLAG"
        count = "${COUNT"
        wait = "${WAIT"
        names = ["ok", "${NAME"]
        """;
    List<String> errors = errors(text, root -> {
      assertThat(root.has("flag")).isTrue();
      assertThat(root.bool("flag", true)).isTrue();
      assertThat(root.integer("count", 3, 0, 10)).isEqualTo(3);
      assertThat(root.duration("wait", Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(1));
      assertThat(root.stringList("names", List.of())).containsExactly("ok");
      root.string("flag", null); // read twice: still one error
    });
    assertThat(errors).containsExactly(
        "agent.toml:1:1: flag: unterminated \"${\" in \"${FLAG\" " + VARIABLE_HINT,
        "agent.toml:2:1: count: unterminated \"${\" in \"${COUNT\" " + VARIABLE_HINT,
        "agent.toml:3:1: wait: unterminated \"${\" in \"${WAIT\" " + VARIABLE_HINT,
        "agent.toml:4:1: names[1]: unterminated \"${\" in \"${NAME\" " + VARIABLE_HINT);
  }

  // --- size ---

  @Test
  void parse_fileOverTheCap_refusedBeforeParsing(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("big.toml");
    // a 10 MB value: what ran the agent out of memory at -Xmx64m
    Files.writeString(file, "[agent]\nhostname = \"" + "x".repeat(10_000_000) + "\"\n");
    ConfigException e = catchThrowableOfType(ConfigException.class,
        () -> ConfigDocument.parse(file, Map.of()));
    assertThat(e.errors()).singleElement().hasToString(file + ":1:1: the config file is larger "
        + "than 64 KiB (65536 bytes): refused before parsing (a config is a few KB; check the "
        + "path given to --config)");
  }

  @Test
  void parse_fileOfExactlyTheCap_read(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("ok.toml");
    String head = "[agent]\nhostname = \"h\"\n";
    String comment = "#" + "c".repeat(ConfigDocument.MAX_BYTES - head.length() - 2) + "\n";
    Files.writeString(file, head + comment);
    assertThat(Files.size(file)).isEqualTo(ConfigDocument.MAX_BYTES);
    ConfigDocument doc = ConfigDocument.parse(file, Map.of());
    assertThat(doc.root().section("agent").string("hostname", null)).isEqualTo("h");
    doc.finish();
  }

  @Test
  void parse_endlessFile_refusedWithoutReadingItAll() {
    // /dev/zero never ends: only MAX_BYTES + 1 bytes are read
    ConfigException e = catchThrowableOfType(ConfigException.class,
        () -> ConfigDocument.parse(Path.of("/dev/zero"), Map.of()));
    assertThat(e.getMessage()).startsWith("/dev/zero:1:1: the config file is larger than 64 KiB");
  }

  @Test
  void parse_textOverTheCap_reportedByFinish() {
    String text = "a = \"" + "é".repeat(ConfigDocument.MAX_BYTES / 2) + "\"\n";
    ConfigDocument doc = ConfigDocument.parse("<text>", text, Map.of());
    assertThat(doc.root().present()).isFalse();
    ConfigException e = catchThrowableOfType(ConfigException.class, doc::finish);
    assertThat(e.errors()).singleElement().asString()
        .startsWith("<text>:1:1: the config file is larger than 64 KiB (65536 bytes)");
    assertThat(new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8))
        .hasSizeLessThan(ConfigDocument.MAX_BYTES); // refused on bytes, not on characters
  }

  // --- intervals ---

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "0.000001ms | \"0.000001ms\" is too short (allowed: 100ms to 24h, e.g. \"1s\")",
      "0s         | \"0s\" is too short (allowed: 100ms to 24h, e.g. \"1s\")",
      "99ms       | \"99ms\" is too short (allowed: 100ms to 24h, e.g. \"1s\")",
      "24h1ms     | \"24h1ms\" is too long (allowed: 100ms to 24h, e.g. \"1s\")",
      "25h        | \"25h\" is too long (allowed: 100ms to 24h, e.g. \"1s\")",
      "99999999999999h | \"99999999999999h\" is too long (allowed: 100ms to 24h, e.g. \"1s\")",
  })
  void duration_outOfRange_errorStatesTheRange(String value, String message) {
    Duration[] read = new Duration[1];
    List<String> errors = errors("[r]\npoll_interval = \"" + value + "\"\n",
        root -> read[0] = root.section("r").duration("poll_interval", Duration.ofSeconds(1),
            Durations.MIN_POLL_INTERVAL, Durations.MAX_INTERVAL));
    assertThat(errors).containsExactly("agent.toml:2:1: r.poll_interval: " + message);
    assertThat(read[0]).isEqualTo(Duration.ofSeconds(1));
  }

  @ParameterizedTest
  @ValueSource(strings = {"100ms", "1s", "24h", "23h59m"})
  void duration_atAndWithinTheBounds_accepted(String value) {
    assertThat(errors("i = \"" + value + "\"\n", root -> root.duration("i", Duration.ofSeconds(1),
        Durations.MIN_POLL_INTERVAL, Durations.MAX_INTERVAL))).isEmpty();
  }

  // --- strings where lists are expected ---

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "include = \"*\"                 | include = [\"*\"]",
      "pod_labels = \"app\"            | pod_labels = [\"app\"]",
      "exclude_metrics = \"x\"         | exclude_metrics = [\"x\"]",
      "include = \"a\\\"b\"            | include = [\"a\\\"b\"]",
  })
  void stringList_singleString_errorWithTheFix(String line, String fix) {
    String key = line.substring(0, line.indexOf(' '));
    List<String> errors = errors("[s]\n" + line + "\n",
        root -> assertThat(root.section("s").stringList(key, List.of("default")))
            .containsExactly("default"));
    assertThat(errors).containsExactly("agent.toml:2:1: s." + key
        + ": expected a list of strings, found a string (write " + fix + ")");
  }

  @Test
  void stringList_quotedKey_fixQuotesIt() {
    List<String> errors = errors("[e]\n\"k8s.namespace.name\" = \"kube-*\"\n",
        root -> root.section("e").stringList("k8s.namespace.name", List.of()));
    assertThat(errors).containsExactly("agent.toml:2:1: e.k8s.namespace.name: expected a list "
        + "of strings, found a string (write \"k8s.namespace.name\" = [\"kube-*\"])");
  }
}

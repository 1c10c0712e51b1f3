package io.cgroupotel.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Any file under the size cap parses or gets a positioned error, at the launcher's heap and
 * stack: long strings, long arrays and deep nesting are refused before the parser sees them.
 */
class ConfigLimitsTest {
  static List<String> errors(String text) {
    return ConfigDocument.parse("t.toml", text, Map.of()).errors().stream()
        .map(ConfigError::toString).toList();
  }

  static String array(int items) {
    return "[" + "1,".repeat(items) + "]";
  }

  @Test
  void longString_positionedErrorAtTheString_eachKind() {
    int over = ConfigLimits.MAX_STRING + 1;
    assertThat(errors("a = 1\nb = \"" + "x".repeat(ConfigLimits.MAX_STRING) + "\"\n")).isEmpty();
    assertThat(errors("a = 1\nb = \"" + "x".repeat(over) + "\"\n")).singleElement().asString()
        .startsWith("t.toml:2:5: a string of " + over + " characters, more than 8192");
    assertThat(errors("b = '" + "x".repeat(over) + "'\n")).singleElement().asString()
        .startsWith("t.toml:1:5: a string of");
    assertThat(errors("b = \"\"\"\n" + "xy\n".repeat(over / 3 + 1) + "\"\"\"\n"))
        .singleElement().asString().startsWith("t.toml:1:5: a string of");
    assertThat(errors("[t]\nb = ['''" + "x".repeat(over) + "''']\n")).singleElement().asString()
        .startsWith("t.toml:2:6: a string of");
    // escapes count once; a quote escaped does not end the string
    assertThat(errors("b = \"" + "\\\"".repeat(ConfigLimits.MAX_STRING) + "\"\n")).isEmpty();
  }

  @Test
  void longArray_positionedErrorAtTheArray() {
    assertThat(errors("a = " + array(ConfigLimits.MAX_ARRAY_ITEMS) + "\n")).isEmpty();
    assertThat(errors("x = 1\n[t]\na = " + array(ConfigLimits.MAX_ARRAY_ITEMS + 1) + "\n"))
        .singleElement().asString()
        .startsWith("t.toml:3:5: an array of more than 1024 items");
    // items of nested arrays count in their own array; strings with commas are one item
    String nested = "[" + (array(600) + ",").repeat(2) + "]";
    assertThat(errors("a = " + nested + "\n")).isEmpty();
    assertThat(errors("a = [" + "\"a,b,c\",".repeat(1000) + "]\n")).isEmpty();
    // a comment with commas and brackets is not an array
    assertThat(errors("# [" + ",".repeat(5000) + "\na = 1\n")).isEmpty();
  }

  @Test
  void deepNesting_positionedErrorInsteadOfAStackOverflow() {
    int max = ConfigLimits.MAX_DEPTH;
    assertThat(errors("a = " + "[".repeat(max) + "]".repeat(max) + "\n")).isEmpty();
    assertThat(errors("a = " + "[".repeat(2000) + "]".repeat(2000) + "\n")).singleElement()
        .asString().startsWith("t.toml:1:" + (5 + max) + ": arrays and inline tables nested "
            + "deeper than 16 levels");
    assertThat(errors("a = " + "{b = ".repeat(2000) + "1" + "}".repeat(2000) + "\n"))
        .singleElement().asString().contains("nested deeper than 16");
    // table headers are not nesting
    assertThat(errors("[a.b.c]\nx = 1\n[[d]]\ny = [[1], [2]]\n")).isEmpty();
  }

  /**
   * The worst files under the cap, parsed in a child JVM with the launcher's heap and stack:
   * each parses, or is refused with a positioned error; none runs out of memory.
   */
  @Test
  @Tag("child-jvm")
  void worstFilesUnderTheCap_launcherHeap_parseOrPositionedError(@TempDir Path dir)
      throws Exception {
    int cap = ConfigDocument.MAX_BYTES - 64;
    List<Path> files = new ArrayList<>();
    files.add(write(dir, "keys", fill("k%d=1\n", cap)));
    files.add(write(dir, "arrays", fill("a%d = " + array(ConfigLimits.MAX_ARRAY_ITEMS) + "\n",
        cap)));
    files.add(write(dir, "strings", fill("s%d = \"" + "x".repeat(ConfigLimits.MAX_STRING)
        + "\"\n", cap)));
    files.add(write(dir, "nested", fill("n%d = " + "[".repeat(ConfigLimits.MAX_DEPTH)
        + "]".repeat(ConfigLimits.MAX_DEPTH) + "\n", cap)));
    files.add(write(dir, "inline", fill("i%d = {a=1,b=[1,2],c={d=\"e\"}}\n", cap)));
    // what ran out of memory before: a 400 KiB value, a 150,000-item array
    files.add(write(dir, "bigstring", "[agent]\nhostname = \"" + "x".repeat(400 * 1024)
        + "\"\n"));
    files.add(write(dir, "bigarray", "[agent]\nx = " + array(150_000) + "\n"));
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx128m", "-Xss512k", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError",
        "-cp", System.getProperty("java.class.path"), ParseFiles.class.getName()));
    files.forEach(f -> command.add(f.toString()));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
    System.out.println(out);
    assertThat(p.exitValue()).as(out).isZero();
    for (Path f : files) {
      assertThat(out).contains(f.getFileName() + ": ");
    }
    assertThat(out).contains("keys.toml: parsed", "arrays.toml: parsed", "strings.toml: parsed", "nested.toml: parsed",
        "inline.toml: parsed");
    assertThat(out).contains("bigstring.toml: refused: " + dir.resolve("bigstring.toml")
        + ":1:1: the config file is larger than 64 KiB");
    assertThat(out).contains("bigarray.toml: refused: " + dir.resolve("bigarray.toml")
        + ":1:1: the config file is larger than 64 KiB");
    assertThat(out).doesNotContain("OutOfMemoryError", "StackOverflowError");
  }

  static String fill(String format, int bytes) {
    StringBuilder b = new StringBuilder();
    for (int k = 0; ; k++) {
      String line = String.format(format, k);
      if (b.length() + line.length() > bytes) {
        return b.toString();
      }
      b.append(line);
    }
  }

  static Path write(Path dir, String name, String text) throws Exception {
    return Files.writeString(dir.resolve(name + ".toml"), text);
  }

  /** The child: parses each file and prints what came of it, with the time it took. */
  static final class ParseFiles {
    public static void main(String[] args) {
      for (String a : args) {
        long t0 = System.nanoTime();
        String result;
        try {
          ConfigDocument doc = ConfigDocument.parse(Path.of(a), Map.of());
          result = doc.errors().isEmpty() ? "parsed"
              : "refused: " + doc.errors().get(0);
        } catch (ConfigException e) {
          result = "refused: " + e.errors().get(0);
        } catch (Throwable t) {
          result = "FAILED: " + t;
        }
        System.out.printf("%s: %s (%.0f ms)%n", Path.of(a).getFileName(),
            result.length() > 200 ? result.substring(0, 200) : result,
            (System.nanoTime() - t0) / 1e6);
      }
    }
  }
}

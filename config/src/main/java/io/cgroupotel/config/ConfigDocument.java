package io.cgroupotel.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.tomlj.Toml;
import org.tomlj.TomlParseError;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlPosition;

/**
 * A parsed TOML configuration file and the errors found in it so far.
 *
 * <p>Use: {@link #parse}, hand {@link #root()} sections to the components, which read their
 * keys and record errors, then call {@link #finish()}: it adds an error for every key no
 * component read and throws one {@link ConfigException} carrying them all.
 */
public final class ConfigDocument {
  /**
   * Files larger than this are refused before parsing: a config is a few KB, and the parser
   * costs hundreds of bytes of heap per token. Measured at the launcher's -Xmx128m: 1 MiB of
   * short keys, of arrays or of strings ran out of memory; 128 KiB of each parsed at half that
   * heap. With {@link ConfigLimits} (string length, array size, nesting), any file under this
   * parses or gets a positioned error.
   */
  public static final int MAX_BYTES = 64 * 1024;

  private static final Pattern VARIABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  static final String VARIABLE_HINT =
      "write ${NAME} or ${NAME:-default}, NAME of letters, digits and _; $${ is a literal ${";

  private final String source;
  private final Function<String, String> env;
  private final List<ConfigError> errors = new ArrayList<>();
  private final ConfigSection root;

  /** {@code toml} null: nothing parsed (the file was refused), every section reads as absent. */
  private ConfigDocument(String source, TomlParseResult toml, Function<String, String> env) {
    this.source = source;
    this.env = env;
    if (toml == null) {
      this.root = new ConfigSection(this, "", null, TomlPosition.positionAt(1, 1));
      return;
    }
    for (TomlParseError e : toml.errors()) {
      TomlPosition p = e.position();
      String message = e.getMessage();
      // tomlj appends " (line L, column C)": the position is already in front
      message = message.replaceFirst("\\s*\\(line \\d+, column \\d+\\)$", "");
      errors.add(new ConfigError(source, p == null ? 0 : p.line(), p == null ? 0 : p.column(),
          "", "syntax error: " + message, ""));
    }
    this.root = new ConfigSection(this, "", toml.errors().isEmpty() ? toml : null,
        TomlPosition.positionAt(1, 1));
  }

  /** Parses a file; a file that cannot be read is itself reported as a ConfigException. */
  public static ConfigDocument parse(Path file, Map<String, String> environment)
      throws ConfigException {
    String text;
    try (InputStream in = Files.newInputStream(file)) {
      // read at most one byte more than allowed: a huge file (or an endless one, /dev/zero) is
      // refused without being held in memory
      byte[] bytes = in.readNBytes(MAX_BYTES + 1);
      if (bytes.length > MAX_BYTES) {
        throw new ConfigException(List.of(tooLarge(file.toString())));
      }
      text = new String(bytes, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException(List.of(new ConfigError(file.toString(), 0, 0, "",
          "cannot read the config file: " + describe(e), "check the path given to --config")));
    }
    return parse(file.toString(), text, environment);
  }

  /** Parses text; {@code source} names it in error messages. */
  public static ConfigDocument parse(String source, String text, Map<String, String> environment) {
    if (text.length() > MAX_BYTES || text.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      // the error is reported by finish(); the document reads as empty meanwhile
      ConfigDocument doc = new ConfigDocument(source, null, environment::get);
      doc.errors.add(tooLarge(source));
      return doc;
    }
    List<ConfigError> beyond = ConfigLimits.check(source, text);
    if (!beyond.isEmpty()) {
      // not parsed: the parser would run out of heap or stack on what is beyond the bounds
      ConfigDocument doc = new ConfigDocument(source, null, environment::get);
      doc.errors.addAll(beyond);
      return doc;
    }
    return new ConfigDocument(source, Toml.parse(text), environment::get);
  }

  private static ConfigError tooLarge(String source) {
    return new ConfigError(source, 1, 1, "", "the config file is larger than "
        + MAX_BYTES / 1024 + " KiB (" + MAX_BYTES + " bytes): refused before parsing",
        "a config is a few KB; check the path given to --config");
  }

  public String source() {
    return source;
  }

  /** The top-level table. When the file has syntax errors, it reads as empty. */
  public ConfigSection root() {
    return root;
  }

  /** Whether any error has been recorded so far. */
  public boolean hasErrors() {
    return !errors.isEmpty();
  }

  /** Errors recorded so far, in the order found. */
  public List<ConfigError> errors() {
    return List.copyOf(errors);
  }

  /** Adds errors for keys no component read, then throws if any error was recorded. */
  public void finish() throws ConfigException {
    if (errors.isEmpty() || root.present()) {
      root.reportUnknownKeys();
    }
    if (!errors.isEmpty()) {
      List<ConfigError> sorted = new ArrayList<>(errors);
      sorted.sort((a, b) -> a.line() != b.line() ? Integer.compare(a.line(), b.line())
          : Integer.compare(a.column(), b.column()));
      throw new ConfigException(sorted);
    }
  }

  void addError(TomlPosition at, String key, String message, String hint) {
    ConfigError error = new ConfigError(source, at == null ? 0 : at.line(),
        at == null ? 0 : at.column(), key, message, hint);
    if (!errors.contains(error)) { // a key read twice is reported once
      errors.add(error);
    }
  }

  /**
   * Expands {@code ${VAR}} and {@code ${VAR:-default}}; an unset variable expands to "" (or the
   * default). {@code $${} is a literal {@code ${}; a {@code $} not followed by {@code {} is kept.
   *
   * @throws BadVariable for an unterminated {@code ${}, an empty or malformed name, or a nested
   *     {@code ${} in a default
   */
  public String expand(String value) {
    if (value.indexOf("${") < 0) {
      return value;
    }
    StringBuilder sb = new StringBuilder(value.length());
    int i = 0;
    while (i < value.length()) {
      char c = value.charAt(i);
      if (c == '$' && value.startsWith("$${", i)) {
        sb.append("${");
        i += 3;
      } else if (c == '$' && value.startsWith("${", i)) {
        int close = value.indexOf('}', i + 2);
        if (close < 0) {
          throw new BadVariable("unterminated \"${\" in \"" + value + "\"");
        }
        String inner = value.substring(i + 2, close);
        int sep = inner.indexOf(":-");
        String name = sep < 0 ? inner : inner.substring(0, sep);
        String fallback = sep < 0 ? null : inner.substring(sep + 2);
        if (!VARIABLE_NAME.matcher(name).matches()) {
          throw new BadVariable((name.isEmpty() ? "empty variable name" : "bad variable name \""
              + name + "\"") + " in \"" + value + "\"");
        }
        if (fallback != null && fallback.contains("${")) {
          throw new BadVariable("a \"${\" inside the default of ${" + name + "} in \"" + value
              + "\": defaults are literal text");
        }
        String v = env.apply(name);
        if (v == null || v.isEmpty()) {
          v = fallback == null ? "" : fallback;
        }
        sb.append(v);
        i = close + 1;
      } else {
        sb.append(c);
        i++;
      }
    }
    return sb.toString();
  }

  /** A {@code ${...}} reference that cannot be expanded; the message says where in the value. */
  static final class BadVariable extends IllegalArgumentException {
    BadVariable(String message) {
      super(message);
    }
  }

  private static String describe(IOException e) {
    String type = e.getClass().getSimpleName();
    return switch (type) {
      case "NoSuchFileException" -> "no such file";
      case "AccessDeniedException" -> "permission denied";
      default -> e.getMessage() == null ? type : e.getMessage();
    };
  }
}

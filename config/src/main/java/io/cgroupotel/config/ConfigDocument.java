package io.cgroupotel.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
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
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");

  private final String source;
  private final Function<String, String> env;
  private final List<ConfigError> errors = new ArrayList<>();
  private final ConfigSection root;

  private ConfigDocument(String source, TomlParseResult toml, Function<String, String> env) {
    this.source = source;
    this.env = env;
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
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException(List.of(new ConfigError(file.toString(), 0, 0, "",
          "cannot read the config file: " + describe(e), "check the path given to --config")));
    }
    return parse(file.toString(), text, environment);
  }

  /** Parses text; {@code source} names it in error messages. */
  public static ConfigDocument parse(String source, String text, Map<String, String> environment) {
    return new ConfigDocument(source, Toml.parse(text), environment::get);
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
    errors.add(new ConfigError(source, at == null ? 0 : at.line(), at == null ? 0 : at.column(),
        key, message, hint));
  }

  /** Expands {@code ${VAR}} and {@code ${VAR:-default}}; an unset variable expands to "". */
  String expand(String value) {
    if (value.indexOf("${") < 0) {
      return value;
    }
    Matcher m = VARIABLE.matcher(value);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String v = env.apply(m.group(1));
      if (v == null || v.isEmpty()) {
        v = m.group(2) == null ? "" : m.group(2);
      }
      m.appendReplacement(sb, Matcher.quoteReplacement(v));
    }
    m.appendTail(sb);
    return sb.toString();
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

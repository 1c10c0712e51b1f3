package io.cgroupotel.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.tomlj.TomlArray;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

/**
 * A TOML table being read by one component (a receiver, an exporter, the agent).
 *
 * <p>Components read their keys through the typed getters below; a wrong type or a bad value is
 * recorded as a positioned {@link ConfigError} and the default is returned, so that validation
 * goes on and reports every error at once. Keys that no component asked for are reported as
 * unknown by {@link ConfigDocument#finish()}.
 *
 * <p>Strings have {@code ${VAR}} expanded from the environment; a value that expands to the empty
 * string counts as unset.
 *
 * <p>Not thread-safe: configuration is read once, at start-up, on one thread.
 */
public final class ConfigSection {
  private final ConfigDocument document;
  private final String path;
  private final TomlTable table; // null when the section is absent
  private final TomlPosition position;
  private final Set<String> readKeys = new LinkedHashSet<>();
  private final List<ConfigSection> children = new ArrayList<>();

  ConfigSection(ConfigDocument document, String path, TomlTable table, TomlPosition position) {
    this.document = document;
    this.path = path;
    this.table = table;
    this.position = position;
  }

  /** Dotted path of this section, e.g. {@code receivers.k8s}; empty for the root. */
  public String path() {
    return path;
  }

  /** The file this section comes from, as the user named it. */
  public String source() {
    return document.source();
  }

  /** Whether the section exists in the file at all. */
  public boolean present() {
    return table != null;
  }

  /** Whether {@code key} is set in this section (a value that expands to "" is not set). */
  public boolean has(String key) {
    if (table == null || !table.contains(quote(key))) {
      return false;
    }
    Object value = table.get(quote(key));
    if (!(value instanceof String s)) {
      return true;
    }
    try {
      return !document.expand(s).isEmpty();
    } catch (ConfigDocument.BadVariable e) {
      return true; // set, but wrong: the getter that reads it reports the error
    }
  }

  /** Names of the keys written in this section, in file order. */
  public Set<String> keys() {
    return table == null ? Set.of() : table.keySet();
  }

  /** A sub-table; an absent one reads as empty (every getter returns its default). */
  public ConfigSection section(String key) {
    readKeys.add(key);
    String childPath = path.isEmpty() ? key : path + "." + key;
    // the same section each time: the keys one reader marked read are not reported as unknown
    // because a second reader of the section (e.g. a cross-section check) saw none of them
    for (ConfigSection existing : children) {
      if (existing.path.equals(childPath)) {
        return existing;
      }
    }
    TomlTable child = null;
    TomlPosition childPosition = position;
    if (table != null && table.contains(quote(key))) {
      Object value = table.get(quote(key));
      childPosition = table.inputPositionOf(quote(key));
      if (value instanceof TomlTable t) {
        child = t;
      } else {
        error(key, "expected a table, found " + typeName(value), "write [" + childPath + "]");
      }
    }
    ConfigSection section = new ConfigSection(document, childPath, child, childPosition);
    children.add(section);
    return section;
  }

  public String string(String key, String defaultValue) {
    Object value = raw(key);
    if (value == null) {
      return defaultValue;
    }
    if (!(value instanceof String s)) {
      typeError(key, "a string", value);
      return defaultValue;
    }
    String expanded = expand(key, s);
    return expanded == null || expanded.isEmpty() ? defaultValue : expanded;
  }

  public Optional<String> optionalString(String key) {
    return Optional.ofNullable(string(key, null));
  }

  /** One of {@code allowed}, compared exactly; anything else is an error naming the choices. */
  public String choice(String key, String defaultValue, List<String> allowed) {
    String value = string(key, defaultValue);
    if (value != null && !allowed.contains(value)) {
      error(key, "unknown value \"" + value + "\"", "one of " + String.join(", ", allowed));
      return defaultValue;
    }
    return value;
  }

  public boolean bool(String key, boolean defaultValue) {
    Object value = raw(key);
    if (value == null) {
      return defaultValue;
    }
    if (value instanceof Boolean b) {
      return b;
    }
    if (value instanceof String s) {
      String expanded = expand(key, s);
      if (expanded == null || (expanded = expanded.trim()).isEmpty()) {
        return defaultValue;
      }
      if (expanded.equalsIgnoreCase("true") || expanded.equalsIgnoreCase("false")) {
        return Boolean.parseBoolean(expanded);
      }
    }
    typeError(key, "true or false", value);
    return defaultValue;
  }

  /** An integer within [min, max]. */
  public long integer(String key, long defaultValue, long min, long max) {
    Object value = raw(key);
    if (value == null) {
      return defaultValue;
    }
    long result;
    if (value instanceof Long l) {
      result = l;
    } else if (value instanceof String s) {
      String expanded = expand(key, s);
      if (expanded == null || expanded.isBlank()) {
        return defaultValue;
      }
      try {
        result = Long.parseLong(expanded.trim());
      } catch (NumberFormatException e) {
        typeError(key, "an integer", value);
        return defaultValue;
      }
    } else {
      typeError(key, "an integer", value);
      return defaultValue;
    }
    if (result < min || result > max) {
      error(key, "expecting a value in [" + min + ", " + max + "], found " + result, "");
      return defaultValue;
    }
    return result;
  }

  /** A number (integer or decimal) within [min, max]. */
  public double number(String key, double defaultValue, double min, double max) {
    Object value = raw(key);
    if (value == null) {
      return defaultValue;
    }
    double result;
    if (value instanceof Long l) {
      result = l;
    } else if (value instanceof Double d) {
      result = d;
    } else if (value instanceof String s && !document.expand(s).isBlank()) {
      try {
        result = Double.parseDouble(document.expand(s).trim());
      } catch (NumberFormatException e) {
        typeError(key, "a number", value);
        return defaultValue;
      }
    } else if (value instanceof String) {
      return defaultValue;
    } else {
      typeError(key, "a number", value);
      return defaultValue;
    }
    if (!(result >= min && result <= max)) {
      error(key, "expecting a value in [" + min + ", " + max + "], found " + result, "");
      return defaultValue;
    }
    return result;
  }

  /**
   * A duration written as a string with a unit: {@code "500ms"}, {@code "10s"}, {@code "1m"},
   * {@code "1h30m"}. Must be positive.
   */
  public Duration duration(String key, Duration defaultValue) {
    String[] text = new String[1];
    Duration d = parseDuration(key, text);
    if (d == null) {
      return defaultValue;
    }
    if (d.isZero()) {
      error(key, "must be positive, found \"" + text[0] + "\"", "e.g. \"1s\"");
      return defaultValue;
    }
    return d;
  }

  /**
   * A duration (as {@link #duration(String, Duration)}) within [{@code min}, {@code max}]; a value
   * outside is an error that states the allowed range.
   */
  public Duration duration(String key, Duration defaultValue, Duration min, Duration max) {
    String[] text = new String[1];
    Duration d = parseDuration(key, text);
    if (d == null) {
      return defaultValue;
    }
    boolean tooShort = d.compareTo(min) < 0;
    if (tooShort || d.compareTo(max) > 0) {
      error(key, "\"" + text[0] + "\" is too " + (tooShort ? "short" : "long"),
          "allowed: " + Durations.format(min) + " to " + Durations.format(max) + ", e.g. \""
              + Durations.format(defaultValue) + "\"");
      return defaultValue;
    }
    return d;
  }

  /** The duration at {@code key}, its text in {@code text[0]}; null if unset or wrong (reported). */
  private Duration parseDuration(String key, String[] text) {
    Object value = raw(key);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String s)) {
      error(key, "expected a duration string, found " + typeName(value),
          "write it with a unit, e.g. \"10s\" or \"500ms\"");
      return null;
    }
    String expanded = expand(key, s);
    if (expanded == null || (expanded = expanded.trim()).isEmpty()) {
      return null;
    }
    text[0] = expanded;
    try {
      return Durations.parse(expanded);
    } catch (IllegalArgumentException | ArithmeticException e) {
      error(key, "bad duration \"" + expanded + "\"", Durations.HINT);
      return null;
    }
  }

  /**
   * A list of strings, written as a TOML array: {@code ["a", "b"]}. A single string is an error
   * (not a list of one), the same for every list key: {@code pod_labels = "app,team"} would
   * otherwise read as one label named {@code app,team}.
   */
  public List<String> stringList(String key, List<String> defaultValue) {
    Object value = raw(key);
    if (value == null) {
      return defaultValue;
    }
    if (value instanceof String s) {
      error(key, "expected a list of strings, found a string",
          "write " + quote(key) + " = [\"" + s.replace("\\", "\\\\").replace("\"", "\\\"")
              + "\"]");
      return defaultValue;
    }
    if (!(value instanceof TomlArray array)) {
      typeError(key, "a list of strings", value);
      return defaultValue;
    }
    List<String> result = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      Object item = array.get(i);
      TomlPosition at = table.inputPositionOf(quote(key));
      if (item instanceof String s) {
        try {
          result.add(document.expand(s));
        } catch (ConfigDocument.BadVariable e) {
          document.addError(at, qualified(key) + "[" + i + "]", e.getMessage(),
              ConfigDocument.VARIABLE_HINT);
        }
      } else {
        document.addError(at, qualified(key) + "[" + i + "]",
            "expected a string, found " + typeName(item), "");
      }
    }
    return List.copyOf(result);
  }

  /** Records an error about {@code key} of this section, at the key's position. */
  public void error(String key, String message, String hint) {
    TomlPosition at = table != null && table.contains(quote(key))
        ? table.inputPositionOf(quote(key)) : position;
    document.addError(at, qualified(key), message, hint);
  }

  /** Records an error about the section as a whole, at its header. */
  public void error(String message, String hint) {
    document.addError(position, path, message, hint);
  }

  /** {@code raw} with its variables expanded; null (after recording the error) if it cannot be. */
  private String expand(String key, String raw) {
    try {
      return document.expand(raw);
    } catch (ConfigDocument.BadVariable e) {
      error(key, e.getMessage(), ConfigDocument.VARIABLE_HINT);
      return null;
    }
  }

  private Object raw(String key) {
    readKeys.add(key);
    if (table == null || !table.contains(quote(key))) {
      return null;
    }
    return table.get(quote(key));
  }

  private void typeError(String key, String expected, Object found) {
    error(key, "expected " + expected + ", found " + typeName(found), "");
  }

  String qualified(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  /** Reports every key of this section and of its read sub-sections that no component read. */
  void reportUnknownKeys() {
    if (table != null) {
      for (String key : table.keySet()) {
        if (!readKeys.contains(key)) {
          String known = readKeys.isEmpty() ? "" : "known keys: " + String.join(", ", readKeys);
          document.addError(table.inputPositionOf(quote(key)), qualified(key), "unknown key",
              known);
        }
      }
    }
    for (ConfigSection child : children) {
      child.reportUnknownKeys();
    }
  }

  private static String quote(String key) {
    // tomlj takes dotted paths: quote keys so that a key with a dot is one key
    return key.matches("[A-Za-z0-9_-]+") ? key : "\"" + key.replace("\"", "\\\"") + "\"";
  }

  static String typeName(Object value) {
    if (value instanceof String) {
      return "a string";
    } else if (value instanceof Long) {
      return "an integer";
    } else if (value instanceof Double) {
      return "a float";
    } else if (value instanceof Boolean) {
      return "a boolean";
    } else if (value instanceof TomlArray) {
      return "an array";
    } else if (value instanceof TomlTable) {
      return "a table";
    }
    return "a " + value.getClass().getSimpleName();
  }
}

package io.cgroupotel.agent.cli;

import io.cgroupotel.agent.AgentConfig;
import io.cgroupotel.agent.Version;
import io.cgroupotel.agent.pipeline.StartLine;
import io.cgroupotel.config.ConfigDocument;
import io.cgroupotel.receiver.Redact;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.tomlj.Toml;
import org.tomlj.TomlArray;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlTable;

/**
 * {@code --print-config}: the configuration the agent would run, as TOML: the file (or the
 * embedded default) with every {@code ${VAR}} expanded and secrets redacted, preceded by what the
 * agent resolved beyond the file (host name, export interval, OTLP settings from the
 * environment) and each component's settings with their defaults filled in.
 */
final class EffectiveConfig {
  /** Keys whose values are credentials (a token, a password, headers that carry them). */
  private static final Pattern SECRET_KEY =
      Pattern.compile("(?i).*(token|password|secret|headers|authorization|api_key).*");
  /** Keys that name a file are not secrets themselves. */
  private static final Pattern FILE_KEY = Pattern.compile("(?i).*_(file|retrieval|path)$");
  private static final Pattern BARE_KEY = Pattern.compile("[A-Za-z0-9_-]+");

  private EffectiveConfig() {}

  /**
   * @param embeddedText the embedded default's text, or null when {@code config.source()} is a
   *     file to read again
   */
  static String render(AgentConfig config, String embeddedText, Map<String, String> env) {
    String text;
    if (embeddedText != null) {
      text = embeddedText;
    } else {
      try {
        text = Files.readString(Path.of(config.source()), StandardCharsets.UTF_8);
      } catch (IOException e) {
        text = "";
      }
    }
    // a document only for its ${VAR} expansion, with the same rules as the load
    ConfigDocument expander = ConfigDocument.parse(config.source(), "", env);
    StringBuilder sb = new StringBuilder();
    sb.append("# effective configuration of cgroup-otel-agent ").append(Version.get())
        .append(", from ").append(config.source()).append("\n");
    sb.append("# ${VAR} expanded; credentials shown as ").append(Redact.MASK).append("\n");
    sb.append("# resolved: host.name = ").append(config.settings().hostName())
        .append(", export interval = ").append(StartLine.human(config.settings().exportInterval()))
        .append(" (OTEL_METRIC_EXPORT_INTERVAL wins over the file)\n");
    for (AgentConfig.Component<?> c : config.receivers()) {
      sb.append("# receivers.").append(c.name()).append(" with defaults: ")
          .append(Redact.of(readable(String.valueOf(c.config()))))
          // an unset path is a guess here: the tree is chosen at start (v1 on a hybrid host)
          .append(String.valueOf(c.config()).contains("pathSet=false")
              ? " (path not set: the hierarchy is chosen at start; --check names it)" : "")
          .append("\n");
    }
    for (AgentConfig.Component<?> c : config.exporters()) {
      sb.append("# exporters.").append(c.name()).append(" with defaults: ")
          .append(redactRecord(String.valueOf(c.config()))).append("\n");
    }
    if (config.energy().enabled()) {
      sb.append("# energy with defaults: ").append(config.energy()).append("\n");
    }
    TomlParseResult toml = Toml.parse(text);
    table(sb, "", toml, expander);
    return sb.toString();
  }

  /** Masks the values of credential entries in a record's {@code toString}. */
  static String redactRecord(String s) {
    // otel.exporter.otlp.headers=authorization=Bearer x, ... : everything up to the next entry
    return Redact.of(readable(s.replaceAll("(?i)(headers=)[^,}\\]]*", "$1" + Redact.MASK)));
  }

  /** Java's {@code PT1S}, {@code PT0.5S}, {@code PT1M} as the config file writes durations. */
  static String readable(String s) {
    return s.replaceAll("PT(\\d+)S\\b", "$1s").replaceAll("PT0\\.(\\d{3})S\\b", "$1ms")
        .replaceAll("PT(\\d+)M\\b", "$1m").replaceAll("PT(\\d+)H\\b", "$1h");
  }

  private static void table(StringBuilder sb, String path, TomlTable table,
      ConfigDocument expander) {
    List<String> subtables = new ArrayList<>();
    for (String key : table.keySet()) {
      Object value = table.get(List.of(key));
      if (value instanceof TomlTable) {
        subtables.add(key);
      } else {
        sb.append(key(key)).append(" = ").append(value(key, value, expander)).append("\n");
      }
    }
    for (String key : subtables) {
      String child = path.isEmpty() ? key(key) : path + "." + key(key);
      TomlTable sub = table.getTable(List.of(key));
      boolean hasValues = sub.keySet().stream()
          .anyMatch(k -> !(sub.get(List.of(k)) instanceof TomlTable));
      if (hasValues || sub.isEmpty()) {
        sb.append("\n[").append(child).append("]\n");
      }
      table(sb, child, sub, expander);
    }
  }

  private static String value(String key, Object value, ConfigDocument expander) {
    if (SECRET_KEY.matcher(key).matches() && !FILE_KEY.matcher(key).matches()) {
      return quote(Redact.MASK);
    }
    if (value instanceof String s) {
      String expanded;
      try {
        expanded = expander.expand(s);
      } catch (IllegalArgumentException e) {
        expanded = s;
      }
      return quote(Redact.of(expanded));
    }
    if (value instanceof TomlArray array) {
      List<String> items = new ArrayList<>();
      for (int i = 0; i < array.size(); i++) {
        items.add(value(key, array.get(i), expander));
      }
      return "[" + String.join(", ", items) + "]";
    }
    if (value instanceof TomlTable inline) {
      List<String> items = new ArrayList<>();
      for (String k : inline.keySet()) {
        items.add(key(k) + " = " + value(k, inline.get(List.of(k)), expander));
      }
      return "{ " + String.join(", ", items) + " }";
    }
    return String.valueOf(value);
  }

  private static String key(String key) {
    return BARE_KEY.matcher(key).matches() ? key : quote(key);
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

}

package io.cgroupotel.agent;

import io.cgroupotel.config.ConfigDocument;
import io.cgroupotel.config.ConfigException;
import io.cgroupotel.config.ConfigSection;
import io.cgroupotel.exporter.ExporterFactory;
import io.cgroupotel.exporter.builtin.Exporters;
import io.cgroupotel.receiver.ReceiverFactory;
import io.cgroupotel.receiver.builtin.Receivers;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A whole configuration, validated: agent settings, the enabled receivers and exporters with
 * their config records. Built from a TOML file or from the embedded default.
 */
public record AgentConfig(
    String source,
    AgentSettings settings,
    List<Component<ReceiverFactory<?>>> receivers,
    List<Component<ExporterFactory<?>>> exporters,
    io.cgroupotel.agent.energy.EnergyConfig energy) {

  public AgentConfig(String source, AgentSettings settings,
      List<Component<ReceiverFactory<?>>> receivers,
      List<Component<ExporterFactory<?>>> exporters) {
    this(source, settings, receivers, exporters, io.cgroupotel.agent.energy.EnergyConfig.DISABLED);
  }

  /** A factory with the config record it read. */
  public record Component<F>(F factory, String name, Object config) {}

  static final String DEFAULT_RESOURCE = "default.toml";
  /** {@link #source()} of the embedded default. */
  public static final String EMBEDDED_SOURCE = "<embedded default>";

  /** Reads and validates a file; every problem is reported at once. */
  public static AgentConfig load(Path file, Map<String, String> env) throws ConfigException {
    return read(ConfigDocument.parse(file, env), env);
  }

  /**
   * The embedded default: the raw receiver on this host's cgroup v2 root, to the console, and to
   * OTLP as well when {@code OTEL_EXPORTER_OTLP_ENDPOINT} is set.
   */
  public static AgentConfig embeddedDefault(Map<String, String> env) throws ConfigException {
    return read(ConfigDocument.parse(EMBEDDED_SOURCE, embeddedDefaultText(env), env), env);
  }

  public static String embeddedDefaultText(Map<String, String> env) {
    String text;
    try (InputStream in = AgentConfig.class.getResourceAsStream(DEFAULT_RESOURCE)) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (Exporters.otlpEndpointConfigured(env)) {
      text += "\n[exporters.otlp]\n";
    }
    return text;
  }

  /** The configuration from a parsed document; a ConfigException names every problem at once. */
  public static AgentConfig read(ConfigDocument document, Map<String, String> env)
      throws ConfigException {
    ConfigSection root = document.root();
    AgentSettings settings = AgentSettings.parse(root, env);
    io.cgroupotel.agent.energy.EnergyConfig energy =
        io.cgroupotel.agent.energy.EnergyConfig.parse(root.section("energy"));

    List<Component<ReceiverFactory<?>>> receivers = new ArrayList<>();
    ConfigSection receiversSection = root.section("receivers");
    for (ReceiverFactory<?> factory : Receivers.factories()) {
      ConfigSection section = receiversSection.section(factory.type());
      if (section.present() && section.bool("enabled", true)) {
        receivers.add(new Component<>(factory, factory.type(), factory.parseConfig(section)));
      } else if (section.present()) {
        factory.parseConfig(section); // still validated, so typos show up before it is enabled
      }
    }
    List<Component<ExporterFactory<?>>> exporters = new ArrayList<>();
    ConfigSection exportersSection = root.section("exporters");
    for (ExporterFactory<?> factory : Exporters.factories(env)) {
      ConfigSection section = exportersSection.section(factory.type());
      if (section.present() && section.bool("enabled", true)) {
        exporters.add(new Component<>(factory, factory.type(), factory.parseConfig(section)));
      } else if (section.present()) {
        factory.parseConfig(section);
      }
    }
    if (!document.hasErrors()) {
      if (receivers.isEmpty()) {
        root.error("no receiver is enabled",
            "add a section such as [receivers.cgroup] (kinds: " + String.join(", ",
                Receivers.factories().stream().map(ReceiverFactory::type).toList()) + ")");
      }
      if (exporters.isEmpty()) {
        root.error("no exporter is enabled: the receivers' metrics would go nowhere",
            "add a section such as [exporters.otlp] or [exporters.console] (kinds: "
                + String.join(", ", Exporters.factories(env).stream().map(ExporterFactory::type)
                    .toList()) + ")");
      }
      if (settings.traces() && exporters.stream().noneMatch(e -> e.name().equals("otlp"))) {
        root.section("agent").error("traces",
            "the agent's traces go through the OTLP exporter, and none is enabled",
            "add [exporters.otlp], or set traces = false");
      }
      if (exporters.size() > 31) {
        root.error("too many exporters", "at most 31");
      }
    }
    document.finish();
    return new AgentConfig(document.source(), settings, receivers, exporters, energy);
  }
}

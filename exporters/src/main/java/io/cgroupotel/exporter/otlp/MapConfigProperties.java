package io.cgroupotel.exporter.otlp;

import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code otel.*} properties from a map, read as the SDK's autoconfiguration reads them (lists and
 * maps comma-separated, durations in ms unless a unit is given), for the SDK's exporter providers.
 * The SDK's own implementation is an internal class.
 */
final class MapConfigProperties implements ConfigProperties {
  private final Map<String, String> properties;

  MapConfigProperties(Map<String, String> properties) {
    Map<String, String> normalized = new LinkedHashMap<>();
    properties.forEach((k, v) -> normalized.put(k.toLowerCase(Locale.ROOT).replace('-', '.'), v));
    this.properties = Map.copyOf(normalized);
  }

  @Override
  public String getString(String name) {
    String v = properties.get(name.toLowerCase(Locale.ROOT).replace('-', '.'));
    return v == null ? null : v.trim();
  }

  @Override
  public Boolean getBoolean(String name) {
    String v = getString(name);
    return v == null || v.isEmpty() ? null : Boolean.parseBoolean(v);
  }

  @Override
  public Integer getInt(String name) {
    Long v = getLong(name);
    if (v != null && (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE)) {
      throw new ConfigurationException("Invalid value for property " + name + "=" + v);
    }
    return v == null ? null : v.intValue();
  }

  @Override
  public Long getLong(String name) {
    String v = getString(name);
    if (v == null || v.isEmpty()) {
      return null;
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new ConfigurationException("Invalid value for property " + name + "=" + v
          + ". Must be a long.", e);
    }
  }

  @Override
  public Double getDouble(String name) {
    String v = getString(name);
    if (v == null || v.isEmpty()) {
      return null;
    }
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new ConfigurationException("Invalid value for property " + name + "=" + v
          + ". Must be a double.", e);
    }
  }

  @Override
  public Duration getDuration(String name) {
    String v = getString(name);
    if (v == null || v.isEmpty()) {
      return null;
    }
    int i = 0;
    while (i < v.length() && Character.isDigit(v.charAt(i))) {
      i++;
    }
    String unit = v.substring(i).trim().toLowerCase(Locale.ROOT);
    long n;
    try {
      n = Long.parseLong(v.substring(0, i));
    } catch (NumberFormatException e) {
      throw new ConfigurationException("Invalid duration property " + name + "=" + v, e);
    }
    return switch (unit) {
      case "", "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      case "d" -> Duration.ofDays(n);
      case "us" -> Duration.ofNanos(n * 1000);
      case "ns" -> Duration.ofNanos(n);
      default -> throw new ConfigurationException("Invalid duration property " + name + "=" + v
          + ". Unrecognized time unit " + unit);
    };
  }

  @Override
  public List<String> getList(String name) {
    String v = getString(name);
    if (v == null || v.isEmpty()) {
      return List.of();
    }
    return Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  @Override
  public Map<String, String> getMap(String name) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String pair : getList(name)) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new ConfigurationException("Invalid map property: " + name + "=" + getString(name));
      }
      m.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
    }
    return m;
  }
}

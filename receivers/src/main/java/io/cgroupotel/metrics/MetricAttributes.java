package io.cgroupotel.metrics;

import io.opentelemetry.api.common.AttributeKey;

/**
 * The attribute keys of metric points, typed, in one place; names as the OTel semantic
 * conventions spell them ({@code cpu.mode}, {@code disk.io.direction}, {@code system.device}).
 */
public final class MetricAttributes {
  private MetricAttributes() {}

  /** user or system. */
  public static final AttributeKey<String> CPU_MODE = AttributeKey.stringKey("cpu.mode");
  /** read or write. */
  public static final AttributeKey<String> DISK_IO_DIRECTION =
      AttributeKey.stringKey("disk.io.direction");
  /** The block device, {@code MAJ:MIN}. */
  public static final AttributeKey<String> SYSTEM_DEVICE = AttributeKey.stringKey("system.device");
  /** some or full (PSI). */
  public static final AttributeKey<String> PRESSURE_STALL = AttributeKey.stringKey("pressure.stall");
  /** The energy domain: a RAPL zone's name (package-0, core, uncore, dram, psys) or node. */
  public static final AttributeKey<String> ENERGY_DOMAIN = AttributeKey.stringKey("energy.domain");
  /** rapl (measured) or model (estimated). */
  public static final AttributeKey<String> ENERGY_SOURCE = AttributeKey.stringKey("energy.source");
  /** receive or transmit. */
  public static final AttributeKey<String> NETWORK_IO_DIRECTION =
      AttributeKey.stringKey("network.io.direction");
  /** The interface in the entity's network namespace, e.g. {@code eth0}. */
  public static final AttributeKey<String> NETWORK_INTERFACE_NAME =
      AttributeKey.stringKey("network.interface.name");
  /** The receiver an agent metric is about. */
  public static final AttributeKey<String> RECEIVER = AttributeKey.stringKey("receiver");
}

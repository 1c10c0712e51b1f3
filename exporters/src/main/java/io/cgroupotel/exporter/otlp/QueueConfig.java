package io.cgroupotel.exporter.otlp;

import java.nio.file.Path;

/**
 * {@code [exporters.otlp.queue]}: the send queue in front of the OTLP exporter.
 *
 * @param enabled false: no queue, the SDK's exporter as it is (it gives up after its own retries)
 * @param path where the queue lives on disk; null: in memory, lost at exit
 * @param maxBytes the bound; when reached, the oldest requests are dropped
 */
public record QueueConfig(boolean enabled, Path path, long maxBytes) {
  /**
   * In memory: 64 MiB, or an eighth of the JVM's maximum heap when that is less (the queue lives
   * in the heap and in the resident memory: 16 MiB under the launcher's -Xmx128m; a full 32 MiB
   * queue took the agent to 132 MiB RSS at 2,000 cgroups).
   */
  public static final long DEFAULT_MEMORY_BYTES = Math.max(4L << 20,
      Math.min(64L << 20, Runtime.getRuntime().maxMemory() / 8));
  public static final long DEFAULT_DISK_BYTES = 256L << 20;
  public static final QueueConfig DEFAULT = new QueueConfig(true, null, DEFAULT_MEMORY_BYTES);

  public QueueConfig {
    if (maxBytes < 1 << 16) {
      throw new IllegalArgumentException("maxBytes must be at least 64 KiB, got " + maxBytes);
    }
  }
}

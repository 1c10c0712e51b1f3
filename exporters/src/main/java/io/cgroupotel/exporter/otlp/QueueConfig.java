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
   * In memory: 64 MiB, or a sixteenth of the JVM's maximum heap when that is less: 8 MiB under
   * the launcher's -Xmx128m. The queue lives in the heap, and the heap a serial collector keeps
   * committed grows about 1.6 MiB per MiB queued: with 1,000 pods churning, a full 16 MiB queue
   * took the agent to 139 MiB RSS, past the launcher's 128 MiB; 8 MiB still holds a 10-minute
   * outage there (6.1 MiB).
   */
  public static final long DEFAULT_MEMORY_BYTES = Math.max(4L << 20,
      Math.min(64L << 20, Runtime.getRuntime().maxMemory() / 16));
  public static final long DEFAULT_DISK_BYTES = 256L << 20;
  public static final QueueConfig DEFAULT = new QueueConfig(true, null, DEFAULT_MEMORY_BYTES);

  public QueueConfig {
    if (maxBytes < 1 << 16) {
      throw new IllegalArgumentException("maxBytes must be at least 64 KiB, got " + maxBytes);
    }
  }
}

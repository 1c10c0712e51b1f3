package io.cgroupotel.exporter.otlp;

import java.io.IOException;

/**
 * Where queued requests wait, oldest first: in memory, or in segment files. Called under the
 * queue's lock only.
 */
interface QueueStore extends AutoCloseable {
  /** Adds {@code record} at the tail; for a file store, written and forced to disk first. */
  void append(QueueRecord record) throws IOException;

  /**
   * The oldest record, or null when empty. A file store skips records it cannot read back (a
   * file cut short, bytes garbled) and reports them to {@code corrupt}.
   */
  QueueRecord peek(CorruptSink corrupt);

  /** Removes the oldest record (the one {@link #peek} gave). */
  void removeHead();

  int count();

  /** Bytes held (for a file store: on disk, record framing included). */
  long bytes();

  /** When the oldest record was queued, or -1 when empty. */
  long oldestMillis();

  @Override
  void close();

  /** Told of each record that could not be read back: its item count, 0 when unknown. */
  interface CorruptSink {
    void corrupt(long items, String why);
  }
}

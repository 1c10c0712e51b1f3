package io.cgroupotel.exporter.otlp;

import java.util.ArrayDeque;

/** The default store: records in memory, lost when the process ends. */
final class MemoryQueueStore implements QueueStore {
  private final ArrayDeque<QueueRecord> records = new ArrayDeque<>();
  private long bytes;

  @Override
  public void append(QueueRecord record) {
    records.addLast(record);
    bytes += record.bytes();
  }

  @Override
  public QueueRecord peek(CorruptSink corrupt) {
    return records.peekFirst();
  }

  @Override
  public void removeHead() {
    QueueRecord r = records.pollFirst();
    if (r != null) {
      bytes -= r.bytes();
    }
  }

  @Override
  public int count() {
    return records.size();
  }

  @Override
  public long bytes() {
    return bytes;
  }

  @Override
  public long oldestMillis() {
    QueueRecord r = records.peekFirst();
    return r == null ? -1 : r.enqueuedMillis();
  }

  @Override
  public void close() {
    records.clear();
    bytes = 0;
  }
}

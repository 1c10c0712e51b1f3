package io.cgroupotel.exporter.otlp;

/**
 * One queued export request: its signal, the serialized request (gzip-compressed, so that the
 * queue's bound holds about ten times more), how many points or log records it carries (for the
 * dropped count) and when it was queued (for the queue's age).
 */
record QueueRecord(Signal signal, byte[] gzipped, int items, long enqueuedMillis) {
  long bytes() {
    return gzipped.length;
  }
}

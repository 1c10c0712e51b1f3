package io.cgroupotel.sampler;

import io.cgroupotel.metrics.Field;
import java.util.Arrays;

/**
 * The values of one cgroup while its files are being read: one reused array of fields, plus the
 * per-device I/O counters when {@code io.stat} is read. Not thread-safe: one per reading thread.
 */
public final class SampleBuffer {
  final long[] values = new long[Field.count()];
  IoStats io;

  public SampleBuffer() {
    clear();
  }

  public void clear() {
    Arrays.fill(values, Sample.ABSENT);
    io = null;
  }

  public void set(Field field, long value) {
    values[field.ordinal()] = value;
  }

  public long get(Field field) {
    return values[field.ordinal()];
  }

  public void io(IoStats stats) {
    this.io = stats;
  }

  public IoStats io() {
    return io;
  }

  /** Values derived from others once every file is read (the kubelet's working set). */
  void derive() {
    long current = get(Field.MEMORY_CURRENT);
    long inactive = get(Field.MEMORY_INACTIVE_FILE);
    if (current != Sample.ABSENT && inactive != Sample.ABSENT) {
      // u64s: not below 0
      set(Field.MEMORY_WORKING_SET,
          Long.compareUnsigned(current, inactive) > 0 ? current - inactive : 0);
    } else if (current != Sample.ABSENT && get(Field.MEMORY_WORKING_SET) == Sample.ABSENT) {
      set(Field.MEMORY_WORKING_SET, current);
    }
  }
}

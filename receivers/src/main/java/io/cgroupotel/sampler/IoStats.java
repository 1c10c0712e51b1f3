package io.cgroupotel.sampler;

/**
 * The per-device counters of one {@code io.stat} read: for device {@code i}, {@code major(i)} and
 * {@code minor(i)}, bytes and operations read and written as the kernel's u64 bits (see {@link
 * io.cgroupotel.sampler.Sample#toDouble}; {@code -1} where the line had no such key). Each
 * device once, and only devices the kernel gave counters for (see {@link Parsers#ioStat}).
 * Immutable once built.
 */
public final class IoStats {
  private final int count;
  private final long[] devices; // major << 32 | minor
  private final long[] counters; // 4 per device: rbytes, wbytes, rios, wios

  IoStats(int count, long[] devices, long[] counters) {
    this.count = count;
    this.devices = devices;
    this.counters = counters;
  }

  public int size() {
    return count;
  }

  public int major(int i) {
    return (int) (devices[i] >>> 32);
  }

  public int minor(int i) {
    return (int) devices[i];
  }

  /** {@code MAJ:MIN}, as {@code system.device}. */
  public String device(int i) {
    return major(i) + ":" + minor(i);
  }

  public long readBytes(int i) {
    return counters[i * 4];
  }

  public long writtenBytes(int i) {
    return counters[i * 4 + 1];
  }

  public long readOperations(int i) {
    return counters[i * 4 + 2];
  }

  public long writeOperations(int i) {
    return counters[i * 4 + 3];
  }
}

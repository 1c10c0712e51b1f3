package io.cgroupotel.agent.energy;

import io.cgroupotel.cgroupfs.KeptOpenFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The node's CPU times from the first line of {@code /proc/stat}, kept open and re-read with one
 * positional read. Values are in USER_HZ ticks (1/100 s on Linux, whatever the kernel's HZ).
 *
 * <p>Not thread-safe: one reader.
 */
public final class ProcStat implements AutoCloseable {
  /** {@code /proc/stat} counts in USER_HZ, which the kernel fixes at 100 for user space. */
  public static final double TICKS_PER_SECOND = 100.0;

  /**
   * One reading: busy = user + nice + system + irq + softirq + steal; total = busy + idle +
   * iowait (guest time is already inside user).
   */
  public record Times(long busyTicks, long totalTicks) {
    public double busySeconds() {
      return busyTicks / TICKS_PER_SECOND;
    }
  }

  private final Path path;
  private final KeptOpenFile file;
  private final ByteBuffer buffer = ByteBuffer.allocateDirect(512);
  private final byte[] bytes = new byte[512];

  public ProcStat(Path path) {
    this.path = path;
    this.file = new KeptOpenFile(path);
  }

  public static ProcStat system() {
    return new ProcStat(Path.of("/proc/stat"));
  }

  /** Reads the {@code cpu} line; throws when the file cannot be read or parsed. */
  public Times read() throws IOException {
    int n = file.read(buffer);
    if (n == 0) {
      throw new IOException(path + " is empty");
    }
    buffer.get(0, bytes, 0, n);
    return parse(bytes, n, path);
  }

  static Times parse(byte[] b, int length, Path path) throws IOException {
    if (length < 4 || b[0] != 'c' || b[1] != 'p' || b[2] != 'u' || b[3] != ' ') {
      throw new IOException(path + " does not start with a \"cpu \" line");
    }
    long[] v = new long[10];
    int field = 0;
    int i = 4;
    while (i < length && b[i] != '\n' && field < v.length) {
      while (i < length && b[i] == ' ') {
        i++;
      }
      if (i >= length || b[i] == '\n') {
        break;
      }
      long x = 0;
      int start = i;
      while (i < length && b[i] >= '0' && b[i] <= '9') {
        x = x * 10 + (b[i] - '0');
        i++;
      }
      if (i == start) {
        throw new IOException(path + ": unexpected character in the cpu line");
      }
      v[field++] = x;
    }
    if (field < 4) {
      throw new IOException(path + ": the cpu line has " + field + " fields, expected 4 or more");
    }
    long busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
    long total = busy + v[3] + v[4];
    return new Times(busy, total);
  }

  @Override
  public void close() {
    file.close();
  }
}

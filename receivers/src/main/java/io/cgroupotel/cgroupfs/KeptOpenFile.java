package io.cgroupotel.cgroupfs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A small kernel file kept open and read whole with one positional read at offset 0 each time:
 * procfs, sysfs and kernfs make such a file anew for a read at offset 0, so the open and its path
 * walk are paid once, not at every poll. For the files read beside the sampler's ({@code
 * /proc/stat}, powercap's {@code energy_uj}, a scope's {@code cpu.stat}); the sampler keeps its
 * cgroups' files open the same way, with a native pread where it can.
 *
 * <p>A read that fails closes the file, and the next read opens it again: a file that was not
 * there yet, or a channel closed by an interrupt of the reading thread, comes back by itself.
 *
 * <p>Not thread-safe: one reader.
 */
public final class KeptOpenFile implements AutoCloseable {
  private final Path path;
  private FileChannel channel;

  public KeptOpenFile(Path path) {
    this.path = java.util.Objects.requireNonNull(path, "path");
  }

  public Path path() {
    return path;
  }

  /** Whether the file is open now: the next read makes no open. */
  public boolean isOpen() {
    return channel != null;
  }

  /** Opens the file now, unless it is open: says at once whether it can be opened. */
  public void open() throws IOException {
    if (channel == null) {
      channel = FileChannel.open(path, StandardOpenOption.READ);
    }
  }

  /**
   * Reads the file from offset 0 into {@code buffer}, cleared first, as much as it holds: the
   * bytes are at {@code 0..n} of the buffer (its position is n). Opens the file first if needed.
   *
   * @return n, the bytes read (0 for an empty file)
   * @throws IOException when it cannot be opened or read; the file is closed then
   */
  public int read(ByteBuffer buffer) throws IOException {
    buffer.clear();
    try {
      open();
      return Math.max(0, channel.read(buffer, 0));
    } catch (IOException e) {
      close();
      throw e;
    }
  }

  @Override
  public void close() {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException e) {
        // closing a file opened for reading loses nothing
      }
      channel = null;
    }
  }
}

package io.cgroupotel.cgroupfs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * A small kernel file kept open and read whole with one positional read at offset 0 each time:
 * procfs, sysfs and kernfs make such a file anew for a read at offset 0, so the open and its path
 * walk are paid once, not at every poll. For the files read beside the sampler's ({@code
 * /proc/stat}, powercap's {@code energy_uj}, a scope's {@code cpu.stat}).
 *
 * <p>Read as the sampler reads its cgroup files: a bare descriptor and one pread through {@link
 * NativeFiles} when the native reader is loaded, else (or for a name the JVM's charset cannot
 * carry) a {@link FileChannel}, whose positional read is the same pread with more bookkeeping.
 * Give it a direct buffer: the kernel fills it in place (a heap buffer is filled through a
 * direct one of the file's own, one copy more). The sampler keeps its own per-cgroup record
 * ({@code sampler.OpenFile}) on the same two paths, lean for 10,000s of cgroups.
 *
 * <p>A read that fails closes the file, and the next read opens it again: a file that was not
 * there yet, or a channel closed by an interrupt of the reading thread, comes back by itself.
 *
 * <p>Not thread-safe: one reader.
 */
public final class KeptOpenFile implements AutoCloseable {
  private final Path path;
  /** The native descriptor, or -1. */
  private int fd = -1;
  private FileChannel channel;
  /** The direct buffer last read into natively, and its address. */
  private ByteBuffer addressed;
  private long address;
  /** For a heap buffer read natively: filled by the kernel, then copied. */
  private ByteBuffer bounce;

  public KeptOpenFile(Path path) {
    this.path = Objects.requireNonNull(path, "path");
  }

  public Path path() {
    return path;
  }

  /** Whether the file is open now: the next read makes no open. */
  public boolean isOpen() {
    return fd >= 0 || channel != null;
  }

  /** Whether it is open as a bare descriptor read by the native reader (tests). */
  boolean isNative() {
    return fd >= 0;
  }

  /** Opens the file now, unless it is open: says at once whether it can be opened. */
  public void open() throws IOException {
    if (isOpen()) {
      return;
    }
    byte[] name = NativeFiles.available() ? NativeFiles.nameBytes(path) : null;
    if (name != null) {
      fd = NativeFiles.open(name, path);
    } else {
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
      return fd >= 0 ? readNative(buffer) : Math.max(0, channel.read(buffer, 0));
    } catch (IOException e) {
      close();
      throw e;
    }
  }

  private int readNative(ByteBuffer buffer) throws IOException {
    ByteBuffer target = buffer;
    if (!buffer.isDirect()) {
      if (bounce == null || bounce.capacity() < buffer.capacity()) {
        bounce = ByteBuffer.allocateDirect(buffer.capacity());
      }
      target = bounce;
    }
    if (target != addressed) {
      address = NativeFiles.address(target);
      addressed = target;
    }
    int n = NativeFiles.pread(fd, address, buffer.capacity(), 0);
    if (n < 0) {
      throw NativeFiles.exception(-n, path);
    }
    if (target != buffer) {
      buffer.put(0, target, 0, n);
    }
    buffer.position(n);
    return n;
  }

  @Override
  public void close() {
    NativeFiles.close(fd, channel);
    fd = -1;
    channel = null;
  }
}

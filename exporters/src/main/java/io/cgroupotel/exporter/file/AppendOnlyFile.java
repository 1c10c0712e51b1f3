package io.cgroupotel.exporter.file;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * A file that only ever gets whole lines: {@link #appendLine} writes a line completely or, when
 * a write fails partway (a full disk), cuts the file back to where it was, so the next line
 * starts clean. It also follows its path: when the path no longer names the open file
 * (logrotate moved or deleted it), the next append opens the path again.
 *
 * <p>Not thread-safe: the exporter serialises calls.
 */
final class AppendOnlyFile implements Closeable {
  private final Path path;
  private FileChannel channel; // null after a failed (re)open
  private Object fileKey; // (device, inode) on Linux; null where the file system has none

  private AppendOnlyFile(Path path) {
    this.path = Objects.requireNonNull(path, "path");
  }

  /** Opens {@code path} for appending, creating it and its directory if need be. */
  static AppendOnlyFile open(Path path) throws IOException {
    AppendOnlyFile file = new AppendOnlyFile(path);
    file.openPath();
    return file;
  }

  Path path() {
    return path;
  }

  private void openPath() throws IOException {
    Path parent = path.toAbsolutePath().getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      Files.createDirectories(parent);
    }
    channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND);
    fileKey = key(path);
  }

  private static Object key(Path path) throws IOException {
    return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
  }

  /** Whether the path still names the file that is open (false when it is gone or another). */
  boolean pathNamesOpenFile() {
    try {
      Object now = key(path);
      return now == null || now.equals(fileKey);
    } catch (NoSuchFileException e) {
      return false;
    } catch (IOException e) {
      return true; // cannot tell (e.g. no permission to stat): keep what is open
    }
  }

  /** Closes what is open and opens the path again. */
  void reopen() throws IOException {
    closeChannel();
    openPath();
  }

  /** What writes one line, in as many parts as it likes. */
  interface Line {
    void writeTo(OtlpJsonEncoder.Parts out) throws IOException;
  }

  /**
   * Appends the line {@code line} writes, whole or not at all: on a failure partway, in a write
   * (a full disk) or in making the line, the file is truncated back to its length before the
   * call, and the failure is thrown.
   */
  void appendLine(Line line) throws IOException {
    if (channel == null || !pathNamesOpenFile()) {
      reopen();
    }
    long good = channel.size();
    try {
      line.writeTo(this::writeFully);
    } catch (IOException | RuntimeException e) {
      try {
        channel.truncate(good);
      } catch (IOException t) {
        e.addSuppressed(t);
      }
      throw e;
    }
  }

  private void writeFully(byte[] bytes, int length) throws IOException {
    ByteBuffer buffer = ByteBuffer.wrap(bytes, 0, length);
    while (buffer.hasRemaining()) {
      channel.write(buffer); // one write(2) per part, unless the disk takes only part of it
    }
  }

  private void closeChannel() throws IOException {
    FileChannel open = channel;
    channel = null;
    if (open != null) {
      open.close();
    }
  }

  @Override
  public void close() throws IOException {
    closeChannel();
  }
}

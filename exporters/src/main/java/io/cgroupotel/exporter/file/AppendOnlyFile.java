package io.cgroupotel.exporter.file;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
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
 * <p>Every open, the first and each reopen, refuses a path another user could steer ({@link
 * SafePath}) and opens with {@code O_NOFOLLOW}: the agent often runs as root, and a link put in
 * the file's place would have it append to any file. A regular file is also locked (an advisory
 * {@code fcntl} lock, {@link FileChannel#tryLock()}) for as long as it is open: a second writer (a
 * second agent given the same path) is refused instead of tearing lines; the lock follows the
 * reopen to the new file.
 *
 * <p>Not thread-safe: the exporter serialises calls.
 */
final class AppendOnlyFile implements Closeable {
  private final Path path;
  private FileChannel channel; // null after a failed (re)open
  private Object fileKey; // (device, inode) on Linux; null where the file system has none
  private FileLock lock; // held while a regular file is open; null for a device

  /** A path the exporter refuses to open; the message says why and what to do. */
  static final class Refused extends IOException {
    Refused(String message) {
      super(message);
    }
  }

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
    String unsafe = SafePath.problem(path);
    if (unsafe != null) {
      throw new Refused(unsafe);
    }
    Path parent = path.toAbsolutePath().getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      Files.createDirectories(parent);
    }
    FileChannel opened;
    try {
      opened = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.APPEND, LinkOption.NOFOLLOW_LINKS);
    } catch (FileSystemException e) {
      if (Files.isSymbolicLink(path)) { // ELOOP from O_NOFOLLOW: a link came in meanwhile
        throw new Refused(SafePath.problem(path) == null ? path + " is a symbolic link"
            : SafePath.problem(path));
      }
      throw e;
    }
    try {
      fileKey = key(path);
      lock = lockIfRegular(opened);
    } catch (IOException | RuntimeException e) {
      opened.close();
      throw e;
    }
    channel = opened;
  }

  /**
   * Takes the advisory lock of {@code opened} if it is a regular file (a device such as {@code
   * /dev/null} is shared by design); refuses when another writer holds it.
   */
  private FileLock lockIfRegular(FileChannel opened) throws IOException {
    if (!Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
      return null;
    }
    FileLock taken;
    try {
      taken = opened.tryLock();
    } catch (OverlappingFileLockException e) {
      taken = null; // another exporter of this process holds it
    }
    if (taken == null) {
      throw new Refused("another writer holds the lock on " + path + " (a second agent, or a "
          + "second file exporter, with the same path?): two writers would tear each other's "
          + "lines; give each its own file");
    }
    return taken;
  }

  /**
   * Whether another writer holds the lock of an existing regular file at {@code path}: the file is
   * opened for writing without creating or changing it, and let go at once. Null when free (or
   * when there is no file yet). Only for a process that does not write the file itself: closing
   * any descriptor of a file drops the process's fcntl locks on it.
   */
  static String lockProblem(Path path) {
    if (!Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
      return null;
    }
    try (FileChannel probe = FileChannel.open(path, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND, LinkOption.NOFOLLOW_LINKS)) {
      FileLock taken = probe.tryLock();
      if (taken == null) {
        return "another writer holds the lock on " + path + " (another agent with the same "
            + "path?): the exporter would be refused; give each agent its own file";
      }
      taken.release();
      return null;
    } catch (IOException | OverlappingFileLockException e) {
      return null; // cannot tell here: writability is checked on its own
    }
  }

  private static Object key(Path path) throws IOException {
    return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
        .fileKey();
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
    lock = null; // released by the close
    if (open != null) {
      open.close();
    }
  }

  @Override
  public void close() throws IOException {
    closeChannel();
  }
}

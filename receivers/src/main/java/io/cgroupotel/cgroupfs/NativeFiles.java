package io.cgroupotel.cgroupfs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kept-open kernel files read as the C reader reads them: a descriptor and one pread, through the
 * small JNI library built from {@code src/main/native/cgroupread.c} (see there for why): the
 * sampler's cgroup files and {@link KeptOpenFile}'s ({@code /proc/stat}, powercap). When the
 * library is not in the jar (built without a C compiler), cannot be loaded (another OS or
 * architecture, a {@code noexec} temporary directory) or is turned off with {@code
 * -Dcgroup.otel.native=false}, {@link #available()} is false and files are read through
 * {@link java.nio.channels.FileChannel}: the same values. Public for the sampler's reader.
 *
 * <p>Failures are thrown as the exceptions {@code FileChannel.open} and {@code read} throw, so the
 * reader's one policy (gone, absent, out of descriptors, error) applies to both.
 */
public final class NativeFiles {
  private static final Logger log = LoggerFactory.getLogger(NativeFiles.class);
  static final String LIBRARY = "libcgroupotelread.so";
  private static final String DISABLE = "cgroup.otel.native";

  private static final int ENOENT = 2;
  private static final int EACCES = 13;
  private static final int ENFILE = 23;
  private static final int EMFILE = 24;
  private static final int ENODEV = 19;
  private static final int EPERM = 1;

  /** The charset the JVM names files with; a name is opened natively only if it round-trips. */
  private static final Charset NAMES = namesCharset();

  private static final String UNAVAILABLE = load();

  private NativeFiles() {}

  private static Charset namesCharset() {
    try {
      return Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
    } catch (IllegalArgumentException e) {
      return StandardCharsets.UTF_8; // nameBytes checks the round trip whatever the charset
    }
  }

  /** Whether reads go through the native library. */
  public static boolean available() {
    return UNAVAILABLE == null;
  }

  /** Why not, when {@link #available()} is false. */
  public static String unavailableReason() {
    return UNAVAILABLE;
  }

  private static String load() {
    if ("false".equals(System.getProperty(DISABLE))) {
      return "turned off (-D" + DISABLE + "=false)";
    }
    String os = System.getProperty("os.name", "");
    if (!os.toLowerCase(Locale.ROOT).contains("linux")) {
      return "not Linux";
    }
    String resource = "native/linux-" + System.getProperty("os.arch") + "/" + LIBRARY;
    try (InputStream in = NativeFiles.class.getResourceAsStream(resource)) {
      if (in == null) {
        return "not in this build (" + resource + "; built without a C compiler?)";
      }
      // a directory of our own (mode 700): no other user can swap the file before it is loaded
      Path dir = Files.createTempDirectory("cgroup-otel-agent-");
      Path lib = dir.resolve(LIBRARY);
      try {
        Files.copy(in, lib, StandardCopyOption.REPLACE_EXISTING);
        System.load(lib.toString());
      } finally {
        Files.deleteIfExists(lib); // a loaded library stays mapped once its file is gone
        Files.deleteIfExists(dir);
      }
      return null;
    } catch (IOException | LinkageError | SecurityException e) {
      return "cannot load " + resource + ": " + e;
    }
  }

  /** Logs once how cgroup files are read. */
  public static void logMode() {
    if (available()) {
      log.info("cgroup files are read with one pread each through the native reader");
    } else {
      log.info("cgroup files are read through FileChannel: native reader {}", UNAVAILABLE);
    }
  }

  /**
   * The name's bytes as the kernel gets them, or null when the JVM's String of it does not give
   * the same bytes back (a name the JVM's charset cannot decode: FileChannel opens those).
   */
  public static byte[] nameBytes(Path path) {
    if (path.getFileSystem() != FileSystems.getDefault()) {
      return null;
    }
    String name = path.toString();
    try {
      if (!path.getFileSystem().getPath(name).equals(path)) {
        return null;
      }
    } catch (InvalidPathException e) {
      return null; // U+FFFD in a name, and a charset (ASCII: no locale) that cannot encode it
    }
    return name.getBytes(NAMES);
  }

  /** Opens {@code name} (from {@link #nameBytes}) read-only; returns the descriptor. */
  public static int open(byte[] name, Path path) throws IOException {
    int fd = open0(name);
    if (fd < 0) {
      throw exception(-fd, path);
    }
    return fd;
  }

  /**
   * One pread at {@code offset} into {@code length} bytes at {@code address}: the bytes read, or
   * -errno (see {@link #exception}; the caller makes the path only then).
   */
  public static int pread(int fd, long address, int length, long offset) {
    return pread0(fd, address, length, offset);
  }

  public static void close(int fd) {
    close0(fd); // a kernfs file loses nothing on close; an error would only say the fd is gone
  }

  /**
   * Closes a kept-open file's handle, whichever it holds: a native descriptor ({@code fd >= 0})
   * or a channel (non-null). Closing a file opened for reading loses nothing, so an error is
   * not reported.
   */
  public static void close(int fd, FileChannel channel) {
    if (fd >= 0) {
      close(fd);
    }
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException e) {
        // nothing was written: nothing to lose
      }
    }
  }

  /** The address of a direct buffer, for {@link #pread}; the buffer must be kept reachable. */
  public static long address(ByteBuffer direct) {
    if (!direct.isDirect()) {
      throw new IllegalArgumentException("not a direct buffer");
    }
    return address0(direct);
  }

  /** The exception FileChannel would have thrown for {@code errno}. */
  public static IOException exception(int errno, Path path) {
    String file = String.valueOf(path);
    return switch (errno) {
      case ENOENT -> new NoSuchFileException(file);
      case EACCES, EPERM -> new AccessDeniedException(file);
      case ENODEV -> new FileSystemException(file, null, "No such device");
      case EMFILE, ENFILE -> new FileSystemException(file, null, "Too many open files");
      default -> new FileSystemException(file, null, "errno " + errno);
    };
  }

  private static native int open0(byte[] name);

  private static native int pread0(int fd, long address, int length, long offset);

  private static native int close0(int fd);

  private static native long address0(ByteBuffer buffer);
}

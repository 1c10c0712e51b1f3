package io.cgroupotel.sampler;

import io.cgroupotel.cgroupfs.NativeFiles;
import io.cgroupotel.cgroupfs.ReadStatus;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads files of tracked cgroups into a reused buffer: one direct buffer for the kernel to fill
 * (a heap buffer would be copied through a temporary one), one byte array to parse. Not
 * thread-safe: one per reading thread.
 */
final class CgroupReader {
  private static final Logger log = LoggerFactory.getLogger(CgroupReader.class);
  /** cpu.stat is about 300 bytes, memory.stat 1.5 KB; io.stat grows with devices. */
  private static final int INITIAL = 16 * 1024;
  private static final int MAX_FILE = 1024 * 1024;
  /** Logged once per process: running out of descriptors is a node setting, not an event. */
  private static final AtomicBoolean descriptorsWarned = new AtomicBoolean();

  /** Files opened from now on are read by {@link NativeFiles}; else through FileChannel. */
  private final boolean nativeReads;
  private ByteBuffer direct = ByteBuffer.allocateDirect(INITIAL);
  /** Where {@link #direct} is, for the native reader (0 without it). */
  private long directAddress;
  private byte[] bytes = new byte[INITIAL];
  private int length;
  private String error = "";

  CgroupReader() {
    this(NativeFiles.available());
  }

  /** @param nativeReads whether to read through the native reader (tests pick either) */
  CgroupReader(boolean nativeReads) {
    if (nativeReads && !NativeFiles.available()) {
      throw new IllegalStateException("native reader: " + NativeFiles.unavailableReason());
    }
    this.nativeReads = nativeReads;
    // whenever the library is there: a file another reader opened natively may come here
    this.directAddress = NativeFiles.available() ? NativeFiles.address(direct) : 0;
  }

  /** The bytes of the last OK read, {@code [0, length())}. */
  byte[] bytes() {
    return bytes;
  }

  int length() {
    return length;
  }

  /** Why the last read was ERROR. */
  String error() {
    return error;
  }

  /** Reads {@code file}; the caller holds the owning entity's lock. */
  ReadStatus read(OpenFile file) {
    length = 0;
    error = "";
    if (file.state == OpenFile.ABSENT) {
      return ReadStatus.ABSENT;
    }
    if (file.state == OpenFile.OPEN && !file.isOpen()) {
      // closed by retire() on the discovery thread while a poll still held the
      // entity: its cgroup went away (was an NPE in K8sRealCgroupTest, 1 run in 2 here)
      return ReadStatus.GONE;
    }
    if (file.state == OpenFile.NEW) {
      ReadStatus opened = open(file);
      if (opened != ReadStatus.OK) {
        return opened;
      }
    }
    if (file.state == OpenFile.PER_READ) {
      try (FileChannel ch = FileChannel.open(file.path(), StandardOpenOption.READ)) {
        return readAll(ch, file);
      } catch (IOException e) {
        return failure(file, e);
      }
    }
    try {
      return file.fd >= 0 ? readAll(file.fd, file) : readAll(file.channel, file);
    } catch (IOException e) {
      return failure(file, e);
    }
  }

  private ReadStatus open(OpenFile file) {
    if (!Descriptors.tryAcquire()) {
      file.state = OpenFile.PER_READ; // the budget of kept-open files is spent
      return ReadStatus.OK;
    }
    file.holdsDescriptor = true;
    try {
      Path path = file.path();
      byte[] name = nativeReads ? NativeFiles.nameBytes(path) : null;
      if (name != null) {
        file.fd = NativeFiles.open(name, path);
      } else {
        file.channel = FileChannel.open(path, StandardOpenOption.READ);
      }
      file.state = OpenFile.OPEN;
      return ReadStatus.OK;
    } catch (NoSuchFileException e) {
      file.close(); // gives the descriptor back
      if (Files.isDirectory(file.dir, LinkOption.NOFOLLOW_LINKS)) {
        if (!file.required) {
          file.state = OpenFile.ABSENT; // this cgroup has no such controller: never ask again
        } // the required file is asked again: a tree being built may not have written it yet
        return ReadStatus.ABSENT;
      }
      return ReadStatus.GONE;
    } catch (IOException e) {
      file.close(); // gives the descriptor back
      if (String.valueOf(e.getMessage()).contains("Too many open files")) {
        file.state = OpenFile.PER_READ;
        if (descriptorsWarned.compareAndSet(false, true)) {
          log.warn("out of file descriptors (ulimit -n): files of further cgroups are opened, read "
              + "and closed at each poll, which costs more CPU; raise the open-file limit "
              + "(LimitNOFILE= in the systemd unit) to keep them all open");
        }
        return ReadStatus.OK;
      }
      return failure(file, e);
    }
  }

  /** As below, through the native reader: the same reads, without the channel's bookkeeping. */
  private ReadStatus readAll(int fd, OpenFile file) throws IOException {
    int total = 0;
    while (true) {
      int n = NativeFiles.pread(fd, directAddress + total, direct.capacity() - total, total);
      if (n < 0) {
        throw NativeFiles.exception(-n, file.path());
      }
      if (n == 0) {
        break;
      }
      total += n;
      if (total < direct.capacity()) {
        break; // kernfs gives the whole file to one read that has room for it
      }
      if (direct.capacity() >= MAX_FILE) {
        error = "file larger than " + MAX_FILE + " bytes";
        return ReadStatus.ERROR;
      }
      grow(total);
    }
    length = total;
    direct.get(0, bytes, 0, length);
    return ReadStatus.OK;
  }

  /** A direct buffer four times larger, its first {@code kept} bytes carried over. */
  private void grow(int kept) {
    ByteBuffer bigger = ByteBuffer.allocateDirect(direct.capacity() * 4);
    bigger.put(0, direct, 0, kept);
    direct = bigger;
    directAddress = NativeFiles.available() ? NativeFiles.address(direct) : 0;
    if (bytes.length < direct.capacity()) {
      bytes = new byte[direct.capacity()];
    }
  }

  /**
   * One pread at offset 0 gets a kernfs file whole (seq_file fills the buffer it is given); only a
   * file larger than the buffer takes more reads, and the buffer grows for the next time.
   */
  private ReadStatus readAll(FileChannel ch, OpenFile file) throws IOException {
    direct.clear();
    while (true) {
      int n = ch.read(direct, direct.position());
      if (n <= 0 || direct.hasRemaining()) {
        break;
      }
      if (direct.capacity() >= MAX_FILE) {
        error = "file larger than " + MAX_FILE + " bytes";
        return ReadStatus.ERROR;
      }
      int kept = direct.position();
      grow(kept);
      direct.position(kept);
    }
    length = direct.position();
    direct.get(0, bytes, 0, length);
    return ReadStatus.OK;
  }

  private ReadStatus failure(OpenFile file, IOException e) {
    file.close();
    if (file.state == OpenFile.OPEN) {
      file.state = OpenFile.NEW; // reopen next time, unless the cgroup is gone
    }
    if (e instanceof NoSuchFileException) {
      return ReadStatus.GONE;
    }
    if (e instanceof ClosedChannelException) {
      // a channel read is interruptible: an interrupt of a reading thread (the agent stopping)
      // closes the channel; it is opened again at the next read
      error = Thread.currentThread().isInterrupted() ? "interrupted while reading (reopened at "
          + "the next read)" : "closed by an interrupted read (reopened at the next read)";
      return ReadStatus.ERROR;
    }
    String message = String.valueOf(e.getMessage());
    if (message.contains("No such device") || message.contains("No such file")) {
      return ReadStatus.GONE; // kernfs answers ENODEV once the cgroup was removed
    }
    if (e instanceof AccessDeniedException) {
      error = "permission denied";
    } else {
      error = message;
    }
    return ReadStatus.ERROR;
  }
}

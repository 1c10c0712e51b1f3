package io.cgroupotel.cgroupfs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads the files of cgroups with one reused buffer: a poll loop makes one instance and calls it
 * for every cgroup, allocating little more than the file channel per file.
 *
 * <p>Not thread-safe: one instance per polling thread.
 */
public final class CgroupFiles {
  private static final int MAX_FILE = 64 * 1024; // cpu.stat is ~300 bytes; bound garbage

  private final byte[] bytes = new byte[4096];
  private ByteBuffer buffer = ByteBuffer.wrap(bytes);
  private byte[] big; // only for unusual, large files
  private int length;
  private ReadStatus lastStatus = ReadStatus.OK;
  private String lastError = "";

  /** Reads {@code <cgroup>/cpu.stat} into {@code into}. On ERROR, {@link #lastError()} says why. */
  public ReadStatus readCpuStat(Path cgroup, CpuStat into) {
    return readCpuStatFile(cgroup.resolve("cpu.stat"), into);
  }

  /**
   * Reads a {@code cpu.stat} file given by its path: poll loops keep that path with the cgroup
   * rather than resolving it on every poll.
   */
  public ReadStatus readCpuStatFile(Path cpuStat, CpuStat into) {
    into.clear();
    if (read(cpuStat) != ReadStatus.OK) {
      return lastStatus;
    }
    into.parse(current(), length);
    if (into.usageUsec() == CpuStat.ABSENT && into.userUsec() == CpuStat.ABSENT
        && into.systemUsec() == CpuStat.ABSENT) {
      return fail(length == 0 ? "empty file" : "no usage_usec, user_usec or system_usec in it ("
          + into.garbageLines() + " unreadable line(s))");
    }
    return lastStatus;
  }

  /**
   * Reads {@code <cgroup>/memory.current}: bytes, or {@code -1} when the status is not OK; the
   * status is in {@link #lastStatus()}.
   */
  public long readMemoryCurrent(Path cgroup) {
    return readMemoryCurrentFile(cgroup.resolve("memory.current"));
  }

  /** Reads a {@code memory.current} file given by its path; see {@link #readMemoryCurrent}. */
  public long readMemoryCurrentFile(Path memoryCurrent) {
    if (read(memoryCurrent) != ReadStatus.OK) {
      return -1;
    }
    byte[] b = current();
    int end = length;
    while (end > 0 && (b[end - 1] == '\n' || b[end - 1] == ' ')) {
      end--;
    }
    if (end == 0) {
      fail("empty file");
      return -1;
    }
    long value = 0;
    for (int i = 0; i < end; i++) {
      int digit = b[i] - '0';
      if (digit < 0 || digit > 9 || value > (Long.MAX_VALUE - digit) / 10) {
        fail("not a number of bytes");
        return -1;
      }
      value = value * 10 + digit;
    }
    return value;
  }

  /** Status of the last read. */
  public ReadStatus lastStatus() {
    return lastStatus;
  }

  /** Why the last read failed, e.g. {@code permission denied}; empty if it did not. */
  public String lastError() {
    return lastError;
  }

  private byte[] current() {
    return big != null ? big : bytes;
  }

  private ReadStatus read(Path file) {
    lastStatus = ReadStatus.OK;
    lastError = "";
    big = null;
    length = 0;
    try (SeekableByteChannel channel = Files.newByteChannel(file)) {
      buffer = ByteBuffer.wrap(bytes);
      while (true) {
        int n = channel.read(buffer);
        if (n < 0) {
          break;
        }
        if (!buffer.hasRemaining()) {
          if (buffer.capacity() >= MAX_FILE) {
            return fail("file larger than " + MAX_FILE + " bytes");
          }
          ByteBuffer bigger = ByteBuffer.allocate(buffer.capacity() * 4);
          buffer.flip();
          bigger.put(buffer);
          buffer = bigger;
          big = bigger.array();
        }
      }
      length = buffer.position();
      return lastStatus;
    } catch (NoSuchFileException e) {
      // the file is missing: either the cgroup went away, or the controller is not enabled
      Path cgroup = file.getParent();
      lastStatus = cgroup != null && Files.isDirectory(cgroup) ? ReadStatus.ABSENT : ReadStatus.GONE;
      return lastStatus;
    } catch (AccessDeniedException e) {
      return fail("permission denied");
    } catch (IOException e) {
      String message = String.valueOf(e.getMessage());
      if (message.contains("No such device") || message.contains("No such file")) {
        lastStatus = ReadStatus.GONE; // removed while being read (ENODEV)
        return lastStatus;
      }
      return fail(message);
    }
  }

  private ReadStatus fail(String why) {
    lastStatus = ReadStatus.ERROR;
    lastError = why;
    return lastStatus;
  }
}

package io.cgroupotel.sampler;

import io.cgroupotel.cgroupfs.NativeFiles;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * One file of one tracked cgroup, kept open between reads: each read rewinds to offset 0, which
 * makes kernfs generate the file anew, instead of the path walk of an open and a close. Guarded by
 * the owning entity's lock.
 *
 * <p>Held as a bare descriptor read by {@link NativeFiles} (one pread, as the C reader), or,
 * without the native reader or for a name the JVM's charset cannot carry, as a {@link
 * FileChannel}: its positional read is one pread too, with more bookkeeping around it, where a
 * RandomAccessFile needs a seek and a read. A channel is interruptible: an interrupt of a
 * reading thread closes it; the reader then reopens it at the next read, and the runner makes
 * its last poll with the interrupt flag cleared.
 *
 * <p>The same two reads as {@link io.cgroupotel.cgroupfs.KeptOpenFile}, which the files beside
 * the sampler's use; this record stays the sampler's own because it is held per file of every
 * tracked cgroup: no kept path, no buffer address, the descriptor budget and the absent/per-read
 * states, read by {@link CgroupReader} without a call in between.
 */
final class OpenFile {
  /** Not opened yet. */
  static final byte NEW = 0;
  /** Open: read with one pread. */
  static final byte OPEN = 1;
  /** The cgroup has no such file (controller not enabled): never read again. */
  static final byte ABSENT = 2;
  /** Out of file descriptors when it was opened: opened, read and closed at each read. */
  static final byte PER_READ = 3;

  final SourceFile source;
  /**
   * The directory that holds it; its path is made again for the rare open rather than kept: at
   * 10,000 cgroups a kept absolute path per file was megabytes of heap.
   */
  final Path dir;
  /** The cgroup's required file (cpu.stat on v2): never given up as absent. */
  final boolean required;
  /** The native descriptor, or -1. */
  int fd = -1;
  FileChannel channel;
  /** Counted in {@link Descriptors} while opened; given back by {@link #close()}. */
  boolean holdsDescriptor;
  byte state = NEW;

  OpenFile(SourceFile source, Path dir, boolean required) {
    this.source = source;
    this.dir = dir;
    this.required = required;
  }

  Path path() {
    return dir.resolve(source.name());
  }

  boolean isOpen() {
    return fd >= 0 || channel != null;
  }

  void close() {
    if (holdsDescriptor) {
      holdsDescriptor = false;
      Descriptors.release();
    }
    NativeFiles.close(fd, channel);
    fd = -1;
    channel = null;
  }
}

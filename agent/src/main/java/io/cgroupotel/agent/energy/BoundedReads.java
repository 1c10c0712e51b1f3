package io.cgroupotel.agent.energy;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs reads of optional inputs that may block (a FIFO, a file on a hung NFS or FUSE mount) on a
 * daemon thread of their own, one at a time, and waits for each at most {@link #timeout}: the
 * poll thread that asks never hangs, and a read that never returns costs one parked thread, not
 * the agent (the thread is a daemon: it does not hold up the JVM's exit either).
 *
 * <p>While a read is stuck, later calls fail at once with {@link Stuck} and start nothing, so
 * stuck reads never pile up; once it returns, the next call runs normally.
 *
 * <p>Not thread-safe: one caller (the caller serializes its reads).
 */
final class BoundedReads implements AutoCloseable {
  /** A read that did not finish within the bound, or one still running from before. */
  static final class Stuck extends Exception {
    private final boolean firstTime;

    Stuck(boolean firstTime) {
      super(null, null, false, false);
      this.firstTime = firstTime;
    }

    /** True when this call timed out; false when an earlier read is still running. */
    boolean firstTime() {
      return firstTime;
    }
  }

  private final ExecutorService worker;
  private final Duration timeout;
  private Future<?> inFlight;

  BoundedReads(String threadName, Duration timeout) {
    this.timeout = timeout;
    this.worker = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, threadName);
      t.setDaemon(true);
      return t;
    });
  }

  Duration timeout() {
    return timeout;
  }

  /** Whether a read started earlier has not returned yet. */
  boolean stuck() {
    return inFlight != null && !inFlight.isDone();
  }

  /**
   * Runs {@code read} on the reading thread and returns its result, waiting at most the bound.
   *
   * @throws IOException what the read threw (a RuntimeException is wrapped)
   * @throws Stuck when it did not return in time, or an earlier read still has not
   */
  <T> T call(Callable<T> read) throws IOException, Stuck {
    if (stuck()) {
      throw new Stuck(false);
    }
    Future<T> future;
    try {
      future = worker.submit(read);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      throw new IOException("closed");
    }
    inFlight = future;
    try {
      return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new Stuck(true);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      throw new IOException(String.valueOf(cause), cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while reading");
    }
  }

  /**
   * Throws unless {@code file} is a regular file (following links, as the open will): a FIFO
   * would block the open until a writer comes, a device may never end. Its stat does not block
   * on a FIFO; on a hung mount it does, which is why callers run it through {@link #call}.
   */
  static void requireRegularFile(Path file) throws IOException {
    BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
    if (!a.isRegularFile()) {
      throw new IOException(file + " is " + kind(file) + ", not a regular file: only regular "
          + "files are read");
    }
  }

  /** What {@code file} is, in words: {@code a FIFO}, {@code a directory}, {@code a device}. */
  static String kind(Path file) {
    try {
      Object mode = Files.getAttribute(file, "unix:mode");
      int type = ((Integer) mode) & 0170000;
      return switch (type) {
        case 0010000 -> "a FIFO (named pipe)";
        case 0020000 -> "a character device";
        case 0060000 -> "a block device";
        case 0040000 -> "a directory";
        case 0140000 -> "a socket";
        default -> "a special file";
      };
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException
        | ClassCastException e) {
      return Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS) ? "a directory"
          : "a special file";
    }
  }

  /** Stops the reading thread; a read stuck in the kernel is left to the daemon thread. */
  @Override
  public void close() {
    worker.shutdownNow();
  }
}

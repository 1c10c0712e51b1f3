package io.cgroupotel.agent.cli;

import io.cgroupotel.agent.pipeline.StartLine;
import java.io.PrintStream;
import java.time.Duration;

/**
 * A line every two seconds while something the user waits for takes longer than that (a metadata
 * source, an OTLP endpoint, the one export of {@code --once}), so that a bounded wait never looks
 * like a hang. Nothing is printed when the wait ends within the first two seconds.
 *
 * <pre>try (Progress p = Progress.start(out, "the OTLP endpoint", Duration.ofSeconds(4))) { ... }</pre>
 */
final class Progress implements AutoCloseable {
  static final Duration EVERY = Duration.ofSeconds(2);

  private final Thread thread;

  private Progress(Thread thread) {
    this.thread = thread;
  }

  /** Starts counting; {@code atMost} is the wait's bound, printed with each line. */
  static Progress start(PrintStream out, String what, Duration atMost) {
    Thread thread = new Thread(() -> {
      long start = System.nanoTime();
      try {
        while (true) {
          Thread.sleep(EVERY.toMillis());
          long waited = Math.round((System.nanoTime() - start) / 1e9);
          out.println("  ... waiting for " + what + ": " + waited + " s (at most "
              + StartLine.human(atMost) + ")");
        }
      } catch (InterruptedException e) {
        // the wait is over
      }
    }, "progress");
    thread.setDaemon(true);
    thread.start();
    return new Progress(thread);
  }

  @Override
  public void close() {
    thread.interrupt();
    try {
      thread.join(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

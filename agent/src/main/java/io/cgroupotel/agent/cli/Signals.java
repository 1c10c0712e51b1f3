package io.cgroupotel.agent.cli;

import java.util.function.Consumer;
import org.slf4j.LoggerFactory;

/**
 * SIGTERM and SIGINT end the agent with exit code 0 after a last collection: a shutdown hook
 * alone would make the JVM exit with 143, which systemd and Kubernetes report as a failure.
 * SIGHUP reopens the output files (logrotate without copytruncate), as daemons do; without a
 * handler the JVM would treat it as a termination and exit 129 without the last export.
 *
 * <p>Why {@code sun.misc.Signal}: the JDK has no public API to catch a signal and keep running
 * (shutdown hooks only run on the way out). {@code sun.misc.Signal} lives in the
 * {@code jdk.unsupported} module, which is kept open on purpose for this use and exists on
 * HotSpot and OpenJ9 in every Java since 8. Where it is missing or refused (e.g. {@code -Xrs}),
 * the JVM's default handling stays and the agent still works, minus the signal.
 */
final class Signals {
  private Signals() {}

  /** SIGTERM and SIGINT: {@code action} gets the signal's name ({@code TERM}, {@code INT}). */
  static void onTermination(Consumer<String> action) {
    handle(action, "TERM", "INT");
  }

  /** SIGHUP: {@code action} runs on the JVM's signal thread, once per signal. */
  static void onHangup(Runnable action) {
    handle(name -> action.run(), "HUP");
  }

  @SuppressWarnings("removal")
  private static void handle(Consumer<String> action, String... names) {
    for (String name : names) {
      try {
        sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> action.accept(name));
      } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
        // the JVM keeps the signal (e.g. -Xrs): the default shutdown path still applies
        LoggerFactory.getLogger(Signals.class).debug("cannot handle SIG{}: {}", name, e);
      }
    }
  }
}

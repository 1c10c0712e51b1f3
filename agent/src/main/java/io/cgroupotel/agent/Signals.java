package io.cgroupotel.agent;

import org.slf4j.LoggerFactory;

/**
 * SIGTERM and SIGINT end the agent with exit code 0 after a last collection: a shutdown hook
 * alone would make the JVM exit with 143, which systemd and Kubernetes report as a failure.
 */
final class Signals {
  private Signals() {}

  @SuppressWarnings("removal")
  static void onTermination(Runnable action) {
    for (String name : new String[] {"TERM", "INT"}) {
      try {
        sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> action.run());
      } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
        // the JVM keeps the signal (e.g. -Xrs): the default shutdown path still applies
        LoggerFactory.getLogger(Signals.class).debug("cannot handle SIG{}: {}", name, e);
      }
    }
  }
}

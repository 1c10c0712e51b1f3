package io.cgroupotel.exporter;

/**
 * An exporter that writes to a file it keeps open, and can let go of it: what a daemon does on
 * SIGHUP, after logrotate moved the file away. Exporters that write to the network or to a
 * terminal are not {@code Reopenable}.
 */
public interface Reopenable {
  /**
   * Closes the open file and opens its path again (creating it if it is gone), so that the next
   * export goes to whatever file the path names now. Never throws: a failure is logged, and the
   * next export tries again.
   */
  void reopen();
}

package io.cgroupotel.exporter;

import java.io.IOException;

/**
 * An exporter that writes to a file it keeps open. On SIGHUP the agent calls {@link #reopen()}
 * on every exporter that implements this, as daemons do for logrotate: close the file, open the
 * path again (creating it if it was moved away), and keep writing whole lines.
 *
 * <p>Implementations must be safe to call while an export runs on another thread (an export in
 * flight finishes on the old file, the next one goes to the new file) and must lose no line.
 */
public interface Reopenable {

  /** Closes and reopens the output; on failure the old output is kept and the error thrown. */
  void reopen() throws IOException;
}

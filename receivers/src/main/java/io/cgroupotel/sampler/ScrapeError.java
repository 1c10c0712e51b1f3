package io.cgroupotel.sampler;

/**
 * One problem met during a poll, naming the object and the operation, e.g. {@code reading
 * cpu.stat for cgroup /a/b: permission denied}.
 *
 * @param operation what was being done, e.g. {@code reading cpu.stat}; also the key under which
 *     repeats of the same fault are counted rather than logged again
 * @param object what it was done to, e.g. {@code cgroup /a/b}
 * @param cause what went wrong
 */
public record ScrapeError(String operation, String object, String cause) {
  @Override
  public String toString() {
    return operation + " for " + object + ": " + cause;
  }
}

package io.cgroupotel.receiver.slurm;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks Slurm about jobs with {@code <command> show job -o <id>}, on a thread of its own, one
 * call at a time, each killed after a timeout. {@link #lookup} never waits: it answers from the
 * cache and queues a call when the job is not known yet. A job's answer is kept until {@link
 * #forget}; a failed call is retried after {@code retryAfter}, and a call that hung holds every
 * other call back for that long (a hung slurmctld is not asked once per job).
 *
 * <p>Each kind of problem (cannot start, hung, non-zero exit, unexpected output) is logged once
 * as a warning, then at debug level. Thread-safe.
 */
final class Scontrol implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Scontrol.class);
  /** Output kept from one call: an array leader with thousands of tasks prints more. */
  static final int MAX_OUTPUT = 4 << 20;

  private final List<String> command;
  private final Duration timeout;
  private final Duration retryAfter;
  private final LongSupplier nanoClock;
  private final ExecutorService executor;
  private final Map<Long, ScontrolJob> known = new ConcurrentHashMap<>();
  /** Job id -> when a call was queued or last failed (nanoClock). */
  private final Map<Long, Long> pendingOrFailedAt = new ConcurrentHashMap<>();
  private final Set<String> warned = ConcurrentHashMap.newKeySet();
  private final Set<Long> failed = ConcurrentHashMap.newKeySet();
  private final AtomicInteger calls = new AtomicInteger();
  private final AtomicInteger warnings = new AtomicInteger();
  private volatile long heldUntil = Long.MIN_VALUE;

  /**
   * @param command the scontrol command and its leading arguments, e.g. {@code [scontrol]}
   * @param timeout how long one call may take before it is killed
   * @param retryAfter when a failed job is asked again, and how long a hang holds calls back
   * @param nanoClock {@link System#nanoTime} or a test clock
   */
  Scontrol(List<String> command, Duration timeout, Duration retryAfter, LongSupplier nanoClock) {
    this.command = List.copyOf(command);
    if (this.command.isEmpty()) {
      throw new IllegalArgumentException("command must not be empty");
    }
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
    this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    this.executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "slurm-scontrol");
      t.setDaemon(true);
      return t;
    });
  }

  /** What Slurm said about {@code jobId}, if it has answered; queues a call if due. Never blocks. */
  Optional<ScontrolJob> lookup(long jobId) {
    ScontrolJob job = known.get(jobId);
    if (job != null) {
      return Optional.of(job);
    }
    long now = nanoClock.getAsLong();
    if (heldUntil != Long.MIN_VALUE && now - heldUntil < 0) {
      return Optional.empty();
    }
    Long since = pendingOrFailedAt.get(jobId);
    boolean due = since == null ? pendingOrFailedAt.putIfAbsent(jobId, now) == null
        : now - since >= retryAfter.toNanos() && pendingOrFailedAt.replace(jobId, since, now);
    if (due) {
      failed.remove(jobId);
      try {
        executor.execute(() -> ask(jobId));
      } catch (RejectedExecutionException closed) {
        // closing
      }
    }
    return Optional.empty();
  }

  /** Drops what is known of a job that ended. */
  void forget(long jobId) {
    known.remove(jobId);
    pendingOrFailedAt.remove(jobId);
    failed.remove(jobId);
  }

  /** Where a job stands: its answer is known, its call failed, or neither yet. */
  enum Status { KNOWN, FAILED, WAITING }

  Status status(long jobId) {
    if (known.containsKey(jobId)) {
      return Status.KNOWN;
    }
    return failed.contains(jobId) || heldUntil != Long.MIN_VALUE
        && nanoClock.getAsLong() - heldUntil < 0 && !pendingOrFailedAt.containsKey(jobId)
        ? Status.FAILED : Status.WAITING;
  }

  /** Calls made so far (for tests). */
  int calls() {
    return calls.get();
  }

  /** Warnings logged so far (for tests). */
  int warnings() {
    return warnings.get();
  }

  /** The kinds of problems logged as warnings so far (for tests). */
  Set<String> warned() {
    return Set.copyOf(warned);
  }

  private void ask(long jobId) {
    if (!pendingOrFailedAt.containsKey(jobId)) {
      return; // forgotten while queued
    }
    long hold = heldUntil;
    if (hold != Long.MIN_VALUE && nanoClock.getAsLong() - hold < 0) {
      pendingOrFailedAt.put(jobId, nanoClock.getAsLong());
      failed.add(jobId);
      return;
    }
    calls.incrementAndGet();
    List<String> argv = new ArrayList<>(command);
    argv.addAll(List.of("show", "job", "-o", Long.toString(jobId)));
    Process p;
    try {
      p = new ProcessBuilder(argv).redirectErrorStream(true)
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .start();
    } catch (IOException e) {
      failed(jobId, "start", "cannot run " + String.join(" ", argv) + ": " + e.getMessage()
          + " (set receivers.slurm.scontrol to the command, or \"off\")");
      return;
    }
    Output out = new Output(p.getInputStream());
    Thread reader = new Thread(out, "slurm-scontrol-output");
    reader.setDaemon(true);
    reader.start();
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        kill(p);
        heldUntil = nanoClock.getAsLong() + retryAfter.toNanos();
        failed(jobId, "timeout", String.join(" ", argv) + " did not answer within " + timeout
            + ": killed; no call for " + retryAfter.toSeconds() + " s (is slurmctld up?)");
        return;
      }
      reader.join(1000);
    } catch (InterruptedException e) {
      kill(p);
      Thread.currentThread().interrupt();
      return;
    }
    String text = out.text();
    if (p.exitValue() != 0) {
      String first = text.lines().findFirst().orElse("").strip();
      failed(jobId, "exit", String.join(" ", argv) + " exited with " + p.exitValue()
          + (first.isEmpty() ? "" : ": " + abbreviate(first)));
      return;
    }
    Optional<ScontrolJob> job = ScontrolJob.find(text.lines().toList(), jobId);
    if (job.isEmpty()) {
      failed(jobId, "output", String.join(" ", argv) + " printed no line starting with JobId="
          + jobId + (text.isBlank() ? " (nothing)" : ": " + abbreviate(text.strip())));
      return;
    }
    if (pendingOrFailedAt.remove(jobId) != null) { // not forgotten meanwhile
      known.put(jobId, job.get());
    }
    LOG.debug("slurm: job {}: {}", jobId, job.get().fields());
  }

  private void failed(long jobId, String kind, String message) {
    if (pendingOrFailedAt.computeIfPresent(jobId, (k, v) -> nanoClock.getAsLong()) != null) {
      failed.add(jobId);
    }
    if (warned.add(kind)) {
      warnings.incrementAndGet();
      LOG.warn("slurm: job {}: {}; jobs are exported by id without Slurm's metadata until it "
          + "answers (logged once)", jobId, message);
    } else {
      LOG.debug("slurm: job {}: {}", jobId, message);
    }
  }

  private static String abbreviate(String s) {
    String one = s.replaceAll("\\s+", " ");
    return one.length() > 200 ? one.substring(0, 200) + "..." : one;
  }

  /** Kills the command and what it started (a hung script's children keep the pipe open). */
  private static void kill(Process p) {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
  }

  /** Drains the command's output, up to {@link #MAX_OUTPUT} bytes. */
  private static final class Output implements Runnable {
    private final InputStream in;
    private volatile byte[] bytes = new byte[0];

    Output(InputStream in) {
      this.in = in;
    }

    @Override
    public void run() {
      try (in) {
        bytes = in.readNBytes(MAX_OUTPUT);
        in.transferTo(java.io.OutputStream.nullOutputStream());
      } catch (IOException e) {
        // the command was killed: what was read is kept
      }
    }

    String text() {
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}

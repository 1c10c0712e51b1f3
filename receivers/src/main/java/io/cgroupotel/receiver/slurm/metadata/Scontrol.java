package io.cgroupotel.receiver.slurm.metadata;

import io.opentelemetry.sdk.common.Clock;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks Slurm about jobs with {@code <command> show job -o <id>} (and, for job directories named by
 * SLUID, {@code <command> show job -o}), on a thread of its own, one call at a time, each killed
 * with its process group after a timeout. {@link #lookup} never waits: it answers from the
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
  /** Output kept from the listing of every job (SLUID to job id): a big cluster's queue. */
  static final int MAX_LISTING = 32 << 20;
  /** What is kept of its errors. */
  static final int MAX_STDERR = 16 << 10;
  /** util-linux's setsid: the command leads a process group that can be killed whole. */
  private static final String SETSID =
      Files.isExecutable(Path.of("/usr/bin/setsid")) ? "/usr/bin/setsid" : null;

  private final List<String> command;
  private final Duration timeout;
  private final Duration retryAfter;
  private final Clock clock;
  private final ExecutorService executor;
  private final Map<Long, ScontrolJob> known = new ConcurrentHashMap<>();
  /** Job id -> when a call was queued or last failed (clock.nanoTime()). */
  private final Map<Long, Long> pendingOrFailedAt = new ConcurrentHashMap<>();
  private final Set<String> warned = ConcurrentHashMap.newKeySet();
  private final Set<Long> failed = ConcurrentHashMap.newKeySet();
  private final AtomicInteger calls = new AtomicInteger();
  private final AtomicInteger warnings = new AtomicInteger();
  private volatile long heldUntil = Long.MIN_VALUE;
  private final Map<String, ScontrolJob> knownSluid = new ConcurrentHashMap<>();
  private final Map<String, Long> sluidAskedAt = new ConcurrentHashMap<>();
  private final Set<String> sluidWaiting = ConcurrentHashMap.newKeySet();
  private volatile String lastFailure;
  private volatile Process running;

  /**
   * @param command the scontrol command and its leading arguments, e.g. {@code [scontrol]}
   * @param timeout how long one call may take before it is killed
   * @param retryAfter when a failed job is asked again, and how long a hang holds calls back
   * @param clock its {@code nanoTime()} spaces retries: {@link Clock#getDefault()} or a test clock
   */
  Scontrol(List<String> command, Duration timeout, Duration retryAfter, Clock clock) {
    this.command = List.copyOf(command);
    if (this.command.isEmpty()) {
      throw new IllegalArgumentException("command must not be empty");
    }
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
    this.clock = Objects.requireNonNull(clock, "clock");
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
    long now = clock.nanoTime();
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
        && clock.nanoTime() - heldUntil < 0 && !pendingOrFailedAt.containsKey(jobId)
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
    if (hold != Long.MIN_VALUE && clock.nanoTime() - hold < 0) {
      pendingOrFailedAt.put(jobId, clock.nanoTime());
      failed.add(jobId);
      return;
    }
    Result r = run(List.of("show", "job", "-o", Long.toString(jobId)), MAX_OUTPUT);
    if (r.failure != null) {
      failed(jobId, r.kind, r.failure);
      return;
    }
    Optional<ScontrolJob> job = ScontrolJob.find(r.out, jobId);
    if (job.isEmpty()) {
      failed(jobId, "output", r.shown + " printed no record starting with JobId=" + jobId
          + " (or two)" + (r.out.isBlank() ? " (nothing)"
              : ": " + SlurmText.forLog(r.out.strip(), 200)));
      return;
    }
    if (pendingOrFailedAt.remove(jobId) != null) { // not forgotten meanwhile
      known.put(jobId, job.get());
    }
    LOG.debug("slurm: job {}: {}", jobId, SlurmText.printable(job.get().fields().toString(), 2000));
  }

  /**
   * The job of a job directory named by its SLUID (Slurm 26.05), from the listing of every job
   * ({@code show job -o}, which 26.05 prints with {@code SLUID=}); never blocks: answers from the
   * cache and queues one listing call for every SLUID asked meanwhile.
   */
  Optional<ScontrolJob> lookupSluid(String sluid) {
    ScontrolJob job = knownSluid.get(sluid);
    if (job != null) {
      return Optional.of(job);
    }
    long now = clock.nanoTime();
    if (heldUntil != Long.MIN_VALUE && now - heldUntil < 0) {
      return Optional.empty();
    }
    Long since = sluidAskedAt.get(sluid);
    boolean due = since == null ? sluidAskedAt.putIfAbsent(sluid, now) == null
        : now - since >= retryAfter.toNanos() && sluidAskedAt.replace(sluid, since, now);
    if (due) {
      sluidWaiting.add(sluid);
      try {
        executor.execute(this::askListing);
      } catch (RejectedExecutionException closed) {
        // closing
      }
    }
    return Optional.empty();
  }

  /** Drops what is known of a SLUID whose job ended. */
  void forgetSluid(String sluid) {
    knownSluid.remove(sluid);
    sluidAskedAt.remove(sluid);
    sluidWaiting.remove(sluid);
  }

  /** Whether the SLUID's listing call was made and did not name it. */
  boolean sluidFailed(String sluid) {
    return sluidAskedAt.containsKey(sluid) && !sluidWaiting.contains(sluid)
        && !knownSluid.containsKey(sluid);
  }

  private void askListing() {
    List<String> wanted = List.copyOf(sluidWaiting);
    if (wanted.isEmpty()) {
      return; // one call answered them all
    }
    Result r = run(List.of("show", "job", "-o"), MAX_LISTING);
    for (String sluid : wanted) {
      Optional<ScontrolJob> job = r.failure == null ? ScontrolJob.bySluid(r.out, sluid)
          : Optional.empty();
      if (job.isPresent() && job.get().jobId().isPresent()) {
        if (sluidAskedAt.containsKey(sluid)) {
          knownSluid.put(sluid, job.get());
        }
      } else if (r.failure != null) {
        warn(r.kind, "SLUID " + sluid + ": " + r.failure);
      } else {
        warn("sluid", "SLUID " + sluid + ": " + r.shown + " lists no job with SLUID=" + sluid
            + " (or two)");
      }
      sluidWaiting.remove(sluid); // last: whoever sees it done sees the answer or why
    }
  }

  /** What one call gave: its output, or why it failed (a log-safe message) and the kind. */
  private record Result(String out, String failure, String kind, String shown) {}

  /**
   * Runs the command with {@code args}, in a process group of its own (setsid), reads its output
   * and errors until it EXITS (a child it left holding the pipe open is not waited for), then
   * kills what is left of its group: a timeout, and the end of a call, leave no process behind.
   */
  private Result run(List<String> args, int maxOut) {
    calls.incrementAndGet();
    List<String> argv = new ArrayList<>(command);
    argv.addAll(args);
    String shown = SlurmText.forLog(String.join(" ", argv), 300);
    String why = ScontrolCommand.unrunnable(command.get(0), System.getenv("PATH"));
    if (why != null) {
      return new Result("", "cannot run " + shown + ": " + why
          + " (set receivers.slurm.scontrol to the command, or \"off\")", "start", shown);
    }
    List<String> launched = new ArrayList<>(argv);
    if (SETSID != null) {
      launched.add(0, SETSID);
    }
    Process p;
    try {
      p = new ProcessBuilder(launched)
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .start();
    } catch (IOException e) {
      return new Result("", "cannot run " + shown + ": " + SlurmText.forLog(e.getMessage(), 200)
          + " (set receivers.slurm.scontrol to the command, or \"off\")", "start", shown);
    }
    running = p;
    Output out = Output.start(p.getInputStream(), maxOut, "slurm-scontrol-out");
    Output err = Output.start(p.getErrorStream(), MAX_STDERR, "slurm-scontrol-err");
    boolean exited;
    try {
      exited = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      exited = false;
    } finally {
      killGroup(p); // on time or not: what it left (holding our pipes) goes with it
      running = null;
    }
    out.await();
    err.await();
    if (!exited) {
      if (!Thread.currentThread().isInterrupted()) {
        heldUntil = clock.nanoTime() + retryAfter.toNanos();
      }
      return new Result("", shown + " did not answer within " + timeout + ": killed; no call for "
          + retryAfter.toSeconds() + " s (is slurmctld up?)", "timeout", shown);
    }
    String errText = err.text().strip();
    if (p.exitValue() != 0) {
      return new Result("", shown + " exited with " + p.exitValue()
          + (errText.isEmpty() ? "" : ": " + SlurmText.forLog(errText, 300)), "exit", shown);
    }
    if (!errText.isEmpty()) {
      LOG.debug("slurm: {} said on stderr: {}", shown, SlurmText.forLog(errText, 300));
    }
    return new Result(out.text(), null, null, shown);
  }

  private void failed(long jobId, String kind, String message) {
    warn(kind, "job " + jobId + ": " + message); // first: whoever sees it failed sees why
    if (pendingOrFailedAt.computeIfPresent(jobId, (k, v) -> clock.nanoTime()) != null) {
      failed.add(jobId);
    }
  }

  private void warn(String kind, String message) {
    lastFailure = message;
    if (warned.add(kind)) {
      warnings.incrementAndGet();
      LOG.warn("slurm: {}; jobs are exported by id without Slurm's metadata until it answers "
          + "(logged once)", message);
    } else {
      LOG.debug("slurm: {}", message);
    }
  }

  /** The last failure, log-safe (for {@code --check}), or null when none failed. */
  String lastFailure() {
    return lastFailure;
  }

  /**
   * Kills the command and every process of its group: with setsid the command leads a group of
   * its own, and a child it left behind (reparented to init, out of {@link
   * Process#descendants()}'s reach) still has its group id. The kernel does not reuse a pid
   * that is still some process's group id, so the group is the command's.
   */
  static void killGroup(Process p) {
    if (p.isAlive()) {
      // (Process.destroy also closes our ends of its pipes: after a normal exit, what it printed
      // would be lost to the readers still draining them)
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    if (SETSID == null) {
      return;
    }
    long pgid = p.pid();
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path proc : procs) {
        if (processGroup(proc) == pgid) {
          ProcessHandle.of(Long.parseLong(proc.getFileName().toString()))
              .ifPresent(ProcessHandle::destroyForcibly);
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("slurm: listing /proc for scontrol's process group {}: {}", pgid, e.toString());
    }
  }

  /** The process group of {@code /proc/<pid>} ({@code stat} field 5), or -1. */
  private static long processGroup(Path proc) {
    try {
      String stat = Files.readString(proc.resolve("stat"), StandardCharsets.US_ASCII);
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ", 4);
      return Long.parseLong(f[2]);
    } catch (IOException | RuntimeException e) {
      return -1; // exited meanwhile
    }
  }

  /** Drains a stream on a thread of its own, up to a cap; what lies beyond is discarded. */
  private static final class Output implements Runnable {
    private final InputStream in;
    private final int max;
    private final Thread thread;
    private volatile byte[] bytes = new byte[0];

    private Output(InputStream in, int max, String name) {
      this.in = in;
      this.max = max;
      this.thread = new Thread(this, name);
      this.thread.setDaemon(true);
    }

    static Output start(InputStream in, int max, String name) {
      Output o = new Output(in, max, name);
      o.thread.start();
      return o;
    }

    @Override
    public void run() {
      java.io.ByteArrayOutputStream kept = new java.io.ByteArrayOutputStream();
      byte[] buffer = new byte[8192];
      try (in) {
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
          kept.write(buffer, 0, Math.min(n, max - kept.size()));
        }
      } catch (IOException e) {
        // the command was killed: what was read is kept
      } finally {
        bytes = kept.toByteArray();
      }
    }

    /** Waits for EOF, which the group's end brings at once; bounded all the same. */
    void await() {
      try {
        thread.join(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    String text() {
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }

  /** Stops the thread; a call under way is killed, its process group with it. */
  @Override
  public void close() {
    executor.shutdownNow();
    Process p = running;
    if (p != null) {
      killGroup(p);
    }
    try {
      executor.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

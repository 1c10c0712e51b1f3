package io.cgroupotel.receiver.slurm.metadata;

import io.cgroupotel.receiver.Ids;
import io.opentelemetry.sdk.common.Clock;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The numeric id of a job whose directory does not carry it (Slurm 26.05 names it by SLUID):
 * {@code SLURM_JOB_ID} in the environment of the job's task processes ({@code
 * /proc/<pid>/environ}, readable by root only), read on a thread of its own (reading another
 * process's environment waits on that process's memory lock: never on the poll thread), at most
 * {@value #MAX_ENVIRON} bytes a process. Found once per job; while the job has no task yet or its
 * tasks no such variable, tried again when asked (at once while the job is new, else after {@code
 * retryNanos}); unreadable (not root) or contradictory, not again.
 *
 * <p>A task's environment is the job owner's to change: the value is only as good as the owner's
 * word, so the receiver checks it against scontrol where scontrol runs. Processes that disagree
 * give no id. Thread-safe.
 */
final class JobIdFinder implements AutoCloseable {
  /** A process's environment read at most: Slurm's variables come first, then the user's. */
  static final int MAX_ENVIRON = 256 << 10;
  /** Task processes read per job: enough to see them agree. */
  private static final int MAX_PROCESSES = 8;
  private static final byte[] KEY = "SLURM_JOB_ID=".getBytes(StandardCharsets.US_ASCII);

  /** What the last look at a job found. */
  enum Outcome { FOUND, NO_TASK, UNREADABLE, NO_VARIABLE, DISAGREE }

  private record Result(Outcome outcome, long jobId, long atNanos) {}

  private final Path proc;
  private final long retryNanos;
  private final Clock clock;
  private final ExecutorService executor;
  private final Map<Path, Result> results = new ConcurrentHashMap<>();
  private final Set<Path> pending = ConcurrentHashMap.newKeySet();

  JobIdFinder(Path proc, long retryNanos, Clock clock) {
    this.proc = proc;
    this.retryNanos = retryNanos;
    this.clock = clock;
    this.executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "slurm-job-id");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * The job id found for {@code jobDir}, if any; queues a look when due: at once while {@code
   * eager} (a new job, whose tasks are starting), else {@code retryNanos} after the last. Never
   * blocks.
   */
  OptionalLong lookup(Path jobDir, boolean eager) {
    Result r = results.get(jobDir);
    if (r != null && r.outcome == Outcome.FOUND) {
      return OptionalLong.of(r.jobId);
    }
    if (r != null && (r.outcome == Outcome.UNREADABLE || r.outcome == Outcome.DISAGREE)) {
      return OptionalLong.empty(); // not root, or tasks that contradict each other: final
    }
    boolean due = r == null || eager || clock.nanoTime() - r.atNanos >= retryNanos;
    if (due && pending.add(jobDir)) {
      try {
        executor.execute(() -> {
          try {
            results.put(jobDir, find(jobDir));
          } finally {
            pending.remove(jobDir);
          }
        });
      } catch (RejectedExecutionException closed) {
        pending.remove(jobDir);
      }
    }
    return OptionalLong.empty();
  }

  /** What the last look found (null: not looked yet). */
  Outcome outcome(Path jobDir) {
    Result r = results.get(jobDir);
    return r == null ? null : r.outcome;
  }

  void forget(Path jobDir) {
    results.remove(jobDir);
  }

  private Result find(Path jobDir) {
    long now = clock.nanoTime();
    List<Long> pids = taskPids(jobDir);
    if (pids.isEmpty()) {
      return new Result(Outcome.NO_TASK, -1, now);
    }
    long id = -1;
    boolean readable = false;
    for (long pid : pids) {
      byte[] env = environ(pid);
      if (env == null) {
        continue;
      }
      readable = true;
      long v = jobIdIn(env);
      if (v < 0) {
        continue;
      }
      if (id >= 0 && id != v) {
        return new Result(Outcome.DISAGREE, -1, now);
      }
      id = v;
    }
    if (id >= 0) {
      return new Result(Outcome.FOUND, id, now);
    }
    return new Result(readable ? Outcome.NO_VARIABLE : Outcome.UNREADABLE, -1, now);
  }

  /** Pids of {@code step_*}/user/task_* (extern last: its task is Slurm's own sleep). */
  private static List<Long> taskPids(Path jobDir) {
    List<Path> steps = TaskOwner.children(jobDir, TaskOwner.STEP_PREFIX);
    steps.sort(Comparator.comparing((Path p) -> p.getFileName().toString().equals("step_extern")));
    List<Long> pids = new ArrayList<>();
    for (Path step : steps) {
      for (Path task : TaskOwner.children(step.resolve("user"), "task_")) {
        try {
          for (String line : Files.readAllLines(task.resolve("cgroup.procs"))) {
            long pid = Ids.parseId(line.strip());
            if (pid > 0 && pids.size() < MAX_PROCESSES) {
              pids.add(pid);
            }
          }
        } catch (IOException | RuntimeException e) {
          // gone
        }
      }
    }
    return pids;
  }

  /** The first {@link #MAX_ENVIRON} bytes of the process's environment, or null (gone, not root). */
  private byte[] environ(long pid) {
    try (InputStream in = Files.newInputStream(proc.resolve(Long.toString(pid)).resolve("environ"))) {
      return in.readNBytes(MAX_ENVIRON);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** {@code SLURM_JOB_ID=<decimal>} among the NUL-separated entries, or -1. */
  static long jobIdIn(byte[] env) {
    int start = 0;
    for (int i = 0; i <= env.length; i++) {
      if (i == env.length || env[i] == 0) {
        if (i - start > KEY.length && java.util.Arrays.equals(env, start, start + KEY.length,
            KEY, 0, KEY.length)) {
          long id = Ids.parseId(new String(env, start + KEY.length,
              i - start - KEY.length, StandardCharsets.US_ASCII));
          return id > SlurmAttributes.MAX_JOB_ID ? -1 : id;
        }
        start = i + 1;
      }
    }
    return -1;
  }

  @Override
  public void close() {
    executor.shutdownNow();
    try {
      executor.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

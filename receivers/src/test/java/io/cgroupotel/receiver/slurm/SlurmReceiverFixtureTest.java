package io.cgroupotel.receiver.slurm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.awaitility.Awaitility.await;

import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.UserNames;
import io.cgroupotel.receiver.slurm.metadata.ScontrolJobTest;
import io.cgroupotel.receiver.slurm.metadata.SlurmAttributes;
import io.cgroupotel.sampler.EntityKind;
import io.cgroupotel.sampler.Sample;
import io.cgroupotel.sampler.ScrapeResult;
import io.opentelemetry.sdk.testing.time.TestClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The receiver on fixture trees (a temp dir, not cgroupfs) for what a real Slurm cannot be made to
 * do: odd names, tasks whose process has gone, and a stand-in scontrol that hangs, fails or prints
 * garbage. Each time: the job is still exported by id, each kind of problem logged once.
 */
class SlurmReceiverFixtureTest {
  private static final String SCOPE = "system.slice/slurmstepd.scope";
  @TempDir Path tmp;
  private Path root;
  private Path proc;
  private final TestClock clock = TestClock.create();
  private SlurmReceiver receiver;

  @BeforeEach
  void setUp() throws IOException {
    root = Files.createDirectories(tmp.resolve("cgroup"));
    proc = Files.createDirectories(tmp.resolve("proc"));
  }

  @AfterEach
  void tearDown() {
    if (receiver != null) {
      receiver.close();
    }
  }

  private SlurmReceiver start(boolean steps, Optional<List<String>> scontrol) {
    SlurmReceiverConfig config = SlurmReceiverConfig.defaults(root).withSteps(steps)
        .withScontrol(scontrol, Duration.ofMillis(500));
    Path passwd = tmp.resolve("passwd");
    try {
      Files.writeString(passwd, "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/h:/bin/sh\n");
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    receiver = new SlurmReceiver(config, ReceiverContext.forTest("node-9"), clock,
        new UserNames(passwd, uid -> Optional.empty()), proc);
    receiver.start();
    return receiver;
  }

  /**
   * Makes {@code relative} and its missing parents, each with a cpu.stat as every cgroup has one,
   * each moved in at once from a staging directory (mkdir on cgroupfs makes the files with the
   * directory: the watcher must never see one without its cpu.stat).
   */
  private Path cgroup(String relative, long usage) throws IOException {
    Path target = root.resolve(relative);
    Path parent = root;
    for (Path name : root.relativize(target)) {
      Path dir = parent.resolve(name.toString());
      if (!Files.exists(dir)) {
        Path staging = Files.createDirectories(tmp.resolve("staging")
            .resolve(java.util.UUID.randomUUID().toString()));
        Files.writeString(staging.resolve("cpu.stat"), "usage_usec " + (dir.equals(target)
            ? usage : 10) + "\nuser_usec 5\nsystem_usec 5\n");
        Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
      }
      parent = dir;
    }
    Files.writeString(target.resolve("cpu.stat"), "usage_usec " + usage + "\nuser_usec "
        + usage / 2 + "\nsystem_usec " + usage / 2 + "\n");
    return target;
  }

  /** A task with {@code pid} in its cgroup.procs, and (uid >= 0) that pid in the fake /proc. */
  private void task(String relative, long pid, long uid) throws IOException {
    Path dir = cgroup(relative, 10);
    Files.writeString(dir.resolve("cgroup.procs"), pid + "\n");
    if (uid >= 0) {
      Path p = Files.createDirectories(proc.resolve(Long.toString(pid)));
      Files.writeString(p.resolve("status"), "Name:\tsh\nUid:\t" + uid + "\t" + uid + "\t" + uid
          + "\t" + uid + "\nGid:\t0\t0\t0\t0\n");
    }
  }

  private static List<String> entities(ScrapeResult r) {
    return r.samples().stream().map(s -> s.entity().kind().prefix() + " "
        + s.entity().attributes().get("slurm.job.id")
        + (s.entity().kind() == EntityKind.SLURM_STEP
            ? "." + s.entity().attributes().get("slurm.job.step.id") : "")).toList();
  }

  @Test
  void poll_oddNamesGoneTasksNoSteps_jobsByIdOnly_eachProblemLoggedOnce() throws Exception {
    cgroup(SCOPE + "/job_abc", 1);
    cgroup(SCOPE + "/job_", 2);
    cgroup(SCOPE + "/job_00", 3);
    cgroup(SCOPE + "/system", 4);
    cgroup(SCOPE + "/slurmd", 5);
    cgroup(SCOPE + "/job_5", 500); // a job directory without steps
    cgroup(SCOPE + "/job_6", 600);
    cgroup(SCOPE + "/job_6/step_", 7);
    task(SCOPE + "/job_6/step_0/user/task_0", 999_999_999L, -1); // its process has gone
    cgroup("other/system.slice/n1_slurmstepd.scope/job_8", 800);
    task("other/system.slice/n1_slurmstepd.scope/job_8/step_batch/user/task_special", 4321, 1000);
    cgroup("other/system.slice/n1_slurmstepd.scope/job_xyz", 9);
    start(true, Optional.empty());

    ScrapeResult r = receiver.poll();
    assertThat(entities(r)).containsExactlyInAnyOrder("slurm.job 5", "slurm.job 6",
        "slurm.job.step 6.0", "slurm.job 8", "slurm.job.step 8.batch");
    Sample j6 = r.samples().stream().filter(s -> s.entity().attributes().get("slurm.job.id")
        .equals(6L) && s.entity().kind() == EntityKind.SLURM_JOB).findFirst().orElseThrow();
    assertThat(j6.usageUsec()).isEqualTo(600);
    assertThat(j6.entity().attributes()).containsOnly(entry("slurm.job.id", 6L),
        entry("host.name", "node-9"));
    Sample j8 = r.samples().stream().filter(s -> s.entity().attributes().get("slurm.job.id")
        .equals(8L) && s.entity().kind() == EntityKind.SLURM_JOB).findFirst().orElseThrow();
    assertThat(j8.entity().attributes()).contains(entry("slurm.job.user.id", 1000L),
        entry("slurm.job.user", "alice"));
    assertThat(receiver.jobMetadata().warned()).containsExactlyInAnyOrder("job name", "step name");

    // past the first seconds, a job whose tasks have no process left is said once, and more
    // problems of the same kinds are not logged again
    clock.advance(Duration.ofSeconds(11));
    cgroup(SCOPE + "/job_xx", 1);
    cgroup(SCOPE + "/job_9", 900);
    cgroup(SCOPE + "/job_9/step_", 1);
    await("job_9 found by inotify").atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(20)).pollInSameThread()
        .until(() -> entities(receiver.poll()).contains("slurm.job 9"));
    for (int i = 0; i < 5; i++) {
      r = receiver.poll();
      clock.advance(Duration.ofSeconds(11));
    }
    assertThat(entities(r)).contains("slurm.job 9");
    assertThat(receiver.jobMetadata().warned()).containsExactlyInAnyOrder("job name", "step name", "owner");
    assertThat(receiver.jobMetadata().warnings()).as("each kind once").isEqualTo(3);

    // the process shows up later: named then
    task(SCOPE + "/job_6/step_0/user/task_1", 4322, 0);
    clock.advance(Duration.ofSeconds(11));
    receiver.poll();
    assertThat(j6.entity().attributes()).contains(entry("slurm.job.user.id", 0L),
        entry("slurm.job.user", "root"));
  }

  @Test
  void poll_stepsOff_onlyJobs_nothingBelowAJobLookedAt() throws Exception {
    cgroup(SCOPE + "/job_3", 300);
    // step_extern's task is Slurm's own sleep, run as root: never taken for the owner
    task(SCOPE + "/job_3/step_extern/user/task_special", 76, 0);
    task(SCOPE + "/job_3/step_batch/user/task_special", 77, 1000);
    start(false, Optional.empty());
    ScrapeResult r = receiver.poll();
    assertThat(entities(r)).containsExactly("slurm.job 3");
    assertThat(receiver.awaitReady(Duration.ZERO)).as("scontrol off: nothing to wait for").isTrue();
    assertThat(r.samples().get(0).entity().attributes()).contains(
        entry("slurm.job.user.id", 1000L), entry("slurm.job.user", "alice"));
  }

  private Path script(String name, String body) throws IOException {
    Path p = tmp.resolve(name);
    Files.writeString(p, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    return p;
  }

  /** Polls for up to 5 s until the receiver logged {@code warnings} warnings. */
  private void awaitWarnings(int warnings) {
    pollUntil(() -> receiver.jobMetadata().warnings() >= warnings);
  }

  /** Polls the receiver every 20 ms, for up to 5 s, until {@code done} holds. */
  private void pollUntil(Callable<Boolean> done) {
    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).pollInSameThread()
        .until(() -> {
          if (done.call()) {
            return true;
          }
          receiver.poll();
          return false;
        });
  }

  private void scontrol_misbehaves_jobsStillExportedById(String kind, String body)
      throws Exception {
    Path pidFile = tmp.resolve("scontrol.pid");
    Path fake = script("scontrol", "echo $$ > " + pidFile + "\n" + body);
    cgroup(SCOPE + "/job_11", 1100);
    task(SCOPE + "/job_11/step_0/user/task_0", 55, 1000);
    start(false, Optional.of(List.of(fake.toString())));
    long slowest = 0;
    for (int i = 0; i < 20; i++) {
      long t = System.nanoTime();
      ScrapeResult r = receiver.poll();
      slowest = Math.max(slowest, System.nanoTime() - t);
      assertThat(entities(r)).containsExactly("slurm.job 11");
      Thread.sleep(10);
    }
    assertThat(Duration.ofNanos(slowest)).as("a poll never waits for scontrol")
        .isLessThan(Duration.ofMillis(100));
    awaitWarnings(1);
    assertThat(receiver.jobMetadata().warned()).containsExactly("scontrol " + kind);
    assertThat(receiver.awaitReady(Duration.ofMillis(200))).as("--once/--check: not ready")
        .isFalse();
    ScrapeResult r = receiver.poll();
    assertThat(r.samples().get(0).entity().attributes()).containsOnly(
        entry("slurm.job.id", 11L), entry("host.name", "node-9"),
        entry("slurm.job.user.id", 1000L), entry("slurm.job.user", "alice"));

    // another job: asked too (unless a hang holds calls back), never logged again
    cgroup(SCOPE + "/job_12", 1200);
    task(SCOPE + "/job_12/step_0/user/task_0", 56, 1000);
    long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
    while (System.nanoTime() < end && !entities(receiver.poll()).contains("slurm.job 12")) {
      Thread.sleep(20);
    }
    Thread.sleep(kind.equals("timeout") ? 200 : 1000);
    receiver.poll();
    // later on, a failed job is asked again
    int calls = receiver.jobMetadata().scontrolCalls();
    clock.advance(Duration.ofSeconds(61));
    pollUntil(() -> receiver.jobMetadata().scontrolCalls() != calls);
    assertThat(receiver.jobMetadata().scontrolCalls()).as("asked again after 60 s").isGreaterThan(calls);
    Thread.sleep(kind.equals("timeout") ? 700 : 300);
    receiver.poll();
    assertThat(receiver.jobMetadata().warnings()).as("logged once").isEqualTo(1);
    assertThat(entities(receiver.poll())).containsExactlyInAnyOrder("slurm.job 11",
        "slurm.job 12");
    if (kind.equals("timeout")) {
      long pid = Long.parseLong(Files.readString(pidFile).strip());
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
          .as("the hung scontrol was killed").isFalse();
    }
  }

  @Test
  void scontrolHangs_killedAfterTimeout_pollNeverBlocked() throws Exception {
    scontrol_misbehaves_jobsStillExportedById("timeout", "sleep 30");
  }

  @Test
  void scontrolExitsNonZero_jobExportedById() throws Exception {
    scontrol_misbehaves_jobsStillExportedById("exit",
        "echo 'slurm_load_jobs error: Unable to contact slurm controller' >&2; exit 1");
  }

  @Test
  void scontrolPrintsGarbage_jobExportedById() throws Exception {
    scontrol_misbehaves_jobsStillExportedById("output",
        "echo '<html><body>503 Service Unavailable</body></html>'; echo 'JobId=99 JobName=x'");
  }

  @Test
  void scontrolMissing_jobExportedById_loggedOnce() throws Exception {
    cgroup(SCOPE + "/job_13", 1300);
    start(false, Optional.of(List.of(tmp.resolve("no-such-scontrol").toString())));
    assertThat(entities(receiver.poll())).containsExactly("slurm.job 13");
    awaitWarnings(1);
    assertThat(receiver.jobMetadata().warned()).containsExactly("scontrol start");
    assertThat(receiver.awaitReady(Duration.ofMillis(200))).isFalse();
  }

  /** Threads of the receiver's scontrol calls alive now. */
  private static long scontrolThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("slurm-scontrol-")).count();
  }

  private static long openDescriptors() throws IOException {
    try (var s = Files.list(Path.of("/proc/self/fd"))) {
      return s.count();
    }
  }

  /** Whether the process is alive: a killed one that init has not reaped yet is a zombie. */
  private static boolean alive(Path pidFile) throws IOException {
    long pid = Long.parseLong(Files.readString(pidFile).strip());
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
    } catch (IOException gone) {
      return false;
    }
  }

  /**
   * A scontrol that prints a valid record, leaves a child holding its stdout and exits 0: the
   * answer is taken when the command exits (not at EOF, which the child would hold off for 300 s),
   * the child is killed with its group, and calls leave no thread, descriptor or process behind.
   */
  @Test
  void scontrolLeavesAChildHoldingStdout_answerTaken_childKilled_noGrowth() throws Exception {
    String record = ScontrolJobTest.LINE.replace("JobId=1 ", "JobId=$4 ");
    Path pids = Files.createDirectories(tmp.resolve("pids"));
    Path fake = script("scontrol", "echo \"" + record.replace("\"", "\\\"") + "\"\n"
        + "sleep 300 &\necho $! > " + pids + "/$4\nexit 0");
    long fdsBefore = openDescriptors();
    for (int i = 1; i <= 6; i++) {
      cgroup(SCOPE + "/job_" + (20 + i), 100);
      task(SCOPE + "/job_" + (20 + i) + "/step_0/user/task_0", 60 + i, 65534);
    }
    start(false, Optional.of(List.of(fake.toString())));
    long t0 = System.nanoTime();
    ScrapeResult r = await().atMost(Duration.ofSeconds(5)).pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(20)).pollInSameThread()
        .until(receiver::poll, x -> x.samples().stream()
            .allMatch(s -> s.entity().attributes().containsKey(SlurmAttributes.NAME)));
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    assertThat(r.samples()).hasSize(6).allSatisfy(x -> assertThat(x.entity().attributes())
        .contains(entry(SlurmAttributes.NAME, "my \"odd\" job"),
            entry(SlurmAttributes.PARTITION, "debug")));
    assertThat(took).as("6 calls, none waiting for the child").isLessThan(Duration.ofSeconds(3));
    assertThat(receiver.jobMetadata().warned()).isEmpty();
    Thread.sleep(200);
    try (var children = Files.list(pids)) {
      for (Path pid : children.toList()) {
        assertThat(alive(pid)).as("the child of call " + pid.getFileName()).isFalse();
      }
    }
    assertThat(scontrolThreads()).as("no reader thread left").isZero();
    assertThat(openDescriptors()).as("descriptors back (6 jobs' files aside)")
        .isLessThanOrEqualTo(fdsBefore + 6 * 4);
    receiver.close();
    receiver = null;
    assertThat(openDescriptors()).as("descriptors back").isLessThanOrEqualTo(fdsBefore + 2);
  }

  @Test
  void close_duringAHungCall_killsItsWholeGroup() throws Exception {
    Path pids = Files.createDirectories(tmp.resolve("pids"));
    Path fake = script("scontrol", "sleep 300 &\necho $! > " + pids + "/child\n"
        + "echo $$ > " + pids + "/self\nsleep 300");
    cgroup(SCOPE + "/job_31", 100);
    SlurmReceiverConfig config = SlurmReceiverConfig.defaults(root)
        .withScontrol(Optional.of(List.of(fake.toString())), Duration.ofSeconds(30));
    receiver = new SlurmReceiver(config, ReceiverContext.forTest("node-9"), clock,
        new UserNames(tmp.resolve("passwd"), uid -> Optional.empty()), proc);
    receiver.start();
    pollUntil(() -> Files.exists(pids.resolve("self")));
    assertThat(alive(pids.resolve("child"))).isTrue();
    long t0 = System.nanoTime();
    receiver.close();
    receiver = null;
    Thread.sleep(100);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
    assertThat(alive(pids.resolve("self"))).as("the hung scontrol").isFalse();
    assertThat(alive(pids.resolve("child"))).as("its child").isFalse();
    assertThat(scontrolThreads()).isZero();
  }

  /** What {@code --check} prints when scontrol failed at once: the command's own error, made safe. */
  @Test
  void scontrolFailsAtOnce_notReadyReasonSaysWhatFailed_stderrEscapedAndRedacted()
      throws Exception {
    Path fake = script("scontrol", "printf 'slurm_load_jobs error: Invalid job id specified"
        + "\\033[2J token=s3cr3tvalue123\\n' >&2; exit 1");
    cgroup(SCOPE + "/job_14", 1400);
    start(false, Optional.of(List.of(fake.toString())));
    receiver.poll();
    awaitWarnings(1);
    assertThat(receiver.awaitReady(Duration.ZERO)).isFalse();
    String why = receiver.notReadyReason();
    System.out.println("--check would say: " + why);
    assertThat(why).contains("scontrol failed", "show job -o 14", "exited with 1",
        "Invalid job id specified", "\\x1b[2J", "token=" + io.cgroupotel.receiver.Redact.MASK)
        .doesNotContain("s3cr3tvalue123", "\u001b", "\n");
  }

  /**
   * Hostile job names through a stand-in scontrol printing Slurm 22.05's records: fields a name
   * forges are not taken, a 200,000-character name is capped, and a record whose uid is not the
   * tasks' owner's is not used.
   */
  @Test
  void scontrolRecordsWithHostileNames_noInjection_capped_uidChecked() throws Exception {
    Files.writeString(tmp.resolve("rec1"), ScontrolJobTest.HOSTILE + "\n");
    Files.writeString(tmp.resolve("rec2"), ScontrolJobTest.HOSTILE.replace("JobId=1 ", "JobId=2 ")
        .replace("JobName=evil", "JobName=" + "n".repeat(200_000)) + "\n");
    Files.writeString(tmp.resolve("rec3"), ScontrolJobTest.HOSTILE.replace("JobId=1 ", "JobId=3 ")
        + "\n");
    Path fake = script("scontrol", "cat " + tmp + "/rec$4");
    for (int i = 1; i <= 3; i++) {
      cgroup(SCOPE + "/job_" + i, 100);
      // jobs 1 and 2 run as nobody (65534) as their records say; job 3's tasks run as alice
      task(SCOPE + "/job_" + i + "/step_batch/user/task_special", 70 + i, i == 3 ? 1000 : 65534);
    }
    start(false, Optional.of(List.of(fake.toString())));
    pollUntil(() -> receiver.jobMetadata().scontrolCalls() >= 3 && receiver.awaitReady(Duration.ZERO));
    receiver.poll();
    Map<Long, Map<String, Object>> byId = new java.util.HashMap<>();
    receiver.poll().samples().forEach(x -> byId.put(
        (Long) x.entity().attributes().get(SlurmAttributes.JOB_ID), x.entity().attributes()));
    assertThat(byId.get(1L)).contains(entry(SlurmAttributes.PARTITION, "debug"),
        entry(SlurmAttributes.USER_ID, 65534L))
        .doesNotContainKeys(SlurmAttributes.ACCOUNT, SlurmAttributes.QOS)
        .containsKey(SlurmAttributes.NAME);
    assertThat((String) byId.get(1L).get(SlurmAttributes.NAME)).startsWith("evil UserId=root(0)");
    assertThat((String) byId.get(2L).get(SlurmAttributes.NAME)).startsWith("nnnn")
        .hasSizeLessThan(300).endsWith("...[+199850 chars]"); // the name: 200,106 characters
    assertThat(byId.get(3L)).contains(entry(SlurmAttributes.USER_ID, 1000L))
        .doesNotContainKeys(SlurmAttributes.NAME, SlurmAttributes.PARTITION);
    assertThat(receiver.jobMetadata().warned()).containsExactly("uid mismatch");
  }
}

package io.cgroupotel.receiver.slurm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.cgroupotel.cgroupfs.RealCgroupTree;
import io.cgroupotel.receiver.Receiver;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.sampler.EntityKind;
import io.cgroupotel.sampler.Sample;
import io.cgroupotel.sampler.ScrapeResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The receiver on REAL cgroups of this machine's cgroup v2 mount, laid out as Slurm's cgroup/v2
 * plugin lays them out, with CPU-burning processes in the tasks of steps and in Slurm's own
 * {@code system} cgroup. Skipped where no writable cgroup2 mount exists, except under CI=true
 * where that fails (see {@link RealCgroupTree}).
 */
@Tag("real-cgroup")
class SlurmReceiverRealCgroupTest {
  private static final String SCOPE = "system.slice/node-1_slurmstepd.scope";
  private static final String BURN = "while :; do :; done";
  private static final String AS_4242 = "exec setpriv --reuid=4242 --regid=4242 --clear-groups sh -c ";
  private RealCgroupTree tree;
  private Receiver receiver;
  private final Semaphore pollAsked = new Semaphore(0);

  @BeforeEach
  void setUp() {
    tree = RealCgroupTree.create("cgroup-otel-slurm-test");
  }

  @AfterEach
  void tearDown() {
    try {
      if (receiver != null) {
        receiver.close();
      }
    } finally {
      tree.close();
    }
    assertThat(tree.root()).doesNotExist();
  }

  private Receiver start(boolean steps) throws Exception {
    SlurmReceiverConfig config = SlurmReceiverConfig.defaults(tree.root()).withSteps(steps)
        .withScontrol(Optional.empty(), Duration.ofSeconds(1));
    // through the factory: the cgroup v2 check passes on the real mount
    receiver = new SlurmReceiverFactory().create(config,
        new ReceiverContext("node-1", Map.of(), pollAsked::release));
    receiver.start();
    return receiver;
  }

  private static List<Sample> ofKind(ScrapeResult r, EntityKind kind) {
    return r.samples().stream().filter(s -> s.entity().kind() == kind).toList();
  }

  private static Sample step(ScrapeResult r, String stepId) {
    return ofKind(r, EntityKind.SLURM_STEP).stream()
        .filter(s -> stepId.equals(s.entity().attributes().get("slurm.job.step.id")))
        .findFirst().orElseThrow(() -> new AssertionError("no step " + stepId + " in " + r));
  }

  private static Offset<Double> within2PercentAnd20ms(long kernel) {
    return Offset.offset(0.02 * kernel + 20_000);
  }

  @Test
  void poll_realJobWithSteps_equalsKernel_stepsSumToJob_slurmDaemonsNotCounted()
      throws Exception {
    Path job = tree.mkdirs(SCOPE + "/job_4242");
    Path batch = tree.mkdirs(SCOPE + "/job_4242/step_batch/user/task_special");
    Path step0 = tree.mkdirs(SCOPE + "/job_4242/step_0/user/task_0");
    tree.mkdirs(SCOPE + "/job_4242/step_0/slurm");
    Path extern = tree.mkdirs(SCOPE + "/job_4242/step_extern/user/task_special");
    Path system = tree.mkdirs(SCOPE + "/system");
    Path slurmd = tree.mkdirs(SCOPE + "/slurmd");
    // the job's tasks run as uid 4242, which has no passwd entry here
    tree.start(batch, AS_4242 + "'" + BURN + "'");
    tree.start(step0, AS_4242 + "'" + BURN + "'");
    tree.start(extern, "exec sleep 600");
    tree.burn(system); // slurmstepd's parking cgroup: never a job
    tree.start(slurmd, "exec sleep 600");
    start(true);
    Thread.sleep(1500);
    ScrapeResult running = receiver.poll();
    assertThat(running.errors()).isEmpty();
    tree.killAll();
    Thread.sleep(100);
    ScrapeResult r = receiver.poll();

    assertThat(r.samples()).extracting(s -> s.entity().kind().prefix() + " "
            + s.entity().attributes().getOrDefault("slurm.job.step.id", "-"))
        .containsExactlyInAnyOrder("slurm.job -", "slurm.job.step batch", "slurm.job.step 0",
            "slurm.job.step extern");
    Sample j = ofKind(r, EntityKind.SLURM_JOB).get(0);
    long kernelJob = RealCgroupTree.usageUsec(job);
    long kernelSystem = RealCgroupTree.usageUsec(system);
    long steps = step(r, "batch").usageUsec() + step(r, "0").usageUsec()
        + step(r, "extern").usageUsec();
    System.out.printf("slurm real cgroups: job_4242 receiver %.3f s, kernel %.3f s; steps sum "
            + "%.3f s (batch %.3f, 0 %.3f, extern %.3f); system (not a job) %.3f s%n",
        j.usageUsec() / 1e6, kernelJob / 1e6, steps / 1e6, step(r, "batch").usageUsec() / 1e6,
        step(r, "0").usageUsec() / 1e6, step(r, "extern").usageUsec() / 1e6, kernelSystem / 1e6);
    assertThat((double) j.usageUsec()).as("job = kernel's job_4242 cpu.stat")
        .isCloseTo(kernelJob, within2PercentAnd20ms(kernelJob));
    assertThat((double) steps).as("steps sum to the job")
        .isCloseTo(j.usageUsec(), within2PercentAnd20ms(j.usageUsec()));
    assertThat(kernelSystem).as("system burned").isGreaterThan(50_000);
    assertThat(j.usageUsec()).as("system not in the job").isLessThan(kernelJob + 20_000);
    assertThat(step(r, "batch").usageUsec()).isGreaterThan(50_000);
    assertThat(step(r, "0").usageUsec()).isGreaterThan(50_000);
    assertThat(j.userUsec() + j.systemUsec())
        .isCloseTo(j.usageUsec(), Offset.offset(20_000L));

    assertThat(j.entity().attributes()).contains(entry("slurm.job.id", 4242L),
        entry("slurm.job.user.id", 4242L), entry("host.name", "node-1"))
        .doesNotContainKey("slurm.job.user");
    assertThat(step(r, "0").entity().attributes()).contains(entry("slurm.job.id", 4242L),
        entry("slurm.job.step.id", "0"), entry("slurm.job.user.id", 4242L));
    assertThat(step(r, "0").entity().parentId()).isEqualTo(j.entity().id());
  }

  @Test
  void poll_stepsOff_oneEntityPerJob_bothScopeNames_rootOwnerNamed() throws Exception {
    Path a = tree.mkdirs("system.slice/slurmstepd.scope/job_1/step_0/user/task_0");
    Path b = tree.mkdirs("deeper/system.slice/n_slurmstepd.scope/job_2/step_batch/user/task_special");
    tree.burn(a);
    tree.burn(b);
    start(false);
    Thread.sleep(500);
    tree.killAll();
    ScrapeResult r = receiver.poll();
    assertThat(r.samples()).allSatisfy(s -> assertThat(s.entity().kind())
        .isEqualTo(EntityKind.SLURM_JOB));
    assertThat(r.samples()).extracting(s -> s.entity().attributes().get("slurm.job.id"))
        .containsExactlyInAnyOrder(1L, 2L);
    assertThat(r.samples()).allSatisfy(s -> assertThat(s.entity().attributes())
        .contains(entry("slurm.job.user.id", 0L), entry("slurm.job.user", "root")));
  }

  @Test
  void scheduler_jobLiving3sAt1sPoll_exportedWithItsFinalCounters_thenDropped()
      throws Exception {
    tree.mkdirs(SCOPE + "/system");
    start(false);
    List<long[]> polls = new ArrayList<>(); // {startNanos, usage or -1, count}
    Thread scheduler = new Thread(() -> {
      // what the agent's scheduler does: every poll_interval, or at once when asked
      while (!Thread.currentThread().isInterrupted()) {
        try {
          pollAsked.tryAcquire(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          return;
        }
        long t = System.nanoTime();
        List<Sample> s = ofKind(receiver.poll(), EntityKind.SLURM_JOB);
        synchronized (polls) {
          polls.add(new long[] {t, s.isEmpty() ? -1 : s.get(0).usageUsec(), s.size()});
        }
      }
    }, "test-scheduler");
    scheduler.start();
    long removedAt;
    long kernelAtEnd;
    try {
      Thread.sleep(1200);
      Path job = tree.mkdirs(SCOPE + "/job_77");
      Process p = tree.burn(tree.mkdirs(SCOPE + "/job_77/step_0/user/task_0"));
      Thread.sleep(3000);
      p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      Thread.sleep(50);
      kernelAtEnd = RealCgroupTree.usageUsec(job);
      RealCgroupTree.removeTree(job); // Slurm removes job_<id> when the job ends
      removedAt = System.nanoTime();
      Thread.sleep(2500);
    } finally {
      scheduler.interrupt();
      scheduler.join(5000);
    }
    List<long[]> seen;
    synchronized (polls) {
      seen = List.copyOf(polls);
    }
    List<long[]> withJob = seen.stream().filter(x -> x[1] >= 0).toList();
    long exported = withJob.stream().mapToLong(x -> x[1]).max().orElse(0);
    System.out.printf("slurm 3 s job at a 1 s poll: %d polls with it, last exported %.3f s, "
        + "kernel's final %.3f s%n", withJob.size(), exported / 1e6, kernelAtEnd / 1e6);
    assertThat(withJob).as("the 3 s job was exported").hasSizeGreaterThanOrEqualTo(2);
    assertThat(withJob).allSatisfy(x -> assertThat(x[2]).as("once per poll").isEqualTo(1));
    assertThat((double) exported).as("its final counters (read when it emptied)")
        .isCloseTo(kernelAtEnd, within2PercentAnd20ms(kernelAtEnd));
    assertThat(seen.stream().filter(x -> x[0] > removedAt && x[1] >= 0).count())
        .as("reported at most once after its removal").isLessThanOrEqualTo(1);
    assertThat(seen.get(seen.size() - 1)[1]).as("then gone").isEqualTo(-1);
  }

  @Test
  void poll_slurmRemovesTheJobMsAfterItsLastProcess_finalCountersReadWhenTheTasksEnded()
      throws Exception {
    Path job = tree.mkdirs(SCOPE + "/job_88");
    Process task = tree.burn(tree.mkdirs(SCOPE + "/job_88/step_0/user/task_0"));
    Process stepd = tree.start(tree.mkdirs(SCOPE + "/job_88/step_0/slurm"), "exec sleep 600");
    start(false);
    long atPoll = ofKind(receiver.poll(), EntityKind.SLURM_JOB).get(0).usageUsec();
    Thread.sleep(1500); // burns on, no poll
    task.destroyForcibly().waitFor(5, TimeUnit.SECONDS); // the job's tasks end
    long kernelAtTaskEnd = RealCgroupTree.usageUsec(job);
    Thread.sleep(20); // slurmstepd's teardown (10-30 ms with a real Slurm here)
    stepd.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    RealCgroupTree.removeTree(job); // as Slurm does: within ms of its last process leaving
    Sample last = ofKind(receiver.poll(), EntityKind.SLURM_JOB).get(0);
    System.out.printf("slurm job removed right after its last process: last poll %.3f s, "
            + "exported %.3f s, kernel when its tasks ended %.3f s%n", atPoll / 1e6,
        last.usageUsec() / 1e6, kernelAtTaskEnd / 1e6);
    assertThat(kernelAtTaskEnd).as("it burned after the poll").isGreaterThan(atPoll + 100_000);
    assertThat((double) last.usageUsec()).as("the counters when its tasks ended, not the poll's")
        .isCloseTo(kernelAtTaskEnd, within2PercentAnd20ms(kernelAtTaskEnd));
  }
}

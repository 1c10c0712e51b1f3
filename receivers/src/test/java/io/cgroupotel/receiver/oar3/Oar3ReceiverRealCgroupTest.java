package io.cgroupotel.receiver.oar3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.cgroupotel.receiver.CgroupReceiverSettings;
import io.cgroupotel.cgroupfs.RealCgroupTree;
import io.cgroupotel.receiver.Receiver;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.sampler.Sample;
import io.cgroupotel.sampler.ScrapeResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The receiver on REAL cgroups of this machine's cgroup v2 mount, laid out as OAR3 lays them out,
 * with CPU-burning processes in job scopes and sub-task slices. Skipped where no writable cgroup2
 * mount exists, except under CI=true where that fails (see {@link RealCgroupTree}).
 */
@Tag("real-cgroup")
class Oar3ReceiverRealCgroupTest {
  private static final String USER = "oar.slice/oar-u0.slice";
  private RealCgroupTree tree;
  private Receiver receiver;
  private final Semaphore pollAsked = new Semaphore(0);

  @BeforeEach
  void setUp() {
    tree = RealCgroupTree.create();
  }

  @AfterEach
  void tearDown() {
    if (tree == null) {
      return; // setUp skipped the test (not root, no cgroup2 mount): nothing was made
    }
    try {
      if (receiver != null) {
        receiver.close();
      }
    } finally {
      tree.close();
    }
    assertThat(tree.root()).doesNotExist();
  }

  private Receiver start() throws Exception {
    Oar3ReceiverConfig config = new Oar3ReceiverConfig(
        CgroupReceiverSettings.of(tree.root(), Duration.ofSeconds(1)), "oar",
        Path.of("/nonexistent/oar_runtime"), Optional.empty(), true);
    // through the factory: the cgroup v2 check passes on the real mount
    receiver = new Oar3ReceiverFactory().create(config,
        new ReceiverContext("node-real", Map.of(), pollAsked::release));
    receiver.start();
    return receiver;
  }

  private static long kernelUsageUsec(Path cgroup) throws IOException {
    for (String line : Files.readAllLines(cgroup.resolve("cpu.stat"))) {
      if (line.startsWith("usage_usec ")) {
        return Long.parseLong(line.substring("usage_usec ".length()).trim());
      }
    }
    throw new IllegalStateException("no usage_usec in " + cgroup);
  }

  private static List<Sample> samplesOf(ScrapeResult r, long jobId) {
    return r.samples().stream()
        .filter(s -> Long.valueOf(jobId).equals(s.entity().attributes().get("oar.job.id")))
        .toList();
  }

  @Test
  void poll_realJobWithScopeAndSubTask_oneEntity_cpuTimeOfTheJobSlice() throws Exception {
    Path job = tree.mkdirs(USER + "/oar-u0-j4242.slice");
    Path scope = tree.mkdirs(USER + "/oar-u0-j4242.slice/oar-u0-j4242-p123.scope");
    Path subTask = tree.mkdirs(
        USER + "/oar-u0-j4242.slice/oar-u0-j4242-t1.slice/oar-u0-j4242-t1-p7.scope");
    tree.burnCpu(scope);
    tree.burnCpu(subTask);
    start();
    Thread.sleep(1500);

    // while burning: the value read lies between the kernel's before and after the poll
    long before = kernelUsageUsec(job);
    ScrapeResult running = receiver.poll();
    long after = kernelUsageUsec(job);
    assertThat(running.errors()).isEmpty();
    assertThat(running.samples()).hasSize(1);
    Sample s = running.samples().get(0);
    assertThat(s.usageUsec()).isBetween(before, after);
    assertThat(s.entity().attributes()).containsOnly(
        entry("oar.job.id", 4242L), entry("oar.job.user.id", 0L),
        entry("oar.job.user", "root"), entry("host.name", "node-real"));

    // stopped: the counters are still, the receiver's equals the kernel's for the job slice
    tree.killAll();
    long kernel = kernelUsageUsec(job);
    long scopeUsage = kernelUsageUsec(scope);
    long subTaskUsage = kernelUsageUsec(subTask.getParent());
    Sample last = receiver.poll().samples().get(0);
    assertThat((double) last.usageUsec())
        .as("job slice usage_usec, within 2%% + 20 ms")
        .isCloseTo(kernel, org.assertj.core.data.Offset.offset(0.02 * kernel + 20_000));
    assertThat(scopeUsage).as("the process scope burned").isGreaterThan(50_000);
    assertThat(subTaskUsage).as("the sub-task burned").isGreaterThan(50_000);
    assertThat(last.usageUsec()).as("sub-task included")
        .isGreaterThanOrEqualTo(scopeUsage + subTaskUsage - 20_000)
        .as("nothing counted twice")
        .isLessThanOrEqualTo((long) ((scopeUsage + subTaskUsage) * 1.02) + 20_000);
    assertThat(last.userUsec() + last.systemUsec())
        .isCloseTo(last.usageUsec(), org.assertj.core.data.Offset.offset(20_000L));
  }

  @Test
  void poll_jobCreatedDuringTheRun_sampledWithinOnePoll() throws Exception {
    tree.mkdirs(USER);
    start();
    assertThat(receiver.poll().samples()).isEmpty();
    pollAsked.drainPermits();

    Path scope = tree.mkdirs(USER + "/oar-u0-j4243.slice/oar-u0-j4243-p1.scope");
    tree.burnCpu(scope);
    assertThat(pollAsked.tryAcquire(1, TimeUnit.SECONDS))
        .as("inotify reported the job and a poll was asked within the poll interval").isTrue();
    List<Sample> found = samplesOf(receiver.poll(), 4243);
    assertThat(found).singleElement().satisfies(s -> assertThat(s.entity().attributes())
        .contains(entry("oar.job.id", 4243L), entry("oar.job.user", "root")));
  }

  @Test
  void poll_newUserAndOarSlicesWithTheirFirstJob_foundWithinOnePoll() throws Exception {
    start(); // nothing there yet: not even oar.slice
    assertThat(receiver.poll().samples()).isEmpty();
    pollAsked.drainPermits();
    tree.mkdirs("oar.slice/oar-u65534.slice/oar-u65534-j4290.slice/oar-u65534-j4290-p1.scope");
    long deadline = System.nanoTime() + Duration.ofSeconds(1).toNanos();
    List<Sample> found = List.of();
    while (found.isEmpty() && System.nanoTime() < deadline) {
      pollAsked.tryAcquire(100, TimeUnit.MILLISECONDS);
      found = samplesOf(receiver.poll(), 4290);
    }
    assertThat(found).as("found within one poll interval").hasSize(1);
  }

  @Test
  void poll_removedJob_reportedOnceMoreWithItsLastSample_thenGone() throws Exception {
    Path j1 = tree.mkdirs(USER + "/oar-u0-j4250.slice");
    Path j2 = tree.mkdirs(USER + "/oar-u0-j4251.slice");
    tree.burnCpu(tree.mkdirs(USER + "/oar-u0-j4250.slice/oar-u0-j4250-p1.scope"));
    start();
    Thread.sleep(300);
    Sample last = samplesOf(receiver.poll(), 4250).get(0);
    assertThat(last.usageUsec()).isPositive();
    tree.killAll();

    // removed, polled at once (before or after the watcher noticed: same outcome)
    RealCgroupTree.removeTree(j1);
    ScrapeResult once = receiver.poll();
    assertThat(samplesOf(once, 4250)).singleElement()
        .satisfies(s -> assertThat(s.usageUsec()).isGreaterThanOrEqualTo(last.usageUsec()));
    assertThat(samplesOf(once, 4251)).hasSize(1);
    assertThat(samplesOf(receiver.poll(), 4250)).isEmpty();

    // removed, polled after inotify told the watcher
    Sample last2 = samplesOf(receiver.poll(), 4251).get(0);
    RealCgroupTree.removeTree(j2);
    Thread.sleep(500);
    assertThat(samplesOf(receiver.poll(), 4251)).singleElement().isSameAs(last2);
    assertThat(receiver.poll().samples()).isEmpty();
  }

  @Test
  void scheduler_jobLiving3sAt1sPoll_isExported_thenDropped() throws Exception {
    tree.mkdirs(USER);
    start();
    List<long[]> polls = new ArrayList<>(); // {startNanos, usage or -1}
    Thread scheduler = new Thread(() -> {
      // what the agent's scheduler does: every poll_interval, or at once when asked
      while (!Thread.currentThread().isInterrupted()) {
        try {
          pollAsked.tryAcquire(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          return;
        }
        long t = System.nanoTime();
        List<Sample> s = samplesOf(receiver.poll(), 4260);
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
      Path job = tree.mkdirs(USER + "/oar-u0-j4260.slice");
      Process p = tree.burnCpu(tree.mkdirs(USER + "/oar-u0-j4260.slice/oar-u0-j4260-p9.scope"));
      Thread.sleep(3000);
      kernelAtEnd = kernelUsageUsec(job);
      p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      RealCgroupTree.removeTree(job);
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
    List<long[]> withJob = seen.stream().filter(r -> r[1] >= 0).toList();
    assertThat(withJob).as("the 3 s job was exported").hasSizeGreaterThanOrEqualTo(2);
    assertThat(withJob).allSatisfy(r -> assertThat(r[2]).as("once per poll").isEqualTo(1));
    long exported = withJob.stream().mapToLong(r -> r[1]).max().orElse(0);
    assertThat(exported).as("its CPU time, up to at most one poll before its end")
        .isPositive()
        .isGreaterThanOrEqualTo(kernelAtEnd - 1_500_000);
    assertThat(seen.stream().filter(r -> r[0] > removedAt && r[1] >= 0).count())
        .as("reported at most once after its removal").isLessThanOrEqualTo(1);
    assertThat(seen.get(seen.size() - 1)[1]).as("then gone").isEqualTo(-1);
    // contiguous: never gone then back
    int first = seen.indexOf(withJob.get(0));
    int lastIdx = seen.indexOf(withJob.get(withJob.size() - 1));
    assertThat(lastIdx - first + 1).isEqualTo(withJob.size());
  }

  @Test
  void poll_jobEndsBetweenPolls_itsFinalCountersAreReadAtTheEnd() throws Exception {
    Path job = tree.mkdirs(USER + "/oar-u0-j4270.slice");
    Path sub = tree.mkdirs(USER + "/oar-u0-j4270.slice/oar-u0-j4270-t1.slice/p1.scope");
    tree.burnCpu(tree.mkdirs(USER + "/oar-u0-j4270.slice/oar-u0-j4270-p1.scope"));
    tree.burnCpu(sub);
    start();
    long atPoll = samplesOf(receiver.poll(), 4270).get(0).usageUsec();
    Thread.sleep(1000); // burns on, no poll
    tree.killAll(); // the job's last process exits: cgroup.events says populated 0
    long kernelFinal = kernelUsageUsec(job);
    Thread.sleep(300);
    RealCgroupTree.removeTree(job); // OAR removes the slice: the counters are gone
    Sample last = samplesOf(receiver.poll(), 4270).get(0);
    assertThat(kernelFinal).as("it burned after the poll").isGreaterThan(atPoll + 50_000);
    assertThat((double) last.usageUsec()).as("the final counters, not the last poll's")
        .isCloseTo(kernelFinal, org.assertj.core.data.Offset.offset(0.02 * kernelFinal + 20_000));
    assertThat(receiver.poll().samples()).isEmpty();
  }

  @Test
  void poll_realTreeWithDecoys_exactlyTheJobsPresent_eachOnce() throws Exception {
    Path j0 = tree.mkdirs(USER + "/oar-u0-j4280.slice");
    Path j1 = tree.mkdirs("oar.slice/oar-u65534.slice/oar-u65534-j4281.slice");
    tree.burnCpu(tree.mkdirs(USER + "/oar-u0-j4280.slice/oar-u0-j4280-p1.scope"));
    tree.burnCpu(tree.mkdirs(
        "oar.slice/oar-u65534.slice/oar-u65534-j4281.slice/oar-u65534-j4281-t2.slice/x.scope"));
    // not jobs: CPU burnt there must show nowhere
    tree.burnCpu(tree.mkdirs(USER + "/oar-u0-j4280-t1.slice")); // sub-task name, misplaced
    tree.mkdirs("oar.slice/oar-u65534.slice/oar-u0-j4282.slice"); // uid mismatch
    tree.mkdirs("other.slice/oar-u0.slice/oar-u0-j4283.slice"); // not under oar.slice
    tree.mkdirs("deep/er/oar.slice/oar-u0.slice/oar-u0-j4284.slice/oar.slice/oar-u0.slice"
        + "/oar-u0-j4285.slice"); // 4284 is a job; nothing below a job slice is
    start();
    Thread.sleep(500);
    tree.killAll();
    ScrapeResult r = receiver.poll();
    assertThat(r.samples()).extracting(s -> s.entity().attributes().get("oar.job.id"))
        .containsExactlyInAnyOrder(4280L, 4281L, 4284L);
    Sample s0 = samplesOf(r, 4280).get(0);
    Sample s1 = samplesOf(r, 4281).get(0);
    assertThat(s1.entity().attributes()).contains(entry("oar.job.user.id", 65534L),
        entry("oar.job.user", "nobody"));
    assertThat(s0.usageUsec()).isEqualTo(kernelUsageUsec(j0));
    assertThat(s1.usageUsec()).isEqualTo(kernelUsageUsec(j1));
  }
}

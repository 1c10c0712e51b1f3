package io.cgroupotel.receiver.oar3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cgroupotel.cgroupfs.RealCgroupTree;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.ReceiverStartException;
import io.cgroupotel.receiver.Sample;
import io.cgroupotel.receiver.ScrapeResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Oar3ReceiverTest {
  @TempDir Path oarexec;
  private final AtomicInteger pollRequests = new AtomicInteger();
  private final ReceiverContext context =
      new ReceiverContext("node-7", Map.of(), pollRequests::incrementAndGet);

  private Oar3ReceiverConfig config(Path root) {
    return new Oar3ReceiverConfig(root, Duration.ofSeconds(1), "oar", oarexec);
  }

  private static void cgroup(Path dir, long usage, long user, long system) throws Exception {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("cpu.stat"),
        "usage_usec " + usage + "\nuser_usec " + user + "\nsystem_usec " + system + "\n");
  }

  @Test
  void poll_fixtureTree_oneEntityPerJobWithIdsAndUser(@TempDir Path root) throws Exception {
    Path user = root.resolve("deep/oar.slice/oar-u0.slice");
    cgroup(root.resolve("deep/oar.slice"), 1, 1, 0);
    cgroup(user, 1, 1, 0);
    cgroup(user.resolve("oar-u0-j42.slice"), 3_000_000, 2_000_000, 1_000_000);
    cgroup(user.resolve("oar-u0-j42.slice/oar-u0-j42-p77.scope"), 2_000_000, 1, 1);
    cgroup(user.resolve("oar-u0-j42.slice/oar-u0-j42-t1.slice"), 1_000_000, 1, 1);
    cgroup(root.resolve("deep/oar.slice/oar-u5.slice/oar-u6-j9.slice"), 5, 5, 0); // uid mismatch
    Files.writeString(oarexec.resolve("root_42.env"), """
        export OAR_JOB_NAME="train-model"
        OAR_PROJECT_NAME=climate
        OAR_JOB_WALLTIME_SECONDS=3600
        this line is garbage
        """);
    try (Oar3Receiver r = new Oar3Receiver(config(root), context)) {
      r.start();
      assertThat(r.jobIds()).containsExactly(42L);
      ScrapeResult result = r.poll();
      assertThat(result.errors()).isEmpty();
      Sample s = result.samples().get(0);
      assertThat(result.samples()).hasSize(1);
      assertThat(s.usageUsec()).isEqualTo(3_000_000); // the job slice, children not added on top
      assertThat(s.entity().attributes()).containsEntry("oar.job.id", 42L)
          .containsEntry("oar.job.user.id", 0L).containsEntry("oar.job.user", "root")
          .containsEntry("host.name", "node-7").containsEntry("oar.job.name", "train-model")
          .containsEntry("oar.job.project", "climate").containsEntry("oar.job.walltime", 3600L);
    }
  }

  @Test
  void poll_malformedOrMissingEnvFile_jobKeptWithoutMetadata(@TempDir Path root)
      throws Exception {
    Path jobs = root.resolve("oar.slice/oar-u0.slice");
    cgroup(jobs.resolve("oar-u0-j1.slice"), 10, 5, 5);
    cgroup(jobs.resolve("oar-u0-j2.slice"), 10, 5, 5);
    Files.write(oarexec.resolve("root_1.env"), new byte[] {0, (byte) 0xff, '=', '\n', '='});
    Files.writeString(oarexec.resolve("root_1.env.tmp"), "OAR_JOB_NAME=not-this-one\n");
    try (Oar3Receiver r = new Oar3Receiver(config(root), context)) {
      r.start();
      ScrapeResult result = r.poll();
      assertThat(result.samples()).hasSize(2);
      assertThat(result.samples()).allSatisfy(s ->
          assertThat(s.entity().attributes()).doesNotContainKey("oar.job.name")
              .containsKey("oar.job.id"));
    }
  }

  @Test
  void poll_realJobWithSubTask_cpuTimeOfTheJobSliceMatchesKernel() throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-oar")) {
      Path job = tree.mkdirs("oar.slice/oar-u0.slice/oar-u0-j4242.slice");
      Path scope = tree.mkdirs("oar.slice/oar-u0.slice/oar-u0-j4242.slice/oar-u0-j4242-p123.scope");
      Path task = tree.mkdirs(
          "oar.slice/oar-u0.slice/oar-u0-j4242.slice/oar-u0-j4242-t1.slice/oar-u0-j4242-t1-p7.scope");
      Process a = tree.burn(scope);
      Process b = tree.burn(task);
      try (Oar3Receiver r = new Oar3Receiver(config(tree.root()), context)) {
        r.start();
        Thread.sleep(800);
        a.destroyForcibly().waitFor();
        b.destroyForcibly().waitFor();
        Thread.sleep(200);
        ScrapeResult result = r.poll();
        long kernel = RealCgroupTree.usageUsec(job);
        assertThat(result.samples()).hasSize(1);
        Sample s = result.samples().get(0);
        assertThat(s.entity().attributes()).containsEntry("oar.job.id", 4242L)
            .containsEntry("oar.job.user.id", 0L).containsEntry("oar.job.user", "root");
        assertThat(kernel).isGreaterThan(RealCgroupTree.usageUsec(scope));
        assertThat((double) s.usageUsec()).isCloseTo(kernel, Offset.offset(kernel * 0.02 + 20_000));
        assertThat((double) s.userUsec() + s.systemUsec())
            .isCloseTo(kernel, Offset.offset(kernel * 0.02 + 20_000));
      }
    }
  }

  @Test
  void jobs_createdDuringRun_readAtOnceAndShortOnesReportedOnce() throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-oar-live")) {
      tree.mkdirs("oar.slice/oar-u0.slice");
      try (Oar3Receiver r = new Oar3Receiver(config(tree.root()), context)) {
        r.start();
        assertThat(r.poll().samples()).isEmpty();

        Path job = tree.mkdirs("oar.slice/oar-u0.slice/oar-u0-j7.slice");
        await(() -> r.jobIds().contains(7L));
        assertThat(pollRequests.get()).as("a poll is asked for at once").isPositive();
        assertThat(r.poll().samples()).extracting(s -> s.entity().attributes().get("oar.job.id"))
            .containsExactly(7L);

        // a job that lives between two polls only: reported once, with what was read of it
        Path shortJob = tree.mkdirs("oar.slice/oar-u0.slice/oar-u0-j8.slice");
        await(() -> r.jobIds().contains(8L));
        tree.remove(shortJob);
        await(() -> !r.jobIds().contains(8L));
        assertThat(r.poll().samples()).extracting(s -> s.entity().attributes().get("oar.job.id"))
            .containsExactlyInAnyOrder(7L, 8L);
        assertThat(r.poll().samples()).extracting(s -> s.entity().attributes().get("oar.job.id"))
            .containsExactly(7L);

        tree.remove(job);
        await(() -> r.jobIds().isEmpty());
        assertThat(r.poll().samples()).isEmpty();
      }
    }
  }

  @Test
  void create_notCgroup2_refused(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("oar/alice_1234"));
    assertThatThrownBy(() -> new Oar3ReceiverFactory().create(config(dir), context))
        .isInstanceOf(ReceiverStartException.class)
        .hasMessageContaining(dir + " is not cgroup v2")
        .hasMessageContaining("OAR 2.x");
  }

  private static void await(java.util.function.BooleanSupplier condition) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out");
      }
      Thread.sleep(10);
    }
  }
}

package io.cgroupotel.receiver.slurm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;
import static org.awaitility.Awaitility.await;

import io.cgroupotel.cgroupfs.RealV1Tree;
import io.cgroupotel.metrics.Field;
import io.cgroupotel.receiver.Receiver;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.slurm.metadata.SlurmAttributes;
import io.cgroupotel.sampler.Sample;
import io.cgroupotel.sampler.ScrapeResult;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Slurm's cgroup/v1 plugin layout ({@code slurm/uid_<UID>/job_<ID>/step_<N>/task_<T>} under each
 * controller) on REAL v1 controllers of this machine, read through the factory with {@code path}
 * in the v1 cpuacct hierarchy: a burner in one job, memory in another.
 */
@Tag("real-cgroup")
class SlurmV1RealCgroupTest {

  private static Sample job(ScrapeResult r, long id) {
    return r.samples().stream()
        .filter(s -> Long.valueOf(id).equals(s.entity().attributes().get(SlurmAttributes.JOB_ID))
            && !s.entity().attributes().containsKey(SlurmAttributes.STEP_ID))
        .findFirst().orElseThrow(() -> new AssertionError("no job " + id + " in " + r));
  }

  @Test
  void factory_slurmV1Jobs_readAsSlurmJobs() throws Exception {
    try (RealV1Tree tree = RealV1Tree.create("cgroup-otel-slurmv1")) {
      String burn = "slurm/uid_1000/job_42/step_0/task_0";
      String mem = "slurm/uid_1000/job_43/step_batch/task_0";
      tree.mkdirs(burn);
      tree.mkdirs(mem);
      tree.mkdirs("slurm/uid_1000/not_a_job");
      tree.burn(burn);
      tree.start(mem, "sleep 0.3; exec perl -e 'vec($x, (32 << 20) - 1, 8) = 1; sleep 600'");
      SlurmReceiverConfig config = SlurmReceiverConfig.defaults(tree.root("cpuacct"))
          .withScontrol(Optional.empty(), Duration.ofSeconds(1)).withSteps(true);
      try (Receiver r = new SlurmReceiverFactory().create(config,
          ReceiverContext.forTest("node-9"))) {
        System.out.println("slurm on a cgroup/v1 tree: " + r.hierarchyChoice());
        assertThat(r.hierarchyChoice()).startsWith("cgroup v1 at " + tree.root("cpuacct"));
        r.start();
        Thread.sleep(1200);
        long before = tree.usageUsec("slurm/uid_1000/job_42");
        ScrapeResult result = r.poll();
        long kernel = tree.usageUsec("slurm/uid_1000/job_42");
        Sample j42 = job(result, 42);
        System.out.printf("slurm v1 job 42: agent cpu %.3f s (user+system %.3f s), kernel"
                + " cpuacct.usage %.3f..%.3f s; job 43 memory agent %.2f MiB, kernel %.2f MiB;"
                + " attributes %s%n", j42.usageUsec() / 1e6,
            (j42.userUsec() + j42.systemUsec()) / 1e6, before / 1e6, kernel / 1e6,
            job(result, 43).get(Field.MEMORY_CURRENT) / 1048576.0,
            tree.number("memory", "slurm/uid_1000/job_43", "memory.usage_in_bytes", null)
                / 1048576.0, j42.entity().attributes());
        assertThat(result.errors()).isEmpty();
        assertThat(j42.entity().attributes())
            .containsEntry(SlurmAttributes.USER_ID, 1000L)
            .containsEntry(SlurmAttributes.HOST_NAME, "node-9");
        assertThat(j42.usageUsec()).isGreaterThan(200_000).isBetween(before, kernel);
        assertThat((double) j42.userUsec() + j42.systemUsec()).isCloseTo(kernel,
            offset(kernel * 0.02 + 20_000));
        // steps: step_0 of job 42, step_batch of job 43
        assertThat(result.samples()).extracting(s -> s.entity().attributes()
            .get(SlurmAttributes.STEP_ID)).contains("0", "batch");
        await().atMost(Duration.ofSeconds(10)).pollInSameThread()
            .until(() -> job(r.poll(), 43).get(Field.MEMORY_CURRENT) >= 32 << 20);
        assertThat(job(r.poll(), 43).get(Field.MEMORY_CURRENT)).isGreaterThanOrEqualTo(32 << 20);
      }
    }
  }

  /**
   * Multiple-slurmd builds put a node's jobs under {@code slurm_<nodename>/uid_<UID>/job_<ID>}:
   * found by the factory's probe and read as jobs, the UID from the path.
   */
  @Test
  void factory_slurmV1WithNodePrefix_readAsSlurmJobs() throws Exception {
    try (RealV1Tree tree = RealV1Tree.create("cgroup-otel-slurmv1n")) {
      String burn = "slurm_node-9/uid_1001/job_44/step_0/task_0";
      tree.mkdirs(burn);
      tree.burn(burn);
      SlurmReceiverConfig config = SlurmReceiverConfig.defaults(tree.root("cpuacct"))
          .withScontrol(Optional.empty(), Duration.ofSeconds(1));
      assertThat(SlurmTrees.slurmTree(tree.root("cpuacct")))
          .isEqualTo("/slurm_node-9");
      try (Receiver r = new SlurmReceiverFactory().create(config,
          ReceiverContext.forTest("node-9"))) {
        r.start();
        Thread.sleep(600);
        ScrapeResult result = r.poll();
        long kernel = tree.usageUsec("slurm_node-9/uid_1001/job_44");
        Sample j44 = job(result, 44);
        assertThat(result.errors()).isEmpty();
        assertThat(j44.entity().attributes())
            .containsEntry(SlurmAttributes.USER_ID, 1001L)
            .doesNotContainKey(SlurmAttributes.SLUID);
        assertThat(j44.usageUsec()).isGreaterThan(100_000).isLessThanOrEqualTo(kernel);
      }
    }
  }
}

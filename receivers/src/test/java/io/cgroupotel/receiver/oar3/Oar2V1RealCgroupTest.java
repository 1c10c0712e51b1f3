package io.cgroupotel.receiver.oar3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;
import static org.awaitility.Awaitility.await;

import io.cgroupotel.cgroupfs.RealV1Tree;
import io.cgroupotel.metrics.Field;
import io.cgroupotel.receiver.Receiver;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.oar3.metadata.Oar3Attributes;
import io.cgroupotel.sampler.Sample;
import io.cgroupotel.sampler.ScrapeResult;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * OAR 2.5's cgroup v1 layout ({@code oar/<user>_<jobid>} under each controller, as
 * job_resource_manager_cgroups.pl makes it) on REAL v1 controllers of this machine, read through
 * the factory with {@code path} in the v1 cpuacct hierarchy: jobs with a burner and memory.
 */
@Tag("real-cgroup")
class Oar2V1RealCgroupTest {

  private static Sample job(ScrapeResult r, long id) {
    return r.samples().stream()
        .filter(s -> Long.valueOf(id).equals(s.entity().attributes().get(Oar3Attributes.JOB_ID)))
        .findFirst().orElseThrow(() -> new AssertionError("no job " + id + " in " + r));
  }

  @Test
  void factory_oar2JobsOnV1_readAsOarJobs() throws Exception {
    try (RealV1Tree tree = RealV1Tree.create("cgroup-otel-oar2")) {
      tree.mkdirs("oar/alice_4242");
      tree.mkdirs("oar/bob.smith_17");
      tree.mkdirs("oar/not-a-job");
      tree.burn("oar/alice_4242");
      tree.start("oar/bob.smith_17", "sleep 0.3; exec perl -e 'vec($x, (32 << 20) - 1, 8) = 1;"
          + " sleep 600'");
      Path path = tree.root("cpuacct");
      Oar3ReceiverConfig config = Oar3ReceiverConfig.defaults(path);
      try (Receiver r = new Oar3ReceiverFactory().create(config,
          ReceiverContext.forTest("node-7"))) {
        System.out.println("oar3 on OAR 2.5 tree: " + r.hierarchyChoice());
        assertThat(r.hierarchyChoice()).contains("cgroup v1", "cpuacct");
        r.start();
        Thread.sleep(1200);
        ScrapeResult result = r.poll();
        long kernel = tree.usageUsec("oar/alice_4242");
        Sample alice = job(result, 4242);
        Sample bob = job(result, 17);
        System.out.printf("OAR 2 job 4242: agent cpu %.3f s (user+system %.3f s), kernel"
                + " cpuacct.usage %.3f s; job 17 memory agent %.2f MiB, kernel %.2f MiB%n",
            alice.usageUsec() / 1e6, (alice.userUsec() + alice.systemUsec()) / 1e6,
            kernel / 1e6, bob.get(Field.MEMORY_CURRENT) / 1048576.0,
            tree.number("memory", "oar/bob.smith_17", "memory.usage_in_bytes", null)
                / 1048576.0);
        assertThat(result.samples()).hasSize(2);
        assertThat(alice.entity().attributes())
            .containsEntry(Oar3Attributes.JOB_USER, "alice")
            .containsEntry(Oar3Attributes.HOST_NAME, "node-7")
            .doesNotContainKey(Oar3Attributes.JOB_USER_ID);
        assertThat(bob.entity().attributes()).containsEntry(Oar3Attributes.JOB_USER, "bob.smith");
        assertThat(alice.entity().id()).isEqualTo("oar3:/oar/alice_4242");
        assertThat((double) alice.usageUsec()).isCloseTo(kernel, offset(kernel * 0.02 + 20_000));
        assertThat((double) alice.userUsec() + alice.systemUsec()).isCloseTo(kernel,
            offset(kernel * 0.02 + 20_000));
        assertThat(alice.usageUsec()).isGreaterThan(200_000);
        await().atMost(Duration.ofSeconds(10)).pollInSameThread()
            .until(() -> job(r.poll(), 17).get(Field.MEMORY_CURRENT) >= 32 << 20);
        assertThat(job(r.poll(), 17).get(Field.MEMORY_CURRENT)).isGreaterThanOrEqualTo(32 << 20);
        // a job that ends: its directories go (OAR removes them), its last sample is handed over
        tree.killAll();
        for (String c : tree.roots().keySet()) {
          io.cgroupotel.cgroupfs.RealCgroupTree.removeTree(tree.dir(c, "oar/alice_4242"));
        }
        long until = System.nanoTime() + 10_000_000_000L;
        boolean gone = false;
        while (!gone && System.nanoTime() < until) {
          gone = r.poll().samples().stream().noneMatch(s -> Long.valueOf(4242)
              .equals(s.entity().attributes().get(Oar3Attributes.JOB_ID)));
          Thread.sleep(50);
        }
        assertThat(gone).isTrue();
      }
    }
  }
}

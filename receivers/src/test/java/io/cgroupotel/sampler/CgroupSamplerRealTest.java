package io.cgroupotel.sampler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cgroupotel.cgroupfs.RealCgroupTree;
import io.cgroupotel.metrics.MetricGroup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The shared sampler on real cgroups of this host's cgroup2 mount. */
@Tag("real-cgroup")
class CgroupSamplerRealTest {

  /** Every direct child of the root is an entity, named by its directory. */
  static final Classifier CHILDREN = new Classifier() {
    @Override
    public boolean descend(Path relative) {
      return relative.toString().isEmpty();
    }

    @Override
    public Classification classify(Path relative) {
      return relative.getNameCount() == 1 && !relative.toString().isEmpty()
          ? new Classification(EntityKind.CGROUP, Map.of("cgroup.path", "/" + relative))
          : null;
    }
  };

  static CgroupSampler sampler(Path root) {
    return CgroupSampler.builder("test", new V2Hierarchy(root), CHILDREN)
        .groups(Set.of(MetricGroup.CPU, MetricGroup.PRESSURE)).build();
  }

  static Sample only(ScrapeResult r, String name) {
    return r.samples().stream()
        .filter(s -> ("/" + name).equals(s.entity().attributes().get("cgroup.path")))
        .reduce((a, b) -> {
          throw new AssertionError("two samples of " + name + " in one poll");
        }).orElseThrow(() -> new AssertionError("no sample of " + name + " in " + r));
  }

  @Test
  void poll_filesKeptOpen_valuesMoveWithTheKernels() throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-sampler");
        CgroupSampler sampler = sampler(tree.root())) {
      Path busy = tree.mkdirs("busy");
      tree.burn(busy);
      sampler.start();
      long previous = -1;
      for (int i = 0; i < 4; i++) {
        Thread.sleep(200);
        long before = RealCgroupTree.usageUsec(busy);
        long read = only(sampler.poll(), "busy").usageUsec();
        long after = RealCgroupTree.usageUsec(busy);
        assertThat(read).as("the pread of a kept-open cpu.stat sees the kernel's value now")
            .isBetween(before, after);
        assertThat(read).as("and it moves from one poll to the next").isGreaterThan(previous);
        previous = read;
      }
      assertThat(sampler.entities()).singleElement().satisfies(t ->
          assertThat(t.files[0].state).as("cpu.stat kept open").isEqualTo(OpenFile.OPEN));
    }
  }

  @Test
  void descriptors_oneForEachFileRead_backToBaselineWhenTheCgroupsGo() throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-fds");
        CgroupSampler sampler = sampler(tree.root())) {
      sampler.start();
      sampler.poll();
      long baseline = openDescriptors();
      int budgeted = Descriptors.held();
      int n = 40;
      for (int i = 0; i < n; i++) {
        tree.mkdirs("c" + i);
      }
      awaitSize(sampler, n);
      sampler.poll();
      long files = sampler.sources().stream().filter(s -> Files.exists(
          tree.root().resolve("c0").resolve(s.name()))).count();
      long open = openDescriptors() - baseline;
      // each file read kept open, plus cgroup.events pinned for the end watch
      assertThat(open).isBetween((long) n, n * (files + 1) + 10);
      for (int i = 0; i < n; i++) {
        RealCgroupTree.removeTree(tree.root().resolve("c" + i));
      }
      awaitSize(sampler, 0);
      sampler.poll();
      assertThat(openDescriptors() - baseline).as("closed when their cgroups went")
          .isLessThanOrEqualTo(3);
      assertThat(Descriptors.held()).as("and given back to the budget").isEqualTo(budgeted);
    }
  }

  @Test
  void finalCounters_lastProcessExitsThenCgroupRemoved_kernelsFinalValueHandedOver()
      throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-final");
        CgroupSampler sampler = sampler(tree.root())) {
      Path job = tree.mkdirs("job");
      Process burner = tree.burn(job);
      sampler.start();
      long polled = only(sampler.poll(), "job").usageUsec();
      Thread.sleep(800); // the job burns on after the last poll
      burner.destroyForcibly();
      burner.waitFor();
      awaitUnpopulated(job);
      long kernelFinal = RealCgroupTree.usageUsec(job);
      // removed right after, as the kubelet and OAR do (both take well over 50 ms to clean up;
      // the end watch reads within a few ms, but a loaded test machine needs some slack)
      Thread.sleep(50);
      RealCgroupTree.removeTree(job);
      awaitSize(sampler, 0);
      ScrapeResult r = sampler.poll();
      long exported = only(r, "job").usageUsec();
      // the burner ran well after the last poll: without a final read, the 1% check fails
      assertThat(kernelFinal - polled).as("CPU time after the last poll").isGreaterThan(
          Math.max(20_000, kernelFinal / 20));
      assertThat((double) exported).as("final counters within 1%% of the kernel's")
          .isCloseTo(kernelFinal, org.assertj.core.data.Percentage.withPercentage(1));
      assertThat(sampler.poll().samples()).as("handed over once").isEmpty();
    }
  }

  static void awaitUnpopulated(Path cgroup) {
    await("populated 0").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
        .until(() -> Files.readString(cgroup.resolve("cgroup.events")).contains("populated 0"));
  }

  static void awaitSize(CgroupSampler sampler, int n) {
    await("tracking " + n + " cgroups").atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(20)).until(sampler::size, size -> size == n);
  }

  static long openDescriptors() throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    }
  }
}

package io.cgroupotel.sampler;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.cgroupfs.RealV1Tree;
import io.cgroupotel.metrics.Field;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * cgroup v1 CPU time: the kernel's exact total ({@code cpuacct.usage}) split by the ratio of
 * {@code cpuacct.stat}'s ticks, so that user + system = {@code cpuacct.usage}, and neither part
 * ever goes back.
 */
class V1CpuSplitTest {

  private static SampleBuffer buffer(long totalUsec, long userTicksUsec, long systemTicksUsec) {
    SampleBuffer b = new SampleBuffer();
    b.set(Field.CPU_USAGE_USEC, totalUsec);
    b.set(Field.CPU_USER_USEC, userTicksUsec);
    b.set(Field.CPU_SYSTEM_USEC, systemTicksUsec);
    return b;
  }

  private static Sample sample(SampleBuffer b) {
    return new Sample(new io.cgroupotel.sampler.Entity("/job", EntityKind.CGROUP, Map.of()),
        b.values, null, 0);
  }

  @Test
  void splitUsage_sumIsTheKernelTotal_byTheTicksRatio() {
    // the figures: ticks say 2.110 s, cpuacct.usage says 2.119 s
    SampleBuffer b = buffer(2_119_000, 1_690_000, 420_000);
    V1Files.splitUsage(b, null);
    assertThat(b.get(Field.CPU_USER_USEC) + b.get(Field.CPU_SYSTEM_USEC)).isEqualTo(2_119_000);
    assertThat(b.get(Field.CPU_USER_USEC)).isEqualTo(Math.round(2_119_000 * 169.0 / 211));
  }

  @Test
  void splitUsage_ratioShiftsWhileTotalBarelyGrows_neitherPartGoesBack() {
    SampleBuffer first = buffer(1_000_000, 500_000, 500_000);
    V1Files.splitUsage(first, null);
    Sample previous = sample(first);
    // one more system tick, 100 us more in total: the plain ratio would take 2.4 ms off user
    SampleBuffer next = buffer(1_000_100, 500_000, 510_000);
    V1Files.splitUsage(next, previous);
    assertThat(next.get(Field.CPU_USER_USEC)).isGreaterThanOrEqualTo(previous.userUsec());
    assertThat(next.get(Field.CPU_SYSTEM_USEC)).isGreaterThanOrEqualTo(previous.systemUsec());
    assertThat(next.get(Field.CPU_USER_USEC) + next.get(Field.CPU_SYSTEM_USEC))
        .isEqualTo(1_000_100);
  }

  @Test
  void splitUsage_noTickYet_totalIsUserTime_andWithoutUsageTheTicksStay() {
    SampleBuffer b = buffer(4_000, 0, 0);
    V1Files.splitUsage(b, null);
    assertThat(b.get(Field.CPU_USER_USEC)).isEqualTo(4_000);
    assertThat(b.get(Field.CPU_SYSTEM_USEC)).isZero();
    SampleBuffer noUsage = buffer(Sample.ABSENT, 10_000, 20_000);
    V1Files.splitUsage(noUsage, null);
    assertThat(noUsage.get(Field.CPU_USER_USEC)).isEqualTo(10_000);
  }

  @Test
  @Tag("real-cgroup")
  void realV1_burner_userPlusSystemIsCpuacctUsage() throws Exception {
    try (RealV1Tree tree = RealV1Tree.create("cgroup-otel-v1split")) {
      tree.mkdirs("job");
      // user time (the shell's loop) and system time (dd's reads and writes), once the shell
      // has been moved in
      Process burner = tree.start("job", "sleep 0.3; "
          + "dd if=/dev/zero of=/dev/null bs=512 count=400000 2>/dev/null; "
              + "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done");
      burner.waitFor();
      Classifier one = new Classifier() {
        @Override
        public boolean descend(Path relative) {
          return relative.toString().isEmpty();
        }

        @Override
        public Classification classify(Path relative) {
          return relative.toString().equals("job")
              ? new Classification(EntityKind.CGROUP, Map.of("cgroup.path", "/job")) : null;
        }
      };
      try (CgroupSampler sampler = CgroupSampler.builder("cgroup", tree.hierarchy(), one)
          .build()) {
        sampler.start();
        ScrapeResult result = sampler.poll();
        long kernel = tree.usageUsec("job"); // read right after; nothing runs there any more
        long userTicks = tree.number("cpuacct", "job", "cpuacct.stat", "user");
        long systemTicks = tree.number("cpuacct", "job", "cpuacct.stat", "system");
        Sample s = result.samples().get(0);
        System.out.printf("cpuacct.usage %d us; user %d + system %d = %d us; ticks %d + %d%n",
            kernel, s.userUsec(), s.systemUsec(), s.userUsec() + s.systemUsec(), userTicks,
            systemTicks);
        assertThat(s.userUsec() + s.systemUsec()).isEqualTo(kernel);
        assertThat(s.usageUsec()).isEqualTo(kernel);
        assertThat(userTicks).isPositive();
        assertThat(systemTicks).isPositive();
        double ratio = (double) userTicks / (userTicks + systemTicks);
        assertThat((double) s.userUsec() / kernel).isCloseTo(ratio,
            org.assertj.core.data.Offset.offset(1e-6));
        // the ticks alone fall short of the kernel's total (what the split repairs)
        assertThat((userTicks + systemTicks) * 10_000).isLessThanOrEqualTo(kernel);
      }
    }
  }
}

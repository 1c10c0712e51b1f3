package io.cgroupotel.receiver.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;
import static org.awaitility.Awaitility.await;

import io.cgroupotel.cgroupfs.RealV1Tree;
import io.cgroupotel.metrics.Field;
import io.cgroupotel.receiver.HierarchyChoice;
import io.cgroupotel.sampler.IoStats;
import io.cgroupotel.sampler.Sample;
import io.cgroupotel.sampler.ScrapeResult;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The raw receiver on REAL cgroup v1 controllers of this machine (cpuacct, cpu, cpuset, memory,
 * pids, blkio): a burner and a process holding 64 MiB, compared with the kernel's own files.
 */
@Tag("real-cgroup")
class V1RealCgroupTest {
  private static final long MIB = 1024 * 1024;

  private static CgroupReceiver receiver(RealV1Tree tree) {
    CgroupReceiverConfig config = new CgroupReceiverConfig(tree.root("cpuacct"),
        List.of(".", "*"), Duration.ofSeconds(1),
        java.util.EnumSet.allOf(io.cgroupotel.metrics.MetricGroup.class));
    return new CgroupReceiver(config, new HierarchyChoice(tree.hierarchy(), "test tree"),
        () -> {});
  }

  private static Sample sampleOf(ScrapeResult r, String cgroupPath) {
    return r.samples().stream()
        .filter(s -> cgroupPath.equals(s.entity().attributes().get("cgroup.path")))
        .findFirst().orElseThrow(() -> new AssertionError("no sample for " + cgroupPath
            + " in " + r));
  }

  /** {@code MAJ:MIN} of the disk holding {@code file} (the whole disk), or null if none. */
  static String wholeDisk(java.nio.file.Path file) throws java.io.IOException {
    long dev = (Long) java.nio.file.Files.getAttribute(file, "unix:dev");
    long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
    long minor = (dev & 0xff) | ((dev >>> 12) & ~0xffL);
    java.nio.file.Path sys = java.nio.file.Path.of("/sys/dev/block/" + major + ":" + minor);
    if (!java.nio.file.Files.exists(sys)) {
      return null; // not a block device (overlay, tmpfs, ...)
    }
    if (java.nio.file.Files.exists(sys.resolve("partition"))) {
      return java.nio.file.Files.readString(sys.toRealPath().getParent().resolve("dev")).trim();
    }
    return major + ":" + minor;
  }

  @Test
  void poll_v1Burner_cpuTimeMatchesCpuacctUsage() throws Exception {
    try (RealV1Tree tree = RealV1Tree.create("cgroup-otel-v1cpu")) {
      tree.mkdirs("busy");
      tree.mkdirs("idle");
      tree.burn("busy");
      try (CgroupReceiver r = receiver(tree)) {
        r.start();
        assertThat(r.cgroupPaths()).containsExactly("/", "/busy", "/idle");
        Thread.sleep(1500);
        long before = tree.usageUsec("busy");
        ScrapeResult result = r.poll();
        long kernel = tree.usageUsec("busy");
        long kernelUser = tree.number("cpuacct", "busy", "cpuacct.stat", "user") * 10_000;
        long kernelSystem = tree.number("cpuacct", "busy", "cpuacct.stat", "system") * 10_000;
        Sample s = sampleOf(result, "/busy");
        double cpuTime = s.userUsec() + s.systemUsec(); // what cgroup.cpu.time sums to
        System.out.printf("v1 burner: agent cpu.time %.3f s (user %.3f + system %.3f), usage"
                + " %.3f s; kernel cpuacct.usage %.3f s, cpuacct.stat user %.2f system %.2f s%n",
            cpuTime / 1e6, s.userUsec() / 1e6, s.systemUsec() / 1e6, s.usageUsec() / 1e6,
            kernel / 1e6, kernelUser / 1e6, kernelSystem / 1e6);
        assertThat(result.errors()).isEmpty();
        assertThat(s.usageUsec()).isGreaterThan(200_000); // a loaded host gives less than 1.5 s
        // the agent read first, then the kernel: within 2% + 20 ms of it
        assertThat(cpuTime).isCloseTo(kernel, offset(kernel * 0.02 + 20_000));
        assertThat((double) s.usageUsec()).isCloseTo(kernel, offset(kernel * 0.02 + 20_000));
        assertThat(s.usageUsec()).isBetween(before, kernel);
        assertThat(sampleOf(result, "/idle").usageUsec()).isZero();
        // the tree's root holds busy and idle: cpuacct is hierarchical, as v2's cpu.stat
        // (the poll may read the root before /busy: compare with the kernel's value before it)
        assertThat(sampleOf(result, "/").usageUsec()).isGreaterThanOrEqualTo(before);
        // cpuset: the CPUs the test gave it (its parent's)
        if (tree.root("cpuset") != null) {
          assertThat(s.get(Field.CPUSET_CPUS)).isEqualTo(Runtime.getRuntime()
              .availableProcessors());
        }
      }
    }
  }

  @Test
  void poll_v1CfsQuota_limitAndThrottling() throws Exception {
    try (RealV1Tree tree = RealV1Tree.create("cgroup-otel-v1quota")) {
      tree.mkdirs("capped");
      tree.write("cpu", "capped", "cpu.cfs_period_us", "100000");
      tree.write("cpu", "capped", "cpu.cfs_quota_us", "25000");
      tree.burn("capped");
      try (CgroupReceiver r = receiver(tree)) {
        r.start();
        Thread.sleep(1200);
        ScrapeResult result = r.poll();
        Sample s = sampleOf(result, "/capped");
        long kernelThrottled = tree.number("cpu", "capped", "cpu.stat", "throttled_time") / 1000;
        long kernelNr = tree.number("cpu", "capped", "cpu.stat", "nr_throttled");
        System.out.printf("v1 quota 25000/100000: agent limit %d millicores, nr_throttled %d,"
                + " throttled %.3f s, usage %.3f s; kernel nr_throttled %d, throttled_time %.3f s%n",
            s.get(Field.CPU_LIMIT_MILLICORES), s.get(Field.CPU_NR_THROTTLED),
            s.get(Field.CPU_THROTTLED_USEC) / 1e6, s.usageUsec() / 1e6, kernelNr,
            kernelThrottled / 1e6);
        assertThat(s.get(Field.CPU_LIMIT_MILLICORES)).isEqualTo(250);
        assertThat(s.get(Field.CPU_NR_THROTTLED)).isPositive().isLessThanOrEqualTo(kernelNr);
        assertThat(s.get(Field.CPU_NR_PERIODS)).isGreaterThanOrEqualTo(
            s.get(Field.CPU_NR_THROTTLED));
        assertThat(s.get(Field.CPU_THROTTLED_USEC)).isPositive()
            .isLessThanOrEqualTo(kernelThrottled);
        // a quarter of a core at most, over about 1.2 s
        assertThat(s.usageUsec()).isLessThan(600_000);
        // no quota: no limit
        assertThat(sampleOf(result, "/").get(Field.CPU_LIMIT_MILLICORES)).isEqualTo(Sample.ABSENT);
      }
    }
  }

  @Test
  void poll_v1Memory64MiB_matchesUsageInBytesAndStat() throws Exception {
    try (RealV1Tree tree = RealV1Tree.create("cgroup-otel-v1mem")) {
      tree.mkdirs("mem");
      tree.write("memory", "mem", "memory.limit_in_bytes", Long.toString(512 * MIB));
      // allocate after the move: v1 keeps a page's charge where it was first touched
      // a 64 MiB string, zero-filled (so touched) by perl, then held
      tree.start("mem", "sleep 0.3; exec perl -e 'vec($x, (64 << 20) - 1, 8) = 1; sleep 600'");
      await().atMost(Duration.ofSeconds(20))
          .until(() -> tree.number("memory", "mem", "memory.stat", "total_rss") >= 64 * MIB);
      try (CgroupReceiver r = receiver(tree)) {
        r.start();
        ScrapeResult result = r.poll();
        long kernelUsage = tree.number("memory", "mem", "memory.usage_in_bytes", null);
        long kernelRss = tree.number("memory", "mem", "memory.stat", "total_rss");
        long kernelCache = tree.number("memory", "mem", "memory.stat", "total_cache");
        long kernelInactiveFile = tree.number("memory", "mem", "memory.stat",
            "total_inactive_file");
        long kernelPeak = tree.number("memory", "mem", "memory.max_usage_in_bytes", null);
        Sample s = sampleOf(result, "/mem");
        System.out.printf("v1 64 MiB: agent memory.usage %.2f MiB, rss %.2f MiB, file %.2f MiB,"
                + " working_set %.2f MiB, peak %.2f MiB, limit %.0f MiB, pids %d; kernel"
                + " usage_in_bytes %.2f MiB, total_rss %.2f MiB, total_cache %.2f MiB,"
                + " max_usage %.2f MiB%n",
            s.get(Field.MEMORY_CURRENT) / (double) MIB, s.get(Field.MEMORY_ANON) / (double) MIB,
            s.get(Field.MEMORY_FILE) / (double) MIB,
            s.get(Field.MEMORY_WORKING_SET) / (double) MIB,
            s.get(Field.MEMORY_PEAK) / (double) MIB, s.get(Field.MEMORY_LIMIT) / (double) MIB,
            s.get(Field.PIDS_CURRENT), kernelUsage / (double) MIB, kernelRss / (double) MIB,
            kernelCache / (double) MIB, kernelPeak / (double) MIB);
        assertThat(result.errors()).isEmpty();
        assertThat(s.get(Field.MEMORY_ANON)).isBetween(64 * MIB, 80 * MIB);
        // a process at rest: the agent's read and the kernel's just after agree to 1 MiB
        assertThat(s.get(Field.MEMORY_CURRENT)).isGreaterThanOrEqualTo(64 * MIB)
            .isCloseTo(kernelUsage, offset(MIB));
        assertThat(s.get(Field.MEMORY_ANON)).isCloseTo(kernelRss, offset(MIB));
        assertThat(s.get(Field.MEMORY_FILE)).isCloseTo(kernelCache, offset(MIB));
        assertThat(s.get(Field.MEMORY_WORKING_SET)).isCloseTo(
            Math.max(0, kernelUsage - kernelInactiveFile), offset(MIB));
        assertThat(s.get(Field.MEMORY_PEAK)).isGreaterThanOrEqualTo(s.get(Field.MEMORY_CURRENT))
            .isLessThanOrEqualTo(kernelPeak);
        assertThat(s.get(Field.MEMORY_LIMIT)).isEqualTo(512 * MIB);
        assertThat(s.get(Field.MEMORY_OOM_KILL)).isZero();
        assertThat(s.get(Field.MEMORY_PGFAULT)).isPositive();
        if (tree.root("pids") != null) {
          assertThat(s.get(Field.PIDS_CURRENT)).isEqualTo(
              tree.number("pids", "mem", "pids.current", null));
          assertThat(s.get(Field.PIDS_CURRENT)).isPositive();
        }
        // v1 has no PSI: pressure is absent, not zero
        assertThat(s.get(Field.CPU_PRESSURE_SOME_USEC)).isEqualTo(Sample.ABSENT);
        assertThat(s.get(Field.MEMORY_PRESSURE_SOME_USEC)).isEqualTo(Sample.ABSENT);
        // the root of the tree has no limit: the kernel's "unlimited" reads as absent
        assertThat(sampleOf(result, "/").get(Field.MEMORY_LIMIT)).isEqualTo(Sample.ABSENT);
      }
    }
  }

  @Test
  void poll_v1Blkio_matchesTheKernelsFile() throws Exception {
    try (RealV1Tree tree = RealV1Tree.create("cgroup-otel-v1io")) {
      org.junit.jupiter.api.Assumptions.assumeTrue(tree.root("blkio") != null,
          "no blkio controller mounted");
      tree.mkdirs("io");
      java.nio.file.Path file = java.nio.file.Files.createTempFile("v1io", ".bin");
      try {
        // direct I/O reaches the block layer (no page cache), so blkio counts it if the file
        // system is on a block device; recent kernels count only on a disk with a throttle
        // limit set (blk-throttle is activated lazily): set a limit far above what dd does
        String disk = wholeDisk(file);
        if (disk != null) {
          tree.write("blkio", "io", "blkio.throttle.write_bps_device", disk + " 10000000000");
          tree.write("blkio", "io", "blkio.throttle.read_bps_device", disk + " 10000000000");
        }
        Process p = tree.start("io", "sleep 0.3; dd if=/dev/zero of=" + file
            + " bs=1M count=4 oflag=direct 2>/dev/null; dd if=" + file
            + " of=/dev/null bs=1M iflag=direct 2>/dev/null; exec sleep 600");
        Thread.sleep(1500);
        try (CgroupReceiver r = receiver(tree)) {
          r.start();
          Sample s = sampleOf(r.poll(), "/io");
          String bytes = tree.read("blkio", "io", tree.hierarchy().files(
              java.util.EnumSet.allOf(io.cgroupotel.metrics.MetricGroup.class)).stream()
              .filter(f -> f.name().startsWith("blkio.throttle.io_service_bytes")).findFirst()
              .orElseThrow().name());
          IoStats io = s.io();
          System.out.printf("v1 blkio: agent %d device(s)%s; kernel:%n%s", io.size(),
              io.size() == 0 ? "" : ", first " + io.device(0) + " read " + io.readBytes(0)
                  + " B written " + io.writtenBytes(0) + " B", bytes);
          for (int i = 0; i < io.size(); i++) {
            assertThat(bytes).contains(io.device(i) + " Read " + io.readBytes(i));
            assertThat(bytes).contains(io.device(i) + " Write " + io.writtenBytes(i));
          }
          long devices = bytes.lines().filter(l -> l.matches("\\d+:\\d+ Read .*")).count();
          assertThat(io.size()).isEqualTo((int) devices);
          if (disk != null) {
            int i = 0;
            while (i < io.size() && !io.device(i).equals(disk)) {
              i++;
            }
            assertThat(i).as("device %s in %s", disk, bytes).isLessThan(io.size());
            assertThat(io.writtenBytes(i)).isGreaterThanOrEqualTo(4 * MIB);
            assertThat(io.readBytes(i)).isGreaterThanOrEqualTo(4 * MIB);
            assertThat(io.writeOperations(i)).isPositive();
            assertThat(io.readOperations(i)).isPositive();
          }
          p.destroyForcibly();
        }
      } finally {
        java.nio.file.Files.deleteIfExists(file);
      }
    }
  }
}

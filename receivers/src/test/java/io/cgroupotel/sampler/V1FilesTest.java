package io.cgroupotel.sampler;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.metrics.Field;
import io.cgroupotel.metrics.MetricGroup;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class V1FilesTest {
  private final SampleBuffer into = new SampleBuffer();

  private int parse(FileParser p, String text) {
    byte[] b = text.getBytes(StandardCharsets.US_ASCII);
    return p.parse(b, b.length, into);
  }

  @Test
  void cpuacctUsage_nanosecondsToMicroseconds() {
    assertThat(parse(V1Files.CPUACCT_USAGE.parser(), "895913731074\n")).isZero();
    assertThat(into.get(Field.CPU_USAGE_USEC)).isEqualTo(895_913_731);
  }

  @Test
  void cpuacctStat_ticksToMicroseconds() {
    assertThat(parse(V1Files.CPUACCT_STAT.parser(), "user 79523\nsystem 10068\n")).isZero();
    assertThat(into.get(Field.CPU_USER_USEC)).isEqualTo(795_230_000L);
    assertThat(into.get(Field.CPU_SYSTEM_USEC)).isEqualTo(100_680_000L);
  }

  @Test
  void cpuStat_throttledTimeNanosecondsToMicroseconds() {
    assertThat(parse(V1Files.CPU_STAT.parser(), "nr_periods 12\nnr_throttled 5\n"
        + "throttled_time 519000123\nnr_bursts 0\nburst_time 0\n")).isZero();
    assertThat(into.get(Field.CPU_NR_PERIODS)).isEqualTo(12);
    assertThat(into.get(Field.CPU_NR_THROTTLED)).isEqualTo(5);
    assertThat(into.get(Field.CPU_THROTTLED_USEC)).isEqualTo(519_000);
  }

  @Test
  void cfsQuotaThenPeriod_millicores_minusOneIsNoLimit() {
    parse(V1Files.CFS_QUOTA.parser(), "150000\n");
    parse(V1Files.CFS_PERIOD.parser(), "100000\n");
    assertThat(into.get(Field.CPU_LIMIT_MILLICORES)).isEqualTo(1500);
    into.clear();
    parse(V1Files.CFS_QUOTA.parser(), "-1\n");
    parse(V1Files.CFS_PERIOD.parser(), "100000\n");
    assertThat(into.get(Field.CPU_LIMIT_MILLICORES)).isEqualTo(Sample.ABSENT);
  }

  @Test
  void cfsQuotaWithoutPeriod_readsAsAbsentToTheExporter() {
    parse(V1Files.CFS_QUOTA.parser(), "50000\n");
    // pending: below ABSENT, which the producer (raw < 0) skips as absent
    assertThat(into.get(Field.CPU_LIMIT_MILLICORES)).isLessThan(0);
  }

  @Test
  void memoryStat_v1TotalKeys() {
    assertThat(parse(V1Files.MEMORY_STAT.parser(), """
        cache 11390976
        rss 12107776
        pgfault 54626
        total_cache 1059614720
        total_rss 878358528
        total_swap 4096
        total_pgfault 9189373
        total_pgmajfault 550
        total_inactive_file 727703552
        """)).isZero();
    assertThat(into.get(Field.MEMORY_FILE)).isEqualTo(1_059_614_720L);
    assertThat(into.get(Field.MEMORY_ANON)).isEqualTo(878_358_528L);
    assertThat(into.get(Field.MEMORY_INACTIVE_FILE)).isEqualTo(727_703_552L);
    assertThat(into.get(Field.MEMORY_PGFAULT)).isEqualTo(9_189_373L);
    assertThat(into.get(Field.MEMORY_PGMAJFAULT)).isEqualTo(550);
    assertThat(into.get(Field.MEMORY_SWAP_CURRENT)).isEqualTo(4096);
    parse(V1Files.MEMORY_USAGE.parser(), "1000000000\n");
    into.derive();
    assertThat(into.get(Field.MEMORY_WORKING_SET)).isEqualTo(1_000_000_000L - 727_703_552L);
  }

  @Test
  void memoryLimit_unlimitedIsAbsent() {
    parse(V1Files.MEMORY_LIMIT.parser(), "9223372036854771712\n");
    assertThat(into.get(Field.MEMORY_LIMIT)).isEqualTo(Sample.ABSENT);
    parse(V1Files.MEMORY_LIMIT.parser(), "536870912\n");
    assertThat(into.get(Field.MEMORY_LIMIT)).isEqualTo(536_870_912L);
  }

  @Test
  void oomControl_oomKill() {
    parse(V1Files.MEMORY_OOM.parser(), "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");
    assertThat(into.get(Field.MEMORY_OOM_KILL)).isEqualTo(3);
  }

  @Test
  void blkio_bytesThenOperations_mergedPerDevice() {
    assertThat(parse(V1Files.blkioBytes(true).parser(), """
        8:0 Read 4096
        8:0 Write 8192
        8:0 Sync 12288
        8:0 Async 0
        8:0 Discard 0
        8:0 Total 12288
        254:16 Read 1
        254:16 Write 2
        Total 12291
        """)).isZero();
    assertThat(parse(V1Files.blkioOperations(true).parser(), """
        254:16 Read 3
        254:16 Write 4
        8:0 Read 1
        8:0 Write 2
        259:0 Read 7
        Total 10
        """)).isZero();
    IoStats io = into.io();
    assertThat(io.size()).isEqualTo(3);
    assertThat(io.device(0)).isEqualTo("8:0");
    assertThat(io.readBytes(0)).isEqualTo(4096);
    assertThat(io.writtenBytes(0)).isEqualTo(8192);
    assertThat(io.readOperations(0)).isEqualTo(1);
    assertThat(io.writeOperations(0)).isEqualTo(2);
    assertThat(io.device(1)).isEqualTo("254:16");
    assertThat(io.readOperations(1)).isEqualTo(3);
    assertThat(io.device(2)).isEqualTo("259:0");
    assertThat(io.readBytes(2)).isEqualTo(Sample.ABSENT);
    assertThat(io.readOperations(2)).isEqualTo(7);
  }

  @Test
  void blkio_garbledLine_countedAndSkipped() {
    assertThat(parse(V1Files.blkioBytes(false).parser(), "8:0 Read x\n8:0 Write 5\nTotal 5\n"))
        .isEqualTo(1);
    assertThat(into.io().writtenBytes(0)).isEqualTo(5);
    assertThat(into.io().readBytes(0)).isEqualTo(Sample.ABSENT);
  }

  // --- u64 values at the boundary, one test per file kind ---

  private static final String LONG_MAX_PLUS_1 = ParsersTest.LONG_MAX_PLUS_1;
  private static final String U64_MAX_MINUS_1 = ParsersTest.U64_MAX_MINUS_1;
  private static final String U64_MAX = ParsersTest.U64_MAX;
  private static final String U64_OVERFLOW = ParsersTest.U64_OVERFLOW;

  private static long u64(String text) {
    return Long.parseUnsignedLong(text);
  }

  @Test
  void cpuacctUsage_u64Boundary_nanosecondsAboveLongMaxToMicroseconds() {
    assertThat(parse(V1Files.CPUACCT_USAGE.parser(), U64_MAX_MINUS_1 + "\n")).isZero();
    assertThat(into.get(Field.CPU_USAGE_USEC)).isEqualTo(18_446_744_073_709_551L);
    assertThat(parse(V1Files.CPUACCT_USAGE.parser(), LONG_MAX_PLUS_1 + "\n")).isZero();
    assertThat(into.get(Field.CPU_USAGE_USEC)).isEqualTo(9_223_372_036_854_775L);
    into.clear();
    assertThat(parse(V1Files.CPUACCT_USAGE.parser(), U64_MAX + "\n")).isZero();
    assertThat(into.get(Field.CPU_USAGE_USEC)).isEqualTo(Sample.ABSENT);
    assertThat(parse(V1Files.CPUACCT_USAGE.parser(), U64_OVERFLOW + "\n")).isEqualTo(1);
    assertThat(into.get(Field.CPU_USAGE_USEC)).isEqualTo(Sample.ABSENT);
  }

  @Test
  void cpuacctStat_u64Boundary_ticksThatFitAMicrosecondU64Kept() {
    // 10,000 us per tick: 1844674407370955 ticks is the last that fits, one more does not
    assertThat(parse(V1Files.CPUACCT_STAT.parser(), "user 1844674407370955\nsystem "
        + "1844674407370956\n")).isEqualTo(1);
    assertThat(into.get(Field.CPU_USER_USEC)).isEqualTo(u64("18446744073709550000"));
    assertThat(into.get(Field.CPU_SYSTEM_USEC)).isEqualTo(Sample.ABSENT);
  }

  @Test
  void cpuStat_u64Boundary_throttledTimeNearTheTopOfTheRange() {
    assertThat(parse(V1Files.CPU_STAT.parser(), "nr_periods " + LONG_MAX_PLUS_1
        + "\nnr_throttled " + U64_MAX_MINUS_1 + "\nthrottled_time " + U64_MAX_MINUS_1 + "\n"))
        .isZero();
    assertThat(into.get(Field.CPU_NR_PERIODS)).isEqualTo(u64(LONG_MAX_PLUS_1));
    assertThat(into.get(Field.CPU_NR_THROTTLED)).isEqualTo(u64(U64_MAX_MINUS_1));
    assertThat(into.get(Field.CPU_THROTTLED_USEC)).isEqualTo(18_446_744_073_709_551L);
    into.clear();
    assertThat(parse(V1Files.CPU_STAT.parser(), "throttled_time " + U64_OVERFLOW + "\n"))
        .isEqualTo(1);
    assertThat(into.get(Field.CPU_THROTTLED_USEC)).isEqualTo(Sample.ABSENT);
  }

  @Test
  void cfsQuota_u64Boundary_u64MaxAndHugeAreNoLimit() {
    for (String quota : List.of(U64_MAX, LONG_MAX_PLUS_1)) {
      into.clear();
      assertThat(parse(V1Files.CFS_QUOTA.parser(), quota + "\n")).as(quota).isZero();
      assertThat(parse(V1Files.CFS_PERIOD.parser(), "100000\n")).isZero();
      assertThat(into.get(Field.CPU_LIMIT_MILLICORES)).as(quota).isEqualTo(Sample.ABSENT);
    }
    into.clear();
    parse(V1Files.CFS_QUOTA.parser(), "9223372036854775807\n");
    assertThat(parse(V1Files.CFS_PERIOD.parser(), U64_OVERFLOW + "\n")).isEqualTo(1);
    assertThat(into.get(Field.CPU_LIMIT_MILLICORES)).isEqualTo(Sample.ABSENT);
  }

  @Test
  void memoryLimit_u64Boundary_everyUnlimitedFormIsAbsent() {
    // PAGE_COUNTER_MAX pages with 4 KiB and 64 KiB pages, LONG_MAX, above it, U64_MAX
    for (String unlimited : List.of("9223372036854771712", "9223372036854710272",
        "9223372036854775807", LONG_MAX_PLUS_1, U64_MAX_MINUS_1, U64_MAX)) {
      into.clear();
      assertThat(parse(V1Files.MEMORY_LIMIT.parser(), unlimited + "\n")).as(unlimited).isZero();
      assertThat(into.get(Field.MEMORY_LIMIT)).as(unlimited).isEqualTo(Sample.ABSENT);
    }
    assertThat(parse(V1Files.MEMORY_LIMIT.parser(), U64_OVERFLOW + "\n")).isEqualTo(1);
    assertThat(parse(V1Files.MEMORY_LIMIT.parser(), "4611686018427387903\n")).isZero();
    assertThat(into.get(Field.MEMORY_LIMIT)).isEqualTo(4_611_686_018_427_387_903L);
  }

  @Test
  void memoryUsagePeakKmem_u64Boundary() {
    Map<SourceFile, Field> files = Map.of(V1Files.MEMORY_USAGE, Field.MEMORY_CURRENT,
        V1Files.MEMORY_PEAK, Field.MEMORY_PEAK, V1Files.MEMORY_KMEM, Field.MEMORY_KERNEL,
        V1Files.PIDS_CURRENT, Field.PIDS_CURRENT);
    files.forEach((file, field) -> {
      into.clear();
      assertThat(parse(file.parser(), LONG_MAX_PLUS_1 + "\n")).as(file.name()).isZero();
      assertThat(into.get(field)).as(file.name()).isEqualTo(u64(LONG_MAX_PLUS_1));
      assertThat(parse(file.parser(), U64_MAX_MINUS_1 + "\n")).as(file.name()).isZero();
      assertThat(into.get(field)).as(file.name()).isEqualTo(u64(U64_MAX_MINUS_1));
      into.clear();
      assertThat(parse(file.parser(), U64_MAX + "\n")).as(file.name()).isZero();
      assertThat(into.get(field)).as(file.name()).isEqualTo(Sample.ABSENT);
      assertThat(parse(file.parser(), U64_OVERFLOW + "\n")).as(file.name()).isEqualTo(1);
    });
  }

  @Test
  void memoryStatAndOomControl_u64Boundary() {
    assertThat(parse(V1Files.MEMORY_STAT.parser(), "total_cache " + LONG_MAX_PLUS_1
        + "\ntotal_rss " + U64_MAX + "\ntotal_pgfault " + U64_MAX_MINUS_1 + "\ntotal_swap "
        + U64_OVERFLOW + "\n")).isEqualTo(1);
    assertThat(into.get(Field.MEMORY_FILE)).isEqualTo(u64(LONG_MAX_PLUS_1));
    assertThat(into.get(Field.MEMORY_ANON)).isEqualTo(Sample.ABSENT);
    assertThat(into.get(Field.MEMORY_PGFAULT)).isEqualTo(u64(U64_MAX_MINUS_1));
    assertThat(into.get(Field.MEMORY_SWAP_CURRENT)).isEqualTo(Sample.ABSENT);
    assertThat(parse(V1Files.MEMORY_OOM.parser(), "oom_kill_disable 0\nunder_oom 0\noom_kill "
        + LONG_MAX_PLUS_1 + "\n")).isZero();
    assertThat(into.get(Field.MEMORY_OOM_KILL)).isEqualTo(u64(LONG_MAX_PLUS_1));
  }

  @Test
  void blkio_u64Boundary() {
    assertThat(parse(V1Files.blkioBytes(true).parser(), "8:0 Read " + LONG_MAX_PLUS_1
        + "\n8:0 Write " + U64_MAX + "\n8:0 Total " + U64_OVERFLOW + "\n8:16 Read "
        + U64_OVERFLOW + "\nTotal " + U64_MAX_MINUS_1 + "\n")).isEqualTo(2); // both overflows
    assertThat(parse(V1Files.blkioOperations(true).parser(), "8:0 Read " + U64_MAX_MINUS_1
        + "\n")).isZero();
    IoStats io = into.io();
    assertThat(io.device(0)).isEqualTo("8:0");
    assertThat(io.readBytes(0)).isEqualTo(u64(LONG_MAX_PLUS_1));
    assertThat(io.writtenBytes(0)).isEqualTo(Sample.ABSENT);
    assertThat(io.readOperations(0)).isEqualTo(u64(U64_MAX_MINUS_1));
  }

  @Test
  void hierarchy_filesOfMountedControllersOnly_eachFromItsOwnTree(@TempDir Path dir)
      throws Exception {
    Map<String, Path> roots = new LinkedHashMap<>();
    roots.put("cpuacct", Files.createDirectories(dir.resolve("cpuacct")));
    roots.put("memory", Files.createDirectories(dir.resolve("memory")));
    V1Hierarchy h = new V1Hierarchy(roots);
    List<SourceFile> files = h.files(MetricGroup.defaults());
    assertThat(files.get(0).name()).isEqualTo("cpuacct.usage");
    assertThat(files).extracting(SourceFile::controller).containsOnly("cpuacct", "memory");
    assertThat(h.files(java.util.EnumSet.of(MetricGroup.CPU)))
        .extracting(SourceFile::name).containsExactly("cpuacct.usage", "cpuacct.stat");
    Path rel = Path.of("a/b");
    assertThat(h.directory(V1Files.MEMORY_STAT, rel)).isEqualTo(dir.resolve("memory/a/b"));
    assertThat(h.directory(V1Files.CPUACCT_USAGE, Path.of(""))).isEqualTo(dir.resolve("cpuacct"));
    assertThat(h.hasEvents()).isFalse();
    assertThat(h.version()).isEqualTo(1);
    assertThat(h.describe()).contains("cgroup v1 at " + dir.resolve("cpuacct"), "memory");
  }

  @Test
  void hierarchy_blkioWithoutRecursiveFiles_readsThePlainOnes(@TempDir Path dir)
      throws Exception {
    Map<String, Path> roots = Map.of("cpuacct", Files.createDirectories(dir.resolve("a")),
        "blkio", Files.createDirectories(dir.resolve("b")));
    assertThat(new V1Hierarchy(roots).files(java.util.EnumSet.allOf(MetricGroup.class)))
        .extracting(SourceFile::name)
        .contains("blkio.throttle.io_service_bytes", "blkio.throttle.io_serviced");
    Files.writeString(dir.resolve("b/blkio.throttle.io_service_bytes_recursive"), "Total 0\n");
    assertThat(new V1Hierarchy(roots).files(java.util.EnumSet.allOf(MetricGroup.class)))
        .extracting(SourceFile::name)
        .contains("blkio.throttle.io_service_bytes_recursive",
            "blkio.throttle.io_serviced_recursive");
  }
}

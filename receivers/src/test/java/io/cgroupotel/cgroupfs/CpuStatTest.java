package io.cgroupotel.cgroupfs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CpuStatTest {
  @TempDir Path dir;
  private final CgroupFiles files = new CgroupFiles();
  private final CpuStat stat = new CpuStat();

  private ReadStatus read(String content) throws Exception {
    Files.writeString(dir.resolve("cpu.stat"), content);
    return files.readCpuStat(dir, stat);
  }

  @Test
  void readCpuStat_kernelFile_everyKeyKept() throws Exception {
    assertThat(read("usage_usec 1234567\nuser_usec 1000000\nsystem_usec 234567\n"
        + "core_sched.force_idle_usec 0\nnr_periods 5\nnr_throttled 2\nthrottled_usec 77\n"
        + "nr_bursts 0\nburst_usec 0\n")).isEqualTo(ReadStatus.OK);
    assertThat(stat.usageUsec()).isEqualTo(1234567);
    assertThat(stat.userUsec()).isEqualTo(1000000);
    assertThat(stat.systemUsec()).isEqualTo(234567);
    assertThat(stat.get("nr_throttled")).isEqualTo(2);
    assertThat(stat.get("throttled_usec")).isEqualTo(77);
    assertThat(stat.get("core_sched.force_idle_usec")).isZero();
    assertThat(stat.get("nope")).isEqualTo(CpuStat.ABSENT);
    assertThat(stat.garbageLines()).isZero();
  }

  @Test
  void readCpuStat_garbageLines_skippedAndCounted() throws Exception {
    assertThat(read("usage_usec 10\nthis is not a line\nuser_usec -5\nsystem_usec 3\n"
        + "weird\n nr_periods 1\n")).isEqualTo(ReadStatus.OK);
    assertThat(stat.usageUsec()).isEqualTo(10);
    assertThat(stat.userUsec()).isEqualTo(CpuStat.ABSENT);
    assertThat(stat.systemUsec()).isEqualTo(3);
    assertThat(stat.garbageLines()).isEqualTo(4);
  }

  @Test
  void readCpuStat_missingKeys_absent() throws Exception {
    assertThat(read("usage_usec 42\n")).isEqualTo(ReadStatus.OK);
    assertThat(stat.userUsec()).isEqualTo(CpuStat.ABSENT);
    assertThat(stat.systemUsec()).isEqualTo(CpuStat.ABSENT);
  }

  @Test
  void readCpuStat_hugeValues_keptUpToLongMaxAndOverflowSkipped() throws Exception {
    assertThat(read("usage_usec 9223372036854775807\nuser_usec 9223372036854775808\n"))
        .isEqualTo(ReadStatus.OK);
    assertThat(stat.usageUsec()).isEqualTo(Long.MAX_VALUE);
    assertThat(stat.userUsec()).isEqualTo(CpuStat.ABSENT);
    assertThat(stat.garbageLines()).isEqualTo(1);
  }

  @Test
  void readCpuStat_truncatedLastLine_parsedWithoutNewline() throws Exception {
    assertThat(read("usage_usec 5\nuser_usec 3")).isEqualTo(ReadStatus.OK);
    assertThat(stat.userUsec()).isEqualTo(3);
  }

  @Test
  void readCpuStat_emptyOrGarbageOnly_error() throws Exception {
    assertThat(read("")).isEqualTo(ReadStatus.ERROR);
    assertThat(files.lastError()).isEqualTo("empty file");
    assertThat(read("\u0000\u0001garbage\n")).isEqualTo(ReadStatus.ERROR);
    assertThat(files.lastError()).contains("no usage_usec");
  }

  @Test
  void readCpuStat_missingFileOrCgroup_absentOrGone() throws Exception {
    assertThat(files.readCpuStat(dir, stat)).isEqualTo(ReadStatus.ABSENT);
    assertThat(files.readCpuStat(dir.resolve("vanished"), stat)).isEqualTo(ReadStatus.GONE);
  }

  @Test
  void readCpuStat_reused_noStaleValues() throws Exception {
    read("usage_usec 1\nuser_usec 2\nsystem_usec 3\nnr_periods 9\n");
    read("usage_usec 4\n");
    assertThat(stat.userUsec()).isEqualTo(CpuStat.ABSENT);
    assertThat(stat.get("nr_periods")).isEqualTo(CpuStat.ABSENT);
  }

  @Test
  void readCpuStat_largeFile_readWhole() throws Exception {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 500; i++) {
      sb.append("key_").append(i).append(' ').append(i).append('\n');
    }
    sb.append("usage_usec 99\n");
    assertThat(read(sb.toString())).isEqualTo(ReadStatus.OK);
    assertThat(stat.usageUsec()).isEqualTo(99);
    assertThat(stat.get("key_499")).isEqualTo(499);
  }

  @Test
  void readMemoryCurrent_valuesAndGarbage() throws Exception {
    Files.writeString(dir.resolve("memory.current"), "123456789\n");
    assertThat(files.readMemoryCurrent(dir)).isEqualTo(123456789L);
    Files.writeString(dir.resolve("memory.current"), "max\n");
    assertThat(files.readMemoryCurrent(dir)).isEqualTo(-1);
    assertThat(files.lastStatus()).isEqualTo(ReadStatus.ERROR);
    Files.delete(dir.resolve("memory.current"));
    assertThat(files.readMemoryCurrent(dir)).isEqualTo(-1);
    assertThat(files.lastStatus()).isEqualTo(ReadStatus.ABSENT);
  }
}

package io.cgroupotel.cgroupfs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CgroupMountsTest {
  /** This development machine's lines (hybrid, cpu and cpuacct apart). */
  static final String HYBRID = """
      31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
      32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
      33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
      34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
      35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
      38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
      39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
      40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
      41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
      """;
  /** RHEL 8 style pure v1, joint cpu,cpuacct, plus OAR 2.5's own mount of the same hierarchies. */
  static final String V1 = """
      25 18 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:3 - tmpfs tmpfs ro,mode=755
      26 25 0:23 / /sys/fs/cgroup/systemd rw,nosuid shared:4 - cgroup cgroup rw,xattr,release_agent=/usr/lib/systemd/systemd-cgroups-agent,name=systemd
      29 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:7 - cgroup cgroup rw,cpu,cpuacct
      30 25 0:27 / /sys/fs/cgroup/memory rw,nosuid shared:8 - cgroup cgroup rw,memory
      31 25 0:28 / /sys/fs/cgroup/cpuset rw,nosuid shared:9 - cgroup cgroup rw,cpuset
      90 22 0:26 / /dev/oar_cgroups rw,relatime - cgroup none rw,cpuset,cpu,cpuacct,memory
      """;
  static final String V2 = """
      30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
      """;

  @Test
  void parse_hybrid_v2AndEachController() {
    CgroupMounts m = CgroupMounts.parse(HYBRID);
    assertThat(m.layout()).isEqualTo(CgroupMounts.Layout.HYBRID);
    assertThat(m.v2()).contains(Path.of("/sys/fs/cgroup/unified"));
    assertThat(m.cpuAccounting()).contains(Path.of("/sys/fs/cgroup/cpuacct"));
    assertThat(m.v1Controllers()).containsEntry("cpu", Path.of("/sys/fs/cgroup/cpu"))
        .containsEntry("memory", Path.of("/sys/fs/cgroup/memory"))
        .doesNotContainKey("systemd").doesNotContainKey("name=systemd");
    assertThat(m.holdsMounts(Path.of("/sys/fs/cgroup"))).isTrue();
    assertThat(m.holdsMounts(Path.of("/sys/fs"))).isFalse();
    CgroupMounts below = CgroupMounts.parse(HYBRID + "90 22 0:30 / /host/sys/fs/cgroup/cpuacct"
        + " rw - cgroup cgroup rw,cpuacct\n").under(Path.of("/host/sys/fs/cgroup"));
    assertThat(below.layout()).isEqualTo(CgroupMounts.Layout.V1);
    assertThat(below.cpuAccounting()).contains(Path.of("/host/sys/fs/cgroup/cpuacct"));
    assertThat(m.holder(Path.of("/sys/fs/cgroup/memory/a/b")).orElseThrow().controllers())
        .containsExactly("memory");
    assertThat(m.describe()).startsWith("hybrid: cgroup v2 at /sys/fs/cgroup/unified");
  }

  @Test
  void parse_pureV1_jointCpuCpuacct_conventionalPlaceWins() {
    CgroupMounts m = CgroupMounts.parse(V1);
    assertThat(m.layout()).isEqualTo(CgroupMounts.Layout.V1);
    assertThat(m.v2()).isEmpty();
    assertThat(m.cpuAccounting()).contains(Path.of("/sys/fs/cgroup/cpu,cpuacct"));
    assertThat(m.v1Controllers().get("cpu")).isEqualTo(Path.of("/sys/fs/cgroup/cpu,cpuacct"));
    assertThat(m.v1Controllers()).doesNotContainKeys("xattr", "rw");
    // OAR 2.5's mount of the same hierarchies is found, but /sys/fs/cgroup is preferred
    assertThat(m.holder(Path.of("/dev/oar_cgroups/oar/alice_42")).orElseThrow().controllers())
        .contains("cpuacct", "cpuset");
  }

  @Test
  void parse_pureV2_andNone() {
    assertThat(CgroupMounts.parse(V2).layout()).isEqualTo(CgroupMounts.Layout.V2);
    assertThat(CgroupMounts.parse(V2).v2()).contains(Path.of("/sys/fs/cgroup"));
    assertThat(CgroupMounts.parse("").layout()).isEqualTo(CgroupMounts.Layout.NONE);
  }
}

package io.cgroupotel.cgroupfs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cgroup2Test {
  private static final String HYBRID = """
      22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/vda rw
      30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
      31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
      40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
      """;
  private static final String PURE_V2 = """
      22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/vda rw
      30 22 0:27 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate
      """;
  private static final String V1_ONLY = """
      22 1 0:21 / / rw,relatime - ext4 /dev/vda rw
      30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw
      31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
      """;

  @Test
  void findMount_hybridPureAndV1() {
    assertThat(Cgroup2.findMount(Cgroup2.parseMountinfo(HYBRID)))
        .contains(Path.of("/sys/fs/cgroup/unified"));
    assertThat(Cgroup2.findMount(Cgroup2.parseMountinfo(PURE_V2)))
        .contains(Path.of("/sys/fs/cgroup"));
    assertThat(Cgroup2.findMount(Cgroup2.parseMountinfo(V1_ONLY))).isEmpty();
  }

  @Test
  void parseMountinfo_escapedSpaces() {
    List<Cgroup2.Mount> mounts = Cgroup2.parseMountinfo(
        "40 30 0:37 / /mnt/my\\040cgroups rw,relatime - cgroup2 cgroup2 rw\n");
    assertThat(mounts).singleElement()
        .isEqualTo(new Cgroup2.Mount(Path.of("/mnt/my cgroups"), "cgroup2", "rw"));
  }

  @Test
  void problemWith_tempDir_namesPathAndType(@TempDir Path dir) {
    assertThat(Cgroup2.problemWith(dir)).hasValueSatisfying(m -> assertThat(m)
        .startsWith(dir + " is not cgroup v2").contains("expected cgroup2"));
  }

  @Test
  void problemWith_missingPath_saysSo() {
    assertThat(Cgroup2.problemWith(Path.of("/no/such/dir")))
        .hasValueSatisfying(m -> assertThat(m).contains("/no/such/dir").contains("not exist"));
  }

  @Test
  void problemWith_thisHostsMount_none() {
    // on a host with cgroup v2 (this project's CI), the mount it finds is usable
    Cgroup2.findMount().ifPresent(mount -> assertThat(Cgroup2.problemWith(mount)).isEmpty());
    if ("true".equals(System.getenv("CI"))) {
      assertThat(Cgroup2.findMount()).isPresent();
    }
  }

  @Test
  void problemWith_v1Hierarchy_saysV1() {
    Path cpu = Path.of("/sys/fs/cgroup/cpu");
    if (cpu.toFile().isDirectory()) {
      assertThat(Cgroup2.problemWith(cpu, Cgroup2.parseMountinfo(HYBRID)))
          .hasValueSatisfying(m -> assertThat(m).contains("cgroup v1")
              .contains("mounted at /sys/fs/cgroup/unified"));
    }
  }
}

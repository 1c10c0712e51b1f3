package io.cgroupotel.receiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cgroupotel.cgroupfs.CgroupMounts;
import io.cgroupotel.config.ConfigDocument;
import io.cgroupotel.sampler.V1Hierarchy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which hierarchy a receiver reads, on fixture mount tables over temp directories. */
class HierarchyChoiceTest {
  @TempDir Path dir;
  Path cg;
  CgroupMounts hybrid;
  CgroupMounts v1only;

  @BeforeEach
  void mounts() throws Exception {
    cg = dir.resolve("cg");
    for (String c : new String[] {"cpuacct", "cpu", "memory", "unified"}) {
      Files.createDirectories(cg.resolve(c));
    }
    String v1 = """
        32 31 0:29 / %1$s/cpu rw - cgroup cgroup rw,cpu
        33 31 0:30 / %1$s/cpuacct rw - cgroup cgroup rw,cpuacct
        35 31 0:32 / %1$s/memory rw - cgroup cgroup rw,memory
        """.formatted(cg);
    hybrid = CgroupMounts.parse(v1 + "41 31 0:38 / " + cg + "/unified rw - cgroup2 cgroup2 rw\n");
    v1only = CgroupMounts.parse(v1);
  }

  private static Function<Path, String> kubepods() {
    return root -> Files.isDirectory(root.resolve("kubepods")) ? "kubepods" : null;
  }

  @Test
  void hybrid_layoutNowhere_v1ForTheAccounting() throws Exception {
    HierarchyChoice c = HierarchyChoice.choose(hybrid, "receivers.k8s", null,
        HierarchyChoice.ALL_VERSIONS, kubepods());
    assertThat(c.hierarchy().version()).isEqualTo(1);
    assertThat(c.hierarchy().root()).isEqualTo(cg.resolve("cpuacct"));
    assertThat(((V1Hierarchy) c.hierarchy()).roots()).containsEntry("memory",
        cg.resolve("memory"));
    assertThat(c.why()).contains("hybrid", "v1 chosen", "accounted in the v1 controllers");
  }

  @Test
  void hybrid_layoutOnlyInV2_v2() throws Exception {
    Files.createDirectories(cg.resolve("unified/kubepods"));
    HierarchyChoice c = HierarchyChoice.choose(hybrid, "receivers.k8s", cg,
        HierarchyChoice.ALL_VERSIONS, kubepods());
    assertThat(c.hierarchy().version()).isEqualTo(2);
    assertThat(c.hierarchy().root()).isEqualTo(cg.resolve("unified"));
    assertThat(c.why()).contains("kubepods in the v2 tree, none in the v1");
  }

  @Test
  void hybrid_layoutInBoth_v1Preferred() throws Exception {
    Files.createDirectories(cg.resolve("unified/kubepods"));
    Files.createDirectories(cg.resolve("cpuacct/kubepods"));
    HierarchyChoice c = HierarchyChoice.choose(hybrid, "receivers.k8s", null,
        HierarchyChoice.ALL_VERSIONS, kubepods());
    assertThat(c.hierarchy().version()).isEqualTo(1);
    assertThat(c.why()).contains("v1 preferred");
  }

  @Test
  void hybrid_v2Only_v2EvenWithTheLayoutInV1() throws Exception {
    Files.createDirectories(cg.resolve("cpuacct/kubepods"));
    HierarchyChoice c = HierarchyChoice.choose(hybrid, "receivers.k8s", null, Set.of(2),
        kubepods());
    assertThat(c.hierarchy().version()).isEqualTo(2);
  }

  @Test
  void pureV1_v2Only_refusedAsTheSeedDid() {
    assertThatThrownBy(() -> HierarchyChoice.choose(v1only, "receivers.oar3", null, Set.of(2),
        kubepods()))
        .isInstanceOf(ReceiverStartException.class)
        .hasMessageContaining("receivers.oar3.path: /sys/fs/cgroup")
        .hasMessageContaining("is not cgroup v2")
        .hasMessageContaining("cgroup_versions = [\"v2\"] allows cgroup v2 only");
  }

  @Test
  void pathInAV1Controller_sameSubdirectoryInEachController() throws Exception {
    for (String c : new String[] {"cpuacct", "cpu", "memory"}) {
      Files.createDirectories(cg.resolve(c).resolve("kubepods"));
    }
    HierarchyChoice c = HierarchyChoice.choose(v1only, "receivers.k8s",
        cg.resolve("memory/kubepods"), HierarchyChoice.ALL_VERSIONS, kubepods());
    assertThat(((V1Hierarchy) c.hierarchy()).roots()).isEqualTo(Map.of(
        "cpuacct", cg.resolve("cpuacct/kubepods"), "cpu", cg.resolve("cpu/kubepods"),
        "memory", cg.resolve("memory/kubepods")));
    assertThat(c.why()).contains("path is in the cgroup v1 memory hierarchy", "/kubepods");
  }

  @Test
  void pathOnV2_butOnlyV1Allowed_refused() {
    assertThatThrownBy(() -> HierarchyChoice.choose(hybrid, "receivers.cgroup",
        cg.resolve("unified"), Set.of(1), kubepods()))
        .hasMessageContaining(cg.resolve("unified") + " is cgroup v2")
        .hasMessageContaining("leaves v2 out");
  }

  @Test
  void pathNotACgroupTree_refusedNamingIt() {
    Path other = dir.resolve("elsewhere");
    assertThatThrownBy(() -> HierarchyChoice.choose(hybrid, "receivers.cgroup", other,
        HierarchyChoice.ALL_VERSIONS, kubepods()))
        .hasMessageContaining(other.toString()).hasMessageContaining("is not cgroup v2");
  }

  @Test
  void hostTreeSeenFromAContainer_theMountsBelowPathAreRead() throws Exception {
    Path host = dir.resolve("host/cg");
    for (String c : new String[] {"cpuacct", "memory", "unified"}) {
      Files.createDirectories(host.resolve(c));
    }
    CgroupMounts both = CgroupMounts.parse("""
        33 31 0:30 / %1$s/cpuacct rw - cgroup cgroup rw,cpuacct
        35 31 0:32 / %1$s/memory rw - cgroup cgroup rw,memory
        41 31 0:38 / %1$s/unified rw - cgroup2 cgroup2 rw
        53 51 0:30 / %2$s/cpuacct rw - cgroup cgroup rw,cpuacct
        55 51 0:32 / %2$s/memory rw - cgroup cgroup rw,memory
        61 51 0:38 / %2$s/unified rw - cgroup2 cgroup2 rw
        """.formatted(cg, host));
    HierarchyChoice c = HierarchyChoice.choose(both, "receivers.k8s", host,
        HierarchyChoice.ALL_VERSIONS, kubepods());
    assertThat(((V1Hierarchy) c.hierarchy()).roots()).isEqualTo(Map.of(
        "cpuacct", host.resolve("cpuacct"), "memory", host.resolve("memory")));
    Files.createDirectories(host.resolve("unified/kubepods"));
    assertThat(HierarchyChoice.choose(both, "receivers.k8s", host, HierarchyChoice.ALL_VERSIONS,
        kubepods()).hierarchy().root()).isEqualTo(host.resolve("unified"));
  }

  @Test
  void parseVersions_listOfV1V2_errorsPositioned() {
    ConfigDocument doc = ConfigDocument.parse("a.toml", """
        [receivers.k8s]
        cgroup_versions = ["v2", "v3"]
        """, Map.of());
    Set<Integer> v = HierarchyChoice.parseVersions(doc.root().section("receivers")
        .section("k8s"));
    assertThat(v).containsExactly(2);
    assertThat(doc.errors()).singleElement().asString()
        .contains("a.toml:2:", "receivers.k8s.cgroup_versions", "\"v3\"");
  }
}

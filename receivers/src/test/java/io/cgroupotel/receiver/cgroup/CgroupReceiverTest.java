package io.cgroupotel.receiver.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cgroupotel.cgroupfs.RealCgroupTree;
import io.cgroupotel.config.ConfigDocument;
import io.cgroupotel.config.ConfigException;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.ReceiverStartException;
import io.cgroupotel.sampler.Sample;
import io.cgroupotel.sampler.ScrapeResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CgroupReceiverTest {

  private static CgroupReceiverConfig config(Path root, String... include) {
    return new CgroupReceiverConfig(root, List.of(include), Duration.ofSeconds(1));
  }

  private static Sample sampleOf(ScrapeResult r, String cgroupPath) {
    return r.samples().stream()
        .filter(s -> cgroupPath.equals(s.entity().attributes().get("cgroup.path")))
        .findFirst().orElseThrow(() -> new AssertionError("no sample for " + cgroupPath));
  }

  @Test
  void poll_fixtureTree_includeGlobsChooseTheCgroups(@TempDir Path root) throws Exception {
    for (String dir : List.of("", "system.slice", "system.slice/ssh.service",
        "system.slice/ssh.service/inner", "system.slice/foo.mount", "user.slice")) {
      Files.createDirectories(root.resolve(dir));
      Files.writeString(root.resolve(dir).resolve("cpu.stat"),
          "usage_usec 3000000\nuser_usec 2000000\nsystem_usec 1000000\n");
    }
    Files.writeString(root.resolve("user.slice/memory.current"), "4096\n");
    try (CgroupReceiver r = new CgroupReceiver(config(root, CgroupReceiverConfig.DEFAULT_INCLUDE
        .toArray(String[]::new)))) {
      r.start();
      assertThat(r.cgroupPaths()).containsExactly("/", "/system.slice",
          "/system.slice/ssh.service", "/user.slice");
      ScrapeResult result = r.poll();
      assertThat(result.errors()).isEmpty();
      assertThat(result.samples()).hasSize(4);
      Sample user = sampleOf(result, "/user.slice");
      assertThat(user.userUsec()).isEqualTo(2_000_000);
      assertThat(user.systemUsec()).isEqualTo(1_000_000);
      assertThat(user.memoryBytes()).isEqualTo(4096);
      assertThat(sampleOf(result, "/").memoryBytes()).isEqualTo(Sample.ABSENT);
    }
  }

  @Test
  void poll_garbledAndUnreadable_reportedAndRetained(@TempDir Path root) throws Exception {
    Files.createDirectories(root.resolve("good"));
    Files.createDirectories(root.resolve("bad"));
    Files.writeString(root.resolve("good/cpu.stat"), "usage_usec 1\nuser_usec 1\nsystem_usec 0\n");
    Files.writeString(root.resolve("bad/cpu.stat"), "\u0000garbage\n");
    try (CgroupReceiver r = new CgroupReceiver(config(root, "*"))) {
      r.start();
      ScrapeResult result = r.poll();
      assertThat(result.samples()).extracting(s -> s.entity().attributes().get("cgroup.path"))
          .containsExactly("/good");
      assertThat(result.retained()).extracting(e -> e.attributes().get("cgroup.path"))
          .containsExactly("/bad");
      assertThat(result.errors()).singleElement().asString()
          .startsWith("reading cpu.stat for cgroup /bad: no usage_usec");
    }
  }

  @Test
  @Tag("real-cgroup")
  void poll_realCgroup_cpuTimeMatchesKernel() throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-raw")) {
      Path busy = tree.mkdirs("busy");
      tree.mkdirs("idle");
      tree.burn(busy);
      io.cgroupotel.receiver.Receiver r = new CgroupReceiverFactory().create(config(tree.root(), ".", "*"),
          ReceiverContext.forTest("node"));
      try (r) {
        r.start();
        Thread.sleep(700);
        ScrapeResult result = r.poll();
        long kernel = RealCgroupTree.usageUsec(busy);
        Sample s = sampleOf(result, "/busy");
        assertThat(result.samples()).hasSize(3);
        assertThat(s.usageUsec()).isPositive();
        // the agent read first, then the kernel: within 2% + 20 ms of it
        assertThat((double) s.usageUsec()).isCloseTo(kernel,
            org.assertj.core.data.Offset.offset(kernel * 0.02 + 20_000));
        assertThat((double) s.userUsec() + s.systemUsec()).isCloseTo(s.usageUsec(),
            org.assertj.core.data.Offset.offset(s.usageUsec() * 0.02 + 20_000));
        assertThat(sampleOf(result, "/idle").usageUsec()).isZero();
      }
    }
  }

  @Test
  void create_notCgroup2_refusedNamingThePath(@TempDir Path dir) {
    assertThatThrownBy(() -> new CgroupReceiverFactory().create(config(dir, "*"),
        ReceiverContext.forTest("node")))
        .isInstanceOf(ReceiverStartException.class)
        .hasMessageContaining(dir.toString())
        .hasMessageContaining("is not cgroup v2");
  }

  @Test
  void parseConfig_badValues_positionedErrors() {
    ConfigDocument doc = ConfigDocument.parse("a.toml", """
        [receivers.cgroup]
        include = ["system.slice/{a,b"]
        poll_interval = "fast"
        """, Map.of());
    new CgroupReceiverFactory().parseConfig(doc.root().section("receivers").section("cgroup"));
    assertThatThrownBy(doc::finish).isInstanceOf(ConfigException.class)
        .hasMessageContaining("a.toml:2:1: receivers.cgroup.include: bad glob")
        .hasMessageContaining("a.toml:3:1: receivers.cgroup.poll_interval: bad duration");
  }
}

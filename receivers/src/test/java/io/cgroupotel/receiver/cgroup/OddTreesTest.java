package io.cgroupotel.receiver.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.sampler.ScrapeResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trees a real host can have and a careless walker trips on. */
class OddTreesTest {

  private static void cgroup(Path dir) throws Exception {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("cpu.stat"), "usage_usec 7\nuser_usec 4\nsystem_usec 3\n");
  }

  private static CgroupReceiver receiver(Path root, String... include) {
    return new CgroupReceiver(new CgroupReceiverConfig(root, List.of(include),
        Duration.ofSeconds(1)));
  }

  @Test
  void walk_oddNamesSymlinkLoopAndDeepTree_survivedAndRead(@TempDir Path root) throws Exception {
    cgroup(root.resolve("with space.service"));
    cgroup(root.resolve("x".repeat(250)));
    cgroup(root.resolve("quote\"and\\backslash"));
    cgroup(root.resolve("normal"));
    Files.createSymbolicLink(root.resolve("normal/loop"), root); // followed, it never ends
    Path deep = root.resolve("deep");
    for (int i = 0; i < 300; i++) {
      deep = deep.resolve("d" + i);
    }
    cgroup(deep);
    // a name that is not UTF-8, made the way a shell would
    new ProcessBuilder("sh", "-c", "mkdir \"$(printf 'bad\\377name')\"")
        .directory(root.toFile()).start().waitFor();

    try (CgroupReceiver r = receiver(root, "**")) {
      r.start();
      ScrapeResult result = r.poll();
      assertThat(r.cgroupPaths()).contains("/with space.service", "/" + "x".repeat(250),
          "/quote\"and\\backslash", "/normal").doesNotContain("/normal/loop");
      assertThat(r.cgroupPaths().stream().filter(p -> p.endsWith("/d299"))).hasSize(1);
      assertThat(result.samples()).extracting(s -> s.entity().attributes().get("cgroup.path"))
          .contains("/with space.service", "/normal");
      assertThat(result.samples()).allSatisfy(s -> assertThat(s.usageUsec()).isEqualTo(7));
    }
  }
}

package io.cgroupotel.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import io.cgroupotel.cgroupfs.RealCgroupTree;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code --check} says what each metric group found, on real cgroups. */
@Tag("real-cgroup")
class CheckGroupsTest {
  @TempDir Path dir;

  /**
   * On this host's real cgroup2 mount: cpu.stat and the PSI files in every cgroup, no memory, io
   * or pids controller.
   */
  @Test
  void check_everyGroupOnRealCgroups_saysWhatEachFound() throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-groups")) {
      tree.mkdirs("a");
      tree.mkdirs("b");
      String printed = check(tree.root());
      assertThat(printed)
          .contains("receiver cgroup: ok, 2 entities found")
          // the metrics as they are exported, not the sampler's field names
          .contains("  metrics cpu: 2 of 2 entities: cgroup.cpu.time, cgroup.cpu.usage\n")
          .contains("  metrics memory: 0 of 2 entities: nothing (its controller is not enabled")
          .contains("  metrics pressure: 2 of 2 entities: cgroup.cpu.pressure, "
              + "cgroup.memory.pressure, cgroup.io.pressure")
          .doesNotContain("_usec")
          .contains("  metrics io: 0 of 2 entities: nothing")
          .contains("  metrics pids: 0 of 2 entities: nothing");
    }
  }

  private String check(Path root) throws Exception {
    Path config = dir.resolve("agent.toml");
    Files.writeString(config, """
        [receivers.cgroup]
        path = "%s"
        include = ["*"]
        metrics = ["cpu", "memory", "pressure", "io", "pids"]
        [exporters.file]
        path = "%s"
        """.formatted(root, dir.resolve("out.jsonl")));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Main main = new Main(Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    int code = new CommandLine(main).execute("--check", "--config", config.toString());
    String printed = out.toString(StandardCharsets.UTF_8);
    System.out.println(printed);
    assertThat(code).isEqualTo(Main.OK);
    return printed;
  }
}

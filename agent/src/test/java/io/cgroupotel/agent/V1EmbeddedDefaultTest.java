package io.cgroupotel.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.agent.cli.Main;
import io.cgroupotel.cgroupfs.CgroupMounts;
import io.cgroupotel.cgroupfs.RealV1Tree;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The embedded default (no --config) on this host: on a v1 or hybrid host it reads the v1
 * controllers, so it shows the machine's real top-level cgroups (here: one the test makes, with
 * a burner) and the whole machine's CPU and memory at the root, not the idle v2 root.
 */
@Tag("real-cgroup")
class V1EmbeddedDefaultTest {

  @Test
  void once_embeddedDefaultOnV1OrHybridHost_showsTheV1TopLevelCgroups() throws Exception {
    try (RealV1Tree tree = RealV1Tree.create("cgroup-otel-default")) {
      tree.burn("");
      Thread.sleep(300);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      PrintStream console = System.out;
      int code;
      try {
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        Main main = new Main(Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
        code = new CommandLine(main).execute("--once");
        main = new Main(Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
        new CommandLine(main).execute("--check");
      } finally {
        System.setOut(console);
      }
      String text = out.toString(StandardCharsets.UTF_8);
      String mine = block(text, "cgroup.path=/" + tree.name());
      String root = block(text, "cgroup.path=/");
      System.out.println("embedded default, the test's top-level v1 cgroup:\n" + mine);
      System.out.println("embedded default, the root:\n" + root);
      System.out.println(text.lines().filter(l -> l.startsWith("receiver cgroup"))
          .collect(java.util.stream.Collectors.joining("\n")));
      assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
      // the default groups (cpu, memory), from the v1 cpuacct and memory trees
      assertThat(mine).contains("cgroup.cpu.time{cpu.mode=user}", "cgroup.memory.usage");
      assertThat(root).contains("cgroup.cpu.time{cpu.mode=user}", "cgroup.memory.usage");
      assertThat(root).doesNotContain("pressure");
      CgroupMounts.Layout layout = CgroupMounts.read().layout();
      if (layout == CgroupMounts.Layout.HYBRID || layout == CgroupMounts.Layout.V1) {
        assertThat(text).contains("receiver cgroup: reads cgroup v1 at "
            + CgroupMounts.read().cpuAccounting().orElseThrow());
      }
    }
  }

  @Test
  void once_cgroupVersionsV2_pathInAV1Controller_exit2NamingThePathAndWhy(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    try (RealV1Tree tree = RealV1Tree.create("cgroup-otel-v2only")) {
      java.nio.file.Path file = dir.resolve("agent.toml");
      java.nio.file.Files.writeString(file, """
          [receivers.cgroup]
          path = "%s"
          cgroup_versions = ["v2"]
          [exporters.console]
          """.formatted(tree.root("cpuacct")));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      Main main = new Main(Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
          new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = new CommandLine(main).execute("--once", "--config", file.toString());
      String message = err.toString(StandardCharsets.UTF_8);
      System.out.println("cgroup_versions = [\"v2\"] on a v1 path: exit " + code + ": " + message);
      assertThat(code).isEqualTo(Main.BAD_CONFIG);
      assertThat(message).contains("receivers.cgroup.path: " + tree.root("cpuacct")
          + " is not cgroup v2", "file system type cgroup", "this is a cgroup v1 hierarchy",
          "cgroup_versions = [\"v2\"] allows cgroup v2 only");
      // the same path with both versions allowed: read as v1
      java.nio.file.Files.writeString(file, """
          [receivers.cgroup]
          path = "%s"
          [exporters.console]
          """.formatted(tree.root("cpuacct")));
      out.reset();
      main = new Main(Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
          new PrintStream(err, true, StandardCharsets.UTF_8));
      new CommandLine(main).execute("--check", "--config", file.toString());
      assertThat(out.toString(StandardCharsets.UTF_8))
          .contains("receiver cgroup: reads cgroup v1 at " + tree.root("cpuacct"));
    }
  }

  /** The lines of one resource in the console output, from its header to the next one. */
  private static String block(String text, String header) {
    StringBuilder sb = new StringBuilder();
    boolean in = false;
    for (String line : text.split("\n")) {
      if (line.equals("  " + header)) {
        in = true;
        sb.setLength(0);
        continue;
      }
      if (in) {
        if (!line.startsWith("    ")) {
          break;
        }
        sb.append(line).append('\n');
      }
    }
    return sb.toString();
  }
}

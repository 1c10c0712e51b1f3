package io.cgroupotel.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.agent.cli.Main;
import io.cgroupotel.cgroupfs.RealCgroupTree;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code --check} says what the file exporter would refuse at start, and why. */
@Tag("real-cgroup")
class FileExporterCheckTest {
  @TempDir Path dir;

  @Test
  void check_symlinkPathOrOpenDirectory_failedWithWhy() throws Exception {
    Path target = Files.writeString(dir.resolve("shadow"), "precious\n");
    Path link = Files.createSymbolicLink(dir.resolve("metrics.jsonl"), target);
    Path open = Files.createDirectory(dir.resolve("open"));
    Files.setAttribute(open, "unix:mode", 0777);
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-filecheck")) {
      for (Path path : new Path[] {link, open.resolve("m.jsonl")}) {
        Path config = Files.writeString(dir.resolve("agent.toml"), """
            [receivers.cgroup]
            path = "%s"
            [exporters.file]
            path = "%s"
            """.formatted(tree.root(), path));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        int exit = new CommandLine(new Main(Map.of(), print, print))
            .execute("--check", "--config", config.toString());
        String text = out.toString(StandardCharsets.UTF_8);
        System.out.println(text);
        assertThat(exit).isEqualTo(Main.BAD_CONFIG);
        assertThat(text).contains("exporter file: " + path + " FAILED: ")
            .contains(path == link ? "symbolic link" : "writable by every user");
      }
    }
    assertThat(Files.readString(target)).isEqualTo("precious\n");
  }

  @Test
  void twoAgentsOnOneFile_secondRefusedExit2() throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-filelock")) {
      Path out = dir.resolve("metrics.jsonl");
      Path config = Files.writeString(dir.resolve("agent.toml"), """
          [agent]
          export_interval = "1s"
          [receivers.cgroup]
          path = "%s"
          [exporters.file]
          path = "%s"
          """.formatted(tree.root(), out));
      Process first = ChildAgent.start(dir, "--config", config.toString());
      ChildAgent.Log firstLog = ChildAgent.log(first);
      try {
        assertThat(firstLog.await("started", java.time.Duration.ofSeconds(30)))
            .as(firstLog.text()).isTrue();
        Process second = ChildAgent.start(dir, "--config", config.toString());
        ChildAgent.Log secondLog = ChildAgent.log(second);
        try {
          assertThat(second.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
          System.out.println("second agent: exit " + second.exitValue() + "\n"
              + secondLog.text());
          assertThat(second.exitValue()).isEqualTo(Main.BAD_CONFIG);
          assertThat(secondLog.text()).contains("another writer holds the lock on " + out);
        } finally {
          second.destroyForcibly();
        }
        assertThat(first.isAlive()).as("the first one goes on").isTrue();
      } finally {
        ChildAgent.signal(first, "TERM");
        first.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        first.destroyForcibly();
      }
      for (String line : Files.readAllLines(out)) {
        assertThat(line).startsWith("{\"resourceMetrics\"").endsWith("}");
      }
    }
  }
}

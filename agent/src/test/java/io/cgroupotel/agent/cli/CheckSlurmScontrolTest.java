package io.cgroupotel.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.cgroupfs.RealCgroupTree;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code --check} with the slurm receiver whose scontrol fails at once: it says what failed and
 * the command's own error (control bytes escaped, credentials masked), at once, not that a
 * metadata source "did not answer in 4 s".
 */
@Tag("real-cgroup")
class CheckSlurmScontrolTest {
  @TempDir Path dir;

  @Test
  void check_scontrolExits1AtOnce_saysWhatFailedAndItsError() throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-chk-slurm")) {
      tree.mkdirs("system.slice/slurmstepd.scope/job_5/step_0/user/task_0");
      Path scontrol = dir.resolve("scontrol");
      Files.writeString(scontrol, "#!/bin/sh\nprintf 'slurm_load_jobs error: Unable to contact"
          + " slurm controller\\033[31m token=s3cr3tvalue123\\n' >&2\nexit 1\n");
      Files.setPosixFilePermissions(scontrol, PosixFilePermissions.fromString("rwx------"));
      Path config = dir.resolve("agent.toml");
      Files.writeString(config, """
          [receivers.slurm]
          path = "%s"
          scontrol = "%s"
          [exporters.file]
          path = "-"
          """.formatted(tree.root(), scontrol));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      Main main = new Main(Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
          new PrintStream(out, true, StandardCharsets.UTF_8));
      long t0 = System.nanoTime();
      int code = new CommandLine(main).execute("--check", "--config", config.toString());
      Duration took = Duration.ofNanos(System.nanoTime() - t0);
      String text = out.toString(StandardCharsets.UTF_8);
      System.out.println(text);
      String line = text.lines().filter(l -> l.startsWith("receiver slurm: ok")).findFirst()
          .orElseThrow(() -> new AssertionError("no slurm line in: " + text));
      assertThat(code).isEqualTo(Main.BAD_CONFIG);
      assertThat(line).contains("1 entity found", "scontrol failed", "show job -o 5",
          "exited with 1", "Unable to contact slurm controller", "\\x1b[31m", "token=<redacted>")
          .doesNotContain("did not answer", "Kubernetes", "s3cr3tvalue123", "\u001b");
      assertThat(took).as("a call that fails at once is not waited for")
          .isLessThan(Duration.ofSeconds(4));
    }
  }
}

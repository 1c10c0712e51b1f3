package io.cgroupotel.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The shipped unit under a real systemd: this machine's own file system, overlaid by a tmpfs
 * (nothing reaches the host), booted in a container by {@code systemd-nspawn}, where
 * {@code src/test/sh/unit-in-container.sh} installs the .deb and starts, reloads, restarts
 * with the OAR3 drop-in and stops the unit. The test then checks what the agent got: the
 * unit's user, one capability, no new privileges, the unit's system-call filter on top of the
 * container's, a /tmp of its own, the sampler's native reader unpacked in the cache directory,
 * the file exporter writing in the logs directory and reopening its file on reload (after a
 * move, as logrotate does), exit 0 on stop.
 *
 * <p>Needs root, systemd-nspawn (Debian's systemd-container) and overlayfs; without them it is
 * skipped with the reason logged (DebPackageIT still checks the unit with systemd-analyze).
 */
class SystemdUnitIT {
  private static final Path SCRIPT = Path.of("src/test/sh/unit-in-container.sh");
  private static final Path SYSTEMD = Path.of("/lib/systemd/systemd");

  @Test
  void shippedUnit_underSystemd_runsTheAgentAsItsUserWithOneCapability() throws Exception {
    skipUnlessBootable();
    Path deb = Path.of(System.getProperty("dist.deb", "target/missing.deb"));
    assertThat(deb).isRegularFile();

    Path dir = Files.createTempDirectory("cgotel-systemd-it");
    Path rw = Files.createDirectories(dir.resolve("rw"));
    Path root = Files.createDirectories(dir.resolve("root"));
    Path out = Files.createDirectories(dir.resolve("out"));
    boolean rwMounted = false;
    boolean rootMounted = false;
    try {
      // the container's root: this machine's, every write kept in memory
      Command.ok("mount", "-t", "tmpfs", "-o", "size=1g,mode=0755", "tmpfs", rw.toString());
      rwMounted = true;
      Files.createDirectories(rw.resolve("upper"));
      Files.createDirectories(rw.resolve("work"));
      Command.ok("mount", "-t", "overlay", "overlay", "-o", "lowerdir=/,upperdir=" + rw.resolve("upper")
          + ",workdir=" + rw.resolve("work"), root.toString());
      rootMounted = true;
      Path testUnit = dir.resolve("cgotel-test.service");
      Files.writeString(testUnit, """
          [Unit]
          Description=cgroup-otel-agent's unit, tried by SystemdUnitIT
          After=basic.target
          [Service]
          Type=oneshot
          ExecStart=/opt/cgotel-test/unit-in-container.sh
          """);

      // basic.target and the test alone: no getty, no host services; poweroff at the end
      String machine = "cgotel-" + UUID.randomUUID().toString().substring(0, 8);
      Command boot = Command.run(Duration.ofSeconds(150), Map.of(), "timeout",
          "--kill-after=10", "120", "systemd-nspawn", "--quiet", "--directory=" + root,
          "--boot", "--register=no", "--keep-unit", "--link-journal=no",
          "--uuid=" + UUID.randomUUID().toString().replace("-", ""), "--private-network",
          "--machine=" + machine, "--console=pipe",
          "--bind-ro=" + deb.toAbsolutePath() + ":/opt/cgotel-test/agent.deb",
          "--bind-ro=" + SCRIPT.toAbsolutePath() + ":/opt/cgotel-test/unit-in-container.sh",
          "--bind-ro=" + testUnit + ":/etc/systemd/system/cgotel-test.service",
          "--bind=" + out + ":/opt/cgotel-test/out",
          "systemd.unit=basic.target", "systemd.wants=cgotel-test.service");
      String log = readIfThere(out.resolve("log.txt"));
      String journal = readIfThere(out.resolve("journal.txt"));
      System.out.println("--- in the container:\n" + log + "\n--- the unit's journal:\n" + journal);
      assertThat(boot.exit()).as("systemd-nspawn: " + boot.output()).isZero();
      Map<String, String> report = report(out.resolve("report.env"));
      assertThat(report).as(log).containsEntry("done", "yes");

      assertThat(report).containsEntry("active", "active");
      assertThat(Integer.parseInt(report.get("exported_lines"))).isPositive();
      // Uid: real, effective, saved, fs: all the package's system user
      int uid = Integer.parseInt(report.get("uid"));
      assertThat(uid).isPositive();
      assertThat(report.get("Uid")).isEqualTo(uid + " " + uid + " " + uid + " " + uid);
      // CAP_DAC_READ_SEARCH is bit 2: effective, ambient and bounding hold it and nothing else
      assertThat(report).containsEntry("CapEff", "0000000000000004")
          .containsEntry("CapAmb", "0000000000000004").containsEntry("CapBnd", "0000000000000004")
          .containsEntry("NoNewPrivs", "1");
      assertThat(Integer.parseInt(report.get("Seccomp_filters")))
          .as("the unit's filter on top of the container's")
          .isGreaterThan(Integer.parseInt(report.get("shell_Seccomp_filters")));
      assertThat(report).containsEntry("tmpdir", "-Djava.io.tmpdir=/var/cache/cgroup-otel-agent")
          .containsEntry("host_tmp", "no").containsEntry("reload_rc", "0")
          .containsEntry("oar_host_tmp", "yes").containsEntry("oar_active", "active")
          .containsEntry("result", "success").containsEntry("exit_status", "0");
      assertThat(Integer.parseInt(report.get("reopened_lines")))
          .as("exports in a new file after a move and a reload").isPositive();
      if (hasNativeReader()) {
        // unpacked into the cache directory, mapped executable from there
        assertThat(report.get("native_mapped_from"))
            .startsWith("/var/cache/cgroup-otel-agent/");
      }
    } finally {
      if (rootMounted) {
        Command.ok("umount", root.toString());
      }
      if (rwMounted) {
        Command.ok("umount", rw.toString());
      }
      for (String name : new String[] {"report.env", "log.txt", "journal.txt"}) {
        Files.deleteIfExists(out.resolve(name));
      }
      Files.deleteIfExists(dir.resolve("cgotel-test.service"));
      for (Path empty : new Path[] {out, root, rw, dir}) {
        Files.deleteIfExists(empty);
      }
    }
  }

  private static void skipUnlessBootable() throws Exception {
    String why = null;
    if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
      why = "not Linux";
    } else if (!Command.ok("id", "-u").output().strip().equals("0")) {
      why = "not root";
    } else if (!Command.exists("systemd-nspawn") || !Files.isExecutable(SYSTEMD)) {
      why = "systemd-nspawn (Debian's systemd-container) or systemd is not installed";
    } else if (!Files.readString(Path.of("/proc/filesystems")).contains("\toverlay\n")) {
      why = "no overlayfs in this kernel";
    }
    if (why != null) {
      System.out.println("SKIPPED the unit under systemd: " + why);
      Assumptions.abort(why);
    }
  }

  /** The jar of the .deb holds the sampler's native reader (built where a C compiler was). */
  private static boolean hasNativeReader() throws IOException {
    try (ZipFile zip = new ZipFile(System.getProperty("dist.agent.jar"))) {
      return zip.stream().anyMatch(e -> e.getName().endsWith("libcgroupotelread.so"));
    }
  }

  private static Map<String, String> report(Path file) throws IOException {
    Map<String, String> report = new LinkedHashMap<>();
    if (Files.exists(file)) {
      for (String line : Files.readAllLines(file)) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          report.put(line.substring(0, eq), line.substring(eq + 1));
        }
      }
    }
    return report;
  }

  private static String readIfThere(Path file) throws IOException {
    return Files.exists(file) ? Files.readString(file) : "(no " + file.getFileName() + ")";
  }
}

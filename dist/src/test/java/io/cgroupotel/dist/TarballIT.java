package io.cgroupotel.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The release tarball, unpacked as an admin unpacks it: its launcher runs its own jar. */
class TarballIT {
  @TempDir static Path dir;
  private static Path home;

  @BeforeAll
  static void unpack() throws Exception {
    Path tarball = Path.of(System.getProperty("dist.tarball", "target/missing.tar.gz"));
    assertThat(tarball).as("the tarball made in the package phase").isRegularFile();
    Command.ok("tar", "-xzf", tarball.toString(), "-C", dir.toString());
    home = dir.resolve(System.getProperty("dist.tarball.root"));
  }

  @Test
  void unpacked_hasTheLayoutAndItsLauncherRunsItsJar() throws Exception {
    assertThat(home.resolve("bin/cgroup-otel-agent")).isExecutable();
    assertThat(home.resolve("lib/cgroup-otel-agent.jar")).isRegularFile();
    for (String config : DebPackageIT.CONFIGS) {
      assertThat(home.resolve("etc").resolve(config)).isRegularFile();
    }
    assertThat(home.resolve("systemd/cgroup-otel-agent.service")).isRegularFile();
    assertThat(home.resolve("systemd/cgroup-otel-agent.default")).isRegularFile();
    assertThat(home.resolve("systemd/oar3.conf")).isRegularFile();

    // sh -x shows the java command line: the jar beside the launcher, not another install's
    Command version = Command.ok(Map.of("JAVA_HOME", System.getProperty("java.home")),
        "sh", "-x", home.resolve("bin/cgroup-otel-agent").toString(), "--version");
    assertThat(version.output())
        .contains("-jar " + home.resolve("lib/cgroup-otel-agent.jar"))
        .containsPattern("(?m)^cgroup-otel-agent \\S+$");
  }

  /**
   * Under the unit (CacheDirectory=), systemd sets CACHE_DIRECTORY: the JVM's temporary files
   * (the native reader, unpacked at start) go there, since the unit's /tmp may be read-only.
   */
  @Test
  void launcher_underSystemdsCacheDirectory_makesItTheJvmsTempDir() throws Exception {
    Path cache = Files.createDirectories(dir.resolve("cache"));
    Command version = Command.ok(Map.of("JAVA_HOME", System.getProperty("java.home"),
            "CACHE_DIRECTORY", cache + ":/var/cache/other"),
        "sh", "-x", home.resolve("bin/cgroup-otel-agent").toString(), "--version");
    String exec = version.output().lines().filter(l -> l.startsWith("+ exec ")).findFirst()
        .orElseThrow();
    assertThat(exec).contains(" -Djava.io.tmpdir=" + cache + " ").doesNotContain("other");
    assertThat(version.output()).containsPattern("(?m)^cgroup-otel-agent \\S+$");
  }
}

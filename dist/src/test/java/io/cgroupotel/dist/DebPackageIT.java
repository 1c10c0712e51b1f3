package io.cgroupotel.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The .deb, installed on this machine as an admin installs it: {@code dpkg -i}, the layout and
 * the system user it makes, the unit checked by {@code systemd-analyze verify}, the agent run
 * from the installed layout with the unit's credentials against a loopback collector, a
 * reinstall that keeps an edited conffile, then {@code dpkg -r} and {@code dpkg --purge}
 * leaving nothing behind.
 *
 * <p>Needs root and dpkg: elsewhere it is skipped, except under {@code CI=true}, where it fails.
 * It refuses a machine where the package is already installed (it would replace and then purge
 * someone's install). Whatever fails, the package is purged at the end, and the system user
 * removed if this test made it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DebPackageIT {
  static final String PACKAGE = "cgroup-otel-agent";
  static final String USER = "cgroup-otel-agent";
  static final Path UNIT = Path.of("/lib/systemd/system/cgroup-otel-agent.service");
  static final Path ETC = Path.of("/etc/cgroup-otel-agent");
  static final List<String> CONFIGS = List.of("agent.toml", "k8s.toml", "oar3.toml", "slurm.toml");
  /** Everything the package or its scripts put on the machine, and purge must take away. */
  static final List<Path> INSTALLED = List.of(Path.of("/opt/cgroup-otel-agent"),
      Path.of("/usr/bin/cgroup-otel-agent"), UNIT, ETC, Path.of("/etc/default/cgroup-otel-agent"),
      Path.of("/var/log/cgroup-otel-agent"), Path.of("/var/lib/cgroup-otel-agent"));

  private static Path deb;
  private static boolean userExisted;
  private static FileChannel lockFile;
  private static FileLock lock;

  @BeforeAll
  static void install() throws Exception {
    String why = null;
    if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
      why = "not Linux";
    } else if (!Command.exists("dpkg")) {
      why = "no dpkg on this machine";
    } else if (!Command.ok("id", "-u").output().strip().equals("0")) {
      why = "not root (dpkg -i needs root)";
    }
    if (why != null) {
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError("CI=true requires the .deb to be installed and tested, but " + why);
      }
      Assumptions.abort(why);
    }
    deb = Path.of(System.getProperty("dist.deb", "target/missing.deb"));
    assertThat(deb).as("the .deb made in the package phase").isRegularFile();

    // one such test at a time on this machine (several worktrees may build at once)
    lockFile = FileChannel.open(Path.of("/tmp/cgroup-otel-agent-deb-test.lock"),
        StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    lock = lockFile.lock();
    Command status = Command.run("dpkg-query", "-W", "-f=${Status}", PACKAGE);
    assertThat(status.exit() != 0 || status.output().contains("not-installed"))
        .as("%s is already on this machine (%s): this test would replace and purge it; remove it"
            + " first (dpkg --purge %s)", PACKAGE, status.output().strip(), PACKAGE)
        .isTrue();
    userExisted = Command.run("getent", "passwd", USER).exit() == 0;
    dpkg("-i", deb.toString());
  }

  @AfterAll
  static void purge() throws Exception {
    try {
      if (deb != null && Command.run("dpkg-query", "-W", PACKAGE).exit() == 0) {
        dpkg("--purge", PACKAGE);
      }
      if (deb != null && !userExisted && Command.run("getent", "passwd", USER).exit() == 0) {
        Command.ok("userdel", USER);
        if (Command.run("getent", "group", USER).exit() == 0) {
          Command.ok("groupdel", USER);
        }
      }
    } finally {
      if (lock != null) {
        lock.release();
        lockFile.close();
      }
    }
  }

  @Test
  @Order(1)
  void install_layoutConffilesAndASystemUser_enablesNothing() throws Exception {
    Path launcher = Path.of("/opt/cgroup-otel-agent/bin/cgroup-otel-agent");
    assertThat(launcher).isExecutable();
    assertThat(Path.of("/opt/cgroup-otel-agent/lib/cgroup-otel-agent.jar")).isRegularFile();
    assertThat(Files.readSymbolicLink(Path.of("/usr/bin/cgroup-otel-agent"))).isEqualTo(launcher);
    assertThat(Files.readString(UNIT)).contains("User=" + USER,
        "--config ${CGROUP_OTEL_AGENT_CONFIG}", "ExecReload=/bin/kill -HUP $MAINPID");
    // dpkg keeps the admin's edits of these across upgrades
    String conffiles = Command.ok("dpkg-query", "-W", "-f=${Conffiles}", PACKAGE).output();
    for (String config : CONFIGS) {
      assertThat(ETC.resolve(config)).isRegularFile();
      assertThat(conffiles).contains(ETC.resolve(config).toString());
    }
    assertThat(conffiles).contains("/etc/default/cgroup-otel-agent");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(
        Path.of("/etc/default/cgroup-otel-agent")))).isEqualTo("rw-------");

    // name:x:uid:gid:gecos:home:shell, a system UID (below 1000), no login
    String[] user = Command.ok("getent", "passwd", USER).output().strip().split(":");
    assertThat(Integer.parseInt(user[2])).isBetween(1, 999);
    assertThat(user[6]).endsWith("nologin");
    assertThat(Command.run("getent", "group", USER).exit()).isZero();
    for (String dir : List.of("/var/log/cgroup-otel-agent", "/var/lib/cgroup-otel-agent")) {
      assertThat(Files.getOwner(Path.of(dir)).getName()).as(dir).isEqualTo(USER);
    }
    assertThat(Path.of("/etc/systemd/system/multi-user.target.wants/cgroup-otel-agent.service"))
        .as("the package enables nothing by itself").doesNotExist();
  }

  @Test
  @Order(2)
  void unit_passesSystemdAnalyzeVerify() throws Exception {
    if (!Command.exists("systemd-analyze")) {
      // the systemd package is not installed: the unit's syntax cannot be checked here
      System.out.println("SKIPPED systemd-analyze verify: systemd-analyze is not installed");
      return;
    }
    Command verify = Command.run("systemd-analyze", "verify", UNIT.toString());
    assertThat(verify.exit()).as(verify.output()).isZero();
    // warnings (unknown keys, a bad value) exit 0 too: none may name this unit
    assertThat(verify.output()).doesNotContain("cgroup-otel-agent");
  }

  /**
   * ExecStart of the installed unit, run with its credentials: its User= and Group=, only the
   * capabilities it keeps, no new privileges (setpriv does what systemd does before exec), the
   * config the unit names, and OTLP to a collector on loopback. {@code --check} passes, and
   * {@code --once} exports the node's cgroups.
   */
  @Test
  @Order(3)
  void installedAgent_withTheUnitsUserAndCapabilities_checksAndExports() throws Exception {
    Map<String, String> unit = unitSettings(Files.readString(UNIT));
    assertThat(unit.get("User")).isEqualTo(USER);
    String config = unit.get("Environment").replaceFirst("^CGROUP_OTEL_AGENT_CONFIG=", "");
    assertThat(Path.of(config)).isEqualTo(ETC.resolve("agent.toml"));
    List<String> execStart = new ArrayList<>(Arrays.asList(unit.get("ExecStart")
        .replace("${CGROUP_OTEL_AGENT_CONFIG}", config).split(" ")));

    try (OtlpHttpSink collector = new OtlpHttpSink()) {
      Map<String, String> env = Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint(),
          "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf");
      Command check = Command.run(env, asTheUnit(unit, execStart, "--check"));
      assertThat(check.exit()).as(check.output()).isZero();

      Command once = Command.run(env, asTheUnit(unit, execStart, "--once"));
      assertThat(once.exit()).as(once.output()).isZero();
      List<OtlpHttpSink.Request> exports = collector.requests().stream()
          .filter(r -> r.text().contains("cgroup.cpu.time")).toList();
      assertThat(exports).as("an export with the node's cgroups").isNotEmpty();
      assertThat(exports.get(0).path()).isEqualTo("/v1/metrics");
      assertThat(exports.get(0).text()).contains("cgroup.path", "service.name",
          "cgroup-otel-agent");
    }
  }

  @Test
  @Order(4)
  void reinstall_keepsAnEditedConffile() throws Exception {
    Path agentToml = ETC.resolve("agent.toml");
    String edited = Files.readString(agentToml) + "\n# edited by the admin\n";
    Files.writeString(agentToml, edited);
    dpkg("-i", deb.toString());
    assertThat(Files.readString(agentToml)).isEqualTo(edited);
  }

  @Test
  @Order(5)
  void removeThenPurge_leaveNothingButTheUser() throws Exception {
    dpkg("-r", PACKAGE);
    assertThat(Path.of("/opt/cgroup-otel-agent")).doesNotExist();
    assertThat(Path.of("/usr/bin/cgroup-otel-agent")).doesNotExist();
    assertThat(UNIT).doesNotExist();
    assertThat(ETC.resolve("agent.toml")).as("remove keeps the conffiles").exists();

    dpkg("--purge", PACKAGE);
    for (Path path : INSTALLED) {
      assertThat(Files.exists(path, LinkOption.NOFOLLOW_LINKS)).as(path + " after purge").isFalse();
    }
    assertThat(Command.run("dpkg-query", "-W", PACKAGE).exit()).isNotZero();
    // Debian practice: the system user stays (files it owns elsewhere keep a known owner)
    assertThat(Command.run("getent", "passwd", USER).exit()).isZero();
  }

  /** The [Service] keys of a unit file that the test uses (the last value of a key wins). */
  static Map<String, String> unitSettings(String unitFile) {
    Map<String, String> settings = new LinkedHashMap<>();
    for (String line : unitFile.lines().toList()) {
      int eq = line.indexOf('=');
      if (!line.startsWith("#") && eq > 0) {
        settings.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
      }
    }
    return settings;
  }

  /**
   * The command line that runs {@code execStart} as systemd would with the unit's User=,
   * Group=, CapabilityBoundingSet=, AmbientCapabilities= and NoNewPrivileges=.
   */
  static String[] asTheUnit(Map<String, String> unit, List<String> execStart, String... args) {
    List<String> argv = new ArrayList<>();
    if (Command.exists("setpriv")) {
      String caps = capabilities(unit.get("AmbientCapabilities"));
      argv.addAll(List.of("setpriv", "--reuid=" + unit.get("User"),
          "--regid=" + unit.get("Group"), "--init-groups",
          "--inh-caps=-all" + caps, "--ambient-caps=-all" + caps,
          "--bounding-set=-all" + capabilities(unit.get("CapabilityBoundingSet"))));
      if ("yes".equals(unit.get("NoNewPrivileges"))) {
        argv.add("--no-new-privs");
      }
      argv.add("--");
    } else {
      System.out.println("setpriv not installed: running as " + unit.get("User")
          + " through runuser, without the unit's capability");
      argv.addAll(List.of("runuser", "-u", unit.get("User"), "--"));
    }
    argv.addAll(execStart);
    argv.addAll(List.of(args));
    return argv.toArray(String[]::new);
  }

  /** "CAP_DAC_READ_SEARCH CAP_X" as setpriv's ",+dac_read_search,+x". */
  private static String capabilities(String unitValue) {
    StringBuilder caps = new StringBuilder();
    for (String cap : unitValue.split("\\s+")) {
      caps.append(",+").append(cap.toLowerCase(Locale.ROOT).replaceFirst("^cap_", ""));
    }
    return caps.toString();
  }

  /** dpkg, waiting (at most a minute) while another dpkg or apt holds its lock. */
  private static void dpkg(String... args) throws IOException, InterruptedException {
    List<String> argv = new ArrayList<>(List.of("dpkg"));
    argv.addAll(List.of(args));
    Map<String, String> env = Map.of("DEBIAN_FRONTEND", "noninteractive");
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (true) {
      Command c = Command.run(env, argv.toArray(String[]::new));
      if (c.exit() == 0) {
        return;
      }
      if (!c.output().contains("lock") || System.nanoTime() > deadline) {
        throw new AssertionError(String.join(" ", argv) + " exited " + c.exit() + ":\n"
            + c.output());
      }
      Thread.sleep(1000);
    }
  }
}

package io.cgroupotel.receiver.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A token file others can write (or read) is a warning at start, naming the fix. */
class TokenFilePermissionsTest {
  static final String TOKEN = "k8s-sa-perm-0a1b2c3d4e5f";

  @TempDir Path tmp;

  Path token(String mode) throws Exception {
    Path file = tmp.resolve("token-" + mode.replace('-', '_'));
    Files.writeString(file, TOKEN + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
    return file;
  }

  @Test
  void tokenFileProblem_byMode() throws Exception {
    assertThat(KubeApiSettings.tokenFileProblem(token("rw-rw-rw-")))
        .contains("writable by every user", "rw-rw-rw-", "chmod go-w");
    assertThat(KubeApiSettings.tokenFileProblem(token("rw-rw----")))
        .contains("writable by its group");
    assertThat(KubeApiSettings.tokenFileProblem(token("rw-r--r--")))
        .contains("readable by every user", "chmod o-r");
    assertThat(KubeApiSettings.tokenFileProblem(token("rw-------"))).isNull();
    assertThat(KubeApiSettings.tokenFileProblem(token("rw-r-----"))).isNull();
    assertThat(KubeApiSettings.tokenFileProblem(tmp.resolve("absent"))).isNull();
  }

  @Test
  void resolve_worldWritableTokenFile_warnsOnceWithoutTheToken() throws Exception {
    Path file = token("rw-rw-rw-");
    K8sReceiverConfig config = new K8sReceiverConfig(true, tmp, true, Duration.ofSeconds(1),
        "node-1", "https://127.0.0.1:1", true, K8sReceiverConfig.TokenRetrieval.FILE, file, "sa",
        "ns", null, false, true, List.of());
    ByteArrayOutputStream logs = new ByteArrayOutputStream();
    PrintStream saved = System.err;
    System.setErr(new PrintStream(logs, true, StandardCharsets.UTF_8));
    try {
      KubeApiSettings.resolve(config, Map.of());
    } finally {
      System.setErr(saved);
    }
    String text = logs.toString(StandardCharsets.UTF_8);
    System.out.println(text);
    assertThat(text).contains("WARNING", file.toString(), "writable by every user")
        .doesNotContain(TOKEN);
  }
}

package io.cgroupotel.exporter.otlp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The permissions of the OTLP client key file that put the agent's TLS identity at risk. */
class TlsKeyFileTest {
  @TempDir
  Path dir;

  Path key(String mode) throws Exception {
    Path key = dir.resolve("client-" + mode + ".key");
    Files.writeString(key, "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n");
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString(mode));
    return key;
  }

  @Test
  void keyFileProblem_ownerOnlyOrGroupReadable_none() throws Exception {
    assertThat(Tls.keyFileProblem(key("rw-------"))).isNull();
    assertThat(Tls.keyFileProblem(key("r--------"))).isNull();
    assertThat(Tls.keyFileProblem(key("rw-r-----"))).as("ssl-cert style").isNull();
  }

  @Test
  void keyFileProblem_readableByEveryone_saysWhoAndTheFix() throws Exception {
    Path key = key("rw-r--r--");
    assertThat(Tls.keyFileProblem(key)).contains(key.toString())
        .contains("readable by every user").contains("rw-r--r--").contains("chmod o-rw");
  }

  @Test
  void keyFileProblem_writableByOthersOrGroup_said() throws Exception {
    assertThat(Tls.keyFileProblem(key("rw----rw-"))).contains("writable by every user");
    assertThat(Tls.keyFileProblem(key("rw-rw----"))).contains("writable by its group")
        .contains("chmod g-w");
  }

  @Test
  void keyFileProblem_missingFile_leftToTheRead() {
    assertThat(Tls.keyFileProblem(dir.resolve("absent.key"))).isNull();
  }
}

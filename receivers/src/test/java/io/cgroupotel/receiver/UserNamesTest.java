package io.cgroupotel.receiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UserNamesTest {
  @TempDir Path dir;

  @Test
  void parsePasswd_skipsOddLines_firstNameWins() {
    assertThat(UserNames.parsePasswd(List.of(
        "root:x:0:0:root:/root:/bin/bash",
        "# comment:x:5",
        "alice:x:1000:1000::/home/alice:/bin/sh",
        "alias:x:1000:1000::/home/alice:/bin/sh",
        "broken",
        "bad:x:abc:1::/:/bin/sh",
        ":x:7:7::/:/bin/sh")))
        .containsOnlyKeys(0L, 1000L)
        .containsEntry(1000L, "alice");
  }

  @Test
  void lookup_uid0_isRoot_evenWithoutPasswd() {
    try (UserNames names = new UserNames(dir.resolve("none"), uid -> Optional.empty())) {
      assertThat(names.lookup(0)).contains("root");
    }
  }

  @Test
  void lookup_passwdFirst_thenNssInBackground_cached() throws Exception {
    Path passwd = dir.resolve("passwd");
    Files.writeString(passwd, "alice:x:1000:1000::/home/alice:/bin/sh\n");
    AtomicInteger nssCalls = new AtomicInteger();
    try (UserNames names = new UserNames(passwd, uid -> {
      nssCalls.incrementAndGet();
      return uid == 5000 ? Optional.of("ldapuser") : Optional.empty();
    })) {
      assertThat(names.lookup(1000)).contains("alice");
      assertThat(names.lookup(5000)).as("not known yet: never blocks").isEmpty();
      await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
          .until(() -> names.lookup(5000).isPresent());
      assertThat(names.lookup(5000)).contains("ldapuser");
      assertThat(names.lookup(6000)).isEmpty();
      Thread.sleep(100);
      assertThat(names.lookup(6000)).as("failure cached, retried later").isEmpty();
      assertThat(nssCalls.get()).isEqualTo(2);
    }
  }

  @Test
  void getent_resolvesRootOnThisHost() throws IOException {
    assertThat(UserNames.getent(0)).contains("root");
  }
}

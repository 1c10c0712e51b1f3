package io.cgroupotel.receiver.oar3;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.receiver.oar3.metadata.OarJob;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Oar2NamesTest {

  @Test
  void parseJob_userAndIdFromTheName_underThePrefixOnly() {
    assertThat(Oar2Names.parseJob(Path.of("oar/alice_4242"), "oar"))
        .contains(new OarJob(4242, -1, "alice"));
    assertThat(Oar2Names.parseJob(Path.of("x/oar/bob_smith_17"), "oar"))
        .contains(new OarJob(17, -1, "bob_smith"));
    assertThat(Oar2Names.parseJob(Path.of("cpuset/oar/carol.d-9_9"), "oar"))
        .contains(new OarJob(9, -1, "carol.d-9"));
    for (String notAJob : new String[] {"oar", "oar/alice", "oar/alice_", "oar/_42",
        "oar/alice_042", "oar/alice_42/sub", "other/alice_42", "oar/alice 42",
        "oar/alice_1234567890123456789"}) {
      assertThat(Oar2Names.parseJob(Path.of(notAJob), "oar")).as(notAJob).isEmpty();
    }
    assertThat(Oar2Names.parseJob(Path.of("batch/alice_42"), "batch")).isPresent();
  }

  @Test
  void oarTree_oar3SliceOrOar2Directory_foundElseNull(@TempDir Path root) throws Exception {
    assertThat(Oar3ReceiverFactory.oarTree(root, "oar")).isNull();
    Files.createDirectories(root.resolve("a/b/oar.slice"));
    assertThat(Oar3ReceiverFactory.oarTree(root, "oar")).isEqualTo("/a/b/oar.slice");
    Files.createDirectories(root.resolve("oar/alice_42"));
    assertThat(Oar3ReceiverFactory.oarTree(root, "oar")).isEqualTo("/oar");
  }
}

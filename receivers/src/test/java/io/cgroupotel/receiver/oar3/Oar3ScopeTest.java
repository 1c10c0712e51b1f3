package io.cgroupotel.receiver.oar3;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.receiver.CgroupReceiverSettings;
import io.cgroupotel.receiver.HierarchyChoice;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.UserNames;
import io.opentelemetry.sdk.common.Clock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The oar3 receiver's scope (for the energy books): the OAR slice. */
class Oar3ScopeTest {
  @TempDir
  Path tmp;

  @Test
  void scope_isTheOarSlice_whereDiscoveryFoundIt() throws Exception {
    Path slice = tmp.resolve("deep/oar.slice/oar-u1000.slice/oar-u1000-j42.slice");
    Files.createDirectories(slice);
    Files.writeString(slice.resolve("cpu.stat"), "usage_usec 5\nuser_usec 3\nsystem_usec 2\n");
    Files.writeString(tmp.resolve("passwd"), "alice:x:1000:1000::/h:/bin/sh\n");
    Oar3ReceiverConfig config = new Oar3ReceiverConfig(
        CgroupReceiverSettings.of(tmp, Duration.ofSeconds(1)), "oar", tmp.resolve("oarexec"),
        Optional.empty(), true);
    try (Oar3Receiver r = new Oar3Receiver(config, HierarchyChoice.asGiven(tmp),
        new ReceiverContext("n", Map.of(), () -> { }), Clock.getDefault(),
        new UserNames(tmp.resolve("passwd"), uid -> Optional.empty()))) {
      assertThat(r.scope()).as("before discovery: <path>/oar.slice")
          .isEqualTo(tmp.toAbsolutePath().resolve("oar.slice"));
      r.start();
      assertThat(r.scope()).isEqualTo(tmp.toAbsolutePath().resolve("deep/oar.slice"));
    }
  }
}

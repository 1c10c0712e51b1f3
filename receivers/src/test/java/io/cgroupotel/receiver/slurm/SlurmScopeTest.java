package io.cgroupotel.receiver.slurm;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.UserNames;
import io.opentelemetry.sdk.common.Clock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The slurm receiver's scope (for the energy books): the node's slurmstepd scope. */
class SlurmScopeTest {
  @TempDir
  Path tmp;

  @Test
  void scope_isTheSlurmstepdScopeFoundByDiscovery() throws Exception {
    Path root = tmp.resolve("cgroup");
    Path job = root.resolve("system.slice/node1_slurmstepd.scope/job_42");
    for (Path p = job; !p.equals(tmp); p = p.getParent()) {
      Files.createDirectories(p);
      Files.writeString(p.resolve("cpu.stat"), "usage_usec 5\nuser_usec 3\nsystem_usec 2\n");
    }
    Files.writeString(tmp.resolve("passwd"), "alice:x:1000:1000::/h:/bin/sh\n");
    try (SlurmReceiver r = new SlurmReceiver(SlurmReceiverConfig.defaults(root),
        ReceiverContext.forTest("node1"), Clock.getDefault(),
        new UserNames(tmp.resolve("passwd"), uid -> Optional.empty()),
        Files.createDirectories(tmp.resolve("proc")))) {
      assertThat(r.scope()).isNull();
      r.start();
      assertThat(r.scope()).isEqualTo(root.toAbsolutePath()
          .resolve("system.slice/node1_slurmstepd.scope"));
    }
  }
}

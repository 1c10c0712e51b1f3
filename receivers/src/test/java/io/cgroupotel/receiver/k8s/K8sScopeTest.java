package io.cgroupotel.receiver.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.receiver.ReceiverContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The k8s receiver's scope (for the energy books): the kubepods cgroup, wherever it is. */
class K8sScopeTest {
  @TempDir
  Path tmp;

  static void cg(Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("cpu.stat"), "usage_usec 5\nuser_usec 3\nsystem_usec 2\n");
  }

  K8sReceiver receiver() {
    K8sReceiverConfig d = K8sReceiverConfig.defaults(tmp);
    K8sReceiverConfig config = new K8sReceiverConfig(true, tmp, true, d.pollInterval(), "node-1",
        d.apiUrl(), false, d.tokenRetrieval(), d.tokenFile(), d.serviceAccount(), d.namespace(),
        null, false, true, d.podLabels());
    return new K8sReceiver(config, tmp, "node-1", null,
        new ReceiverContext("host-1", Map.of(), () -> { }));
  }

  @Test
  void scope_isTheKubepodsCgroupFoundByDiscovery() throws IOException {
    cg(tmp.resolve("system.slice"));
    cg(tmp.resolve("nested/kubepods.slice/kubepods-burstable.slice/"
        + "kubepods-burstable-pod0b1c2d3e_4f50_6172_8394_a5b6c7d8e9f0.slice"));
    try (K8sReceiver r = receiver()) {
      assertThat(r.scope()).isNull();
      r.start();
      assertThat(r.scope()).isEqualTo(tmp.toAbsolutePath().resolve("nested/kubepods.slice"));
    }
  }
}

package io.cgroupotel.receiver.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the k8s receiver's layout is, as its hierarchy choice sees it. */
class KubepodsProbeTest {
  @TempDir Path root;

  @Test
  void kubepods_cgroupfsSystemdAndNested_foundElseNull() throws Exception {
    assertThat(K8sReceiverFactory.kubepods(root)).isNull();
    Files.createDirectories(root.resolve("system.slice/docker-abc.scope/kubelet.slice/"
        + "kubelet-kubepods.slice"));
    assertThat(K8sReceiverFactory.kubepods(root)).isEqualTo(
        "kubepods at /system.slice/docker-abc.scope/kubelet.slice/kubelet-kubepods.slice");
    Path other = Files.createDirectories(root.resolve("other"));
    Files.createDirectories(other.resolve("kubepods/burstable"));
    assertThat(K8sReceiverFactory.kubepods(other)).isEqualTo("kubepods at /kubepods");
  }
}

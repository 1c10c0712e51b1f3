package io.cgroupotel.receiver.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.receiver.k8s.CgroupNames.ContainerName;
import io.cgroupotel.receiver.k8s.PodCgroupLayout.Container;
import io.cgroupotel.receiver.k8s.PodCgroupLayout.Other;
import io.cgroupotel.receiver.k8s.PodCgroupLayout.Pod;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CgroupNamesTest {
  static final String UID = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";
  static final String UID_ = "0b1c2d3e_4f50_6172_8394_a5b6c7d8e9f0";
  static final String ID = "4e1b3c2d9a8f7e6d5c4b3a2918070605f4e3d2c1b0a99887766554433221100f";

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(nullValues = "NONE", value = {
      "kubepods-pod" + UID_ + ".slice, " + UID,
      "kubepods-burstable-pod" + UID_ + ".slice, " + UID,
      "kubepods-besteffort-pod" + UID_ + ".slice, " + UID,
      "kubelet-kubepods-burstable-pod" + UID_ + ".slice, " + UID, // kind
      "kubelet-kubepods-pod" + UID_ + ".slice, " + UID,
      "kubepods-burstable-pod0123456789abcdef0123456789abcdef.slice, "
          + "0123456789abcdef0123456789abcdef", // static pod: 32-hex hash
      "kubepods-burstable-podnot-a-uid.slice, NONE",
      "kubepods-burstable-pod" + UID_ + ".scope, NONE",
      "kubepods-burstable-pod" + UID_ + "x.slice, NONE",
      "kubepods-burstable-pod1234.slice, NONE",
      "kubepods-guaranteed-pod" + UID_ + ".slice, NONE", // no such QoS level
      "other-burstable-pod" + UID_ + ".slice, NONE",
      "pod" + UID_ + ".slice, NONE",
      "kubepods-burstable.slice, NONE",
      "kubepods.slice, NONE",
      "system.slice, NONE",
      "kubepods-burstable-pod" + UID + ".slice, NONE", // systemd escapes '-': never raw
  })
  void systemdPodUid_table(String name, String expected) {
    assertThat(CgroupNames.systemdPodUid(name)).isEqualTo(Optional.ofNullable(expected));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(nullValues = "NONE", value = {
      "pod" + UID + ", " + UID,
      "pod0123456789abcdef0123456789abcdef, 0123456789abcdef0123456789abcdef",
      "pod" + UID_ + ", NONE",
      "podnot-a-uid, NONE",
      "pod, NONE",
      UID + ", NONE",
  })
  void cgroupfsPodUid_table(String name, String expected) {
    assertThat(CgroupNames.cgroupfsPodUid(name)).isEqualTo(Optional.ofNullable(expected));
  }

  @ParameterizedTest(name = "{0} -> {1} {2}")
  @CsvSource(nullValues = "NONE", value = {
      "cri-containerd-" + ID + ".scope, " + ID + ", containerd",
      "crio-" + ID + ".scope, " + ID + ", cri-o",
      "crio-" + ID + ", " + ID + ", cri-o", // CRI-O with the cgroupfs manager
      "docker-" + ID + ".scope, " + ID + ", docker",
      "libpod-" + ID + ".scope, " + ID + ", podman",
      ID + ", " + ID + ", ''", // cgroupfs driver: bare id, runtime unknown
      "crio-conmon-" + ID + ".scope, NONE, NONE",
      "libpod-conmon-" + ID + ".scope, NONE, NONE",
      "cri-containerd-" + ID + "0.scope, NONE, NONE",
      "cri-containerd-abc.scope, NONE, NONE",
      "cri-containerd-" + ID + ", NONE, NONE",
      "docker-" + ID + ", NONE, NONE",
      "runc-" + ID + ".scope, NONE, NONE",
      "kubepods-burstable-pod" + UID_ + ".slice, NONE, NONE",
      "4E1B3C2D9A8F7E6D5C4B3A2918070605F4E3D2C1B0A99887766554433221100F, NONE, NONE",
      "init.scope, NONE, NONE",
  })
  void container_table(String name, String id, String runtime) {
    Optional<ContainerName> expected =
        id == null ? Optional.empty() : Optional.of(new ContainerName(id, runtime));
    assertThat(CgroupNames.container(name)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} -> {1} {2}")
  @CsvSource(nullValues = "NONE", value = {
      "containerd://" + ID + ", " + ID + ", containerd",
      "cri-o://" + ID + ", " + ID + ", cri-o",
      "docker://" + ID + ", " + ID + ", docker",
      "containerd://abc, NONE, NONE",
      "'', NONE, NONE",
  })
  void statusContainerId_table(String containerId, String id, String runtime) {
    Optional<ContainerName> expected =
        id == null ? Optional.empty() : Optional.of(new ContainerName(id, runtime));
    assertThat(CgroupNames.statusContainerId(containerId)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(value = {
      // systemd driver, every QoS class, under any prefix
      "kubepods.slice/kubepods-pod" + UID_ + ".slice, pod",
      "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + UID_ + ".slice, pod",
      "kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + UID_ + ".slice, pod",
      "system.slice/docker-" + ID + ".scope/kubelet.slice/kubelet-kubepods.slice/"
          + "kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod" + UID_
          + ".slice, pod",
      "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + UID_
          + ".slice/cri-containerd-" + ID + ".scope, container",
      "kubepods.slice/kubepods-pod" + UID_ + ".slice/crio-" + ID + ".scope, container",
      "kubepods.slice/kubepods-pod" + UID_ + ".slice/crio-conmon-" + ID + ".scope, inside",
      "kubepods.slice/kubepods-pod" + UID_ + ".slice/something, inside",
      // cgroupfs driver
      "kubepods/pod" + UID + ", pod",
      "kubepods/burstable/pod" + UID + ", pod",
      "kubepods/besteffort/pod" + UID + ", pod",
      "a/b/kubepods/besteffort/pod" + UID + ", pod",
      "kubepods/burstable/pod" + UID + "/" + ID + ", container",
      "kubepods/burstable/pod" + UID + "/crio-" + ID + ", container",
      // not pods
      "kubepods/guaranteed/pod" + UID + ", other",
      "other/pod" + UID + ", other",
      "pod" + UID + ", other",
      "kubepods/burstable/podnot-a-uid, other",
      "kubepods/burstable, other",
      "kubepods.slice, other",
      "system.slice/docker-" + ID + ".scope, other", // a container, but not in a pod
  })
  void classify_table(String relative, String expected) {
    var node = PodCgroupLayout.classify(Path.of(relative));
    String kind = node instanceof Pod ? "pod" : node instanceof Container ? "container"
        : ((Other) node).insidePod() ? "inside" : "other";
    assertThat(kind).isEqualTo(expected);
    if (node instanceof Pod p) {
      assertThat(p.uid()).isEqualTo(UID);
    } else if (node instanceof Container c) {
      assertThat(c.podUid()).isEqualTo(UID);
      assertThat(c.name().id()).isEqualTo(ID);
    }
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(value = {
      "kubepods.slice, true",
      "system.slice, true", // nested runtimes (kind) live there
      "system.slice/docker-" + ID + ".scope, true",
      "kubepods.slice/kubepods-pod" + UID_ + ".slice, true",
      "kubepods.slice/kubepods-pod" + UID_ + ".slice/cri-containerd-" + ID + ".scope, false",
      "kubepods.slice/kubepods-pod" + UID_ + ".slice/crio-conmon-" + ID + ".scope, false",
      "kubepods/pod" + UID + "/" + ID + ", false",
      "init.scope, false",
      "sys-kernel-debug.mount, false",
      "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p, false",
  })
  void descend_table(String relative, boolean expected) {
    assertThat(PodCgroupLayout.descend(Path.of(relative))).isEqualTo(expected);
  }
}

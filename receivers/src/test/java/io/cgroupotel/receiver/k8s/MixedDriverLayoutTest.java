package io.cgroupotel.receiver.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.k8s.CgroupNames.ContainerName;
import io.cgroupotel.receiver.k8s.PodCgroupLayout.Container;
import io.cgroupotel.receiver.k8s.PodCgroupLayout.Node;
import io.cgroupotel.receiver.k8s.PodCgroupLayout.Other;
import io.cgroupotel.sampler.Sample;
import io.cgroupotel.sampler.ScrapeResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The mixed-driver layout: kubelet on the systemd driver, runc on cgroupfs, so that each container
 * cgroup is one directory named {@code <pod slice>:<runtime prefix>:<id>}, outside the pod slice.
 */
class MixedDriverLayoutTest {
  static final String UID = "214f3ba8-4b69-4bdb-a7d5-5ecc73f04ae9";
  static final String UID_ = UID.replace('-', '_');
  static final String STATIC_UID = "0123456789abcdef0123456789abcdef";
  static final String ID = "d4e8e05a546c86b6443f101966c618e47753ed01fa9929cae00d3b692f7a9f80";

  /** Every QoS class (guaranteed = none), runtime prefix, slice prefix and place in the tree. */
  static Stream<Arguments> matching() {
    List<Arguments> cases = new ArrayList<>();
    Map<String, String> runtimes = Map.of("cri-containerd", "containerd", "crio", "cri-o",
        "docker", "docker");
    for (String qos : List.of("", "burstable-", "besteffort-")) {
      for (String slicePrefix : List.of("", "kubelet-", "k3s-")) {
        for (var runtime : runtimes.entrySet()) {
          for (String place : List.of("", "system.slice/containerd.service/",
              "system.slice/crio.service/", "kubepods.slice/",
              "system.slice/docker-" + ID + ".scope/kubelet.slice/")) {
            String name = slicePrefix + "kubepods-" + qos + "pod" + UID_ + ".slice:"
                + runtime.getKey() + ":" + ID;
            cases.add(Arguments.of(place + name, UID, runtime.getValue()));
          }
        }
      }
    }
    // a static pod (32-hex UID, no dashes to escape)
    cases.add(Arguments.of("kubepods-burstable-pod" + STATIC_UID + ".slice:cri-containerd:" + ID,
        STATIC_UID, "containerd"));
    // inside the pod slice all the same: the name decides
    cases.add(Arguments.of("kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod"
        + UID_ + ".slice/kubepods-besteffort-pod" + UID_ + ".slice:crio:" + ID, UID, "cri-o"));
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("matching")
  void classify_mixedDriverName_containerOfThePodNamed(String relative, String uid,
      String runtime) {
    Node node = PodCgroupLayout.classify(Path.of(relative));
    assertThat(node).isEqualTo(new Container(uid, new ContainerName(ID, runtime)));
    assertThat(PodCgroupLayout.descend(Path.of(relative))).as("nothing to find below a container")
        .isFalse();
  }

  static Stream<String> nearMisses() {
    String pod = "kubepods-besteffort-pod" + UID_ + ".slice";
    return Stream.of(
        pod + ":cri-containerd:" + ID.substring(1), // 63 hex
        pod + ":cri-containerd:" + ID + "0", // 65 hex
        pod + ":cri-containerd:" + ID.toUpperCase(), // ids are lower case
        pod + ":cri-containerd:" + ID.replace('a', 'g'), // not hex
        pod + ":cri-containerd:", // no id
        pod + ":cri-containerd:" + ID + ".scope", // a unit suffix: not what runc makes
        pod + ":cri-containerd:" + ID + ":x", // a fourth field
        pod + "::cri-containerd:" + ID, // empty field
        pod + ":" + ID, // no runtime prefix
        pod + ":runc:" + ID, // unknown prefix
        pod + ":libpod:" + ID, // podman is not a CRI runtime
        pod + ":crio-conmon:" + ID, // conmon is not a container
        pod + ":CRI-CONTAINERD:" + ID,
        pod + ":cri-containerd-" + ID, // '-' where ':' belongs
        pod + "/cri-containerd:" + ID,
        "kubepods-besteffort-pod" + UID + ".slice:cri-containerd:" + ID, // UID not escaped
        "kubepods-besteffort-pod" + UID_ + ":cri-containerd:" + ID, // no .slice
        "kubepods-besteffort-pod" + UID_ + ".scope:cri-containerd:" + ID,
        "kubepods-guaranteed-pod" + UID_ + ".slice:cri-containerd:" + ID, // no such QoS class
        "other-besteffort-pod" + UID_ + ".slice:cri-containerd:" + ID, // not kubepods
        "kubepods-besteffort.slice:cri-containerd:" + ID, // no pod
        "kubepods.slice:cri-containerd:" + ID,
        "kubepods-besteffort-podnot-a-uid.slice:cri-containerd:" + ID,
        "kubepods-besteffort-pod1234.slice:cri-containerd:" + ID,
        ":cri-containerd:" + ID,
        "cri-containerd:" + ID,
        "system.slice:cri-containerd:" + ID);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("nearMisses")
  void classify_nearMiss_notAContainer(String name) {
    assertThat(CgroupNames.mixedDriverContainer(name)).isEmpty();
    assertThat(PodCgroupLayout.classify(Path.of(name))).isInstanceOf(Other.class);
    assertThat(PodCgroupLayout.classify(Path.of("system.slice/containerd.service/" + name)))
        .isInstanceOf(Other.class);
  }

  @Test
  void poll_mixedDriverTree_containersFoundAndAttributedToTheirPods(@TempDir Path root)
      throws IOException {
    String podSlice = "kubepods-besteffort-pod" + UID_ + ".slice";
    cg(root, "kubepods.slice/kubepods-besteffort.slice/" + podSlice, 0);
    String id2 = ID.replace('d', 'e');
    cg(root, "system.slice/containerd.service/" + podSlice + ":cri-containerd:" + ID, 700_000);
    cg(root, podSlice + ":cri-containerd:" + id2, 300_000); // v1-style: at the root
    cg(root, "system.slice/containerd.service/" + podSlice + ":runc:" + ID.replace('d', 'f'), 5);
    K8sReceiverConfig d = K8sReceiverConfig.defaults(root);
    K8sReceiverConfig config = new K8sReceiverConfig(true, root, true, d.pollInterval(), "node-1",
        d.apiUrl(), false, d.tokenRetrieval(), d.tokenFile(), d.serviceAccount(), d.namespace(),
        null, false, true, d.podLabels());
    try (K8sReceiver receiver = new K8sReceiver(config, root, "node-1", null,
        new ReceiverContext("host-1", Map.of(), () -> {}))) {
      receiver.start();
      ScrapeResult r = receiver.poll();
      assertThat(r.errors()).isEmpty();
      Map<String, Sample> byId = r.samples().stream()
          .collect(Collectors.toMap(K8sDiscoveryTest::key, s -> s));
      assertThat(byId.keySet()).containsExactlyInAnyOrder("k8s.pod/" + UID, "container/" + ID,
          "container/" + id2);
      assertThat(byId.get("container/" + ID).usageUsec()).isEqualTo(700_000);
      assertThat(byId.get("container/" + ID).entity().attributes()).containsAllEntriesOf(Map.of(
          "k8s.pod.uid", UID, "container.id", ID, "container.runtime", "containerd",
          "k8s.node.name", "node-1"));
      assertThat(byId.get("container/" + id2).entity().attributes())
          .containsEntry("k8s.pod.uid", UID);
    }
  }

  private static void cg(Path root, String relative, long usage) throws IOException {
    Path dir = Files.createDirectories(root.resolve(relative));
    Files.writeString(dir.resolve("cpu.stat"), "usage_usec " + usage + "\nuser_usec " + usage
        + "\nsystem_usec 0\n");
  }
}

package io.cgroupotel.receiver.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import io.cgroupotel.cgroupfs.RealV1Tree;
import io.cgroupotel.metrics.Field;
import io.cgroupotel.receiver.HierarchyChoice;
import io.cgroupotel.receiver.Receiver;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.sampler.Entity;
import io.cgroupotel.sampler.Sample;
import io.cgroupotel.sampler.ScrapeResult;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Kubelet's v1 layouts on REAL cgroup v1 controllers of this machine: the cgroupfs driver's
 * {@code kubepods/burstable/pod<uid>/<64hex>} and the systemd driver's {@code kubepods.slice/...}
 * names, made under every controller, with burners in the containers. {@link PodCgroupLayout}
 * reads relative paths, so it serves v1 as it is.
 */
@Tag("real-cgroup")
class K8sV1RealCgroupTest {
  static final String UID = "6f0e1d2c-3b4a-5968-8776-a5b4c3d2e1f0";
  static final String UID2 = "7f0e1d2c-3b4a-5968-8776-a5b4c3d2e1f1";
  static final String CID = "c0ffee00".repeat(8);
  static final String CID2 = "beef0000".repeat(8);

  static final String CGROUPFS_POD = "kubepods/burstable/pod" + UID;
  static final String SYSTEMD_POD = "kubepods.slice/kubepods-besteffort.slice/"
      + "kubepods-besteffort-pod" + UID2.replace('-', '_') + ".slice";

  @Test
  void poll_v1PodsOfBothDrivers_foundWithCpuAndMemoryOfTheirControllers() throws Exception {
    try (RealV1Tree tree = RealV1Tree.create("cgroup-otel-k8sv1")) {
      tree.mkdirs(CGROUPFS_POD + "/" + CID);
      tree.mkdirs(SYSTEMD_POD + "/cri-containerd-" + CID2 + ".scope");
      tree.burn(CGROUPFS_POD + "/" + CID);
      tree.burn(SYSTEMD_POD + "/cri-containerd-" + CID2 + ".scope");
      K8sReceiverConfig config = K8sReceiverConfig.defaults(tree.root("cpuacct"));
      try (Receiver r = new K8sReceiver(config, new HierarchyChoice(tree.hierarchy(), "test"),
          "node-1", null, ReceiverContext.forTest("host-1"))) {
        r.start();
        Thread.sleep(1000);
        long before = tree.usageUsec(CGROUPFS_POD);
        ScrapeResult running = r.poll();
        long after = tree.usageUsec(CGROUPFS_POD);
        // read while burning: between the kernel's values just before and just after
        assertThat(running.samples().stream().filter(x -> x.entity().id().equals("k8s:/"
            + CGROUPFS_POD)).findFirst().orElseThrow().usageUsec()).isBetween(before, after);
        // then with the burners stopped, so that the two reads see the same counters
        tree.killAll();
        ScrapeResult result = r.poll();
        Map<String, Sample> byId = result.samples().stream()
            .collect(Collectors.toMap(s -> s.entity().id(), s -> s));
        String pod1 = "k8s:/" + CGROUPFS_POD;
        String c1 = pod1 + "/" + CID;
        String pod2 = "k8s:/" + SYSTEMD_POD;
        String c2 = pod2 + "/cri-containerd-" + CID2 + ".scope";
        assertThat(byId).containsKeys(pod1, c1, pod2, c2);
        assertThat(result.errors()).isEmpty();
        long kernelPod1 = tree.usageUsec(CGROUPFS_POD);
        long kernelPod2 = tree.usageUsec(SYSTEMD_POD);
        Sample p1 = byId.get(pod1);
        Sample p2 = byId.get(pod2);
        System.out.printf("k8s v1: cgroupfs pod agent %.3f s kernel %.3f s; systemd pod agent"
                + " %.3f s kernel %.3f s; memory %d B / %d B%n", p1.usageUsec() / 1e6,
            kernelPod1 / 1e6, p2.usageUsec() / 1e6, kernelPod2 / 1e6,
            p1.get(Field.MEMORY_CURRENT), p2.get(Field.MEMORY_CURRENT));
        assertThat((double) p1.usageUsec()).isCloseTo(kernelPod1,
            offset(kernelPod1 * 0.02 + 20_000));
        assertThat((double) p2.usageUsec()).isCloseTo(kernelPod2,
            offset(kernelPod2 * 0.02 + 20_000));
        assertThat(p1.usageUsec()).isGreaterThan(200_000);
        assertThat(byId.get(c1).usageUsec()).isPositive().isLessThanOrEqualTo(p1.usageUsec());
        // memory from the memory controller's tree, at the same relative path
        assertThat(p1.get(Field.MEMORY_CURRENT)).isPositive();
        Entity e1 = p1.entity();
        assertThat(e1.attributes()).containsEntry(K8sAttributes.POD_UID, UID)
            .containsEntry(K8sAttributes.NODE_NAME, "node-1");
        Entity ec2 = byId.get(c2).entity();
        assertThat(ec2.attributes()).containsEntry(K8sAttributes.POD_UID, UID2)
            .containsEntry(K8sAttributes.CONTAINER_ID, CID2)
            .containsEntry(K8sAttributes.CONTAINER_RUNTIME, "containerd");
        assertThat(ec2.parentId()).isEqualTo(pod2);
        assertThat(byId.get(c1).entity().attributes())
            .containsEntry(K8sAttributes.CONTAINER_ID, CID);
      }
    }
  }

  @Test
  void factory_defaultPathOnThisHybridHost_choosesTheV1TreeWithKubepods() throws Exception {
    // kubepods right under the v1 cpuacct root is what the layout probe looks for; the test
    // makes it under its own tree, one level down, which the probe also sees (depth 3)
    try (RealV1Tree tree = RealV1Tree.create("cgroup-otel-k8sv1f")) {
      tree.mkdirs("kubepods/besteffort");
      HierarchyChoice c = HierarchyChoice.choose("receivers.k8s",
          java.nio.file.Path.of("/sys/fs/cgroup"), HierarchyChoice.ALL_VERSIONS,
          K8sReceiverFactory::kubepods);
      System.out.println("k8s on this host: " + c.why());
      if (io.cgroupotel.cgroupfs.CgroupMounts.read().layout()
          == io.cgroupotel.cgroupfs.CgroupMounts.Layout.HYBRID) {
        assertThat(c.hierarchy().version()).isEqualTo(1);
        assertThat(c.why()).contains("kubepods at /" + tree.name() + "/kubepods");
      }
      assertThat(List.of(1, 2)).contains(c.hierarchy().version());
    }
  }
}

package io.cgroupotel.receiver.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cgroupotel.cgroupfs.RealCgroupTree;
import io.cgroupotel.receiver.Receiver;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.sampler.Sample;
import io.cgroupotel.sampler.ScrapeResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * On this machine's real cgroup v2 hierarchy: a kubelet-like tree with processes burning CPU.
 * Runs as root; under CI=true it must run (fails when it cannot), otherwise it may skip.
 */
class K8sRealCgroupTest {
  static final String UID = "6f0e1d2c-3b4a-5968-8776-a5b4c3d2e1f0";
  static final String UID2 = "7f0e1d2c-3b4a-5968-8776-a5b4c3d2e1f1";
  static final String CID = "c0ffee00".repeat(8);
  static final String CID2 = "beef0000".repeat(8);

  static String podSlice(String uid) {
    return "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
        + uid.replace('-', '_') + ".slice";
  }

  static Map<String, Sample> byId(ScrapeResult r) {
    return r.samples().stream().collect(Collectors.toMap(K8sDiscoveryTest::key,
        Function.identity()));
  }

  static K8sReceiver receiver(Path root) throws Exception {
    K8sReceiverConfig d = K8sReceiverConfig.defaults(root);
    K8sReceiverConfig config = new K8sReceiverConfig(true, root, true, d.pollInterval(),
        "node-1", d.apiUrl(), false, d.tokenRetrieval(), d.tokenFile(), d.serviceAccount(),
        d.namespace(), null, false, true, List.of());
    // through the factory: checks that path is cgroup v2; then the API part is left out
    Receiver checked = new K8sReceiverFactory().create(config.withApi("http://127.0.0.1:1",
        K8sReceiverConfig.TokenRetrieval.NONE), ReceiverContext.forTest("host-1"));
    checked.close();
    return new K8sReceiver(config, root, "node-1", null, ReceiverContext.forTest("host-1"));
  }

  static void awaitIds(Receiver r, Predicate<Set<String>> ok) {
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).pollInSameThread()
        .until(() -> byId(r.poll()).keySet(), ok);
  }

  @Test
  @Tag("real-cgroup")
  void cpuTime_matchesTheKernelAndPodsComeAndGo() throws Exception {
    try (RealCgroupTree cg = RealCgroupTree.create("cgroup-otel-k8s")) {
      Path pod = cg.mkdirs(podSlice(UID));
      Path container = cg.mkdirs(podSlice(UID) + "/cri-containerd-" + CID + ".scope");
      cg.mkdirs(podSlice(UID) + "/crio-conmon-" + CID + ".scope");
      try (K8sReceiver r = receiver(cg.root())) {
        r.start();
        Process burner = cg.burn(container);
        Thread.sleep(1000);
        burner.destroyForcibly().waitFor();
        long kernelPod = RealCgroupTree.usageUsec(pod);
        long kernelContainer = RealCgroupTree.usageUsec(container);

        Map<String, Sample> s = byId(r.poll());
        assertThat(s.keySet()).containsExactlyInAnyOrder("k8s.pod/" + UID, "container/" + CID);
        double podSeconds = s.get("k8s.pod/" + UID).usageUsec() / 1e6;
        assertThat(kernelPod).as("the burner ran in the pod").isGreaterThan(50_000);
        assertThat(podSeconds).isCloseTo(kernelPod / 1e6,
            org.assertj.core.api.Assertions.within(0.02 * kernelPod / 1e6 + 0.020));
        Sample c = s.get("container/" + CID);
        assertThat(c.usageUsec() / 1e6).isCloseTo(kernelContainer / 1e6,
            org.assertj.core.api.Assertions.within(0.02 * kernelContainer / 1e6 + 0.020));
        assertThat(c.userUsec() + c.systemUsec()).isBetween(c.usageUsec() - 1000,
            c.usageUsec() + 1000);
        assertThat(s.get("k8s.pod/" + UID).entity().attributes())
            .containsEntry("k8s.pod.uid", UID).containsEntry("k8s.node.name", "node-1");

        // a pod created while running appears without a restart (inotify)
        Path pod2 = cg.mkdirs(podSlice(UID2));
        cg.mkdirs(podSlice(UID2) + "/cri-containerd-" + CID2 + ".scope");
        awaitIds(r, ids -> ids.contains("k8s.pod/" + UID2) && ids.contains("container/" + CID2));

        // and a removed one goes
        RealCgroupTree.removeTree(pod2);
        assertThat(Files.exists(pod2)).isFalse();
        awaitIds(r, ids -> !ids.contains("k8s.pod/" + UID2)
            && !ids.contains("container/" + CID2) && ids.contains("k8s.pod/" + UID));
      }
    }
  }

  @Test
  @Tag("real-cgroup")
  void finalCounters_podBurnsThenIsRemovedRightAway_exportedWithTheKernelsFinalValue()
      throws Exception {
    try (RealCgroupTree cg = RealCgroupTree.create("cgroup-otel-k8s-final")) {
      Path pod = cg.mkdirs(podSlice(UID));
      Path container = cg.mkdirs(podSlice(UID) + "/cri-containerd-" + CID + ".scope");
      try (K8sReceiver r = receiver(cg.root())) {
        Process burner = cg.burn(container);
        r.start();
        long polled = byId(r.poll()).get("k8s.pod/" + UID).usageUsec();
        Thread.sleep(800); // the pod's last moments, after the last poll
        burner.destroyForcibly().waitFor();
        while (!Files.readString(pod.resolve("cgroup.events")).contains("populated 0")) {
          Thread.sleep(5);
        }
        long kernelPod = RealCgroupTree.usageUsec(pod);
        long kernelContainer = RealCgroupTree.usageUsec(container);
        Thread.sleep(50); // the kubelet removes it once the runtime reported: well over 50 ms
        RealCgroupTree.removeTree(pod);
        Thread.sleep(300);
        Map<String, Sample> s = byId(r.poll());
        assertThat(kernelPod - polled).as("CPU time after the last poll")
            .isGreaterThan(Math.max(20_000, kernelPod / 20));
        assertThat((double) s.get("k8s.pod/" + UID).usageUsec()).as("pod's final counters")
            .isCloseTo(kernelPod, org.assertj.core.data.Percentage.withPercentage(1));
        assertThat((double) s.get("container/" + CID).usageUsec()).as("container's")
            .isCloseTo(kernelContainer, org.assertj.core.data.Percentage.withPercentage(1));
        assertThat(r.poll().samples()).as("then gone").isEmpty();
      }
    }
  }

  @Test
  void factory_refusesAPathThatIsNotCgroup2(@org.junit.jupiter.api.io.TempDir Path tmp) {
    K8sReceiverConfig config = K8sReceiverConfig.defaults(tmp);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new K8sReceiverFactory()
        .create(config, ReceiverContext.forTest("host-1")))
        .hasMessageContaining(tmp.toString()).hasMessageContaining("cgroup v2");
  }
}

package io.cgroupotel.receiver.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.cgroupfs.RealCgroupTree;
import io.cgroupotel.cgroupfs.RealNetns;
import io.cgroupotel.metrics.MetricGroup;
import io.cgroupotel.metrics.NetworkStats;
import io.cgroupotel.receiver.HierarchyChoice;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.sampler.InterfaceFilter;
import io.cgroupotel.sampler.Sample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The k8s receiver's network group on a kubelet-like tree of real cgroups: a pod whose sandbox and
 * container are in a network namespace the test made, a container sending a known amount over TCP
 * to another test namespace and over loopback; a host-network pod beside it.
 */
@Tag("real-cgroup")
class K8sNetworkRealTest {
  static final String HOST_UID = "8f0e1d2c-3b4a-5968-8776-a5b4c3d2e1f2";
  static final String SANDBOX = "5a5a5a5a".repeat(8);
  static final String HOST_CID = "d00d0000".repeat(8);

  @Test
  void pod_seriesOfItsNamespace_containersNone_hostNetworkPodNone() throws Exception {
    try (RealCgroupTree cg = RealCgroupTree.create("cgroup-otel-k8s-net");
        RealNetns netns = RealNetns.create()) {
      String pod = K8sRealCgroupTest.podSlice(K8sRealCgroupTest.UID);
      Path sandbox = cg.mkdirs(pod + "/cri-containerd-" + SANDBOX + ".scope");
      Path container = cg.mkdirs(pod + "/cri-containerd-" + K8sRealCgroupTest.CID + ".scope");
      Process pause = netns.startIn(sandbox, netns.a(), "sleep", "60");
      netns.startIn(container, netns.a(), "sleep", "60");
      Path hostContainer = cg.mkdirs(K8sRealCgroupTest.podSlice(HOST_UID) + "/cri-containerd-"
          + HOST_CID + ".scope");
      cg.start(hostContainer, "exec sleep 60");

      K8sReceiverConfig d = K8sReceiverConfig.defaults(cg.root());
      K8sReceiverConfig config = new K8sReceiverConfig(true, cg.root(), true, d.pollInterval(),
          "node-1", d.apiUrl(), false, d.tokenRetrieval(), d.tokenFile(), d.serviceAccount(),
          d.namespace(), null, false, true, List.of(),
          Set.of(MetricGroup.CPU, MetricGroup.NETWORK), HierarchyChoice.ALL_VERSIONS,
          InterfaceFilter.DEFAULT);
      try (K8sReceiver r = new K8sReceiver(config, cg.root(), "node-1", null,
          ReceiverContext.forTest("host-1"))) {
        r.start();
        r.poll();
        long sent = 1_500_000;
        assertThat(netns.sendTcp(netns.a(), netns.b(), RealNetns.B_ADDRESS, 5021, sent,
            container)).isEqualTo(sent);
        assertThat(netns.sendTcp(netns.a(), netns.a(), "127.0.0.1", 5022, 300_000, container))
            .isEqualTo(300_000);
        String veth = netns.vethA();
        long[] dev = settled(pause.pid(), veth);

        Map<String, Sample> s = K8sRealCgroupTest.byId(r.poll());
        NetworkStats net = s.get("k8s.pod/" + K8sRealCgroupTest.UID).network();
        assertThat(net).isNotNull();
        int i = net.indexOf(veth);
        assertThat(i).isNotNegative();
        assertThat(net.transmitted(i, NetworkStats.Counter.BYTES)).as("net/dev at the poll")
            .isEqualTo(dev[8]).isBetween(sent, sent * 11 / 10);
        assertThat(net.received(i, NetworkStats.Counter.BYTES)).isEqualTo(dev[0]);
        assertThat(net.transmitted(i, NetworkStats.Counter.PACKETS)).isEqualTo(dev[9]);
        assertThat(net.indexOf("lo")).as("lo left out by default").isNegative();
        assertThat(s.get("container/" + K8sRealCgroupTest.CID).network())
            .as("a container: its pod's series only").isNull();
        assertThat(s.get("k8s.pod/" + HOST_UID).network()).isSameAs(NetworkStats.HOST);
      }
    }
  }


  static long[] settled(long pid, String veth) throws Exception {
    String before = "";
    for (int t = 0; t < 50; t++) {
      String now = Files.readAllLines(Path.of("/proc/" + pid + "/net/dev")).stream()
          .filter(l -> l.trim().startsWith(veth + ":")).findFirst().orElseThrow();
      if (now.equals(before)) {
        String[] f = now.trim().split(":", 2)[1].trim().split("\\s+");
        long[] v = new long[f.length];
        for (int k = 0; k < f.length; k++) {
          v[k] = Long.parseLong(f[k]);
        }
        return v;
      }
      before = now;
      Thread.sleep(100);
    }
    throw new AssertionError("counters of " + veth + " never settled");
  }
}

package io.cgroupotel.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cgroupotel.agent.pipeline.Agent;
import io.cgroupotel.cgroupfs.RealCgroupTree;
import io.cgroupotel.exporter.testing.OtlpGrpcTestReceiver;
import io.cgroupotel.receiver.k8s.KubeApiStub;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Receipts of a pod and its container on a real cgroup tree laid out as the kubelet lays it,
 * with the pod's spec from a stand-in API server: the allocation is the containers' requests
 * (limits reported beside them), and the efficiencies are computed from them.
 */
@Tag("real-cgroup")
class ReceiptK8sTest {
  static final String NODE = "node-r";
  static final String UID = "9a0e1d2c-3b4a-5968-8776-a5b4c3d2e1f0";
  static final String CID = "d00dfeed".repeat(8);

  static Pod pod() {
    return new PodBuilder().withNewMetadata().withName("batch-0").withNamespace("jobs")
        .withUid(UID).endMetadata()
        .withNewSpec().withNodeName(NODE)
        .addToContainers(new ContainerBuilder().withName("work").withNewResources()
            .addToRequests("cpu", new Quantity("2")).addToRequests("memory", new Quantity("64Mi"))
            .addToLimits("cpu", new Quantity("4")).addToLimits("memory", new Quantity("128Mi"))
            .endResources().build())
        .endSpec()
        .withNewStatus().addToContainerStatuses(new ContainerStatusBuilder().withName("work")
            .withContainerID("containerd://" + CID).build()).endStatus()
        .build();
  }

  @Test
  void podEnds_receiptsCarryRequestsLimitsAndEfficiencies() throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-receipt-k8s");
        KubeApiStub api = KubeApiStub.start(NODE, List.of(pod()));
        OtlpGrpcTestReceiver receiver = new OtlpGrpcTestReceiver()) {
      receiver.start();
      String toml = """
          [agent]
          export_interval = "1s"
          [receivers.k8s]
          path = "%s"
          poll_interval = "300ms"
          node_name = "%s"
          kubernetes_api_url = "%s"
          token_retrieval = "none"
          containers = true
          [exporters.otlp]
          endpoint = "%s"
          """.formatted(tree.root(), NODE, api.url(), receiver.endpoint());
      Agent agent = TestAgents.create("k8s-receipts.toml", toml);
      assertThat(agent.pipeline().problems()).isEmpty();
      agent.start();
      try {
        // the informer's first list: the pod's spec is known before it ends
        assertThat(agent.pipeline().runners().get(0).receiver()
            .awaitReady(Duration.ofSeconds(20))).isTrue();
        String slice = "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
            + UID.replace('-', '_') + ".slice";
        Path podDir = tree.mkdirs(slice);
        Path container = tree.mkdirs(slice + "/cri-containerd-" + CID + ".scope");
        Thread.sleep(700); // discovered and named before it ends
        Process burner = tree.burn(container);
        Thread.sleep(1500);
        burner.destroyForcibly().waitFor();
        ReceiptRealCgroupTest.awaitUnpopulated(podDir);
        double kernelPod = RealCgroupTree.usageUsec(podDir) / 1e6;
        Thread.sleep(50); // the kubelet takes longer still
        RealCgroupTree.removeTree(podDir); // container first, then the pod, as the kubelet does

        List<ExportLogsServiceRequest> requests = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (ReceiptProto.all(requests).size() < 2 && System.nanoTime() < deadline) {
          requests.add(receiver.nextLogs(Duration.ofSeconds(15)));
        }
        Thread.sleep(1500);
        requests.addAll(receiver.drainLogs());
        Map<String, List<ReceiptProto>> byKind = ReceiptProto.all(requests).stream()
            .collect(Collectors.groupingBy(r -> r.string("entity.kind")));
        assertThat(byKind.keySet()).containsExactlyInAnyOrder("k8s.pod", "container");
        assertThat(byKind.get("k8s.pod")).hasSize(1);
        assertThat(byKind.get("container")).hasSize(1);

        ReceiptProto p = byKind.get("k8s.pod").get(0);
        assertThat(p.resourceAttribute("k8s.pod.uid")).isEqualTo(UID);
        assertThat(p.resourceAttribute("k8s.pod.name")).isEqualTo("batch-0");
        assertThat(p.resourceAttribute("k8s.namespace.name")).isEqualTo("jobs");
        assertThat(p.number("cpu.time")).isCloseTo(kernelPod, within(kernelPod * 0.01));
        assertThat(p.number("cpu.allocated")).isEqualTo(2.0);
        assertThat(p.string("cpu.allocated.source")).isEqualTo("k8s.request");
        assertThat(p.number("k8s.cpu.request")).isEqualTo(2.0);
        assertThat(p.number("k8s.cpu.limit")).isEqualTo(4.0);
        assertThat(p.number("memory.allocated")).isEqualTo(64.0 * 1024 * 1024);
        assertThat(p.number("k8s.memory.limit")).isEqualTo(128.0 * 1024 * 1024);
        double efficiency = p.number("cpu.time") / (2.0 * p.number("duration"));
        assertThat(p.number("cpu.efficiency")).isCloseTo(efficiency, within(1e-9));
        // one burner cannot use more than one of the two cores requested (on a busy machine it
        // gets less: the figure is what it used, checked exactly above)
        assertThat(p.number("cpu.efficiency")).isGreaterThan(0).isLessThan(0.55);
        // memory.peak needs the memory controller: where the cgroup has none, no efficiency
        assertThat(p.has("memory.efficiency")).isEqualTo(p.has("memory.peak"));

        ReceiptProto c = byKind.get("container").get(0);
        assertThat(c.resourceAttribute("container.id")).isEqualTo(CID);
        assertThat(c.resourceAttribute("k8s.container.name")).isEqualTo("work");
        assertThat(c.number("cpu.allocated")).isEqualTo(2.0);
        assertThat(c.number("cpu.time")).isCloseTo(p.number("cpu.time"), within(0.05));
      } finally {
        agent.shutdown(Duration.ofSeconds(5));
      }
    }
  }
}

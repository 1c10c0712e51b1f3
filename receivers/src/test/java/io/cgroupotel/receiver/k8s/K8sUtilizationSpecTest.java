package io.cgroupotel.receiver.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cgroupotel.metrics.EntitySpec;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.k8s.K8sReceiverConfig.TokenRetrieval;
import io.cgroupotel.sampler.Entity;
import io.cgroupotel.sampler.EntityKind;
import io.cgroupotel.sampler.Sample;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pod spec values behind the {@code *_utilization} rows: sums over the containers, absent as
 * soon as one container has none (kubeletstats' rule), attached to the pod and container
 * entities when the informer knows the pod.
 */
class K8sUtilizationSpecTest {
  static final String NODE = "node-1";
  static final String UID = "11111111-2222-3333-4444-555555555555";
  static final String C_APP = "a".repeat(64);
  static final String C_SIDECAR = "b".repeat(64);

  @TempDir Path tmp;

  static Pod pod() {
    return new PodBuilder().withNewMetadata().withName("web-0").withNamespace("shop")
        .withUid(UID).endMetadata()
        .withNewSpec().withNodeName(NODE)
        .addToContainers(new ContainerBuilder().withName("app").withNewResources()
            .addToLimits("cpu", new Quantity("500m")).addToLimits("memory", new Quantity("256Mi"))
            .addToRequests("cpu", new Quantity("250m"))
            .addToRequests("memory", new Quantity("128Mi")).endResources().build())
        .addToContainers(new ContainerBuilder().withName("sidecar").withNewResources()
            .addToLimits("cpu", new Quantity("1")).addToLimits("memory", new Quantity("1G"))
            .addToRequests("cpu", new Quantity("0.1")).endResources().build())
        .addToInitContainers(new ContainerBuilder().withName("init").build())
        .endSpec()
        .withNewStatus()
        .addToContainerStatuses(new ContainerStatusBuilder().withName("app")
            .withContainerID("containerd://" + C_APP).build())
        .addToContainerStatuses(new ContainerStatusBuilder().withName("sidecar")
            .withContainerID("containerd://" + C_SIDECAR).build())
        .endStatus().build();
  }

  static long spec(long[] specs, EntitySpec s) {
    return specs[s.ordinal()];
  }

  @Test
  void from_twoContainers_sumsAndAbsentWhereOneHasNone() {
    PodInfo info = PodInfo.from(pod(), List.of());
    long[] pod = info.podSpecs();
    assertThat(spec(pod, EntitySpec.CPU_LIMIT_MILLICORES)).isEqualTo(1500);
    assertThat(spec(pod, EntitySpec.CPU_REQUEST_MILLICORES)).isEqualTo(350);
    assertThat(spec(pod, EntitySpec.MEMORY_LIMIT_BYTES)).isEqualTo(256L * 1024 * 1024
        + 1_000_000_000L);
    assertThat(spec(pod, EntitySpec.MEMORY_REQUEST_BYTES)).as("sidecar has no memory request")
        .isEqualTo(Sample.ABSENT);
    long[] sidecar = info.containerSpecs().get("sidecar");
    assertThat(spec(sidecar, EntitySpec.CPU_REQUEST_MILLICORES)).isEqualTo(100);
    assertThat(spec(sidecar, EntitySpec.MEMORY_REQUEST_BYTES)).isEqualTo(Sample.ABSENT);
    assertThat(spec(info.containerSpecs().get("app"), EntitySpec.MEMORY_REQUEST_BYTES))
        .isEqualTo(128L * 1024 * 1024);
  }

  @Test
  void from_noResourcesOrZero_absent() {
    Pod bare = new PodBuilder().withNewMetadata().withName("p").withUid(UID).endMetadata()
        .withNewSpec().addToContainers(new ContainerBuilder().withName("c").withNewResources()
            .addToLimits("cpu", new Quantity("0")).endResources().build()).endSpec().build();
    PodInfo info = PodInfo.from(bare, List.of());
    for (EntitySpec s : EntitySpec.values()) {
      assertThat(spec(info.podSpecs(), s)).as(s.name()).isEqualTo(Sample.ABSENT);
    }
    Pod noSpec = new PodBuilder().withNewMetadata().withName("p").withUid(UID).endMetadata()
        .build();
    assertThat(PodInfo.from(noSpec, List.of()).podSpecs()).containsOnly(Sample.ABSENT);
  }

  /** Through the informer: the pod and its containers carry their specs once the API answers. */
  @Test
  void receiver_podFromApi_specsAttachedToPodAndContainers() throws Exception {
    Path podDir = tmp.resolve("kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
        + UID.replace('-', '_') + ".slice");
    for (Path p : List.of(podDir, podDir.resolve("cri-containerd-" + C_APP + ".scope"),
        podDir.resolve("cri-containerd-" + C_SIDECAR + ".scope"))) {
      Files.createDirectories(p);
      Files.writeString(p.resolve("cpu.stat"), "usage_usec 1\nuser_usec 1\nsystem_usec 0\n");
    }
    try (FakeKubeApi api = new FakeKubeApi(NODE, false).start()) {
      api.pods.add(pod());
      K8sReceiverConfig d = K8sReceiverConfig.defaults(tmp);
      K8sReceiverConfig config = new K8sReceiverConfig(true, tmp, true, d.pollInterval(), NODE,
          api.url(false), true, TokenRetrieval.NONE, d.tokenFile(), "sa", "ns", null, false,
          true, List.of());
      K8sReceiver receiver = new K8sReceiver(config, tmp, NODE,
          KubeApiSettings.resolve(config, Map.of()), ReceiverContext.forTest("host-1"));
      try {
        receiver.start();
        assertThat(receiver.awaitReady(Duration.ofSeconds(5))).isTrue();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
            .until(() -> receiver.entities().stream()
                .noneMatch(e -> e.spec(EntitySpec.CPU_LIMIT_MILLICORES) < 0));
        Map<String, Entity> byName = new java.util.HashMap<>();
        for (Entity e : receiver.entities()) {
          byName.put(e.kind() == EntityKind.K8S_POD ? "pod"
              : (String) e.attributes().get(K8sAttributes.CONTAINER_NAME), e);
        }
        assertThat(byName.keySet()).containsExactlyInAnyOrder("pod", "app", "sidecar");
        assertThat(byName.get("pod").spec(EntitySpec.CPU_LIMIT_MILLICORES)).isEqualTo(1500);
        assertThat(byName.get("pod").spec(EntitySpec.MEMORY_REQUEST_BYTES))
            .isEqualTo(Sample.ABSENT);
        assertThat(byName.get("app").spec(EntitySpec.MEMORY_REQUEST_BYTES))
            .isEqualTo(128L * 1024 * 1024);
        assertThat(byName.get("sidecar").spec(EntitySpec.CPU_LIMIT_MILLICORES)).isEqualTo(1000);
      } finally {
        receiver.close();
      }
    }
  }
}

package io.cgroupotel.receiver.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.k8s.K8sReceiverConfig.TokenRetrieval;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodListBuilder;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kubernetes-server-mock in expectations mode: only the list and the watch with the field
 * selector {@code spec.nodeName=node-1} are served (CRUD mode never matches that selector).
 */
class K8sMockServerExpectationsTest {
  static final String NODE = "node-1";
  static final String SELECTOR = "fieldSelector=spec.nodeName%3D" + NODE;

  @TempDir Path tmp;
  KubernetesMockServer server;
  K8sReceiver receiver;

  @AfterEach
  void tearDown() {
    if (receiver != null) {
      receiver.close();
    }
    if (server != null) {
      server.destroy();
    }
  }

  @Test
  void informer_listsAndWatchesThisNodesPodsOnly() throws Exception {
    List<Pod> pods = K8sMetadataTest.pods();
    server = new KubernetesMockServer(false);
    server.init();
    server.expect().get().withPath("/api/v1/pods?" + SELECTOR + "&resourceVersion=0")
        .andReturn(200, new PodListBuilder().withNewMetadata().withResourceVersion("1")
            .endMetadata().withItems(pods).build())
        .always();
    Pod renamed = new PodBuilder(pods.get(1)).editMetadata().withResourceVersion("2")
        .addToLabels("app", "pg").endMetadata().build();
    server.expect().get().withPath("/api/v1/pods?allowWatchBookmarks=true&" + SELECTOR
            + "&resourceVersion=1&timeoutSeconds=600&watch=true")
        .andUpgradeToWebSocket().open()
        .waitFor(300).andEmit(new WatchEvent(renamed, "MODIFIED"))
        .done().always();

    String url = "http://localhost:" + server.getPort();
    K8sReceiverConfig d = K8sReceiverConfig.defaults(tmp);
    K8sReceiverConfig config = new K8sReceiverConfig(true, tmp, true, d.pollInterval(), NODE,
        url, true, TokenRetrieval.NONE, d.tokenFile(), "sa", "ns", null, false, true,
        List.of("app"));
    receiver = new K8sReceiver(config, tmp, NODE, KubeApiSettings.resolve(config, Map.of()),
        ReceiverContext.forTest("host-1"));
    receiver.startMetadata();
    assertThat(receiver.awaitReady(Duration.ofSeconds(5))).as("listed through the selector")
        .isTrue();
    Path pod = tmp.resolve("kubepods.slice/kubepods-pod"
        + K8sMetadataTest.UID_DB.replace('-', '_') + ".slice");
    java.nio.file.Files.createDirectories(pod);
    java.nio.file.Files.writeString(pod.resolve("cpu.stat"), "usage_usec 1\n");
    receiver.startDiscovery();
    var entity = receiver.entities().get(0);
    assertThat(entity.attributes()).containsEntry("k8s.pod.name", "db-0")
        .containsEntry("k8s.namespace.name", "shop")
        .containsEntry("k8s.statefulset.name", "db");
    K8sMetadataTest.await(Duration.ofSeconds(5),
        () -> "pg".equals(entity.attributes().get("k8s.pod.label.app")));

    var first = server.takeRequest(1, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(first.getPath()).startsWith("/api/v1/pods?").contains(SELECTOR);
  }
}

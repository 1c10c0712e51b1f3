package io.cgroupotel.receiver.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.k8s.K8sReceiverConfig.TokenRetrieval;
import io.cgroupotel.sampler.Entity;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Enrichment from a mock API server; cgroups are fed to the receiver directly. */
class K8sMetadataTest {
  static final String NODE = "node-1";
  static final String TOKEN = "s3cr3t-T0KEN-never-logged-4f2a9c";
  static final String UID_WEB = "11111111-2222-3333-4444-555555555555";
  static final String UID_DB = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
  static final String UID_CRON = "99999999-8888-7777-6666-555555555555";
  static final String STATIC_HASH = "0123456789abcdef0123456789abcdef";
  static final String UID_MIRROR = "12345678-1234-1234-1234-123456789abc";
  static final String C_WEB = "a".repeat(64);
  static final String C_SIDECAR = "b".repeat(64);

  @TempDir Path tmp;
  Path root;
  Path tokenFile;
  FakeKubeApi api;
  K8sReceiver receiver;
  ByteArrayOutputStream logs = new ByteArrayOutputStream();
  PrintStream savedErr;

  @BeforeEach
  void setUp() throws IOException {
    root = tmp.resolve("cgroup");
    tokenFile = tmp.resolve("token");
    Files.writeString(tokenFile, TOKEN + "\n");
    savedErr = System.err;
    System.setErr(new PrintStream(new TeeStream(logs, savedErr), true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void tearDown() {
    if (receiver != null) {
      receiver.close();
    }
    if (api != null) {
      api.close();
    }
    System.setErr(savedErr);
    assertThat(logs.toString(StandardCharsets.UTF_8)).doesNotContain(TOKEN);
  }

  static List<Pod> pods() {
    Pod web = new PodBuilder().withNewMetadata().withName("web-5d4f8b7c9-x2x7q")
        .withNamespace("shop").withUid(UID_WEB)
        .addToLabels("app", "web").addToLabels("pod-template-hash", "5d4f8b7c9")
        .addNewOwnerReference().withKind("ReplicaSet").withName("web-5d4f8b7c9")
        .withController(true).withApiVersion("apps/v1").withUid("rs").endOwnerReference()
        .endMetadata()
        .withNewSpec().withNodeName(NODE).endSpec()
        .withNewStatus()
        .addToContainerStatuses(new ContainerStatusBuilder().withName("nginx")
            .withContainerID("containerd://" + C_WEB).build())
        .addToContainerStatuses(new ContainerStatusBuilder().withName("envoy")
            .withContainerID("containerd://" + C_SIDECAR).build())
        .endStatus().build();
    Pod db = new PodBuilder().withNewMetadata().withName("db-0").withNamespace("shop")
        .withUid(UID_DB).addNewOwnerReference().withKind("StatefulSet").withName("db")
        .withController(true).withApiVersion("apps/v1").withUid("ss").endOwnerReference()
        .endMetadata().withNewSpec().withNodeName(NODE).endSpec().build();
    Pod cron = new PodBuilder().withNewMetadata().withName("report-29000000-abcde")
        .withNamespace("batch").withUid(UID_CRON).addNewOwnerReference().withKind("Job")
        .withName("report-29000000").withController(true).withApiVersion("batch/v1")
        .withUid("j").endOwnerReference().endMetadata()
        .withNewSpec().withNodeName(NODE).endSpec().build();
    Pod mirror = new PodBuilder().withNewMetadata().withName("etcd-node-1")
        .withNamespace("kube-system").withUid(UID_MIRROR)
        .addToAnnotations("kubernetes.io/config.mirror", STATIC_HASH)
        .addNewOwnerReference().withKind("Node").withName(NODE).withController(true)
        .withApiVersion("v1").withUid("n").endOwnerReference().endMetadata()
        .withNewSpec().withNodeName(NODE).endSpec().build();
    return List.of(web, db, cron, mirror);
  }

  K8sReceiver receiver(String url, boolean https, Path caFile, boolean insecure) {
    K8sReceiverConfig base = K8sReceiverConfig.defaults(root).withApi(url, TokenRetrieval.FILE);
    K8sReceiverConfig config = new K8sReceiverConfig(true, root, true, Duration.ofSeconds(1),
        NODE, url, true, TokenRetrieval.FILE, tokenFile, "sa", "ns", caFile, insecure, true,
        List.of("app", "missing"));
    assertThat(base.apiUrl()).isEqualTo(url);
    KubeApiSettings settings = KubeApiSettings.resolve(config, Map.of());
    return new K8sReceiver(config, root, NODE, settings, ReceiverContext.forTest("host-1"));
  }

  Path webPod() {
    return root.resolve("kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
        + UID_WEB.replace('-', '_') + ".slice");
  }

  /** Makes the pod and container cgroups (with a cpu.stat each), then lets discovery find them. */
  void addCgroups() throws IOException {
    Path web = webPod();
    for (Path p : List.of(web, web.resolve("cri-containerd-" + C_WEB + ".scope"),
        web.resolve("cri-containerd-" + C_SIDECAR + ".scope"),
        root.resolve("kubepods.slice/kubepods-pod" + UID_DB.replace('-', '_') + ".slice"),
        root.resolve("kubepods/besteffort/pod" + UID_CRON),
        root.resolve("kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
            + STATIC_HASH + ".slice"))) {
      Files.createDirectories(p);
      Files.writeString(p.resolve("cpu.stat"), "usage_usec 1\nuser_usec 1\nsystem_usec 0\n");
    }
    receiver.startDiscovery();
  }

  /** The entity that is {@code k8s.pod/<uid>} or {@code container/<id>}. */
  Entity entity(String key) {
    return receiver.entities().stream().filter(e -> key.equals(key(e))).findFirst()
        .orElseThrow();
  }

  static String key(Entity e) {
    Map<String, Object> a = e.attributes();
    return a.containsKey("container.id") ? "container/" + a.get("container.id")
        : "k8s.pod/" + a.get("k8s.pod.uid");
  }

  static void await(Duration timeout, Callable<Boolean> condition) {
    Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(50)).until(condition);
  }

  @Test
  void metadata_namesNamespacesOwnersContainersAndLabelsAttached() throws Exception {
    api = new FakeKubeApi(NODE, false).start();
    api.pods.addAll(pods());
    receiver = receiver(api.url(false), false, null, false);
    receiver.startMetadata();
    assertThat(receiver.awaitReady(Duration.ofSeconds(5))).isTrue();
    addCgroups();

    assertThat(entity("k8s.pod/" + UID_WEB).attributes()).containsExactlyInAnyOrderEntriesOf(
        Map.of("k8s.pod.uid", UID_WEB, "k8s.node.name", NODE,
            "k8s.pod.name", "web-5d4f8b7c9-x2x7q", "k8s.namespace.name", "shop",
            "k8s.replicaset.name", "web-5d4f8b7c9", "k8s.deployment.name", "web",
            "k8s.pod.label.app", "web"));
    assertThat(entity("container/" + C_WEB).attributes()).containsAllEntriesOf(Map.of(
        "k8s.pod.uid", UID_WEB, "k8s.pod.name", "web-5d4f8b7c9-x2x7q",
        "k8s.namespace.name", "shop", "k8s.deployment.name", "web",
        "container.id", C_WEB, "container.runtime", "containerd",
        "k8s.container.name", "nginx"));
    assertThat(entity("container/" + C_SIDECAR).attributes())
        .containsEntry("k8s.container.name", "envoy");
    assertThat(entity("k8s.pod/" + UID_DB).attributes())
        .containsEntry("k8s.statefulset.name", "db").containsEntry("k8s.pod.name", "db-0")
        .doesNotContainKey("k8s.pod.label.app");
    assertThat(entity("k8s.pod/" + UID_CRON).attributes())
        .containsEntry("k8s.job.name", "report-29000000")
        .containsEntry("k8s.cronjob.name", "report");
    // a static pod's cgroup carries the manifest hash; its mirror pod names it
    assertThat(entity("k8s.pod/" + STATIC_HASH).attributes())
        .containsEntry("k8s.pod.name", "etcd-node-1")
        .containsEntry("k8s.namespace.name", "kube-system");

    // the list and the watch were asked for this node's pods only, with the token
    assertThat(api.paths()).isNotEmpty().allSatisfy(
        p -> assertThat(p).startsWith("/api/v1/pods?").contains("fieldSelector=spec.nodeName="
            + NODE));
    await(Duration.ofSeconds(5),
        () -> api.paths().stream().anyMatch(p -> p.contains("watch=true")));
    assertThat(api.paths()).allSatisfy(p -> assertThat(p).contains("fieldSelector=spec.nodeName="
        + NODE));
    assertThat(List.copyOf(api.requests)).allSatisfy(
        r -> assertThat(r.getHeader("Authorization")).isEqualTo("Bearer " + TOKEN));

    // a change through the watch updates the entity in place
    int version = entity("k8s.pod/" + UID_DB).attributesVersion();
    Pod relabelled = new PodBuilder(pods().get(1)).editMetadata().withResourceVersion("2").addToLabels("app", "pg")
        .endMetadata().build();
    await(Duration.ofSeconds(5), () -> !api.watches.isEmpty());
    api.emit("MODIFIED", relabelled);
    await(Duration.ofSeconds(5),
        () -> "pg".equals(entity("k8s.pod/" + UID_DB).attributes().get("k8s.pod.label.app")));
    assertThat(entity("k8s.pod/" + UID_DB).attributesVersion()).isGreaterThan(version);

    // a rotated token file is used by the next request (here: the watch, reopened)
    Files.writeString(tokenFile, "rotated-token-2");
    for (var ws : api.watches) {
      ws.close(1000, "bye");
    }
    await(Duration.ofSeconds(15), () -> api.requests.stream()
        .anyMatch(r -> "Bearer rotated-token-2".equals(r.getHeader("Authorization"))));
  }

  @Test
  void apiDown_podsExportedByUidThenEnrichedWhenItAnswers() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    receiver = receiver("http://localhost:" + port, false, null, false);
    receiver.startMetadata();
    addCgroups();
    assertThat(receiver.awaitReady(Duration.ofMillis(300))).isFalse();
    assertThat(entity("k8s.pod/" + UID_WEB).attributes()).containsExactlyInAnyOrderEntriesOf(
        Map.of("k8s.pod.uid", UID_WEB, "k8s.node.name", NODE));
    assertThat(entity("container/" + C_WEB).attributes()).containsExactlyInAnyOrderEntriesOf(
        Map.of("k8s.pod.uid", UID_WEB, "k8s.node.name", NODE, "container.id", C_WEB,
            "container.runtime", "containerd"));

    api = new FakeKubeApi(NODE, false);
    api.pods.addAll(pods());
    api.start(port);
    await(Duration.ofSeconds(30),
        () -> entity("k8s.pod/" + UID_WEB).attributes().containsKey("k8s.pod.name"));
    assertThat(entity("container/" + C_WEB).attributes())
        .containsEntry("k8s.container.name", "nginx");
    String log = logs.toString(StandardCharsets.UTF_8);
    assertThat(log).contains("cannot connect to the Kubernetes API at http://localhost:" + port);
    assertThat(log).contains("answers again");
  }

  @Test
  void forbidden_reportedWithRbacHint() throws Exception {
    api = new FakeKubeApi(NODE, false).start();
    api.status = 403;
    receiver = receiver(api.url(false), false, null, false);
    receiver.startMetadata();
    assertThat(receiver.awaitReady(Duration.ofSeconds(2))).isFalse();
    await(Duration.ofSeconds(5), () -> logs.toString(StandardCharsets.UTF_8).contains("403"));
    assertThat(logs.toString(StandardCharsets.UTF_8)).contains("reader-rbac.yaml");
  }

  @Test
  void tls_selfSignedRefusedUnlessCaFileTrustsIt() throws Exception {
    api = new FakeKubeApi(NODE, true).start();
    api.pods.addAll(pods());
    receiver = receiver(api.url(true), true, null, false);
    receiver.startMetadata();
    assertThat(receiver.awaitReady(Duration.ofSeconds(3))).isFalse();
    await(Duration.ofSeconds(5), () -> logs.toString(StandardCharsets.UTF_8).contains("TLS"));
    receiver.close();

    Path ca = Path.of(api.server.getSelfSignedCertificate().certificatePath());
    receiver = receiver(api.url(true), true, ca, false);
    receiver.startMetadata();
    assertThat(receiver.awaitReady(Duration.ofSeconds(5))).isTrue();
  }

  @Test
  void tokenFile_rereadWhenRotated() throws IOException {
    var provider = new KubeApiSettings.FileTokenProvider(tokenFile);
    assertThat(provider.getToken()).isEqualTo(TOKEN);
    Files.writeString(tokenFile, "rotated");
    assertThat(provider.getToken()).isEqualTo("rotated");
    Files.writeString(tokenFile, TOKEN);
  }

  @Test
  void settings_neverShowTheToken() {
    K8sReceiverConfig config = K8sReceiverConfig.defaults(root)
        .withApi("https://10.0.0.1:6443", TokenRetrieval.FILE);
    config = new K8sReceiverConfig(true, root, true, Duration.ofSeconds(1), NODE,
        "https://10.0.0.1:6443", true, TokenRetrieval.FILE, tokenFile, "sa", "ns", null, false,
        true, List.of());
    KubeApiSettings s = KubeApiSettings.resolve(config, Map.of());
    assertThat(s.toString()).contains("https://10.0.0.1:6443").contains(tokenFile.toString())
        .doesNotContain(TOKEN);
    assertThat(s.config().isTrustCerts()).isFalse();
    assertThat(s.config().isDisableHostnameVerification()).isFalse();
  }

  /** Copies what is written to two streams. */
  static final class TeeStream extends java.io.OutputStream {
    private final java.io.OutputStream a;
    private final java.io.OutputStream b;

    TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public synchronized void write(int c) throws IOException {
      a.write(c);
      b.write(c);
    }

    @Override
    public synchronized void write(byte[] buf, int off, int len) throws IOException {
      a.write(buf, off, len);
      b.write(buf, off, len);
    }
  }

  static final Predicate<String> ANY = s -> true;
}

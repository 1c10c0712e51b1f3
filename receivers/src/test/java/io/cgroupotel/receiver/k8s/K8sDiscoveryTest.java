package io.cgroupotel.receiver.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.sampler.Entity;
import io.cgroupotel.sampler.EntityKind;
import io.cgroupotel.sampler.Sample;
import io.cgroupotel.sampler.ScrapeResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Discovery on a fixture tree laid out as kubelet does, below a kind-like deep prefix. */
class K8sDiscoveryTest {
  static final String PREFIX = "system.slice/docker-"
      + "f00dbabef00dbabef00dbabef00dbabef00dbabef00dbabef00dbabef00dbabe.scope/kubelet.slice";
  static final String G = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"; // guaranteed, systemd
  static final String B = "1b1c2d3e-4f50-6172-8394-a5b6c7d8e9f1"; // burstable, systemd
  static final String E = "2b1c2d3e-4f50-6172-8394-a5b6c7d8e9f2"; // besteffort, systemd
  static final String F = "3b1c2d3e-4f50-6172-8394-a5b6c7d8e9f3"; // cgroupfs driver
  static final String N = "4b1c2d3e-4f50-6172-8394-a5b6c7d8e9f4"; // added later
  static String id(char c) {
    return String.valueOf(c).repeat(64);
  }

  @TempDir Path tmp;
  K8sReceiver receiver;
  final AtomicInteger pollNow = new AtomicInteger();

  @AfterEach
  void tearDown() {
    if (receiver != null) {
      receiver.close();
    }
  }

  static String slice(String qos, String uid) {
    String u = uid.replace('-', '_');
    return qos.isEmpty() ? "kubelet-kubepods.slice/kubelet-kubepods-pod" + u + ".slice"
        : "kubelet-kubepods.slice/kubelet-kubepods-" + qos + ".slice/kubelet-kubepods-" + qos
            + "-pod" + u + ".slice";
  }

  Path cg(String relative, long usage, long user, long system) throws IOException {
    Path dir = tmp.resolve(relative);
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("cpu.stat"), "usage_usec " + usage + "\nuser_usec " + user
        + "\nsystem_usec " + system + "\nnr_periods 0\n");
    return dir;
  }

  void buildTree() throws IOException {
    cg(PREFIX, 1, 1, 0);
    cg(PREFIX + "/kubelet-kubepods.slice", 1, 1, 0);
    Path g = cg(PREFIX + "/" + slice("", G), 1_000_000, 600_000, 400_000);
    Files.writeString(g.resolve("memory.current"), "4096\n");
    cg(PREFIX + "/" + slice("", G) + "/cri-containerd-" + id('a') + ".scope", 900_000, 500_000,
        400_000);
    Path b = cg(PREFIX + "/" + slice("burstable", B), 2_000_000, 1_500_000, 500_000);
    cg(b + "/crio-" + id('b') + ".scope", 1_500_000, 1_000_000, 500_000);
    cg(b + "/crio-conmon-" + id('b') + ".scope", 10, 10, 0); // not a container
    cg(b + "/docker-" + id('c') + ".scope", 100, 100, 0);
    cg(b + "/libpod-" + id('d') + ".scope", 100, 100, 0);
    Path e = cg(PREFIX + "/" + slice("besteffort", E), 3_000_000, 2_000_000, 1_000_000);
    cg(e + "/cri-containerd-" + id('e') + ".scope", 3_000_000, 2_000_000, 1_000_000);
    // cgroupfs driver, under a prefix too
    Path f = cg("nested/kubepods/burstable/pod" + F, 4_000_000, 3_000_000, 1_000_000);
    cg(f + "/" + id('f'), 4_000_000, 3_000_000, 1_000_000);
    // non-pod siblings and malformed names: ignored
    cg(PREFIX + "/kubelet-kubepods.slice/kubelet-kubepods-burstable.slice"
        + "/kubelet-kubepods-burstable-podnot-a-uid.slice", 5, 5, 0);
    cg(PREFIX + "/kubelet-kubepods.slice/kubelet-kubepods-burstable.slice"
        + "/kubelet-kubepods-burstable-pod1234.slice", 5, 5, 0);
    cg("nested/kubepods/burstable/podnot-a-uid", 5, 5, 0);
    cg("nested/kubepods/burstable/pod" + F.replace('-', '_'), 5, 5, 0);
    cg("system.slice/docker-" + id('9') + ".scope", 5, 5, 0); // a container, not in a pod
    cg("user.slice/user-0.slice", 5, 5, 0);
    cg("init.scope", 5, 5, 0);
  }

  K8sReceiver start(boolean containers) {
    K8sReceiverConfig d = K8sReceiverConfig.defaults(tmp);
    K8sReceiverConfig config = new K8sReceiverConfig(true, tmp, true, d.pollInterval(), "node-1",
        d.apiUrl(), false, d.tokenRetrieval(), d.tokenFile(), d.serviceAccount(), d.namespace(),
        null, false, containers, d.podLabels());
    receiver = new K8sReceiver(config, tmp, "node-1", null,
        new ReceiverContext("host-1", Map.of(), pollNow::incrementAndGet));
    receiver.start();
    return receiver;
  }

  /** Samples by what they are: {@code k8s.pod/<uid>} or {@code container/<id>}. */
  static Map<String, Sample> byId(ScrapeResult r) {
    return r.samples().stream().collect(Collectors.toMap(K8sDiscoveryTest::key,
        Function.identity()));
  }

  static String key(Sample s) {
    Map<String, Object> a = s.entity().attributes();
    return a.containsKey("container.id") ? "container/" + a.get("container.id")
        : "k8s.pod/" + a.get("k8s.pod.uid");
  }

  @Test
  void poll_exportsExactlyThePodsAndContainersOfEveryLayout() throws IOException {
    buildTree();
    start(true);
    ScrapeResult r = receiver.poll();
    assertThat(r.errors()).isEmpty();
    Map<String, Sample> s = byId(r);
    assertThat(s.keySet()).containsExactlyInAnyOrder(
        "k8s.pod/" + G, "k8s.pod/" + B, "k8s.pod/" + E, "k8s.pod/" + F,
        "container/" + id('a'), "container/" + id('b'), "container/" + id('c'),
        "container/" + id('d'), "container/" + id('e'), "container/" + id('f'));

    Sample g = s.get("k8s.pod/" + G);
    assertThat(g.entity().kind()).isEqualTo(EntityKind.K8S_POD);
    assertThat(g.usageUsec()).isEqualTo(1_000_000);
    assertThat(g.memoryBytes()).isEqualTo(4096);
    assertThat(g.entity().attributes()).containsExactlyInAnyOrderEntriesOf(
        Map.of("k8s.pod.uid", G, "k8s.node.name", "node-1"));
    assertThat(s.get("k8s.pod/" + B).memoryBytes()).isEqualTo(Sample.ABSENT);

    Sample b = s.get("container/" + id('b'));
    assertThat(b.entity().kind()).isEqualTo(EntityKind.CONTAINER);
    assertThat(b.userUsec()).isEqualTo(1_000_000);
    assertThat(b.systemUsec()).isEqualTo(500_000);
    assertThat(b.entity().attributes()).containsExactlyInAnyOrderEntriesOf(Map.of(
        "k8s.pod.uid", B, "k8s.node.name", "node-1", "container.id", id('b'),
        "container.runtime", "cri-o"));
    assertThat(runtime(s, 'a')).isEqualTo("containerd");
    assertThat(runtime(s, 'c')).isEqualTo("docker");
    assertThat(runtime(s, 'd')).isEqualTo("podman");
    assertThat(s.get("container/" + id('f')).entity().attributes())
        .doesNotContainKey("container.runtime") // bare id: known once the API answers
        .containsEntry("k8s.pod.uid", F);
  }

  static Object runtime(Map<String, Sample> s, char c) {
    return s.get("container/" + id(c)).entity().attributes().get("container.runtime");
  }

  @Test
  void poll_withoutContainers_exportsPodsOnly() throws IOException {
    buildTree();
    start(false);
    assertThat(byId(receiver.poll()).keySet()).containsExactlyInAnyOrder(
        "k8s.pod/" + G, "k8s.pod/" + B, "k8s.pod/" + E, "k8s.pod/" + F);
  }

  @Test
  void watch_newPodAppearsAndRemovedPodGoes() throws Exception {
    buildTree();
    start(true);
    int before = pollNow.get();
    Path n = cg(PREFIX + "/" + slice("burstable", N), 7, 7, 0);
    cg(n + "/cri-containerd-" + id('7') + ".scope", 7, 7, 0);
    awaitIds(Duration.ofSeconds(10), ids -> ids.contains("container/" + id('7')));
    assertThat(pollNow.get()).isGreaterThan(before);

    Files.delete(n.resolve("cri-containerd-" + id('7') + ".scope/cpu.stat"));
    Files.delete(n.resolve("cri-containerd-" + id('7') + ".scope"));
    Files.delete(n.resolve("cpu.stat"));
    Files.delete(n);
    awaitIds(Duration.ofSeconds(10), ids -> !ids.contains("k8s.pod/" + N)
        && !ids.contains("container/" + id('7')));
    assertThat(byId(receiver.poll())).containsKey("k8s.pod/" + G);
  }

  void awaitIds(Duration timeout, java.util.function.Predicate<Set<String>> ok) {
    await().atMost(timeout).pollInterval(Duration.ofMillis(50)).pollInSameThread()
        .until(() -> byId(receiver.poll()).keySet(), ok::test);
  }

  @Test
  void entities_areStableAcrossPolls() throws IOException {
    buildTree();
    start(true);
    Entity first = byId(receiver.poll()).get("k8s.pod/" + G).entity();
    assertThat(byId(receiver.poll()).get("k8s.pod/" + G).entity()).isSameAs(first);
  }
}

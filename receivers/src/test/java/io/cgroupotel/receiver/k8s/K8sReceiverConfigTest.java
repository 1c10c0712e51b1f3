package io.cgroupotel.receiver.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.config.ConfigDocument;
import io.cgroupotel.config.ConfigError;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.k8s.K8sReceiverConfig.TokenRetrieval;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class K8sReceiverConfigTest {
  static ConfigDocument doc;

  static K8sReceiverConfig parse(String toml, Map<String, String> env) {
    doc = ConfigDocument.parse("test.toml", "[receivers.k8s]\n" + toml, env);
    return new K8sReceiverFactory().parseConfig(doc.root().section("receivers").section("k8s"));
  }

  @Test
  void parseConfig_defaults() {
    K8sReceiverConfig c = parse("", Map.of());
    assertThat(doc.errors()).isEmpty();
    assertThat(c.enabled()).isTrue();
    assertThat(c.path()).isEqualTo(Path.of("/sys/fs/cgroup"));
    assertThat(c.pathSet()).isFalse();
    assertThat(c.pollInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.apiUrl()).isEqualTo("https://127.0.0.1:8080");
    assertThat(c.apiUrlSet()).isFalse();
    assertThat(c.tokenRetrieval()).isEqualTo(TokenRetrieval.AUTO);
    assertThat(c.tokenFile())
        .isEqualTo(Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token"));
    assertThat(c.serviceAccount()).isEqualTo("cgroup-otel-reader");
    assertThat(c.namespace()).isEqualTo("cgroup-otel-agent");
    assertThat(c.caFile()).isNull();
    assertThat(c.insecureSkipTlsVerify()).isFalse();
    assertThat(c.containers()).isTrue();
    assertThat(c.podLabels()).isEmpty();
  }

  @Test
  void parseConfig_everyKey() {
    K8sReceiverConfig c = parse("""
        enabled = false
        path = "/host/sys/fs/cgroup"
        poll_interval = "500ms"
        node_name = "${NODE_NAME}"
        kubernetes_api_url = "https://10.0.0.1:6443"
        token_retrieval = "kubectl"
        token_file = "/tmp/t"
        service_account = "reader"
        namespace = "ops"
        ca_file = "/etc/k8s/ca.crt"
        containers = false
        pod_labels = ["app", "team"]
        """, Map.of("NODE_NAME", "worker-3"));
    assertThat(doc.errors()).isEmpty();
    assertThat(c).isEqualTo(new K8sReceiverConfig(false, Path.of("/host/sys/fs/cgroup"), true,
        Duration.ofMillis(500), "worker-3", "https://10.0.0.1:6443", true,
        TokenRetrieval.KUBECTL, Path.of("/tmp/t"), "reader", "ops", Path.of("/etc/k8s/ca.crt"),
        false, false, List.of("app", "team")));
  }

  @Test
  void parseConfig_reportsEveryErrorWithItsKey() {
    parse("""
        token_retrieval = "magic"
        poll_interval = "soon"
        kubernetes_api_url = "10.0.0.1"
        ca_file = "/ca.crt"
        insecure_skip_tls_verify = true
        path = "relative"
        """, Map.of());
    assertThat(doc.errors()).extracting(ConfigError::toString).anySatisfy(
        e -> assertThat(e).contains("receivers.k8s.token_retrieval").contains("auto, file"))
        .anySatisfy(e -> assertThat(e).contains("receivers.k8s.poll_interval"))
        .anySatisfy(e -> assertThat(e).contains("receivers.k8s.kubernetes_api_url"))
        .anySatisfy(e -> assertThat(e).contains("receivers.k8s.insecure_skip_tls_verify"))
        .anySatisfy(e -> assertThat(e).contains("receivers.k8s.path"));
  }

  @Test
  void nodeName_fromConfigThenEnvThenHostName() {
    K8sReceiverConfig c = parse("", Map.of());
    assertThat(K8sReceiverFactory.resolveNodeName(c,
        new ReceiverContext("host-1", Map.of("NODE_NAME", "n-env"), () -> {})))
        .isEqualTo("n-env");
    assertThat(K8sReceiverFactory.resolveNodeName(c, ReceiverContext.forTest("host-1")))
        .isEqualTo("host-1");
  }

  @Test
  void apiSettings_inClusterWinsUnlessUrlSet() {
    K8sReceiverConfig c = parse("token_retrieval = \"none\"", Map.of());
    KubeApiSettings s = KubeApiSettings.resolve(c, Map.of());
    assertThat(s.masterUrl()).startsWith("https://127.0.0.1:8080");
    assertThat(s.config().getOauthTokenProvider()).isNull();
  }
}

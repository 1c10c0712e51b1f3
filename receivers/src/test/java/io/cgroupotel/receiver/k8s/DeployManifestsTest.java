package io.cgroupotel.receiver.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.cgroupotel.config.ConfigDocument;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Loads deploy/kubernetes/*.yaml into typed objects and checks what matters. */
class DeployManifestsTest {
  static final Path DIR = findDeployDir();

  static Path findDeployDir() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("deploy/kubernetes"))) {
      p = p.getParent();
    }
    assertThat(p).as("deploy/kubernetes above " + Path.of("").toAbsolutePath()).isNotNull();
    return p.resolve("deploy/kubernetes");
  }

  static List<HasMetadata> load(String file) throws IOException {
    List<HasMetadata> result = new ArrayList<>();
    for (String doc : Files.readString(DIR.resolve(file)).split("(?m)^---\\s*$")) {
      if (!doc.replaceAll("(?m)^\\s*#.*$", "").isBlank()) {
        result.add(Serialization.unmarshal(doc));
      }
    }
    return result;
  }

  @SuppressWarnings("unchecked")
  static <T> T one(List<HasMetadata> docs, Class<T> type) {
    List<HasMetadata> found = docs.stream().filter(type::isInstance).toList();
    assertThat(found).as(type.getSimpleName()).hasSize(1);
    return (T) found.get(0);
  }

  @Test
  void readerRbac_grantsGetListWatchOnPodsOnly() throws IOException {
    List<HasMetadata> docs = load("reader-rbac.yaml");
    ServiceAccount sa = one(docs, ServiceAccount.class);
    ClusterRole role = one(docs, ClusterRole.class);
    ClusterRoleBinding binding = one(docs, ClusterRoleBinding.class);

    assertThat(sa.getMetadata().getName()).isEqualTo(K8sReceiverFactory.DEFAULT_SERVICE_ACCOUNT);
    assertThat(sa.getMetadata().getNamespace()).isEqualTo(K8sReceiverFactory.DEFAULT_NAMESPACE);
    assertThat(role.getRules()).hasSize(1);
    PolicyRule rule = role.getRules().get(0);
    assertThat(rule.getApiGroups()).containsExactly("");
    assertThat(rule.getResources()).containsExactly("pods");
    assertThat(rule.getVerbs()).containsExactlyInAnyOrder("get", "list", "watch");
    assertThat(rule.getResourceNames()).isNullOrEmpty();
    assertThat(binding.getRoleRef().getKind()).isEqualTo("ClusterRole");
    assertThat(binding.getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
    assertThat(binding.getSubjects()).singleElement().satisfies(s -> {
      assertThat(s.getKind()).isEqualTo("ServiceAccount");
      assertThat(s.getName()).isEqualTo(sa.getMetadata().getName());
      assertThat(s.getNamespace()).isEqualTo(sa.getMetadata().getNamespace());
    });
  }

  @Test
  void daemonSet_mountsCgroupReadOnlyAndReadsNodeName() throws IOException {
    DaemonSet ds = one(load("daemonset.yaml"), DaemonSet.class);
    PodSpec spec = ds.getSpec().getTemplate().getSpec();
    assertThat(spec.getServiceAccountName()).isEqualTo(K8sReceiverFactory.DEFAULT_SERVICE_ACCOUNT);
    assertThat(spec.getHostPID()).isNotEqualTo(Boolean.TRUE);
    assertThat(spec.getHostNetwork()).isNotEqualTo(Boolean.TRUE);
    assertThat(spec.getSecurityContext().getRunAsNonRoot()).isTrue();

    Volume cgroup = spec.getVolumes().stream().filter(v -> v.getHostPath() != null)
        .collect(java.util.stream.Collectors.toList()).get(0);
    assertThat(cgroup.getHostPath().getPath()).isEqualTo("/sys/fs/cgroup");
    assertThat(spec.getVolumes()).filteredOn(v -> v.getHostPath() != null).hasSize(1);

    Container agent = spec.getContainers().get(0);
    assertThat(spec.getContainers()).hasSize(1);
    assertThat(agent.getImage()).isEqualTo("cgroup-otel-agent:0.1.0");
    VolumeMount mount = agent.getVolumeMounts().stream()
        .filter(m -> m.getName().equals(cgroup.getName())).findFirst().orElseThrow();
    assertThat(mount.getReadOnly()).isTrue();
    assertThat(agent.getVolumeMounts()).allSatisfy(m -> {
      if (!m.getName().equals("tmp")) {
        assertThat(m.getReadOnly()).as(m.getName()).isTrue();
      }
    });

    EnvVar node = agent.getEnv().stream().filter(e -> e.getName().equals("NODE_NAME"))
        .findFirst().orElseThrow();
    assertThat(node.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("spec.nodeName");
    assertThat(agent.getEnv()).extracting(EnvVar::getName)
        .contains("OTEL_EXPORTER_OTLP_ENDPOINT");

    var sc = agent.getSecurityContext();
    assertThat(sc.getPrivileged()).isNotEqualTo(Boolean.TRUE);
    assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
    assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
    assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(sc.getCapabilities().getAdd()).isNullOrEmpty();

    Map<String, ?> limits = agent.getResources().getLimits();
    assertThat(limits).containsKeys("cpu", "memory");
    assertThat(agent.getResources().getRequests()).containsKeys("cpu", "memory");
  }

  @Test
  void configMap_holdsAValidK8sSection() throws IOException {
    one(load("namespace.yaml"), Namespace.class);
    ConfigMap cm = one(load("configmap.yaml"), ConfigMap.class);
    String toml = cm.getData().get("k8s.toml");
    ConfigDocument doc = ConfigDocument.parse("k8s.toml", toml, Map.of("NODE_NAME", "node-1"));
    K8sReceiverConfig config =
        new K8sReceiverFactory().parseConfig(doc.root().section("receivers").section("k8s"));
    assertThat(doc.errors()).isEmpty();
    assertThat(config.path()).isEqualTo(Path.of("/host/sys/fs/cgroup"));
    assertThat(config.nodeName()).isEqualTo("node-1");
    assertThat(config.apiUrlSet()).isFalse();
    assertThat(config.insecureSkipTlsVerify()).isFalse();
  }
}

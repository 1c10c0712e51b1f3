package io.cgroupotel.receiver.k8s;

import io.cgroupotel.config.ConfigSection;
import io.cgroupotel.receiver.CgroupReceiverSettings;
import io.cgroupotel.receiver.HierarchyChoice;
import io.cgroupotel.receiver.Receiver;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.ReceiverFactory;
import io.cgroupotel.receiver.ReceiverStartException;
import io.cgroupotel.receiver.k8s.K8sReceiverConfig.TokenRetrieval;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/** Makes the {@code k8s} receiver: per-pod and per-container CPU and memory, named by the API. */
public final class K8sReceiverFactory implements ReceiverFactory<K8sReceiverConfig> {
  public static final String TYPE = "k8s";
  static final Path DEFAULT_PATH = Path.of("/sys/fs/cgroup");
  static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);
  /** The seed's default; inside a pod, in-cluster discovery wins unless the key is set. */
  static final String DEFAULT_API_URL = "https://127.0.0.1:8080";
  static final Path SERVICE_ACCOUNT_DIR = Path.of("/var/run/secrets/kubernetes.io/serviceaccount");
  static final Path SERVICE_ACCOUNT_TOKEN = SERVICE_ACCOUNT_DIR.resolve("token");
  /** The reader account of deploy/kubernetes/reader-rbac.yaml. */
  static final String DEFAULT_SERVICE_ACCOUNT = "cgroup-otel-reader";
  static final String DEFAULT_NAMESPACE = "cgroup-otel-agent";

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public K8sReceiverConfig parseConfig(ConfigSection s) {
    boolean enabled = s.bool("enabled", true);
    CgroupReceiverSettings common = CgroupReceiverSettings.parse(s, DEFAULT_PATH,
        DEFAULT_POLL_INTERVAL);
    String nodeName = s.string("node_name", null);
    boolean apiUrlSet = s.has("kubernetes_api_url");
    String apiUrl = s.string("kubernetes_api_url", DEFAULT_API_URL);
    if (!apiUrl.startsWith("https://") && !apiUrl.startsWith("http://")) {
      s.error("kubernetes_api_url", "not an http(s) URL: \"" + apiUrl + "\"",
          "e.g. \"https://10.0.0.1:6443\"; find it with kubectl config view --minify -o "
              + "jsonpath='{.clusters[0].cluster.server}'");
      apiUrl = DEFAULT_API_URL;
    }
    String retrieval = s.choice("token_retrieval", "auto",
        List.of("auto", "file", "kubectl", "none"));
    Path tokenFile = Path.of(s.string("token_file", SERVICE_ACCOUNT_TOKEN.toString()));
    String serviceAccount = s.string("service_account", DEFAULT_SERVICE_ACCOUNT);
    String namespace = s.string("namespace", DEFAULT_NAMESPACE);
    Path caFile = s.optionalString("ca_file").map(Path::of).orElse(null);
    boolean insecure = s.bool("insecure_skip_tls_verify", false);
    if (insecure && caFile != null) {
      s.error("insecure_skip_tls_verify", "contradicts ca_file",
          "remove insecure_skip_tls_verify: ca_file is the safe way to trust the API server");
    }
    boolean containers = s.bool("containers", true);
    List<String> podLabels = s.stringList("pod_labels", List.of());
    for (String label : podLabels) {
      if (label.isBlank()) {
        s.error("pod_labels", "empty label key", "e.g. [\"app\", \"app.kubernetes.io/name\"]");
      }
    }
    return new K8sReceiverConfig(enabled, common.path(), common.pathSet(),
        common.pollInterval(), nodeName, apiUrl, apiUrlSet,
        TokenRetrieval.valueOf(retrieval.toUpperCase(Locale.ROOT)), tokenFile, serviceAccount,
        namespace, caFile, insecure, containers, podLabels, common.metrics(),
        common.cgroupVersions(), common.networkInterfaces());
  }

  @Override
  public Receiver create(K8sReceiverConfig config, ReceiverContext context)
      throws ReceiverStartException {
    // the default path is /sys/fs/cgroup: on a v1 or hybrid host, the tree that has kubepods
    HierarchyChoice choice = HierarchyChoice.choose("receivers.k8s", config.path(),
        config.cgroupVersions(), K8sReceiverFactory::kubepods);
    String nodeName = resolveNodeName(config, context);
    KubeApiSettings api = KubeApiSettings.resolve(config, context.environment());
    return new K8sReceiver(config, choice, nodeName, api, context);
  }

  /** Layout probe: where kubelet's top cgroup is below {@code root} (a few levels down), or null. */
  static String kubepods(Path root) {
    // kubepods, kubepods.slice, or kubelet-kubepods.slice of kind/nested runtimes
    try (java.util.stream.Stream<Path> s = java.nio.file.Files.find(root, 4,
        (p, a) -> a.isDirectory() && p.getFileName() != null
            && (p.getFileName().toString().equals("kubepods")
                || p.getFileName().toString().endsWith("kubepods.slice")))) {
      return s.findFirst().map(p -> "kubepods at /" + root.relativize(p)).orElse(null);
    } catch (java.io.IOException | RuntimeException e) {
      return null;
    }
  }

  static String resolveNodeName(K8sReceiverConfig config, ReceiverContext context) {
    if (config.nodeName() != null && !config.nodeName().isBlank()) {
      return config.nodeName();
    }
    String env = context.environment().get("NODE_NAME");
    return env != null && !env.isBlank() ? env : context.hostName();
  }
}

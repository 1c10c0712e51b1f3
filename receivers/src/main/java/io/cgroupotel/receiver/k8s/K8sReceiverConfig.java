package io.cgroupotel.receiver.k8s;

import io.cgroupotel.metrics.MetricGroup;
import io.cgroupotel.receiver.HierarchyChoice;
import io.cgroupotel.sampler.InterfaceFilter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The {@code [receivers.k8s]} section. Defaults are in {@link K8sReceiverFactory}.
 *
 * @param enabled {@code enabled}
 * @param path {@code path}: the cgroup v2 root to search for pods
 * @param pathSet whether {@code path} was written (else a hybrid host's v2 mount may be used)
 * @param pollInterval {@code poll_interval}
 * @param nodeName {@code node_name}; null: {@code $NODE_NAME}, then the host name
 * @param apiUrl {@code kubernetes_api_url}
 * @param apiUrlSet whether it was written (else in-cluster discovery wins inside a pod)
 * @param tokenRetrieval {@code token_retrieval}
 * @param tokenFile {@code token_file}
 * @param serviceAccount {@code service_account} (for {@code kubectl create token})
 * @param namespace {@code namespace} of that service account
 * @param caFile {@code ca_file}, or null
 * @param insecureSkipTlsVerify {@code insecure_skip_tls_verify}
 * @param containers {@code containers}: also one entity per container
 * @param podLabels {@code pod_labels}: labels exported as {@code k8s.pod.label.<key>}
 * @param metrics {@code metrics}: the metric groups read
 * @param cgroupVersions {@code cgroup_versions}: the cgroup versions allowed (1, 2); default both
 * @param networkInterfaces {@code network_interfaces}: the interfaces of the network group;
 *     default all but {@code lo}
 */
public record K8sReceiverConfig(
    boolean enabled,
    Path path,
    boolean pathSet,
    Duration pollInterval,
    String nodeName,
    String apiUrl,
    boolean apiUrlSet,
    TokenRetrieval tokenRetrieval,
    Path tokenFile,
    String serviceAccount,
    String namespace,
    Path caFile,
    boolean insecureSkipTlsVerify,
    boolean containers,
    List<String> podLabels,
    Set<MetricGroup> metrics,
    Set<Integer> cgroupVersions,
    InterfaceFilter networkInterfaces) {

  /** How the API token is obtained. */
  public enum TokenRetrieval {
    /** Service-account token file if present, else kubeconfig, else kubectl. */
    AUTO,
    /** {@code token_file}, re-read so that rotated tokens are picked up. */
    FILE,
    /** {@code kubectl create token <service_account> -n <namespace>}, renewed before expiry. */
    KUBECTL,
    /** Anonymous (e.g. behind {@code kubectl proxy}). */
    NONE
  }

  public K8sReceiverConfig {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(pollInterval, "pollInterval");
    Objects.requireNonNull(apiUrl, "apiUrl");
    Objects.requireNonNull(tokenRetrieval, "tokenRetrieval");
    Objects.requireNonNull(tokenFile, "tokenFile");
    podLabels = List.copyOf(podLabels);
    metrics = Set.copyOf(metrics);
    cgroupVersions = Set.copyOf(cgroupVersions);
    Objects.requireNonNull(networkInterfaces, "networkInterfaces");
  }

  /** Every interface but {@code lo} for the network group. */
  public K8sReceiverConfig(boolean enabled, Path path, boolean pathSet, Duration pollInterval,
      String nodeName, String apiUrl, boolean apiUrlSet, TokenRetrieval tokenRetrieval,
      Path tokenFile, String serviceAccount, String namespace, Path caFile,
      boolean insecureSkipTlsVerify, boolean containers, List<String> podLabels,
      Set<MetricGroup> metrics, Set<Integer> cgroupVersions) {
    this(enabled, path, pathSet, pollInterval, nodeName, apiUrl, apiUrlSet, tokenRetrieval,
        tokenFile, serviceAccount, namespace, caFile, insecureSkipTlsVerify, containers,
        podLabels, metrics, cgroupVersions, InterfaceFilter.DEFAULT);
  }

  /** Allowing both cgroup versions. */
  public K8sReceiverConfig(boolean enabled, Path path, boolean pathSet, Duration pollInterval,
      String nodeName, String apiUrl, boolean apiUrlSet, TokenRetrieval tokenRetrieval,
      Path tokenFile, String serviceAccount, String namespace, Path caFile,
      boolean insecureSkipTlsVerify, boolean containers, List<String> podLabels,
      Set<MetricGroup> metrics) {
    this(enabled, path, pathSet, pollInterval, nodeName, apiUrl, apiUrlSet, tokenRetrieval,
        tokenFile, serviceAccount, namespace, caFile, insecureSkipTlsVerify, containers,
        podLabels, metrics, HierarchyChoice.ALL_VERSIONS);
  }

  /** With the default metric groups, allowing both cgroup versions. */
  public K8sReceiverConfig(boolean enabled, Path path, boolean pathSet, Duration pollInterval,
      String nodeName, String apiUrl, boolean apiUrlSet, TokenRetrieval tokenRetrieval,
      Path tokenFile, String serviceAccount, String namespace, Path caFile,
      boolean insecureSkipTlsVerify, boolean containers, List<String> podLabels) {
    this(enabled, path, pathSet, pollInterval, nodeName, apiUrl, apiUrlSet, tokenRetrieval,
        tokenFile, serviceAccount, namespace, caFile, insecureSkipTlsVerify, containers,
        podLabels, MetricGroup.defaults());
  }

  /** The defaults, with {@code path} set (for tests and embedding). */
  public static K8sReceiverConfig defaults(Path path) {
    return new K8sReceiverConfig(true, path, true, K8sReceiverFactory.DEFAULT_POLL_INTERVAL, null,
        K8sReceiverFactory.DEFAULT_API_URL, false, TokenRetrieval.AUTO,
        K8sReceiverFactory.SERVICE_ACCOUNT_TOKEN, K8sReceiverFactory.DEFAULT_SERVICE_ACCOUNT,
        K8sReceiverFactory.DEFAULT_NAMESPACE, null, false, true, List.of());
  }

  K8sReceiverConfig withApi(String url, TokenRetrieval retrieval) {
    return new K8sReceiverConfig(enabled, path, pathSet, pollInterval, nodeName, url, true,
        retrieval, tokenFile, serviceAccount, namespace, caFile, insecureSkipTlsVerify,
        containers, podLabels, metrics, cgroupVersions, networkInterfaces);
  }

  /** The keys every cgroup receiver shares. */
  public io.cgroupotel.receiver.CgroupReceiverSettings settings() {
    return new io.cgroupotel.receiver.CgroupReceiverSettings(path, pathSet, pollInterval, metrics,
        cgroupVersions, networkInterfaces);
  }
}

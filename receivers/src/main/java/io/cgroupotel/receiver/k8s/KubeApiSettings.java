package io.cgroupotel.receiver.k8s;

import io.cgroupotel.receiver.Redact;
import io.cgroupotel.receiver.k8s.K8sReceiverConfig.TokenRetrieval;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.OAuthTokenProvider;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How to reach the Kubernetes API: URL, TLS trust and token source, resolved from the config and
 * the environment. Tokens are read when a request needs them (so rotated tokens are picked up) and
 * never logged: {@link #toString()} names the source, not the token.
 */
final class KubeApiSettings {
  private static final Logger log = LoggerFactory.getLogger(KubeApiSettings.class);

  private final Config config;
  private final String description;

  private KubeApiSettings(Config config, String description) {
    this.config = config;
    this.description = description;
  }

  /** The fabric8 client configuration. */
  Config config() {
    return config;
  }

  String masterUrl() {
    return config.getMasterUrl();
  }

  /** Whether TLS verification was turned off ({@code insecure_skip_tls_verify = true}). */
  boolean insecure() {
    return Boolean.TRUE.equals(config.isTrustCerts());
  }

  /** E.g. {@code https://10.0.0.1:443 (in-cluster, token file /var/run/...)}: no secret in it. */
  @Override
  public String toString() {
    return description;
  }

  static KubeApiSettings resolve(K8sReceiverConfig c, Map<String, String> env) {
    String url = c.apiUrl();
    String ca = c.caFile() == null ? null : c.caFile().toString();
    String how;
    OAuthTokenProvider tokens = null;
    Config base = Config.empty();

    String host = env.get("KUBERNETES_SERVICE_HOST");
    String port = env.get("KUBERNETES_SERVICE_PORT");
    boolean inCluster = host != null && !host.isBlank() && port != null
        && Files.isReadable(K8sReceiverFactory.SERVICE_ACCOUNT_TOKEN);
    if (inCluster && !c.apiUrlSet()) {
      url = "https://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
      Path clusterCa = K8sReceiverFactory.SERVICE_ACCOUNT_DIR.resolve("ca.crt");
      if (ca == null && Files.isReadable(clusterCa)) {
        ca = clusterCa.toString();
      }
      how = "in-cluster";
    } else {
      how = "kubernetes_api_url";
    }

    TokenRetrieval retrieval = c.tokenRetrieval();
    switch (retrieval) {
      case FILE -> {
        tokens = new FileTokenProvider(c.tokenFile());
        how += ", token file " + c.tokenFile();
      }
      case KUBECTL -> {
        tokens = new KubectlTokenProvider(c.serviceAccount(), c.namespace());
        how += ", token from kubectl create token " + c.serviceAccount() + " -n " + c.namespace();
      }
      case NONE -> how += ", anonymous";
      case AUTO -> {
        Path kubeconfig = kubeconfigPath(env);
        if (Files.isReadable(c.tokenFile())) {
          tokens = new FileTokenProvider(c.tokenFile());
          how += ", token file " + c.tokenFile();
        } else if (kubeconfig != null && Files.isReadable(kubeconfig)) {
          try {
            base = Config.fromKubeconfig(kubeconfig.toFile());
            Redact.secret(base.getOauthToken());
            Redact.secret(base.getPassword());
            if (!c.apiUrlSet() && base.getMasterUrl() != null) {
              url = base.getMasterUrl();
              how = "kubeconfig " + kubeconfig;
            } else {
              how += ", credentials from kubeconfig " + kubeconfig;
            }
          } catch (RuntimeException e) {
            log.warn("k8s: cannot read kubeconfig {}: {}; trying kubectl", kubeconfig,
                Redact.of(e.getMessage()));
            base = Config.empty();
            tokens = new KubectlTokenProvider(c.serviceAccount(), c.namespace());
            how += ", token from kubectl create token " + c.serviceAccount();
          }
        } else if (onPath("kubectl", env)) {
          tokens = new KubectlTokenProvider(c.serviceAccount(), c.namespace());
          how += ", token from kubectl create token " + c.serviceAccount() + " -n "
              + c.namespace();
        } else {
          how += ", anonymous (no token file " + c.tokenFile() + ", no kubeconfig, no kubectl)";
        }
      }
      default -> throw new IllegalStateException(retrieval.toString());
    }

    ConfigBuilder b = new ConfigBuilder(base)
        .withAutoConfigure(false)
        .withMasterUrl(url)
        // informers: first retry after 1 s, then exponential backoff (fabric8's)
        .withWatchReconnectInterval(1000)
        .withWatchReconnectLimit(-1)
        .withConnectionTimeout(5000)
        .withRequestTimeout(15000)
        .withRequestRetryBackoffLimit(0);
    if (tokens != null) {
      b.withOauthToken(null).withOauthTokenProvider(tokens);
    }
    if (ca != null) {
      b.withCaCertFile(ca).withCaCertData(null);
      how += ", CA " + ca;
    }
    if (c.insecureSkipTlsVerify()) {
      b.withTrustCerts(true).withDisableHostnameVerification(true);
      how += ", TLS NOT VERIFIED";
    } else {
      b.withTrustCerts(false).withDisableHostnameVerification(false);
    }
    Config config = b.build();
    return new KubeApiSettings(config, Redact.of(url) + " (" + how + ")");
  }

  private static Path kubeconfigPath(Map<String, String> env) {
    String explicit = env.get("KUBECONFIG");
    if (explicit != null && !explicit.isBlank()) {
      return Path.of(explicit.split(File.pathSeparator)[0]);
    }
    String home = env.getOrDefault("HOME", System.getProperty("user.home"));
    return home == null ? null : Path.of(home, ".kube", "config");
  }

  private static boolean onPath(String exe, Map<String, String> env) {
    String path = env.getOrDefault("PATH", System.getenv("PATH"));
    if (path == null) {
      return false;
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, exe))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Why the permissions of token file {@code file} put the token at risk, or null: writable by
   * its group or by everyone (anyone could put their own token there and have the agent use it,
   * or read it), or readable by everyone outside a pod (in a pod, kubelet's projected token is
   * 0644 inside the pod's own mount namespace, which is the norm). Follows links, as the reads
   * do ({@code ..data/token} in a pod).
   */
  static String tokenFileProblem(Path file) {
    java.util.Set<java.nio.file.attribute.PosixFilePermission> mode;
    try {
      mode = Files.getPosixFilePermissions(file);
    } catch (IOException | UnsupportedOperationException e) {
      return null; // cannot tell; a read failure is reported when a request needs the token
    }
    String octal = java.nio.file.attribute.PosixFilePermissions.toString(mode);
    if (mode.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE)
        || mode.contains(java.nio.file.attribute.PosixFilePermission.GROUP_WRITE)) {
      return "token_file " + file + " is writable by "
          + (mode.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE)
              ? "every user" : "its group") + " (" + octal + "): anyone who can write it "
          + "chooses the identity the agent uses against the API; run chmod go-w " + file
          + " (and keep it readable by the agent's user only, e.g. chmod 600)";
    }
    if (mode.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ)
        && !file.startsWith(K8sReceiverFactory.SERVICE_ACCOUNT_DIR)) {
      return "token_file " + file + " is readable by every user (" + octal + "): anyone on "
          + "the node can use the token; run chmod o-r " + file;
    }
    return null;
  }

  /**
   * Reads the token file when a request needs it: bound service-account tokens are rotated in
   * place by kubelet (hourly), so a cached copy would expire.
   */
  static final class FileTokenProvider implements OAuthTokenProvider {
    private final Path file;
    private volatile boolean warned;

    FileTokenProvider(Path file) {
      this.file = file;
      String problem = tokenFileProblem(file);
      if (problem != null) {
        log.warn("k8s: WARNING: {}", problem);
      }
    }

    @Override
    public String getToken() {
      try {
        String token = Files.readString(file, StandardCharsets.UTF_8).trim();
        Redact.secret(token);
        warned = false;
        return token.isEmpty() ? null : token;
      } catch (IOException e) {
        if (!warned) {
          warned = true;
          log.warn("k8s: cannot read token_file {} ({}): requests go anonymous", file,
              e.getClass().getSimpleName());
        }
        return null;
      }
    }
  }

  /**
   * Runs {@code kubectl create token <account> -n <namespace>} and keeps the token for a while:
   * such tokens last one hour by default, it is renewed after {@link #RENEW_AFTER}.
   */
  static final class KubectlTokenProvider implements OAuthTokenProvider {
    static final Duration RENEW_AFTER = Duration.ofMinutes(30);
    private final List<String> command;
    private String token;
    private Instant obtained = Instant.EPOCH;
    private Instant lastFailure = Instant.EPOCH;

    KubectlTokenProvider(String serviceAccount, String namespace) {
      this.command = List.of("kubectl", "create", "token", serviceAccount, "-n", namespace);
    }

    @Override
    public synchronized String getToken() {
      Instant now = Instant.now();
      if (token != null && now.isBefore(obtained.plus(RENEW_AFTER))) {
        return token;
      }
      if (now.isBefore(lastFailure.plusSeconds(10))) {
        return token;
      }
      try {
        Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
        byte[] out;
        byte[] err;
        try (InputStream in = p.getInputStream(); InputStream es = p.getErrorStream()) {
          out = in.readAllBytes();
          err = es.readAllBytes();
        }
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          throw new IOException("timed out");
        }
        if (p.exitValue() != 0) {
          throw new IOException("exit " + p.exitValue() + ": "
              + new String(err, StandardCharsets.UTF_8).trim());
        }
        token = new String(out, StandardCharsets.UTF_8).trim();
        Redact.secret(token);
        obtained = now;
        return token;
      } catch (IOException e) {
        lastFailure = now;
        log.warn("k8s: {} failed ({}); is kubectl configured, and does the service account "
            + "exist (kubectl apply -f deploy/kubernetes/reader-rbac.yaml)?",
            String.join(" ", command), Redact.of(e.getMessage()));
        return token;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KubernetesClientException("interrupted while running kubectl");
      }
    }
  }
}

package io.cgroupotel.receiver.k8s;

import io.cgroupotel.receiver.Redact;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.opentelemetry.sdk.common.Clock;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pods of this node as the API describes them: a fabric8 {@link SharedIndexInformer} on pods
 * with the field selector {@code spec.nodeName=<node>}, reduced to {@link PodInfo} keyed by the UID
 * found in cgroup names.
 *
 * <p>Never blocks a poll: lookups read a concurrent map. When the API is down, the informer
 * retries with fabric8's backoff; the first failure is logged with a hint, repeats are counted and
 * summarised. Thread-safe.
 */
final class PodMetadata implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PodMetadata.class);
  private static final Duration SUMMARY_EVERY = Duration.ofMinutes(10);

  private final KubeApiSettings settings;
  private final String nodeName;
  private final List<String> podLabels;
  private final Consumer<String> changed;
  private final Map<String, PodInfo> byCgroupUid = new ConcurrentHashMap<>();
  private KubernetesClient client;
  private SharedIndexInformer<Pod> informer;

  // error reporting: first failure logged, repeats counted
  private int failures;
  private long lastSummaryNanos; // clock.nanoTime() of the last failure logged at WARN
  private boolean everSynced;
  private final Clock clock;

  /**
   * @param changed told the cgroup UID of a pod whose metadata arrived or changed (on the
   *     informer's thread)
   */
  PodMetadata(KubeApiSettings settings, String nodeName, List<String> podLabels,
      Consumer<String> changed) {
    this(settings, nodeName, podLabels, changed, Clock.getDefault());
  }

  /** @param clock its {@code nanoTime()} spaces the summaries of repeated API failures */
  PodMetadata(KubeApiSettings settings, String nodeName, List<String> podLabels,
      Consumer<String> changed, Clock clock) {
    this.clock = clock;
    this.settings = settings;
    this.nodeName = nodeName;
    this.podLabels = List.copyOf(podLabels);
    this.changed = changed;
  }

  /**
   * fabric8's Reflector logs every failed retry at WARN with a stack trace; this class logs the
   * first failure with a hint and summarises the rest instead. Quieten it for slf4j-simple (the
   * agent's backend) unless the operator chose a level; other backends: configure that logger.
   */
  static final String REFLECTOR_LOG_LEVEL =
      "org.slf4j.simpleLogger.log.io.fabric8.kubernetes.client.informers.impl.cache.Reflector";

  /** Starts the informer; returns at once (the first list happens in the background). */
  synchronized void start() {
    if (System.getProperty(REFLECTOR_LOG_LEVEL) == null) {
      System.setProperty(REFLECTOR_LOG_LEVEL, "error");
    }
    log.info("k8s: watching pods of node {} through {}", nodeName, settings);
    if (settings.insecure()) {
      log.warn("k8s: insecure_skip_tls_verify = true: the API server's certificate is NOT "
          + "verified, anyone on the path can read the token and forge pod metadata; set "
          + "ca_file instead");
    }
    client = new KubernetesClientBuilder()
        .withHttpClientFactory(new JdkHttpClientFactory())
        .withConfig(settings.config())
        .build();
    informer = client.pods().inAnyNamespace()
        .withField("spec.nodeName", nodeName)
        .runnableInformer(0);
    informer.exceptionHandler((started, t) -> {
      onFailure(t);
      return true; // keep retrying, with fabric8's backoff: the receiver exports by UID meanwhile
    });
    informer.addEventHandler(new ResourceEventHandler<Pod>() {
      @Override
      public void onAdd(Pod pod) {
        update(pod);
      }

      @Override
      public void onUpdate(Pod oldPod, Pod newPod) {
        update(newPod);
      }

      @Override
      public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
        // entities keep their attributes until their cgroup goes: only forget the metadata
        PodInfo info = PodInfo.from(pod, podLabels);
        byCgroupUid.remove(info.cgroupUid());
      }
    });
    informer.start().whenComplete((v, t) -> {
      if (t == null) {
        onSynced();
      }
    });
  }

  /** Waits at most {@code timeout} for the first list of pods. */
  boolean awaitSynced(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      SharedIndexInformer<Pod> inf;
      synchronized (this) {
        inf = informer;
      }
      if (inf != null && inf.hasSynced()) {
        // handlers run on another thread: take the first list from the store itself
        inf.getStore().list().forEach(this::update);
        return true;
      }
      if (System.nanoTime() - deadline >= 0) {
        return false;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }

  /** What the API said about the pod whose cgroup has this UID, if anything yet. */
  Optional<PodInfo> get(String cgroupUid) {
    return Optional.ofNullable(byCgroupUid.get(cgroupUid));
  }

  private void update(Pod pod) {
    if (pod.getMetadata() == null || pod.getMetadata().getUid() == null) {
      return;
    }
    onSynced();
    PodInfo info = PodInfo.from(pod, podLabels);
    PodInfo previous = byCgroupUid.put(info.cgroupUid(), info);
    if (!info.equals(previous)) {
      changed.accept(info.cgroupUid());
    }
  }

  private synchronized void onSynced() {
    if (failures > 0) {
      log.info("k8s: the Kubernetes API at {} answers again (after {} failed attempt(s)); "
          + "pods are named from now on", Redact.of(settings.masterUrl()), failures);
      failures = 0;
    } else if (!everSynced) {
      log.debug("k8s: first pod list received from {}", Redact.of(settings.masterUrl()));
    }
    everSynced = true;
  }

  private synchronized void onFailure(Throwable t) {
    failures++;
    long now = clock.nanoTime();
    if (failures == 1) {
      lastSummaryNanos = now;
      String why = describe(t, settings.masterUrl());
      // a description that ends with a question keeps its mark, without a period after it
      log.warn("k8s: {}{} Pods are exported by k8s.pod.uid and k8s.node.name meanwhile; "
          + "retrying with backoff.", why, why.endsWith("?") ? "" : ".");
    } else if (now - lastSummaryNanos > SUMMARY_EVERY.toNanos()) {
      lastSummaryNanos = now;
      log.warn("k8s: the Kubernetes API still fails ({} attempts so far), last: {}", failures,
          describe(t, settings.masterUrl()));
    } else {
      log.debug("k8s: API attempt {} failed: {}", failures, Redact.of(t));
    }
  }

  /**
   * A message that says what failed and how to fix it; never contains a token (the exception's
   * message may quote the API server's body, which may echo the Authorization header).
   */
  static String describe(Throwable t, String url) {
    return Redact.of(describeRaw(t, Redact.of(url)));
  }

  private static String describeRaw(Throwable t, String url) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof KubernetesClientException k) {
        if (k.getCode() == 401) {
          return "the Kubernetes API at " + url + " answered 401 Unauthorized when listing pods: "
              + "the token was refused or expired (check token_retrieval / token_file)";
        }
        if (k.getCode() == 403) {
          return "the Kubernetes API at " + url + " answered 403 Forbidden when listing pods: "
              + "the account may not get/list/watch pods at cluster scope "
              + "(apply deploy/kubernetes/reader-rbac.yaml)";
        }
      }
      if (c instanceof SSLException) {
        return "TLS with the Kubernetes API at " + url + " failed (" + c.getMessage()
            + "): set ca_file to the cluster's CA (insecure_skip_tls_verify only for tests)";
      }
      if (c instanceof ConnectException || c instanceof HttpConnectTimeoutException) {
        return "cannot connect to the Kubernetes API at " + url
            + ": is kubernetes_api_url right and the API server up?";
      }
    }
    return "failed to list/watch pods with the Kubernetes API at " + url
        + " (are the url and token correct?): " + rootMessage(t);
  }

  private static String rootMessage(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName()
        + (root.getMessage() == null ? "" : ": " + root.getMessage());
  }

  @Override
  public synchronized void close() {
    if (informer != null) {
      informer.close();
      informer = null;
    }
    if (client != null) {
      client.close();
      client = null;
    }
  }
}

package io.cgroupotel.receiver.k8s;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;

/**
 * The stand-in API server ({@link FakeKubeApi}, expectations style: it answers the list and
 * watch of one node's pods) for tests outside this package, e.g. the agent's.
 */
public final class KubeApiStub implements AutoCloseable {
  private final FakeKubeApi api;

  private KubeApiStub(FakeKubeApi api) {
    this.api = api;
  }

  /** Serves {@code pods} for node {@code nodeName} over plain HTTP on loopback. */
  public static KubeApiStub start(String nodeName, List<Pod> pods) {
    FakeKubeApi api = new FakeKubeApi(nodeName, false);
    api.pods.addAll(pods);
    return new KubeApiStub(api.start());
  }

  public String url() {
    return api.url(false);
  }

  @Override
  public void close() {
    api.close();
  }
}

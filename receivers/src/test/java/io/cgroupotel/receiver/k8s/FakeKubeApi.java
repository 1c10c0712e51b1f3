package io.cgroupotel.receiver.k8s;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodListBuilder;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A mock API server in expectations style (fabric8 mockwebserver with a scripted dispatcher): it
 * serves the list and the watch of pods only when the request carries the field selector {@code
 * spec.nodeName=<node>}, which kubernetes-server-mock's CRUD mode never matches. Every request is
 * recorded, with its Authorization header.
 */
final class FakeKubeApi implements AutoCloseable {
  final MockWebServer server = new MockWebServer();
  final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
  final CopyOnWriteArrayList<WebSocket> watches = new CopyOnWriteArrayList<>();
  final List<Pod> pods = new CopyOnWriteArrayList<>();
  private final String nodeName;
  volatile int status = 200;
  /**
   * Body of the non-200 answers when set, with {@code {AUTH}} replaced by the request's
   * Authorization header (an API server or proxy that echoes it); content type {@code
   * errorContentType}.
   */
  volatile String errorBody;
  volatile String errorContentType = "application/json";

  FakeKubeApi(String nodeName, boolean https) {
    this.nodeName = nodeName;
    if (https) {
      server.useHttps();
    }
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return FakeKubeApi.this.dispatch(request);
      }
    });
  }

  FakeKubeApi start() {
    server.start();
    return this;
  }

  FakeKubeApi start(int port) {
    server.start(port);
    return this;
  }

  String url(boolean https) {
    return (https ? "https" : "http") + "://localhost:" + server.getPort();
  }

  /** Sends a watch event to every open watch. */
  void emit(String type, Pod pod) {
    String json = Serialization.asJson(new WatchEvent(pod, type));
    for (WebSocket ws : watches) {
      ws.send(json);
    }
  }

  private MockResponse dispatch(RecordedRequest request) {
    requests.add(request);
    String path = URLDecoder.decode(request.getPath(), StandardCharsets.UTF_8);
    if (status != 200 && errorBody != null) {
      String auth = String.valueOf(request.getHeader("Authorization"));
      return new MockResponse().setResponseCode(status)
          .setHeader("Content-Type", errorContentType)
          .setBody(errorBody.replace("{AUTH}", auth));
    }
    if (status != 200) {
      return new MockResponse().setResponseCode(status).setBody(
          "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":" + status
              + "}");
    }
    if (!path.startsWith("/api/v1/pods?")
        || !path.contains("fieldSelector=spec.nodeName=" + nodeName)) {
      return new MockResponse().setResponseCode(404).setBody("{}");
    }
    if (path.contains("watch=true")) {
      return new MockResponse().withWebSocketUpgrade(new WebSocketListener() {
        @Override
        public void onOpen(WebSocket webSocket, Response response) {
          watches.addIfAbsent(webSocket);
        }

        @Override
        public void onBeforeAccept(WebSocket webSocket, Response response) {
          // accepted
        }

        @Override
        public void onFailure(WebSocket webSocket, Throwable t, Response response) {
          System.err.println("FakeKubeApi: watch failed " + t);
        }

        @Override
        public void onClosed(WebSocket webSocket, int code, String reason) {
          watches.remove(webSocket);
        }
      });
    }
    String body = Serialization.asJson(new PodListBuilder().withNewMetadata()
        .withResourceVersion("1").endMetadata().withItems(pods).build());
    return new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json")
        .setBody(body);
  }

  List<String> paths() {
    return requests.stream()
        .map(r -> URLDecoder.decode(r.getPath(), StandardCharsets.UTF_8)).toList();
  }

  @Override
  public void close() {
    server.shutdown();
  }
}

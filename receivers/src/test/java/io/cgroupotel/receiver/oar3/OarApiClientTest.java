package io.cgroupotel.receiver.oar3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.cgroupotel.receiver.oar3.OarApiClient.JobInfo;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class OarApiClientTest {

  @Test
  void parse_topLevelFieldsOnly() throws IOException {
    String json = """
        {"id": 4242, "name": "my \\"job\\"", "types": ["besteffort"],
         "nested": {"name": "not this", "queue": "nor this"},
         "project": "proj", "queue": "default", "walltime": 3600, "state": null}""";
    assertThat(OarApiClient.parse(json.getBytes(StandardCharsets.UTF_8)))
        .isEqualTo(new JobInfo("my \"job\"", "proj", "default"));
  }

  @Test
  void parse_queueNameFallback_andNonStringsIgnored() throws IOException {
    assertThat(OarApiClient.parse("{\"queue_name\":\"besteffort\",\"name\":null,\"project\":1}"
        .getBytes(StandardCharsets.UTF_8))).isEqualTo(new JobInfo(null, null, "besteffort"));
  }

  @Test
  void parse_malformed_throws() {
    assertThatThrownBy(() -> OarApiClient.parse("[1]".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> OarApiClient.parse("{\"name\":".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IOException.class);
  }

  @Test
  void lookup_async_cached_andFailuresRetriedLater() throws Exception {
    AtomicInteger hits = new AtomicInteger();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/oarapi/jobs/", exchange -> {
      hits.incrementAndGet();
      String path = exchange.getRequestURI().getPath();
      byte[] body = path.endsWith("/7")
          ? "{\"name\":\"n\",\"project\":\"p\",\"queue\":\"q\"}".getBytes(StandardCharsets.UTF_8)
          : "nope".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(path.endsWith("/7") ? 200 : 404, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    try (OarApiClient client = new OarApiClient(
        URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/oarapi/"))) {
      assertThat(client.lookup(7)).isEmpty();
      assertThat(client.lookup(8)).isEmpty();
      Optional<JobInfo> info = Optional.empty();
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (info.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(20);
        info = client.lookup(7);
      }
      assertThat(info).contains(new JobInfo("n", "p", "q"));
      Thread.sleep(200);
      assertThat(client.lookup(8)).isEmpty();
      assertThat(client.lookup(7)).contains(new JobInfo("n", "p", "q"));
      assertThat(hits.get()).as("one request per job: cached, failure not retried at once")
          .isEqualTo(2);
    } finally {
      server.stop(0);
    }
  }

  @Test
  void lookup_unreachableApi_neverThrows() {
    try (OarApiClient client = new OarApiClient(URI.create("http://127.0.0.1:1/"))) {
      assertThat(client.lookup(1)).isEmpty();
    }
  }
}

package io.cgroupotel.receiver.oar3.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.cgroupotel.receiver.oar3.metadata.OarApiClient.JobInfo;
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
      Optional<JobInfo> info = await().atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(20)).until(() -> client.lookup(7), Optional::isPresent);
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

  @Test
  void lookup_credentialsInTheUrlOrEchoedInTheBody_neverLogged() throws Exception {
    String password = "pa55w0rd-oar-Q7x9";
    String bearer = "Bearer oar-tok-W3r5t7y9u1i3";
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/oarapi/jobs/", exchange -> {
      // a proxy that echoes what it was sent, as an error body and as a 200 that is not JSON
      boolean ok = exchange.getRequestURI().getPath().endsWith("/2");
      byte[] body = ("Authorization: " + bearer + " rejected; " + (ok ? "" : "url had " + password))
          .getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(ok ? 200 : 500, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    java.io.ByteArrayOutputStream logs = new java.io.ByteArrayOutputStream();
    java.io.PrintStream savedErr = System.err;
    System.setErr(new java.io.PrintStream(logs, true, StandardCharsets.UTF_8));
    int port = server.getAddress().getPort();
    try (OarApiClient withPassword = new OarApiClient(
            URI.create("http://oar:" + password + "@127.0.0.1:" + port + "/oarapi/"));
        OarApiClient plain = new OarApiClient(
            URI.create("http://127.0.0.1:" + port + "/oarapi/"))) {
      withPassword.lookup(1);
      plain.lookup(2); // 200, not JSON: "bad JSON", with what the parser saw
      plain.lookup(3); // 500 with the echo, while already failing: a debug line
      await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
          .until(() -> logs.toString(StandardCharsets.UTF_8).split("GET ", -1).length >= 4);
    } finally {
      System.setErr(savedErr);
      server.stop(0);
    }
    String out = logs.toString(StandardCharsets.UTF_8);
    savedErr.print(out);
    assertThat(out).as("three failures logged").containsPattern("(?s)GET .*GET .*GET ");
    assertThat(out).doesNotContain(password).doesNotContain("oar-tok-W3r5t7y9u1i3");
  }
}

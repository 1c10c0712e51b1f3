package io.cgroupotel.receiver.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.k8s.K8sReceiverConfig.TokenRetrieval;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An API server whose error body echoes the request's Authorization header: whatever the agent
 * logs (warnings, and the debug lines, which surefire turns on for PodMetadata) never holds the
 * token. The logs are slf4j-simple's, on System.err, captured here.
 */
class TokenRedactionTest {
  /** Not a JWT and no "token:" prefix in the body: only the literal-token rule can catch it. */
  static final String TOKEN = "k8s-sa-Zq81xVv03LmNo7pQ2rS5tU9wY4aB6cD";

  @TempDir Path tmp;
  FakeKubeApi api;
  K8sReceiver receiver;
  final ByteArrayOutputStream logs = new ByteArrayOutputStream();
  PrintStream savedErr;

  @BeforeEach
  void setUp() {
    savedErr = System.err;
    System.setErr(new PrintStream(new K8sMetadataTest.TeeStream(logs, savedErr), true,
        StandardCharsets.UTF_8));
  }

  @AfterEach
  void tearDown() {
    if (receiver != null) {
      receiver.close();
    }
    if (api != null) {
      api.close();
    }
    System.setErr(savedErr);
  }

  @ParameterizedTest(name = "{0} {2}")
  @CsvSource(delimiter = '|', value = {
      "401|application/json|{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
          + "\"message\":\"Unauthorized, got Authorization: {AUTH}\",\"code\":401}",
      "403|application/json|{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
          + "\"message\":\"forbidden: request had {AUTH}\",\"reason\":\"Forbidden\",\"code\":403}",
      "500|application/json|{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
          + "\"message\":\"internal error; headers were {\\\"Authorization\\\": \\\"{AUTH}\\\"}\","
          + "\"code\":500}",
      "502|text/plain|bad gateway: upstream rejected request with header {AUTH} (token {AUTH})",
      "500|text/html|<html><body><pre>authorization={AUTH}</pre></body></html>",
  })
  void apiErrorEchoingTheToken_tokenNeverLogged(int status, String contentType, String body)
      throws IOException, InterruptedException {
    Path tokenFile = tmp.resolve("token");
    Files.writeString(tokenFile, TOKEN + "\n");
    api = new FakeKubeApi("node-1", false).start();
    api.status = status;
    api.errorBody = body;
    api.errorContentType = contentType;
    Path root = tmp.resolve("cgroup");
    String url = api.url(false);
    K8sReceiverConfig config = new K8sReceiverConfig(true, root, true, Duration.ofSeconds(1),
        "node-1", url, true, TokenRetrieval.FILE, tokenFile, "sa", "ns", null, false, true,
        List.of());
    receiver = new K8sReceiver(config, root, "node-1", KubeApiSettings.resolve(config, Map.of()),
        ReceiverContext.forTest("host-1"));
    receiver.startMetadata();
    assertThat(receiver.awaitReady(Duration.ofMillis(1500))).isFalse();
    // the first failure's warning, then at least one retry (a debug line)
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
        .until(() -> api.requests.size() >= 2 && logged().contains("API attempt"));
    receiver.close();
    receiver = null;
    String out = logged();
    assertThat(api.requests).as("the token was sent").isNotEmpty()
        .allSatisfy(r -> assertThat(r.getHeader("Authorization")).isEqualTo("Bearer " + TOKEN));
    assertThat(out).as("the failure was logged").contains("k8s: ")
        .contains(url);
    assertThat(out).as("debug lines of the retries logged too").contains("API attempt");
    assertThat(out).doesNotContain(TOKEN).doesNotContain(TOKEN.substring(0, 20));
  }

  private String logged() {
    return logs.toString(StandardCharsets.UTF_8);
  }
}

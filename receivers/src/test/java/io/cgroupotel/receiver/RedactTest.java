package io.cgroupotel.receiver;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RedactTest {
  static final String JWT = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJzeXN0ZW06c2EifQ."
      + "c2lnbmF0dXJlLXBhcnQtb2YtdGhlLWp3dA";

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "Authorization: Bearer abc.def-123   | Authorization: <redacted>",
      "authorization=Bearer abc, next=1    | authorization=<redacted>, next=1",
      "{\"Authorization\":\"Bearer abc\"}  | {\"Authorization\":\"<redacted>\"}",
      "{\"authorization\": [\"Bearer abc\"]} | {\"authorization\": [\"<redacted>\"]}",
      "Proxy-Authorization: Basic dXNlcjpwdw== | Proxy-Authorization: <redacted>",
      "sent bearer abc123 to the server    | sent bearer <redacted> to the server",
      "header 'Bearer abc123'              | header 'Bearer <redacted>'",
      "token: abc123                       | token: <redacted>",
      "{\"access_token\":\"abc123\"}       | {\"access_token\":\"<redacted>\"}",
      "url?id_token=abc123&x=1             | url?id_token=<redacted>&x=1",
      "GET http://oar:pa55w0rd@host/oarapi | GET http://oar:<redacted>@host/oarapi",
      "failed: " + JWT + " was refused     | failed: <redacted> was refused",
  })
  void of_credentialShapes_masked(String in, String out) {
    assertThat(Redact.of(in)).isEqualTo(out);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "the token was refused or expired (check token_retrieval / token_file)",
      "cannot connect to the Kubernetes API at https://10.0.0.1:6443: is the API server up?",
      "k8s: cannot read token_file /var/run/secrets/token (NoSuchFileException)",
      "GET http://oar-server/oarapi/jobs/7 failed: HTTP 500",
      "Authorization failed for user system:serviceaccount:ns:sa",
      // kubectl's errors keep their kind and URL: only credentials are secrets
      "exit 1: error: failed to create token: serviceaccounts \"cgroup-otel-reader\" not found",
      "exit 1: couldn't get current server API group list: Get \"https://127.0.0.1:6443/api?"
          + "timeout=32s\": dial tcp 127.0.0.1:6443: connect: connection refused",
  })
  void of_ordinaryMessages_unchanged(String text) {
    assertThat(Redact.of(text)).isEqualTo(text);
  }

  @Test
  void secret_registered_maskedWherever() {
    String token = "plain-opaque-token-" + System.nanoTime();
    assertThat(Redact.of("echo: " + token + ".")).contains(token);
    Redact.secret(token + "\n");
    assertThat(Redact.of("echo: " + token + ".")).isEqualTo("echo: <redacted>.");
    assertThat(Redact.of(new IllegalStateException("body " + token)))
        .isEqualTo("java.lang.IllegalStateException: body <redacted>");
  }

  @Test
  void secret_tooShortOrNull_ignored() {
    Redact.secret(null);
    Redact.secret("abc");
    assertThat(Redact.of("abc abc")).isEqualTo("abc abc");
    assertThat(Redact.of((String) null)).isNull();
  }
}

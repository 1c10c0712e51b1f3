package io.cgroupotel.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.agent.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code --check} and {@code --once} never crash on a bad header and never print a secret. */
class SecretsCheckTest {
  static final String TOKEN = "tok-5e4d3c2b1a09";
  static final String PASSWORD = "pw-Zx81Qq";

  @TempDir Path dir;
  final ByteArrayOutputStream out = new ByteArrayOutputStream();
  final ByteArrayOutputStream err = new ByteArrayOutputStream();

  int run(Map<String, String> env, String... args) {
    Main main = new Main(env, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new CommandLine(main).execute(args);
  }

  String output() {
    return out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
  }

  Path config(String otlp) throws Exception {
    return Files.writeString(dir.resolve("agent.toml"), """
        [receivers.cgroup]
        path = "%s"
        [exporters.otlp]
        %s
        """.formatted(dir, otlp));
  }

  @Test
  void headerWithANewline_checkAndOnce_exit2PositionedWithoutTheToken() throws Exception {
    Path file = config("""
        endpoint = "http://127.0.0.1:1"
        protocol = "http/protobuf"
        headers = { authorization = "Bearer ${TOK}" }
        """);
    for (String mode : new String[] {"--check", "--once"}) {
      out.reset();
      err.reset();
      int exit = run(Map.of("TOK", TOKEN + "\n"), mode, "--config", file.toString());
      System.out.println(mode + " -> " + exit + "\n" + output());
      assertThat(exit).isEqualTo(Main.BAD_CONFIG);
      assertThat(output()).contains("agent.toml:6:", "exporters.otlp.headers.authorization",
          "line feed").doesNotContain(TOKEN).doesNotContain("Exception");
    }
  }

  @Test
  void passwordInTheEndpoint_checkNeverPrintsIt() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path file = config("""
        endpoint = "http://agent:%s@127.0.0.1:%d"
        protocol = "http/protobuf"
        """.formatted(PASSWORD, port));
    int exit = run(Map.of(), "--check", "--config", file.toString());
    System.out.println("--check -> " + exit + "\n" + output());
    assertThat(output()).contains("exporter otlp: http://***@127.0.0.1:" + port)
        .doesNotContain(PASSWORD);
    out.reset();
    err.reset();
    run(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://agent:" + PASSWORD + "@127.0.0.1:"
        + port), "--check", "--config", config("protocol = \"grpc\"").toString());
    System.out.println(output());
    assertThat(output()).contains("***@127.0.0.1:" + port).doesNotContain(PASSWORD);
  }
}

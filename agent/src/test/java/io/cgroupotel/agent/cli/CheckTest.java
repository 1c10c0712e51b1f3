package io.cgroupotel.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.cgroupotel.agent.ListeningPortsTest;
import io.cgroupotel.cgroupfs.RealCgroupTree;
import io.cgroupotel.exporter.testing.OtlpGrpcTestReceiver;
import io.cgroupotel.exporter.testing.OtlpHttpTestReceiver;
import io.cgroupotel.exporter.testing.OtlpTestReceiver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** {@code --check} proves the OTLP endpoint speaks OTLP and writes nothing anywhere. */
@Tag("real-cgroup")
class CheckTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private RealCgroupTree tree;
  @TempDir Path dir;

  @BeforeEach
  void tree() {
    tree = RealCgroupTree.create("cgroup-otel-chk");
    tree.mkdirs("a");
  }

  @AfterEach
  void removeTree() {
    tree.close();
  }

  private int check(String exporters) throws IOException {
    Path file = dir.resolve("agent.toml");
    Files.writeString(file, """
        [receivers.cgroup]
        path = "%s"
        include = ["*"]
        %s
        """.formatted(tree.root(), exporters));
    Main main = new Main(Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(out, true, StandardCharsets.UTF_8));
    return new CommandLine(main).execute("--check", "--config", file.toString());
  }

  private String stdout() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private static String otlp(String endpoint, String protocol) {
    return """
        [exporters.otlp]
        endpoint = "%s"
        protocol = "%s"
        """.formatted(endpoint, protocol);
  }

  @ParameterizedTest
  @ValueSource(strings = {"grpc", "http/protobuf"})
  void check_plainHttpServer_exit2(String protocol) throws Exception {
    HttpServer web = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    web.createContext("/", exchange -> {
      byte[] page = "<html><body>hello</body></html>".getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "text/html");
      exchange.sendResponseHeaders(200, page.length);
      exchange.getResponseBody().write(page);
      exchange.close();
    });
    web.start();
    try {
      int code = check(otlp("http://127.0.0.1:" + web.getAddress().getPort(), protocol));
      System.out.println(stdout());
      assertThat(code).isEqualTo(Main.BAD_CONFIG);
      assertThat(stdout()).containsPattern("exporter otlp: .* FAILED: ")
          .contains("check: problems found").doesNotContain("check: ok");
    } finally {
      web.stop(0);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"grpc", "http/protobuf"})
  void check_portThatNeverAnswers_exit2WithinBound(String protocol) throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      long start = System.nanoTime();
      int code = check(otlp("http://127.0.0.1:" + silent.getLocalPort(), protocol));
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      System.out.println(stdout() + "took " + took);
      assertThat(code).isEqualTo(Main.BAD_CONFIG);
      assertThat(stdout()).contains("FAILED: no OTLP answer within");
      assertThat(took).isLessThan(Duration.ofSeconds(12));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"grpc", "http/protobuf"})
  void check_realOtlpReceiver_okAndNoDataPointSent(String protocol) throws Exception {
    try (OtlpTestReceiver receiver = protocol.equals("grpc")
        ? new OtlpGrpcTestReceiver() : new OtlpHttpTestReceiver()) {
      receiver.start();
      int code = check(otlp(receiver.endpoint(), protocol));
      System.out.println(stdout());
      assertThat(code).isEqualTo(Main.OK);
      assertThat(stdout()).contains("answers OTLP").contains("check: ok");
      assertThat(receiver.drain()).allSatisfy(r -> assertThat(r.getResourceMetricsCount())
          .isZero());
    }
  }

  @Test
  void check_fileExporter_createsNoDirectoryAndWritesNoLine() throws Exception {
    Path metrics = dir.resolve("log/cgroup-otel-agent/metrics.jsonl");
    int code = check("""
        [exporters.file]
        path = "%s"
        """.formatted(metrics));
    System.out.println(stdout());
    assertThat(code).isEqualTo(Main.OK);
    assertThat(dir.resolve("log")).doesNotExist();
    assertThat(stdout()).contains("exporter file: " + metrics + " writable");
  }

  @Test
  void check_existingFile_notAppendedTo() throws Exception {
    Path metrics = dir.resolve("metrics.jsonl");
    Files.writeString(metrics, "{}\n");
    assertThat(check("[exporters.file]\npath = \"%s\"\n".formatted(metrics)))
        .isEqualTo(Main.OK);
    assertThat(Files.readString(metrics)).isEqualTo("{}\n");
  }

  @Test
  void fileWritable_underAFile_saysWhy() throws Exception {
    Path notDir = Files.writeString(dir.resolve("plain"), "x");
    assertThat(Check.fileWritable(notDir.resolve("metrics.jsonl")))
        .isEqualTo("no directory to create it in");
    assertThat(Check.fileWritable(dir.resolve("new/metrics.jsonl"))).isNull();
  }

  @Test
  void unreadable_dirUnderAGlob_listedOthersNot() {
    Path root = Path.of("/cg");
    Map<Path, List<Path>> tree = Map.of(
        root, List.of(root.resolve("system.slice"), root.resolve("user.slice"),
            root.resolve("secret.slice")),
        root.resolve("system.slice"), List.of(root.resolve("system.slice/a.service")),
        root.resolve("system.slice/a.service"), List.of());
    Check.Lister lister = d -> {
      if (tree.containsKey(d)) {
        return tree.get(d);
      }
      throw new AccessDeniedException(d.toString());
    };
    // user.slice and secret.slice cannot be listed; only user.slice is under a glob
    assertThat(Check.unreadable(root, List.of(".", "*", "system.slice/*.service",
        "user.slice/*"), lister)).containsExactly(root.resolve("user.slice"));
    assertThat(Check.unreadable(root, List.of("**"), lister))
        .containsExactlyInAnyOrder(root.resolve("user.slice"), root.resolve("secret.slice"));
    assertThat(Check.unreadable(root, List.of(".", "*"), lister)).isEmpty();
  }

  @Test
  void check_prometheusPortTaken_exit2() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      int code = check("""
          [exporters.prometheus]
          host = "127.0.0.1"
          port = %d
          """.formatted(taken.getLocalPort()));
      System.out.println(stdout());
      assertThat(code).isEqualTo(Main.BAD_CONFIG);
      assertThat(stdout()).contains("exporter prometheus: 127.0.0.1:" + taken.getLocalPort()
          + " FAILED: cannot listen on");
    }
    out.reset();
    int free;
    try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      free = s.getLocalPort();
    }
    java.util.Set<Long> before = ListeningPortsTest.listeningInodes();
    assertThat(check("[exporters.prometheus]\nhost = \"127.0.0.1\"\nport = %d\n"
        .formatted(free))).isEqualTo(Main.OK);
    assertThat(ListeningPortsTest.listeningInodes()).as("nothing left listening")
        .isSubsetOf(before);
  }
}

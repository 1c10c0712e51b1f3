package io.cgroupotel.exporter.prometheus;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.exporter.TestMetrics;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Clients that open a connection, send part of a request and hold it: they must not stop
 * other scrapes (the first hand-written server answered 0 of 44 scrapes in 130 s behind one).
 */
class PrometheusStalledClientTest {
  /** How long a scrape may take here (2 shared cores) and still count as prompt. */
  static final Duration PROMPT = Duration.ofSeconds(2);

  enum Stall {
    PARTIAL_REQUEST_LINE, BINARY_1KB, TLS_CLIENT_HELLO;

    byte[] bytes() throws Exception {
      return switch (this) {
        case PARTIAL_REQUEST_LINE -> "GET /metr".getBytes(StandardCharsets.US_ASCII);
        case BINARY_1KB -> {
          byte[] b = new byte[1024];
          for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (0x80 + i % 128); // no CR or LF: never a complete line
          }
          yield b;
        }
        case TLS_CLIENT_HELLO -> clientHello();
      };
    }
  }

  /** A real TLS ClientHello, as the JDK's TLS client sends it first. */
  static byte[] clientHello() throws Exception {
    SSLEngine engine = SSLContext.getDefault().createSSLEngine("127.0.0.1", 9464);
    engine.setUseClientMode(true);
    ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
    engine.wrap(ByteBuffer.allocate(0), out);
    out.flip();
    byte[] hello = new byte[out.remaining()];
    out.get(hello);
    assertThat(hello[0]).as("a TLS handshake record").isEqualTo((byte) 0x16);
    return hello;
  }

  static Socket stall(int port, Stall kind) throws Exception {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
    OutputStream out = s.getOutputStream();
    out.write(kind.bytes());
    out.flush();
    return s;
  }

  /** {@code count} scrapes in a row, each on a new connection; the time of the slowest. */
  static Duration scrapes(int port, int count) throws Exception {
    Duration slowest = Duration.ZERO;
    for (int i = 0; i < count; i++) {
      HttpClient http = HttpClient.newBuilder().connectTimeout(PROMPT).build(); // a new client
      long t0 = System.nanoTime();
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(PROMPT).build(),
          HttpResponse.BodyHandlers.ofString());
      Duration took = Duration.ofNanos(System.nanoTime() - t0);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).contains("cgroup_cpu_time_seconds_total{");
      slowest = took.compareTo(slowest) > 0 ? took : slowest;
    }
    return slowest;
  }

  @ParameterizedTest
  @EnumSource(Stall.class)
  void scrape_whileOneClientStalls_allTwentyServedPromptly(Stall kind) throws Exception {
    PrometheusExporter exporter = PrometheusExporter.start(
        new InetSocketAddress("127.0.0.1", 0));
    try (Socket stalled = stall(exporter.port(), kind)) {
      exporter.export(TestMetrics.twoCgroups());
      Duration slowest = scrapes(exporter.port(), 20);
      System.out.printf("stalled by %s: 20 of 20 scrapes served, slowest %d ms%n", kind,
          slowest.toMillis());
    } finally {
      exporter.shutdown();
    }
  }

  @Test
  void scrape_whilePoolSizeLessOneClientsStall_allServedPromptly() throws Exception {
    PrometheusExporter exporter = PrometheusExporter.start(
        new InetSocketAddress("127.0.0.1", 0));
    List<Socket> stalled = new ArrayList<>();
    try {
      exporter.export(TestMetrics.twoCgroups());
      for (int i = 0; i < PrometheusExporter.THREADS - 1; i++) {
        stalled.add(stall(exporter.port(), Stall.values()[i % Stall.values().length]));
      }
      Duration slowest = scrapes(exporter.port(), 20);
      System.out.printf("%d stalled clients: 20 of 20 scrapes served, slowest %d ms%n",
          stalled.size(), slowest.toMillis());
    } finally {
      for (Socket s : stalled) {
        s.close();
      }
      exporter.shutdown();
    }
  }

  /**
   * More stalled clients than threads, in a fresh JVM with a 1 s read timeout: the server closes
   * them after the timeout and the scrape waiting behind them is served.
   */
  @Test
  @Tag("child-jvm")
  void scrape_moreStalledClientsThanThreads_servedAfterReadTimeoutThatClosesThem()
      throws Exception {
    Process server = fork(PrometheusExporter.MAX_REQ_TIME + "=1");
    List<Socket> stalled = new ArrayList<>();
    try {
      int port = port(server, "1");
      for (int i = 0; i < PrometheusExporter.THREADS + 2; i++) {
        stalled.add(stall(port, Stall.values()[i % Stall.values().length]));
      }
      long t0 = System.nanoTime();
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(10))
          .build(), HttpResponse.BodyHandlers.ofString());
      long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertThat(r.statusCode()).isEqualTo(200);
      // the timeout (1 s), the JDK's 1 s timer tick, and slack for 2 shared cores
      assertThat(waited).isLessThan(5_000);
      int closed = 0;
      for (Socket s : stalled) {
        s.setSoTimeout(5_000);
        try {
          if (s.getInputStream().read() < 0) {
            closed++; // the server hung up
          }
        } catch (SocketTimeoutException e) {
          // still open: counted as not closed
        } catch (IOException e) {
          closed++; // reset by the server
        }
      }
      assertThat(closed).as("stalled connections closed by the server").isEqualTo(stalled.size());
      System.out.printf("%d stalled clients (%d threads): scrape served after %d ms, %d of %d "
          + "stalled connections closed by the server%n", stalled.size(),
          PrometheusExporter.THREADS, waited, closed, stalled.size());
    } finally {
      for (Socket s : stalled) {
        s.close();
      }
      server.getOutputStream().close();
      if (!server.waitFor(10, TimeUnit.SECONDS)) {
        server.destroyForcibly();
      }
    }
  }

  @Test
  @Tag("child-jvm")
  void start_setsTheJdkServerTimeoutsUnlessSet() throws Exception {
    Process defaults = fork();
    try {
      assertThat(port(defaults, String.valueOf(PrometheusExporter.MAX_REQUEST_SECONDS)))
          .isPositive();
    } finally {
      defaults.getOutputStream().close();
      defaults.waitFor(10, TimeUnit.SECONDS);
    }
    Process operator = fork(PrometheusExporter.MAX_REQ_TIME + "=30");
    try {
      assertThat(port(operator, "30")).isPositive();
    } finally {
      operator.getOutputStream().close();
      operator.waitFor(10, TimeUnit.SECONDS);
    }
  }

  static Process fork(String... properties) throws IOException {
    return forkWith(List.of(properties), List.of());
  }

  /** A fresh JVM running {@link PrometheusExporterMain} with these -D properties and arguments. */
  static Process forkWith(List<String> properties, List<String> args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xshare:auto");
    command.add("-XX:TieredStopAtLevel=1");
    properties.stream().map(p -> "-D" + p).forEach(command::add);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(PrometheusExporterMain.class.getName());
    command.addAll(args);
    return new ProcessBuilder(command).redirectErrorStream(true).start();
  }

  /** The port the forked exporter printed, checking the read timeout it runs with. */
  static int port(Process server, String maxReqTime) throws IOException {
    return port(new BufferedReader(new InputStreamReader(server.getInputStream(),
        StandardCharsets.UTF_8)), maxReqTime);
  }

  static int port(BufferedReader in, String maxReqTime) throws IOException {
    Pattern ready = Pattern.compile("port=(\\d+) maxReqTime=(\\S+)");
    StringBuilder seen = new StringBuilder();
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      Matcher m = ready.matcher(line);
      if (m.find()) {
        assertThat(m.group(2)).as("maxReqTime in the forked JVM").isEqualTo(maxReqTime);
        return Integer.parseInt(m.group(1));
      }
      seen.append(line).append('\n');
    }
    throw new AssertionError("the forked exporter did not start:\n" + seen);
  }
}

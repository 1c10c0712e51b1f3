package io.cgroupotel.exporter.otlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.cgroupotel.exporter.DeliveryStats;
import io.cgroupotel.exporter.SmallTmpfs;
import io.cgroupotel.exporter.TestMetrics;
import io.cgroupotel.exporter.testing.OtlpGrpcTestReceiver;
import io.cgroupotel.exporter.testing.OtlpHttpTestReceiver;
import io.cgroupotel.exporter.testing.OtlpTestReceiver;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsPartialSuccess;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.sdk.metrics.data.MetricData;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The send queue against real OTLP receivers on loopback: collectors that go away and come back,
 * answer partially, answer garbage or stall; queue files that are cut, garbled or fill a disk.
 */
class QueuedOtlpExporterTest {
  @TempDir
  Path tmp;

  private static QueuedOtlpExporter exporter(String endpoint, String protocol, Path path,
      long maxBytes, String timeout) throws Exception {
    Map<String, String> p = Map.of(
        OtlpExporterFactory.PREFIX + "endpoint", endpoint,
        OtlpExporterFactory.PREFIX + "protocol", protocol,
        OtlpExporterFactory.PREFIX + "compression", "gzip",
        OtlpExporterFactory.PREFIX + "timeout", timeout);
    return QueuedExporters.create(p, new QueueConfig(true, path, maxBytes));
  }

  /** A cgroup per export, named by its number: order and completeness can be checked. */
  private static List<MetricData> numbered(int i) {
    return List.of(TestMetrics.cpuTime(TestMetrics.cgroup("/job-" + i), i, 0.5));
  }

  private static String path(ExportMetricsServiceRequest r) {
    return r.getResourceMetrics(0).getResource().getAttributesList().stream()
        .filter(kv -> kv.getKey().equals("cgroup.path")).map(KeyValue::getValue)
        .map(v -> v.getStringValue()).findFirst().orElseThrow();
  }

  private static List<String> receive(OtlpTestReceiver receiver, int n) throws Exception {
    List<String> got = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      got.add(path(receiver.next(Duration.ofSeconds(30))));
    }
    return got;
  }

  private static List<String> expected(int from, int to) {
    List<String> names = new ArrayList<>();
    for (int i = from; i < to; i++) {
      names.add("/job-" + i);
    }
    return names;
  }

  @ParameterizedTest
  @ValueSource(strings = {"grpc", "http/protobuf"})
  void collectorDownThenBack_everyExportArrivesInOrder(String protocol) throws Exception {
    try (OtlpTestReceiver receiver = protocol.equals("grpc")
        ? new OtlpGrpcTestReceiver() : new OtlpHttpTestReceiver()) {
      receiver.start();
      receiver.stop(); // the port is known, nothing listens
      QueuedOtlpExporter exporter = exporter(receiver.endpoint(), protocol, null, 8 << 20, "2s");
      try {
        for (int i = 0; i < 5; i++) {
          assertThat(exporter.export(numbered(i)).isSuccess()).as("queued").isTrue();
        }
        // a few failed attempts, over more than a second
        await().atMost(Duration.ofSeconds(10)).until(() -> exporter.queueAgeSeconds() > 1.0);
        assertThat(exporter.queuedRequests()).isEqualTo(5);
        receiver.start();
        exporter.export(numbered(5));
        assertThat(receive(receiver, 6)).containsExactlyElementsOf(expected(0, 6));
        assertThat(exporter.awaitDelivered(Duration.ofSeconds(5))).isTrue();
        assertThat(exporter.queuedRequests()).isZero();
        assertThat(exporter.droppedPoints().values()).allMatch(v -> v == 0);
      } finally {
        exporter.shutdown().join(5, java.util.concurrent.TimeUnit.SECONDS);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"grpc", "http/protobuf"})
  void partialSuccess_delivered_rejectedPointsCounted(String protocol) throws Exception {
    try (OtlpTestReceiver receiver = protocol.equals("grpc")
        ? new OtlpGrpcTestReceiver() : new OtlpHttpTestReceiver()) {
      receiver.start();
      receiver.setRejecting(1);
      QueuedOtlpExporter exporter = exporter(receiver.endpoint(), protocol, null, 8 << 20, "2s");
      try {
        exporter.export(numbered(0));
        exporter.export(numbered(1));
        assertThat(receive(receiver, 2)).containsExactly("/job-0", "/job-1");
        assertThat(exporter.awaitDelivered(Duration.ofSeconds(5))).isTrue();
        assertThat(exporter.droppedPoints().get(DeliveryStats.REJECTED)).isEqualTo(2);
        assertThat(receiver.drain()).as("accepted: not sent again").isEmpty();
      } finally {
        exporter.shutdown().join(5, java.util.concurrent.TimeUnit.SECONDS);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"grpc", "http/protobuf"})
  void collectorWithoutLogsPipeline_receiptsRefused_metricsBehindThemDelivered(String protocol)
      throws Exception {
    try (OtlpTestReceiver receiver = protocol.equals("grpc")
        ? new OtlpGrpcTestReceiver() : new OtlpHttpTestReceiver()) {
      receiver.setServesLogs(false); // HTTP 404 on /v1/logs, gRPC UNIMPLEMENTED
      receiver.start();
      QueuedOtlpExporter exporter = exporter(receiver.endpoint(), protocol, null, 8 << 20, "2s");
      QueuedOtlpLogExporter receipts = new QueuedOtlpLogExporter(exporter);
      try {
        exporter.export(numbered(0));
        receipts.export(List.of(receipt("/job-a"), receipt("/job-b")));
        exporter.export(numbered(1));
        exporter.export(numbered(2));
        // retried, the receipts would hold /job-1 and /job-2 for as long as the collector runs
        assertThat(receive(receiver, 3)).containsExactly("/job-0", "/job-1", "/job-2");
        assertThat(exporter.awaitDelivered(Duration.ofSeconds(5))).isTrue();
        assertThat(exporter.droppedPoints().get(DeliveryStats.REJECTED)).as("the two receipts")
            .isEqualTo(2);
        assertThat(receiver.drainLogs()).isEmpty();
      } finally {
        exporter.shutdown().join(5, java.util.concurrent.TimeUnit.SECONDS);
      }
    }
  }

  /** A receipt as the agent makes one: an event per ended entity. */
  private static io.opentelemetry.sdk.logs.data.LogRecordData receipt(String path) {
    return io.opentelemetry.sdk.testing.logs.TestLogRecordData.builder()
        .setResource(TestMetrics.cgroup(path))
        .setTimestamp(1_000_000_000L, java.util.concurrent.TimeUnit.NANOSECONDS)
        .setEventName("cgroup_otel.entity.end")
        .setBody("")
        .build();
  }

  @Test
  void unusableQueuePath_queuesInMemory_deliveryGoesOn() throws Exception {
    Path file = Files.writeString(tmp.resolve("a-file"), "x");
    try (OtlpHttpTestReceiver receiver = new OtlpHttpTestReceiver()) {
      receiver.start();
      QueuedOtlpExporter exporter = exporter(receiver.endpoint(), "http/protobuf",
          file.resolve("queue"), 8 << 20, "2s");
      try {
        assertThat(exporter.toString()).contains("in memory");
        exporter.export(numbered(7));
        assertThat(receive(receiver, 1)).containsExactly("/job-7");
      } finally {
        exporter.shutdown().join(5, java.util.concurrent.TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void persistentQueue_closedWithoutDelivery_sentAfterReopen() throws Exception {
    Path dir = tmp.resolve("queue");
    try (OtlpHttpTestReceiver receiver = new OtlpHttpTestReceiver()) {
      receiver.start();
      receiver.stop();
      QueuedOtlpExporter first = exporter(receiver.endpoint(), "http/protobuf", dir, 8 << 20,
          "1s");
      for (int i = 0; i < 4; i++) {
        first.export(numbered(i));
      }
      first.shutdown().join(10, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(Files.list(dir).filter(f -> f.toString().endsWith(".seg"))).isNotEmpty();
      receiver.start();
      QueuedOtlpExporter second = exporter(receiver.endpoint(), "http/protobuf", dir, 8 << 20,
          "1s");
      try {
        second.export(numbered(4));
        assertThat(receive(receiver, 5)).containsExactlyElementsOf(expected(0, 5));
        assertThat(second.awaitDelivered(Duration.ofSeconds(5))).isTrue();
      } finally {
        second.shutdown().join(5, java.util.concurrent.TimeUnit.SECONDS);
      }
      // delivered records are not sent again by a third run; while it runs, the directory is
      // its own: a second exporter on it queues in memory
      QueuedOtlpExporter third = exporter(receiver.endpoint(), "http/protobuf", dir, 8 << 20,
          "1s");
      QueuedOtlpExporter rival = exporter(receiver.endpoint(), "http/protobuf", dir, 8 << 20,
          "1s");
      assertThat(rival.toString()).contains("in memory");
      rival.shutdown().join(5, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(third.queuedRequests()).isZero();
      third.shutdown().join(5, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  @Test
  void cutAndGarbledQueueFile_badRecordsSkippedAndCounted_restSent() throws Exception {
    Path dir = tmp.resolve("queue");
    try (OtlpHttpTestReceiver receiver = new OtlpHttpTestReceiver()) {
      receiver.start();
      receiver.stop();
      QueuedOtlpExporter first = exporter(receiver.endpoint(), "http/protobuf", dir, 8 << 20,
          "1s");
      for (int i = 0; i < 5; i++) {
        first.export(numbered(i));
      }
      first.shutdown().join(10, java.util.concurrent.TimeUnit.SECONDS);
      Path segment;
      try (Stream<Path> files = Files.list(dir)) {
        segment = files.filter(f -> f.toString().endsWith(".seg")).findFirst().orElseThrow();
      }
      long size = Files.size(segment);
      long record = size / 5; // five records of the same size
      try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
        f.seek(record + SegmentQueueStore.HEADER + 10); // garble the payload of the second
        f.write(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        f.setLength(size - 7); // cut the last one short, as a power cut would
      }
      receiver.start();
      QueuedOtlpExporter second = exporter(receiver.endpoint(), "http/protobuf", dir, 8 << 20,
          "1s");
      try {
        assertThat(second.droppedPoints().get(DeliveryStats.CORRUPT)).isEqualTo(4); // 2 x 2
        assertThat(receive(receiver, 3)).containsExactly("/job-0", "/job-2", "/job-3");
        assertThat(second.awaitDelivered(Duration.ofSeconds(5))).isTrue();
      } finally {
        second.shutdown().join(5, java.util.concurrent.TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void tinyDiskFills_oldestDropped_newestKept_noCrash() throws Exception {
    try (SmallTmpfs disk = SmallTmpfs.mount(tmp, "256k");
        OtlpHttpTestReceiver receiver = new OtlpHttpTestReceiver()) {
      receiver.start();
      receiver.stop();
      // bound far above the disk: the disk fills first
      QueuedOtlpExporter exporter = exporter(receiver.endpoint(), "http/protobuf",
          disk.path().resolve("q"), 64 << 20, "1s");
      try {
        int n = 0;
        // incompressible enough: each request is a few KiB
        while (n < 400) {
          List<MetricData> many = new ArrayList<>();
          for (int j = 0; j < 40; j++) {
            many.add(TestMetrics.cpuTime(TestMetrics.cgroup("/job-" + n + "/" + j + "/"
                + java.util.UUID.randomUUID()), n, j));
          }
          assertThat(exporter.export(many).isSuccess()).isTrue();
          n++;
        }
        assertThat(exporter.droppedPoints().get(DeliveryStats.QUEUE_FULL)).isPositive();
        receiver.start();
        assertThat(exporter.awaitDelivered(Duration.ofSeconds(30))).isTrue();
        List<ExportMetricsServiceRequest> got = receiver.drain();
        assertThat(got).isNotEmpty();
        // the newest one arrived, last
        assertThat(path(got.get(got.size() - 1))).startsWith("/job-399/");
        assertThat(exporter.droppedPoints().get(DeliveryStats.QUEUE_FULL))
            .isEqualTo((400L - got.size()) * 80);
      } finally {
        exporter.shutdown().join(5, java.util.concurrent.TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void boundReached_oldestDroppedFirst_countedAsQueueFull() throws Exception {
    try (OtlpHttpTestReceiver receiver = new OtlpHttpTestReceiver()) {
      receiver.start();
      receiver.stop();
      QueuedOtlpExporter exporter = exporter(receiver.endpoint(), "http/protobuf", null,
          1 << 16, "1s");
      try {
        int n = 0;
        while (exporter.droppedPoints().get(DeliveryStats.QUEUE_FULL) == 0 && n < 10_000) {
          List<MetricData> many = new ArrayList<>();
          for (int j = 0; j < 20; j++) {
            many.add(TestMetrics.cpuTime(TestMetrics.cgroup("/job-" + n + "/"
                + java.util.UUID.randomUUID()), n, j));
          }
          exporter.export(many);
          n++;
        }
        assertThat(exporter.queuedBytes()).isLessThanOrEqualTo(1 << 16);
        int queued = exporter.queuedRequests();
        receiver.start();
        assertThat(exporter.awaitDelivered(Duration.ofSeconds(20))).isTrue();
        List<ExportMetricsServiceRequest> got = receiver.drain();
        assertThat(got).hasSizeGreaterThanOrEqualTo(queued);
        assertThat(path(got.get(got.size() - 1))).startsWith("/job-" + (n - 1) + "/");
        assertThat(path(got.get(0))).doesNotStartWith("/job-0/");
      } finally {
        exporter.shutdown().join(5, java.util.concurrent.TimeUnit.SECONDS);
      }
    }
  }

  /** An HTTP collector whose answers the test chooses, one per request. */
  private static HttpServer collector(java.util.function.IntFunction<byte[][]> answer,
      AtomicInteger requests) throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/v1/metrics", exchange -> {
      try (exchange) {
        exchange.getRequestBody().readAllBytes();
        byte[][] a = answer.apply(requests.getAndIncrement()); // {status, content type, body}
        exchange.getResponseHeaders().set("Content-Type", new String(a[1]));
        if (a.length > 3) {
          exchange.getResponseHeaders().set("Retry-After", new String(a[3]));
        }
        int status = Integer.parseInt(new String(a[0]));
        exchange.sendResponseHeaders(status, a[2].length == 0 ? -1 : a[2].length);
        if (a[2].length > 0) {
          exchange.getResponseBody().write(a[2]);
        }
      }
    });
    server.start();
    return server;
  }

  @Test
  void status503WithRetryAfter_waitedFor_thenDelivered() throws Exception {
    byte[] ok = ExportMetricsServiceResponse.getDefaultInstance().toByteArray();
    AtomicInteger requests = new AtomicInteger();
    List<Long> times = new java.util.concurrent.CopyOnWriteArrayList<>();
    HttpServer server = collector(i -> {
      times.add(System.nanoTime());
      return i == 0
          ? new byte[][] {"503".getBytes(), "text/plain".getBytes(), new byte[0], "2".getBytes()}
          : new byte[][] {"200".getBytes(), "application/x-protobuf".getBytes(), ok};
    }, requests);
    QueuedOtlpExporter exporter = exporter("http://127.0.0.1:" + server.getAddress().getPort(),
        "http/protobuf", null, 8 << 20, "2s");
    try {
      exporter.export(numbered(1));
      assertThat(exporter.awaitDelivered(Duration.ofSeconds(10))).isTrue();
      assertThat(requests.get()).isEqualTo(2);
      // the backoff alone would be 0.4-0.6 s: the collector's Retry-After of 2 s won
      assertThat((times.get(1) - times.get(0)) / 1_000_000).isGreaterThanOrEqualTo(1900);
      assertThat(exporter.failedAttempts()).isEqualTo(1);
      assertThat(exporter.droppedPoints().values()).allMatch(v -> v == 0);
    } finally {
      exporter.shutdown().join(5, java.util.concurrent.TimeUnit.SECONDS);
      server.stop(0);
    }
  }

  @Test
  void status400_refused_leavesTheQueueCountedAsRejected() throws Exception {
    AtomicInteger requests = new AtomicInteger();
    byte[] ok = ExportMetricsServiceResponse.getDefaultInstance().toByteArray();
    HttpServer server = collector(i -> i == 0
        ? new byte[][] {"400".getBytes(), "text/plain".getBytes(), "bad data".getBytes()}
        : new byte[][] {"200".getBytes(), "application/x-protobuf".getBytes(), ok}, requests);
    QueuedOtlpExporter exporter = exporter("http://127.0.0.1:" + server.getAddress().getPort(),
        "http/protobuf", null, 8 << 20, "2s");
    try {
      exporter.export(numbered(1));
      exporter.export(numbered(2));
      assertThat(exporter.awaitDelivered(Duration.ofSeconds(10))).isTrue();
      assertThat(requests.get()).as("the refused one is not sent again").isEqualTo(2);
      assertThat(exporter.droppedPoints().get(DeliveryStats.REJECTED)).isEqualTo(2);
    } finally {
      exporter.shutdown().join(5, java.util.concurrent.TimeUnit.SECONDS);
      server.stop(0);
    }
  }

  @Test
  void partialSuccess_acceptedAndRejectedPointsCounted() throws Exception {
    byte[] partial = ExportMetricsServiceResponse.newBuilder().setPartialSuccess(
        ExportMetricsPartialSuccess.newBuilder().setRejectedDataPoints(2)
            .setErrorMessage("2 points too old")).build().toByteArray();
    AtomicInteger requests = new AtomicInteger();
    HttpServer server = collector(i -> new byte[][] {"200".getBytes(),
        "application/x-protobuf".getBytes(), partial}, requests);
    QueuedOtlpExporter exporter = exporter("http://127.0.0.1:" + server.getAddress().getPort(),
        "http/protobuf", null, 8 << 20, "2s");
    try {
      exporter.export(numbered(1));
      assertThat(exporter.awaitDelivered(Duration.ofSeconds(10))).isTrue();
      assertThat(requests.get()).isEqualTo(1); // accepted: not sent again
      assertThat(exporter.droppedPoints().get(DeliveryStats.REJECTED)).isEqualTo(2);
    } finally {
      exporter.shutdown().join(5, java.util.concurrent.TimeUnit.SECONDS);
      server.stop(0);
    }
  }

  @Test
  void garbage200AfterAGoodStart_notTakenAsDelivered() throws Exception {
    byte[] ok = ExportMetricsServiceResponse.getDefaultInstance().toByteArray();
    AtomicInteger requests = new AtomicInteger();
    // 1st: a real answer; 2nd to 4th: a web page with 200; then real again
    HttpServer server = collector(i -> i >= 1 && i <= 3
        ? new byte[][] {"200".getBytes(), "text/html".getBytes(), "<html>hi</html>".getBytes()}
        : new byte[][] {"200".getBytes(), "application/x-protobuf".getBytes(), ok}, requests);
    QueuedOtlpExporter exporter = exporter("http://127.0.0.1:" + server.getAddress().getPort(),
        "http/protobuf", null, 8 << 20, "2s");
    try {
      exporter.export(numbered(1));
      assertThat(exporter.awaitDelivered(Duration.ofSeconds(5))).isTrue();
      exporter.export(numbered(2));
      assertThat(exporter.awaitDelivered(Duration.ofSeconds(20))).isTrue();
      assertThat(requests.get()).as("the second request sent until a real answer").isEqualTo(5);
      assertThat(exporter.failedAttempts()).isEqualTo(3);
    } finally {
      exporter.shutdown().join(5, java.util.concurrent.TimeUnit.SECONDS);
      server.stop(0);
    }
  }

  /**
   * A collector that sends headers and half a body, then stalls: bounded by the read timeout,
   * retried; and shutting down during the stall returns within the SIGTERM budget.
   */
  @Test
  void stalledHalfAnswer_boundedByTimeout_shutdownWithinBudget() throws Exception {
    AtomicInteger connections = new AtomicInteger();
    try (ServerSocket stall = new ServerSocket(0, 50,
        java.net.InetAddress.getLoopbackAddress())) {
      List<Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
      Thread acceptor = new Thread(() -> {
        while (!stall.isClosed()) {
          try {
            Socket s = stall.accept();
            connections.incrementAndGet();
            held.add(s);
            OutputStream out = s.getOutputStream();
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\n"
                + "Content-Length: 100\r\n\r\n" + "\n\u0003abc").getBytes());
            out.flush(); // and nothing more
          } catch (Exception e) {
            return;
          }
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      QueuedOtlpExporter exporter = exporter("http://127.0.0.1:" + stall.getLocalPort(),
          "http/protobuf", null, 8 << 20, "1s");
      exporter.export(numbered(1));
      await("the stall timed out and was retried").atMost(Duration.ofSeconds(10))
          .until(() -> connections.get() > 1);
      assertThat(exporter.queuedRequests()).as("not delivered").isEqualTo(1);
      long start = System.nanoTime();
      exporter.shutdown().join(10, java.util.concurrent.TimeUnit.SECONDS);
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertThat(millis).as("shutdown during a stall").isLessThan(4000);
      for (Socket s : held) {
        s.close();
      }
    }
  }
}

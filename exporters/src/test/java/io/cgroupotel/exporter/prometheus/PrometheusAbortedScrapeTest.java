package io.cgroupotel.exporter.prometheus;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Clients that ask for {@code /metrics}, read one byte and reset the connection (SO_LINGER 0):
 * each must free its connection at once. The JDK server keeps a connection whose response failed
 * in its count until the response timeout (60 s), and refuses new ones past {@code
 * jdk.httpserver.maxConnections} (64): 150 such clients locked the port for a minute, each abort
 * logged with its stack trace.
 */
class PrometheusAbortedScrapeTest {
  static final int ABORTING_CLIENTS = 160;

  @Test
  void scrape_after320AbortedScrapes_servedWithinTwoSeconds_abortsCountedLoggedOnceNoStackTrace()
      throws Exception {
    // about 600 KB of text: more than the socket buffers hold, so the server's writes fail
    Process server = PrometheusStalledClientTest.forkWith(List.of(), List.of("cgroups=3000"));
    StringBuilder log = new StringBuilder();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(),
          StandardCharsets.UTF_8));
      int port = PrometheusStalledClientTest.port(out,
          String.valueOf(PrometheusExporter.MAX_REQUEST_SECONDS));
      Thread reader = new Thread(() -> {
        try {
          for (String line = out.readLine(); line != null; line = out.readLine()) {
            synchronized (log) {
              log.append(line).append('\n');
            }
          }
        } catch (java.io.IOException e) {
          // the server ended
        }
      });
      reader.setDaemon(true);
      reader.start();

      // one after the other, as a broken scraper retrying would (the way that locked the port)
      AtomicInteger gotAByte = new AtomicInteger();
      long t0 = System.nanoTime();
      for (int i = 0; i < ABORTING_CLIENTS; i++) {
        abort(port, gotAByte);
      }
      long abortMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertThat(gotAByte.get()).as("every aborting client was answered (none refused)")
          .isEqualTo(ABORTING_CLIENTS);

      // and as a burst: 160 more at once, on 16 threads
      java.util.concurrent.ExecutorService burst =
          java.util.concurrent.Executors.newFixedThreadPool(16);
      List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
      for (int i = 0; i < ABORTING_CLIENTS; i++) {
        done.add(burst.submit(() -> {
          abort(port, new AtomicInteger());
          return null;
        }));
      }
      for (java.util.concurrent.Future<?> f : done) {
        f.get(30, TimeUnit.SECONDS);
      }
      burst.shutdown();

      // then a normal scrape, on a new connection
      long t1 = System.nanoTime();
      HttpResponse<String> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
          .build().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
              + "/metrics")).timeout(Duration.ofSeconds(2)).build(),
              HttpResponse.BodyHandlers.ofString());
      long scrapeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).contains("unit-2999.service");
      assertThat(scrapeMillis).isLessThan(2_000);

      server.getOutputStream().close(); // the server prints aborted=N and exits
      assertThat(server.waitFor(10, TimeUnit.SECONDS)).isTrue();
      reader.join(5_000);
      String text;
      synchronized (log) {
        text = log.toString();
      }
      Matcher aborted = Pattern.compile("aborted=(\\d+)").matcher(text);
      assertThat(aborted.find()).as("the server's count:\n" + text).isTrue();
      int count = Integer.parseInt(aborted.group(1));
      assertThat(count).as("aborted scrapes counted").isBetween(ABORTING_CLIENTS / 2,
          2 * ABORTING_CLIENTS);
      assertThat(text).as("no stack trace in the log").doesNotContain("\tat ")
          .doesNotContain("Exception:");
      long warnings = text.lines().filter(l -> l.contains("went away")).count();
      assertThat(warnings).as("logged once for the episode:\n" + text).isEqualTo(1);
      System.out.printf("%d clients in a row read 1 byte and reset in %d ms (%d got a byte), then "
          + "%1$d at once; %d aborts counted; then a scrape served in %d ms; log:%n%s",
          ABORTING_CLIENTS, abortMillis,
          gotAByte.get(), count, scrapeMillis, text);
    } finally {
      if (server.isAlive()) {
        server.destroyForcibly();
      }
    }
  }

  /** GET /metrics, read one byte, reset (SO_LINGER 0 then close sends RST). */
  static void abort(int port, AtomicInteger gotAByte) throws Exception {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
    s.setSoTimeout(5000);
    OutputStream out = s.getOutputStream();
    out.write("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    InputStream in = s.getInputStream();
    try {
      if (in.read() >= 0) {
        gotAByte.incrementAndGet();
      }
    } catch (java.io.IOException e) {
      // refused or closed by the server: still an abort from our side
    }
    s.setSoLinger(true, 0);
    s.close();
  }
}

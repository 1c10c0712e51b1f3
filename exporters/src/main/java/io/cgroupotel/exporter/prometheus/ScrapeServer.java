package io.cgroupotel.exporter.prometheus;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.sdk.common.Clock;
import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.exporter.common.PrometheusHttpExchange;
import io.prometheus.metrics.exporter.common.PrometheusHttpRequest;
import io.prometheus.metrics.exporter.common.PrometheusHttpResponse;
import io.prometheus.metrics.exporter.common.PrometheusScrapeHandler;
import io.prometheus.metrics.exporter.httpserver.DefaultHandler;
import io.prometheus.metrics.exporter.httpserver.HealthyHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JDK's HTTP server with the Prometheus Java client's scrape handler (content negotiation,
 * gzip, its writers), {@code /-/healthy} and its index page: what the client's {@code HTTPServer}
 * sets up, but with an exchange of our own, because of clients that go away mid-answer.
 *
 * <p>A client that asks for {@code /metrics}, reads a byte and resets makes the server's write
 * fail. The client library's exchange catches that failure, logs it with its stack trace and
 * returns normally, so the JDK server never learns that the connection is dead: the connection
 * stays in its count ({@code jdk.httpserver.maxConnections}) until the response timeout ({@code
 * sun.net.httpserver.maxRspTime}, 60 s), and about 80 such clients in a row locked the port for
 * a minute. Here a failed answer is rethrown from the handler, which the JDK server answers by
 * closing the connection and dropping it from its count at once ({@code ServerImpl.Exchange.run}
 * calls {@code closeConnection} for an exception out of the handler); the abort is counted and
 * logged once per episode (a first abort after a quiet minute), without a stack trace.
 */
final class ScrapeServer {
  private static final Logger log = LoggerFactory.getLogger(ScrapeServer.class);
  /** An episode of aborts ends after this long without one. */
  static final long QUIET_NANOS = TimeUnit.MINUTES.toNanos(1);
  static final int BACKLOG = 128;

  private final HttpServer server;
  private final ExecutorService pool;
  private final AtomicLong aborted = new AtomicLong();
  private final AtomicLong episodeStart = new AtomicLong(); // aborted count at its start
  private final AtomicLong lastAbortNanos = new AtomicLong(Long.MIN_VALUE);
  private final Clock clock;

  ScrapeServer(InetSocketAddress address, PrometheusRegistry registry, ExecutorService pool,
      Clock clock) throws IOException {
    this.pool = pool;
    this.clock = clock;
    PrometheusScrapeHandler scrape = new PrometheusScrapeHandler(
        PrometheusProperties.builder().build(), registry);
    // a burst of connections waits in the kernel's queue rather than in SYN retries (1 s each);
    // the client library's server asks for 3
    this.server = HttpServer.create(address, BACKLOG);
    server.createContext("/", new DefaultHandler("/metrics"));
    server.createContext("/metrics", http -> serve(scrape, http));
    server.createContext("/-/healthy", new HealthyHandler());
    server.setExecutor(pool);
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  long aborted() {
    return aborted.get();
  }

  void close() {
    server.stop(0);
    pool.shutdownNow();
  }

  private void serve(PrometheusScrapeHandler scrape, HttpExchange http) throws IOException {
    Exchange exchange = new Exchange(http);
    scrape.handleRequest(exchange);
    if (exchange.failed != null) {
      aborted(exchange.failed);
      // out of the handler: the JDK server closes the connection and frees its slot now
      throw exchange.failed;
    }
  }

  private void aborted(IOException cause) {
    long n = aborted.incrementAndGet();
    long now = clock.nanoTime();
    long last = lastAbortNanos.getAndSet(now);
    if (last == Long.MIN_VALUE || now - last >= QUIET_NANOS) {
      long before = n - 1 - episodeStart.getAndSet(n - 1);
      log.warn("prometheus exporter: a client went away before its scrape was sent ({}); its "
          + "connection is closed at once, and such aborts are counted "
          + "(cgroup_agent.prometheus.scrape.aborted) and logged again after a quiet minute{}",
          cause.getMessage(), last == Long.MIN_VALUE ? ""
              : " (" + before + " in the episode before)");
    }
  }

  /**
   * One scrape: the request as the scrape handler reads it, the answer on the JDK exchange; an
   * IO failure is kept for {@link #serve} to rethrow, a failure of ours answers 500 without a
   * stack trace.
   */
  private static final class Exchange implements PrometheusHttpExchange {
    private final HttpExchange http;
    private boolean sent;
    IOException failed;

    Exchange(HttpExchange http) {
      this.http = http;
    }

    @Override
    public PrometheusHttpRequest getRequest() {
      return new PrometheusHttpRequest() {
        @Override
        public String getQueryString() {
          return http.getRequestURI().getRawQuery();
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
          List<String> values = http.getRequestHeaders().get(name);
          return Collections.enumeration(values == null ? List.of() : values);
        }

        @Override
        public String getMethod() {
          return http.getRequestMethod();
        }

        @Override
        public String getRequestPath() {
          return http.getRequestURI().getPath();
        }
      };
    }

    @Override
    public PrometheusHttpResponse getResponse() {
      return new PrometheusHttpResponse() {
        @Override
        public void setHeader(String name, String value) {
          http.getResponseHeaders().set(name, value);
        }

        @Override
        public OutputStream sendHeadersAndGetBody(int status, int contentLength)
            throws IOException {
          if (sent) {
            throw new IOException("a second answer to one scrape");
          }
          sent = true;
          http.sendResponseHeaders(status, contentLength); // the JDK's meaning: 0 chunked
          return http.getResponseBody();
        }
      };
    }

    @Override
    public void handleException(IOException e) {
      failed = e;
    }

    @Override
    public void handleException(RuntimeException e) {
      log.warn("prometheus exporter: a scrape failed: {}", String.valueOf(e));
      if (!sent) {
        sent = true;
        byte[] body = ("scrape failed: " + e.getClass().getSimpleName() + "\n")
            .getBytes(StandardCharsets.UTF_8);
        try {
          http.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
          http.sendResponseHeaders(500, body.length);
          http.getResponseBody().write(body);
        } catch (IOException io) {
          failed = io;
        }
      }
    }

    @Override
    public void close() {
      if (sent) {
        try {
          http.getResponseBody().close(); // the last chunk: a write that may fail too
        } catch (IOException e) {
          if (failed == null) {
            failed = e;
          }
        }
      }
      http.close();
    }
  }
}

package io.cgroupotel.receiver.oar3.metadata;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.cgroupotel.receiver.Redact;
import io.opentelemetry.sdk.common.Clock;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Job metadata from the OAR3 REST API, {@code GET <oar_api_url>/jobs/<id>}: name, project, queue.
 *
 * <p>Asynchronous and bounded: {@link #lookup} answers from the cache and starts at most {@link
 * #MAX_IN_FLIGHT} requests at a time; the others are asked again on a later call. A job that
 * could not be fetched is asked again after {@link #RETRY_AFTER} (a failed API never costs a job
 * its metadata for good). The first failure is logged as a warning, the next ones at debug level
 * until a request succeeds again. Thread-safe.
 */
final class OarApiClient implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OarApiClient.class);
  static final int MAX_IN_FLIGHT = 4;
  static final Duration TIMEOUT = Duration.ofSeconds(5);
  static final Duration RETRY_AFTER = Duration.ofSeconds(60);
  private static final JsonFactory JSON = new JsonFactory();

  /** What the API said about a job; absent fields are null. */
  record JobInfo(String name, String project, String queue) {}

  private final String base;
  private final HttpClient http;
  private final ExecutorService executor;
  private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
  private final Map<Long, JobInfo> cache = new ConcurrentHashMap<>();
  private final Map<Long, Long> askedAt = new ConcurrentHashMap<>(); // jobId -> nanoTime
  private final AtomicBoolean failing = new AtomicBoolean();
  private final Clock clock;

  OarApiClient(URI baseUrl) {
    this(baseUrl, Clock.getDefault());
  }

  /** @param clock its {@code nanoTime()} spaces the requests for one job */
  OarApiClient(URI baseUrl, Clock clock) {
    this.clock = clock;
    String s = baseUrl.toString();
    this.base = s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    this.executor = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "oar3-api");
      t.setDaemon(true);
      return t;
    });
    this.http = HttpClient.newBuilder()
        .connectTimeout(TIMEOUT)
        .followRedirects(HttpClient.Redirect.NORMAL)
        .executor(executor)
        .build();
  }

  /** The job's metadata if fetched already; starts a request when due. Never blocks. */
  Optional<JobInfo> lookup(long jobId) {
    JobInfo info = cache.get(jobId);
    if (info != null) {
      return Optional.of(info);
    }
    long now = clock.nanoTime();
    Long asked = askedAt.get(jobId);
    if (asked != null && now - asked < RETRY_AFTER.toNanos()) {
      return Optional.empty();
    }
    if (!inFlight.tryAcquire()) {
      return Optional.empty(); // bounded: asked again on a later poll
    }
    askedAt.put(jobId, now);
    URI uri = URI.create(base + "/jobs/" + jobId);
    HttpRequest request = HttpRequest.newBuilder(uri)
        .timeout(TIMEOUT)
        .header("Accept", "application/json")
        .GET()
        .build();
    try {
      http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
          .whenComplete((response, error) -> {
            inFlight.release();
            if (error != null) {
              failed(uri, error.getCause() != null ? error.getCause().toString()
                  : error.toString());
            } else if (response.statusCode() != 200) {
              failed(uri, "HTTP " + response.statusCode());
            } else {
              try {
                cache.put(jobId, parse(response.body()));
                askedAt.remove(jobId);
                if (failing.compareAndSet(true, false)) {
                  LOG.info("OAR API {} answers again", Redact.of(String.valueOf(base)));
                }
              } catch (IOException e) {
                failed(uri, "bad JSON: " + e.getMessage());
              }
            }
          });
    } catch (RuntimeException e) {
      inFlight.release();
      failed(uri, e.toString());
    }
    return Optional.empty();
  }

  /** Forgets a job that ended. */
  void forget(long jobId) {
    cache.remove(jobId);
    askedAt.remove(jobId);
  }

  private void failed(URI uri, String rawWhy) {
    String why = Redact.of(rawWhy);
    String at = Redact.of(uri.toString());
    if (failing.compareAndSet(false, true)) {
      LOG.warn("GET {} failed: {} (is oar_api_url right and the API reachable from this node? "
          + "metrics go on without oar.job.queue; retried every {} s)", at, why,
          RETRY_AFTER.toSeconds());
    } else {
      LOG.debug("GET {} failed: {}", at, why);
    }
  }

  /** Reads the top-level {@code name}, {@code project}, {@code queue} (or {@code queue_name}). */
  static JobInfo parse(byte[] body) throws IOException {
    String name = null;
    String project = null;
    String queue = null;
    try (JsonParser p = JSON.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("expected a JSON object");
      }
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken v = p.nextToken();
        String text = v == JsonToken.VALUE_STRING ? p.getText() : null;
        switch (field) {
          case "name" -> name = text;
          case "project" -> project = text;
          case "queue" -> queue = text;
          case "queue_name" -> queue = queue == null ? text : queue;
          default -> { }
        }
        p.skipChildren();
      }
      if (t != JsonToken.END_OBJECT) {
        throw new IOException("unterminated JSON object");
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IOException(e.getOriginalMessage(), e);
    }
    return new JobInfo(name, project, queue);
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}

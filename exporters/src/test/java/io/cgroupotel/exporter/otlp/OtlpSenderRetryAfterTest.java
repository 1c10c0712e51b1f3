package io.cgroupotel.exporter.otlp;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.sdk.testing.time.TestClock;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Retry-After as an HTTP date is counted from the sender's clock, not the machine's. */
class OtlpSenderRetryAfterTest {
  private final TestClock clock = TestClock.create(Instant.parse("2015-10-21T07:27:50Z"));
  private final OtlpSender sender = new OtlpSender(new OtlpSender.Settings(false,
      Map.of(Signal.METRICS, URI.create("http://127.0.0.1:4318/v1/metrics")), Map.of(), true,
      Duration.ofSeconds(1), null), clock);

  @Test
  void retryAfter_httpDate_millisFromTheClock() {
    assertThat(sender.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT")).isEqualTo(10_000);
    clock.advance(Duration.ofSeconds(4));
    assertThat(sender.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT")).isEqualTo(6_000);
    clock.advance(Duration.ofMinutes(1));
    assertThat(sender.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT")).as("past: at once").isZero();
  }

  @Test
  void retryAfter_secondsOrNothing() {
    assertThat(sender.retryAfter("7")).isEqualTo(7_000);
    assertThat(sender.retryAfter(null)).isEqualTo(-1);
    assertThat(sender.retryAfter("soon")).isEqualTo(-1);
  }

  @Test
  void inFlightMillis_noneInFlight_zero() {
    clock.advance(Duration.ofSeconds(3));
    assertThat(sender.inFlightMillis()).isZero();
  }
}

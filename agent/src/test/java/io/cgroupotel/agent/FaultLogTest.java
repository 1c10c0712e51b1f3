package io.cgroupotel.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.sampler.ScrapeError;
import io.opentelemetry.sdk.testing.time.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.AbstractLogger;

class FaultLogTest {

  /** Keeps what is logged. */
  static final class ListLogger extends AbstractLogger {
    final List<String> lines = new ArrayList<>();

    @Override
    protected String getFullyQualifiedCallerName() {
      return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern,
        Object[] args, Throwable t) {
      lines.add(level + " " + org.slf4j.helpers.MessageFormatter.basicArrayFormat(pattern, args));
    }

    @Override public boolean isTraceEnabled() { return true; }
    @Override public boolean isTraceEnabled(Marker m) { return true; }
    @Override public boolean isDebugEnabled() { return true; }
    @Override public boolean isDebugEnabled(Marker m) { return true; }
    @Override public boolean isInfoEnabled() { return true; }
    @Override public boolean isInfoEnabled(Marker m) { return true; }
    @Override public boolean isWarnEnabled() { return true; }
    @Override public boolean isWarnEnabled(Marker m) { return true; }
    @Override public boolean isErrorEnabled() { return true; }
    @Override public boolean isErrorEnabled(Marker m) { return true; }
  }

  @Test
  void poll_repeatingFault_loggedOnceThenSummarisedThenRecovered() {
    ListLogger logger = new ListLogger();
    TestClock clock = TestClock.create(Instant.EPOCH);
    FaultLog faults = new FaultLog(logger, "cgroup", Duration.ofMinutes(5), clock);
    for (int i = 0; i < 600; i++) { // ten minutes of one poll a second, 3 bad cgroups each
      faults.poll(List.of(
          new ScrapeError("reading cpu.stat", "cgroup /a", "permission denied"),
          new ScrapeError("reading cpu.stat", "cgroup /b", "permission denied"),
          new ScrapeError("reading cpu.stat", "cgroup /c", "permission denied")));
      clock.advance(Duration.ofSeconds(1));
    }
    faults.poll(List.of());
    // first occurrence, one summary at 5 min, recovery
    assertThat(logger.lines).hasSize(3);
    assertThat(logger.lines.get(0)).startsWith("WARN receiver cgroup: reading cpu.stat for cgroup /a: permission denied");
    assertThat(logger.lines.get(1)).startsWith("WARN").contains("more time(s)");
    assertThat(logger.lines.get(2)).startsWith("INFO").contains("recovered").contains("1800");
    assertThat(faults.activeFaults()).isZero();
  }
}

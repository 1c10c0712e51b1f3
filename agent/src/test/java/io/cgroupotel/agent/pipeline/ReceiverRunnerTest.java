package io.cgroupotel.agent.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.receiver.Receiver;
import io.cgroupotel.sampler.ScrapeResult;
import io.opentelemetry.api.trace.TracerProvider;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ReceiverRunnerTest {

  /** Counts polls and notices two at once (receivers reuse their buffers: that would corrupt). */
  static final class OverlapDetector implements Receiver {
    final AtomicInteger inPoll = new AtomicInteger();
    final AtomicInteger overlaps = new AtomicInteger();
    final AtomicInteger polls = new AtomicInteger();

    @Override public String name() { return "probe"; }
    @Override public Duration pollInterval() { return Duration.ofMillis(5); }
    @Override public void start() {}
    @Override public void close() {}

    @Override
    public ScrapeResult poll() {
      if (inPoll.incrementAndGet() > 1) {
        overlaps.incrementAndGet();
      }
      try {
        Thread.sleep(2);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      polls.incrementAndGet();
      inPoll.decrementAndGet();
      return ScrapeResult.of(List.of(), List.of());
    }
  }

  @Test
  void polls_requestedScheduledAndDirect_neverOverlap() throws Exception {
    OverlapDetector receiver = new OverlapDetector();
    ReceiverRunner runner = new ReceiverRunner(receiver, new EntityStore(1),
        new ReceiverStats("probe"), TracerProvider.noop().get("test"));
    runner.start();
    for (int i = 0; i < 50; i++) {
      runner.pollSoon(); // as discovery does, from its own thread
      runner.pollOnce(); // as the first and last polls do, from the caller's
    }
    runner.stopAndPollLast(Duration.ofSeconds(1));
    runner.close();
    assertThat(receiver.polls.get()).isGreaterThan(50);
    assertThat(receiver.overlaps.get()).isZero();
  }
}

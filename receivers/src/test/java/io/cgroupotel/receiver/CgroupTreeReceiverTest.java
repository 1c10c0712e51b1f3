package io.cgroupotel.receiver;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.sampler.Classifier;
import io.cgroupotel.sampler.EntityKind;
import io.cgroupotel.sampler.ScrapeResult;
import io.opentelemetry.sdk.common.Clock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kit's part of a receiver with a metadata source, on a fixture tree. */
class CgroupTreeReceiverTest {
  @TempDir Path tmp;
  private final List<String> calls = new CopyOnWriteArrayList<>();

  /** Every directory named {@code job*} is an entity; its metadata records when it is asked. */
  private final class Jobs extends CgroupTreeReceiver {
    Jobs() {
      super("test", Duration.ofSeconds(1), HierarchyChoice.asGiven(tmp));
      Classifier jobs = new Classifier() {
        @Override
        public boolean descend(Path relative) {
          return relative.toString().isEmpty();
        }

        @Override
        public Classification classify(Path relative) {
          return relative.toString().startsWith("job")
              ? new Classification(EntityKind.CGROUP, Map.of("job", relative.toString())) : null;
        }
      };
      metadata(new MetadataSource() {
        @Override
        public void refresh() {
          calls.add("refresh");
        }

        @Override
        public void close() {
          calls.add("close");
        }
      });
      read(sampler(jobs, CgroupReceiverSettings.of(tmp, Duration.ofSeconds(1)), () -> { })
          .clock(new RecordingClock()));
    }
  }

  /** The sampler reads the clock for its samples' times: a read shows in {@link #calls}. */
  private final class RecordingClock implements Clock {
    @Override
    public long now() {
      calls.add("read");
      return Clock.getDefault().now();
    }

    @Override
    public long nanoTime() {
      calls.add("read");
      return Clock.getDefault().nanoTime();
    }
  }

  @Test
  void metadataSource_refreshedAfterEachRead_closedWithTheReceiver() throws Exception {
    Path job = Files.createDirectories(tmp.resolve("job1"));
    Files.writeString(job.resolve("cpu.stat"), "usage_usec 5\nuser_usec 3\nsystem_usec 2\n");
    Jobs receiver = new Jobs();
    receiver.start();
    calls.clear();

    ScrapeResult first = receiver.poll();
    assertThat(first.samples()).hasSize(1);
    assertThat(calls).contains("read").endsWith("refresh").containsOnlyOnce("refresh");
    calls.clear();
    receiver.poll();
    assertThat(calls).contains("read").endsWith("refresh").containsOnlyOnce("refresh");
    calls.clear();

    receiver.close();
    assertThat(calls).containsExactly("close");
  }
}

package io.cgroupotel.sampler;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The newest of two reads wins, in the order of u64 counters (a read without CPU first). */
class TrackedEntityTest {
  private final Entity entity = new Entity("cgroup:/a", EntityKind.CGROUP,
      Map.of("cgroup.path", "/a"));
  private final TrackedEntity tracked = new TrackedEntity(entity, Path.of("/"), Path.of("/a"),
      new OpenFile[0]);

  private Sample usage(long usec) {
    return Sample.of(entity, usec, Sample.ABSENT, Sample.ABSENT, Sample.ABSENT, 1);
  }

  @Test
  void offer_acrossLongMax_theLargerU64Wins_anAbsentReadNeverReplacesOne() {
    tracked.offer(usage(Long.MAX_VALUE));
    Sample above = usage(Long.MIN_VALUE); // 2^63 us: above Long.MAX_VALUE as a u64
    tracked.offer(above);
    assertThat(tracked.last()).isSameAs(above);
    tracked.offer(usage(5)); // a late, older read: kept out
    assertThat(tracked.last()).isSameAs(above);
    tracked.offer(usage(Sample.ABSENT));
    assertThat(tracked.last()).isSameAs(above);
    Sample top = usage(-2); // U64_MAX - 1
    tracked.offer(top);
    assertThat(tracked.last()).isSameAs(top);
  }
}

package io.cgroupotel.sampler;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.metrics.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared sampler on a v1 fixture tree: files from each controller's tree. */
class V1SamplerTest {

  private static final Classifier ALL = new Classifier() {
    @Override
    public boolean descend(Path relative) {
      return true;
    }

    @Override
    public Classification classify(Path relative) {
      return relative.toString().isEmpty() ? null
          : new Classification(EntityKind.CGROUP, Map.of("cgroup.path", "/" + relative));
    }
  };

  @Test
  void poll_cgroupMissingFromOneController_valuesAbsentNotGone_thenRead(@TempDir Path dir)
      throws Exception {
    Path cpuacct = Files.createDirectories(dir.resolve("cpuacct/job"));
    Files.writeString(cpuacct.resolve("cpuacct.usage"), "2500000000\n");
    Files.writeString(cpuacct.resolve("cpuacct.stat"), "user 200\nsystem 50\n");
    Files.createDirectories(dir.resolve("memory"));
    Map<String, Path> roots = new LinkedHashMap<>();
    roots.put("cpuacct", dir.resolve("cpuacct"));
    roots.put("memory", dir.resolve("memory"));
    try (CgroupSampler sampler = CgroupSampler.builder("cgroup", new V1Hierarchy(roots), ALL)
        .build()) {
      sampler.start();
      ScrapeResult first = sampler.poll();
      assertThat(first.errors()).isEmpty();
      assertThat(first.samples()).singleElement().satisfies(s -> {
        assertThat(s.usageUsec()).isEqualTo(2_500_000);
        assertThat(s.userUsec()).isEqualTo(2_000_000);
        assertThat(s.systemUsec()).isEqualTo(500_000);
        assertThat(s.get(Field.MEMORY_CURRENT)).isEqualTo(Sample.ABSENT);
      });
      assertThat(sampler.size()).isEqualTo(1);
      // the memory controller's directory appears later (a job manager makes them in turn)
      Path memory = Files.createDirectories(dir.resolve("memory/job"));
      Files.writeString(memory.resolve("memory.usage_in_bytes"), "4096\n");
      ScrapeResult second = sampler.poll();
      assertThat(second.samples()).singleElement()
          .satisfies(s -> assertThat(s.get(Field.MEMORY_CURRENT)).isEqualTo(4096));
      assertThat(second.errors()).isEmpty();
    }
  }
}

package io.cgroupotel.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cgroupotel.agent.pipeline.EntityMetricProducer;
import io.cgroupotel.agent.pipeline.EntityStore;
import io.cgroupotel.agent.pipeline.ReceiverStats;
import io.cgroupotel.cgroupfs.RealCgroupTree;
import io.cgroupotel.metrics.MetricAttributes;
import io.cgroupotel.metrics.MetricGroup;
import io.cgroupotel.receiver.cgroup.CgroupReceiver;
import io.cgroupotel.receiver.cgroup.CgroupReceiverConfig;
import io.cgroupotel.sampler.ScrapeResult;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.common.Clock;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.resources.Resource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * PSI on real cgroups: three burners in one cgroup on this host's two cores stall each other, so
 * the cgroup's {@code cpu.pressure} moves; what the agent exports as {@code cgroup.cpu.pressure}
 * (receiver, store, producer) is the kernel's {@code total}.
 */
@Tag("real-cgroup")
class PressureRealCgroupTest {
  private static final int BURNERS = 3;

  /** The kernel's {@code total=} of the {@code some} or {@code full} line, in seconds. */
  static double kernelTotalSeconds(Path cgroup, String file, String stall) throws IOException {
    for (String line : Files.readAllLines(cgroup.resolve(file))) {
      if (line.startsWith(stall + " ")) {
        return Long.parseLong(line.substring(line.indexOf("total=") + 6).trim()) / 1e6;
      }
    }
    throw new AssertionError("no " + stall + " line in " + cgroup.resolve(file));
  }

  @Test
  void cpuPressure_threeBurnersOnTwoCores_exportedEqualsKernelTotal() throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-psi")) {
      Path busy = tree.mkdirs("busy");
      CgroupReceiver receiver = new CgroupReceiver(new CgroupReceiverConfig(tree.root(),
          List.of("busy"), Duration.ofSeconds(1), EnumSet.of(MetricGroup.PRESSURE)));
      EntityStore store = new EntityStore(1);
      ReceiverStats stats = new ReceiverStats("cgroup");
      EntityMetricProducer producer = EntityMetricProducer.builder(store)
          .receiverStats(List.of(stats)).clock(Clock.getDefault()).build();
      receiver.start();
      try {
        double before = kernelTotalSeconds(busy, "cpu.pressure", "some");
        for (int i = 0; i < BURNERS; i++) {
          tree.burn(busy);
        }
        // while they burn: the exported value lies between two kernel readings around the poll
        double exportedMoving = 0;
        for (int round = 0; round < 3; round++) {
          Thread.sleep(500);
          double low = kernelTotalSeconds(busy, "cpu.pressure", "some");
          double exported = exported(receiver, store, producer, "some");
          double high = kernelTotalSeconds(busy, "cpu.pressure", "some");
          System.out.printf("burning: kernel %.6f <= exported %.6f <= kernel %.6f s%n", low,
              exported, high);
          assertThat(exported).isBetween(low - 1e-9, high + 1e-9); // µs * 1e-6: rounding
          assertThat(exported).isGreaterThan(exportedMoving);
          exportedMoving = exported;
        }
        tree.killAll();
        Thread.sleep(200);
        // no runnable task left: the kernel's totals stand still
        for (String stall : List.of("some", "full")) {
          double kernel = kernelTotalSeconds(busy, "cpu.pressure", stall);
          double exported = exported(receiver, store, producer, stall);
          System.out.printf("stopped: cpu.pressure %s kernel %.6f s, exported %.6f s "
              + "(moved %.3f s from %.6f)%n", stall, kernel, exported, kernel - before, before);
          assertThat(exported).isCloseTo(kernel, within(kernel * 0.02 + 0.020));
        }
        double moved = kernelTotalSeconds(busy, "cpu.pressure", "some") - before;
        assertThat(moved).as("three burners on two cores stall: cpu.pressure moved")
            .isGreaterThan(0.3);
        assertThat(exported(receiver, store, producer, "some"))
            .isCloseTo(kernelTotalSeconds(busy, "cpu.pressure", "some"), within(0.020));
      } finally {
        receiver.close();
      }
    }
  }

  /** One poll into the store, one produce; the {@code cgroup.cpu.pressure} point of {@code stall}. */
  private static double exported(CgroupReceiver receiver, EntityStore store,
      EntityMetricProducer producer, String stall) {
    ScrapeResult result = receiver.poll();
    assertThat(result.errors()).isEmpty();
    store.apply("cgroup", result);
    MetricData m = producer.produce(Resource.empty()).stream()
        .filter(d -> d.getName().equals("cgroup.cpu.pressure")).findFirst()
        .orElseThrow(() -> new AssertionError("no cgroup.cpu.pressure exported"));
    assertThat(m.getUnit()).isEqualTo("s");
    assertThat(m.getDoubleSumData().isMonotonic()).isTrue();
    Attributes wanted = Attributes.of(MetricAttributes.PRESSURE_STALL, stall);
    return m.getDoubleSumData().getPoints().stream()
        .filter(p -> p.getAttributes().equals(wanted)).mapToDouble(DoublePointData::getValue)
        .findFirst().orElseThrow(() -> new AssertionError("no " + stall + " point in " + m));
  }

}

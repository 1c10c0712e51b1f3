package io.cgroupotel.agent.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.agent.MetricFilter;
import io.cgroupotel.agent.receipt.ReceiptSink;
import io.cgroupotel.sampler.Entity;
import io.cgroupotel.sampler.EntityKind;
import io.cgroupotel.sampler.Sample;
import io.cgroupotel.sampler.ScrapeResult;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.time.TestClock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Through the store: a receipt when an entity ends, once, never for one that lives on. */
class ReceiptWriterTest {
  static final long T0 = 1_764_000_000_000_000_000L;

  static final class Collecting implements ReceiptSink {
    final List<LogRecordData> got = new CopyOnWriteArrayList<>();

    @Override
    public void send(java.util.function.Supplier<LogRecordData> receipt) {
      got.add(receipt.get());
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }

  @Test
  void store_entityGoes_oneReceipt_evenWhenALateReadBringsItBack() {
    EntityStore store = new EntityStore(1);
    Collecting sink = new Collecting();
    store.endListener(new ReceiptWriter(sink, Resource.empty(),
        InstrumentationScopeInfo.create("t"), null, MetricFilter.ALLOW_ALL,
        TestClock.create(Instant.ofEpochSecond(0, T0))));
    Entity early = new Entity("r:/early", EntityKind.CGROUP, Map.of());
    Entity job = new Entity("r:/job", EntityKind.CGROUP, Map.of());
    Entity stays = new Entity("r:/stays", EntityKind.CGROUP, Map.of());
    store.apply("r", ScrapeResult.of(List.of(sample(early, 1, 0), sample(stays, 1, 0)),
        List.of()));
    store.apply("r", ScrapeResult.of(List.of(sample(early, 2, 5), sample(job, 2, 0),
        sample(stays, 2, 0)), List.of()));
    store.apply("r", ScrapeResult.of(List.of(sample(job, 3, 7), sample(stays, 3, 0)),
        List.of()));
    assertThat(sink.got).hasSize(1); // early went: it predates the agent
    assertThat(sink.got.get(0).getAttributes().get(
        io.opentelemetry.api.common.AttributeKey.booleanKey("start.observed"))).isFalse();
    store.apply("r", ScrapeResult.of(List.of(sample(stays, 4, 0)), List.of()));
    assertThat(sink.got).hasSize(2);
    LogRecordData r = sink.got.get(1);
    assertThat(r.getAttributes().get(io.opentelemetry.api.common.AttributeKey.doubleKey(
        "cpu.time"))).isEqualTo(7.0);
    assertThat(r.getAttributes().get(
        io.opentelemetry.api.common.AttributeKey.booleanKey("start.observed"))).isTrue();
    // a late read of the ended job: the store takes it for a new state; no second receipt
    store.apply("r", ScrapeResult.of(List.of(sample(job, 5, 7), sample(stays, 5, 0)),
        List.of()));
    store.apply("r", ScrapeResult.of(List.of(sample(stays, 6, 0)), List.of()));
    assertThat(sink.got).hasSize(2);
  }

  @Test
  void wholeNode_psysElsePackagesAndDram() {
    assertThat(ReceiptWriter.wholeNode(List.of("package-0", "core", "dram", "package-1"),
        new double[] {0, 0, 10, 4, 2, 20})).isEqualTo(32.0);
    assertThat(ReceiptWriter.wholeNode(List.of("package-0", "psys"),
        new double[] {0, 0, 10, 15})).isEqualTo(15.0);
    assertThat(ReceiptWriter.wholeNode(List.of("node"), new double[] {0, 0, 7})).isEqualTo(7.0);
  }

  static Sample sample(Entity e, long second, long cpuSeconds) {
    return Sample.of(e, cpuSeconds * 1_000_000, cpuSeconds * 1_000_000, 0, -1,
        T0 + second * 1_000_000_000L);
  }
}

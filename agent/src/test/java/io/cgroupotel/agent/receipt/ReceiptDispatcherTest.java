package io.cgroupotel.agent.receipt;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import io.opentelemetry.sdk.resources.Resource;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Delivery off the poll thread: every exporter gets every receipt, a failing one only fails. */
class ReceiptDispatcherTest {

  static LogRecordData record(int i) {
    return new ReceiptRecord(Resource.empty(), InstrumentationScopeInfo.create("t"), i, i,
        Receipts.EVENT_NAME, Attributes.empty());
  }

  static final class Recording implements LogRecordExporter {
    final List<LogRecordData> got = new CopyOnWriteArrayList<>();
    final List<Integer> batches = new CopyOnWriteArrayList<>();
    volatile boolean fail;
    volatile CountDownLatch gate;
    volatile boolean shut;

    @Override
    public CompletableResultCode export(Collection<LogRecordData> logs) {
      CountDownLatch g = gate;
      if (g != null) {
        try {
          g.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      if (fail) {
        throw new IllegalStateException("collector away");
      }
      got.addAll(logs);
      batches.add(logs.size());
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      shut = true;
      return CompletableResultCode.ofSuccess();
    }
  }

  @Test
  void send_neverBlocks_batches_andShutdownDeliversWhatIsQueued() {
    Recording slow = new Recording();
    Recording broken = new Recording();
    broken.fail = true;
    slow.gate = new CountDownLatch(1);
    Map<String, LogRecordExporter> exporters = new LinkedHashMap<>();
    exporters.put("broken", broken);
    exporters.put("slow", slow);
    ReceiptDispatcher d = ReceiptDispatcher.builder(exporters).build();
    long t0 = System.nanoTime();
    for (int i = 0; i < 100; i++) {
      int n = i;
      d.send(() -> record(n));
    }
    assertThat(System.nanoTime() - t0).as("send only queues").isLessThan(
        Duration.ofSeconds(1).toNanos());
    d.send(() -> {
      throw new IllegalStateException("a receipt that cannot be made");
    });
    slow.gate.countDown();
    CompletableResultCode done = d.shutdown();
    done.join(10, TimeUnit.SECONDS);
    assertThat(done.isDone()).isTrue();
    assertThat(slow.got).as("the one that failed to be made is left out").hasSize(100);
    assertThat(slow.batches.size()).as("in batches, not one request each").isLessThan(100);
    assertThat(slow.shut).isTrue();
    assertThat(broken.shut).isTrue();
    assertThat(done.isSuccess()).isTrue();
    d.send(() -> record(101)); // after shutdown: dropped quietly
    assertThat(slow.got).hasSize(100);
  }

  @Test
  void fullQueue_dropsAndCounts() {
    Recording stuck = new Recording();
    stuck.gate = new CountDownLatch(1);
    ReceiptDispatcher d = ReceiptDispatcher.builder(Map.of("stuck", stuck)).capacity(3).build();
    for (int i = 0; i < 10; i++) {
      int n = i;
      d.send(() -> record(n));
    }
    // the queue holds three, the stuck export up to three more: the rest is dropped
    assertThat(d.dropped()).isBetween(4L, 7L);
    stuck.gate.countDown();
    d.shutdown().join(10, TimeUnit.SECONDS);
    assertThat(stuck.got.size() + d.dropped()).isEqualTo(10);
  }
}

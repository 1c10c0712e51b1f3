package io.cgroupotel.agent.receipt;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import java.util.function.Supplier;

/**
 * Where receipts go. {@link #send} is called on a poll thread, so it must not block, nor make
 * the receipt there: an implementation queues the maker and calls it on its own thread (making
 * one is some 50 µs on a busy node: 2,000 pods ending in one poll would hold the poll 0.1 s).
 *
 * <p>Thread-safe.
 */
public interface ReceiptSink {
  /** Takes one receipt, made later by {@code receipt}; never blocks, never throws. */
  void send(Supplier<LogRecordData> receipt);

  /** Completes when every receipt sent so far was delivered (or failed to be). */
  CompletableResultCode flush();

  /** Delivers what is pending, then releases the exporters. */
  CompletableResultCode shutdown();

  /** Drops every receipt ({@code [agent] receipts = false}, or no exporter takes logs). */
  ReceiptSink NONE = new ReceiptSink() {
    @Override
    public void send(Supplier<LogRecordData> receipt) {}

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  };
}

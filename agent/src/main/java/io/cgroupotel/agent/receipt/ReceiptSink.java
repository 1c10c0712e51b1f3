package io.cgroupotel.agent.receipt;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.logs.data.LogRecordData;

/**
 * Where receipts go once made. {@link #send} is called on a poll thread, so it must not block:
 * an implementation hands the receipt on (a queue) and delivers it elsewhere.
 *
 * <p>Thread-safe.
 */
public interface ReceiptSink {
  /** Takes one receipt; never blocks, never throws. */
  void send(LogRecordData receipt);

  /** Completes when every receipt sent so far was delivered (or failed to be). */
  CompletableResultCode flush();

  /** Delivers what is pending, then releases the exporters. */
  CompletableResultCode shutdown();

  /** Drops every receipt ({@code [agent] receipts = false}, or no exporter takes logs). */
  ReceiptSink NONE = new ReceiptSink() {
    @Override
    public void send(LogRecordData receipt) {}

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

package io.cgroupotel.agent.receipt;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.Value;
import io.opentelemetry.api.logs.Severity;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.logs.data.Body;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.resources.Resource;

/**
 * A receipt as the SDK's log exporters take it. Made here rather than through a logger: each
 * receipt carries its entity's own Resource, while an SDK logger provider has one for all.
 * Immutable.
 */
record ReceiptRecord(Resource resource, InstrumentationScopeInfo scope, long epochNanos,
    long observedEpochNanos, String eventName, Attributes attributes) implements LogRecordData {

  @Override
  public Resource getResource() {
    return resource;
  }

  @Override
  public InstrumentationScopeInfo getInstrumentationScopeInfo() {
    return scope;
  }

  @Override
  public long getTimestampEpochNanos() {
    return epochNanos;
  }

  @Override
  public long getObservedTimestampEpochNanos() {
    return observedEpochNanos;
  }

  @Override
  public SpanContext getSpanContext() {
    return SpanContext.getInvalid();
  }

  @Override
  public Severity getSeverity() {
    return Severity.INFO;
  }

  @Override
  public String getSeverityText() {
    return "INFO";
  }

  @Override
  @SuppressWarnings("deprecation") // the interface still requires it
  public Body getBody() {
    return Body.empty();
  }

  @Override
  public Value<?> getBodyValue() {
    return null; // a receipt says everything in its attributes
  }

  @Override
  public Attributes getAttributes() {
    return attributes;
  }

  @Override
  public int getTotalAttributeCount() {
    return attributes.size();
  }

  @Override
  public String getEventName() {
    return eventName;
  }
}

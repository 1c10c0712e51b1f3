package io.cgroupotel.agent.receipt;

import io.cgroupotel.metrics.EntitySpec;
import io.cgroupotel.metrics.Field;
import io.cgroupotel.sampler.EntityKind;
import io.cgroupotel.sampler.IoStats;
import io.cgroupotel.sampler.Sample;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Makes the receipt of an ended entity: one log record (an event named {@value #EVENT_NAME}) with
 * the entity's Resource and what it used, what it was given and how well it used it. Every figure
 * the agent does not know is left out, never written as 0.
 *
 * <p>Stateless, thread-safe.
 */
public final class Receipts {
  /** The event name of every receipt (the record's {@code EventName}, and its attribute). */
  public static final String EVENT_NAME = "cgroup_otel.entity.end";

  static final AttributeKey<String> EVENT = AttributeKey.stringKey("event.name");
  static final AttributeKey<String> KIND = AttributeKey.stringKey("entity.kind");
  static final AttributeKey<String> START = AttributeKey.stringKey("start");
  static final AttributeKey<String> END = AttributeKey.stringKey("end");
  static final AttributeKey<Boolean> START_OBSERVED = AttributeKey.booleanKey("start.observed");
  static final AttributeKey<Double> DURATION = AttributeKey.doubleKey("duration");
  static final AttributeKey<Double> CPU_TIME = AttributeKey.doubleKey("cpu.time");
  static final AttributeKey<Double> CPU_TIME_USER = AttributeKey.doubleKey("cpu.time.user");
  static final AttributeKey<Double> CPU_TIME_SYSTEM = AttributeKey.doubleKey("cpu.time.system");
  static final AttributeKey<Double> CPU_THROTTLED = AttributeKey.doubleKey("cpu.throttled.time");
  static final AttributeKey<Long> MEMORY_PEAK = AttributeKey.longKey("memory.peak");
  static final AttributeKey<Long> OOM_KILLS = AttributeKey.longKey("memory.oom_kills");
  static final AttributeKey<Long> DISK_READ = AttributeKey.longKey("disk.io.read");
  static final AttributeKey<Long> DISK_WRITE = AttributeKey.longKey("disk.io.write");
  static final AttributeKey<Double> ENERGY = AttributeKey.doubleKey("energy");
  static final AttributeKey<Double> CARBON = AttributeKey.doubleKey("carbon");
  static final AttributeKey<Double> CPU_ALLOCATED = AttributeKey.doubleKey("cpu.allocated");
  static final AttributeKey<String> CPU_ALLOCATED_SOURCE =
      AttributeKey.stringKey("cpu.allocated.source");
  static final AttributeKey<Long> MEMORY_ALLOCATED = AttributeKey.longKey("memory.allocated");
  static final AttributeKey<String> MEMORY_ALLOCATED_SOURCE =
      AttributeKey.stringKey("memory.allocated.source");
  static final AttributeKey<Double> K8S_CPU_REQUEST = AttributeKey.doubleKey("k8s.cpu.request");
  static final AttributeKey<Double> K8S_CPU_LIMIT = AttributeKey.doubleKey("k8s.cpu.limit");
  static final AttributeKey<Long> K8S_MEMORY_REQUEST = AttributeKey.longKey("k8s.memory.request");
  static final AttributeKey<Long> K8S_MEMORY_LIMIT = AttributeKey.longKey("k8s.memory.limit");
  static final AttributeKey<Double> CPU_EFFICIENCY = AttributeKey.doubleKey("cpu.efficiency");
  static final AttributeKey<Double> MEMORY_EFFICIENCY =
      AttributeKey.doubleKey("memory.efficiency");

  private Receipts() {}

  /**
   * The receipt of {@code ended}.
   *
   * @param observedEpochNanos when it is made (the record's observed time)
   */
  public static LogRecordData receipt(EndedEntity ended, InstrumentationScopeInfo scope,
      long observedEpochNanos) {
    return new ReceiptRecord(ended.resource(), scope, ended.last().epochNanos(),
        observedEpochNanos, EVENT_NAME, attributes(ended));
  }

  /** The receipt's attributes: what it used, was given, and how well it used it. */
  static Attributes attributes(EndedEntity e) {
    Sample first = e.first();
    Sample last = e.last();
    // its start: when the sampler found its cgroup (it reads it then, but the first poll's read
    // is the first sample kept), else that first sample
    long discovered = e.entity().discoveredEpochNanos();
    long startNanos = discovered >= 0 && discovered < first.epochNanos() ? discovered
        : first.epochNanos();
    long endNanos = last.epochNanos();
    double duration = Math.max(0, endNanos - startNanos) / 1e9;
    AttributesBuilder b = Attributes.builder()
        .put(EVENT, EVENT_NAME)
        .put(KIND, e.entity().kind().prefix())
        .put(START, iso(startNanos))
        .put(END, iso(endNanos))
        .put(START_OBSERVED, e.startObserved())
        .put(DURATION, duration);
    seconds(b, CPU_TIME, last.usageUsec());
    seconds(b, CPU_TIME_USER, last.userUsec());
    seconds(b, CPU_TIME_SYSTEM, last.systemUsec());
    seconds(b, CPU_THROTTLED, last.get(Field.CPU_THROTTLED_USEC));
    long peak = last.get(Field.MEMORY_PEAK);
    if (peak >= 0) {
      b.put(MEMORY_PEAK, peak);
    }
    long oom = last.get(Field.MEMORY_OOM_KILL);
    if (oom >= 0) {
      b.put(OOM_KILLS, oom);
    }
    disk(b, last.io());
    if (!Double.isNaN(e.joules())) {
      b.put(ENERGY, e.joules());
    }
    if (!Double.isNaN(e.carbonGrams())) {
      b.put(CARBON, e.carbonGrams());
    }

    Allocation given = Allocation.of(e.entity(), last);
    if (given.cpuKnown()) {
      b.put(CPU_ALLOCATED, given.cpuCores()).put(CPU_ALLOCATED_SOURCE, given.cpuSource());
    }
    if (given.memoryKnown()) {
      b.put(MEMORY_ALLOCATED, given.memoryBytes())
          .put(MEMORY_ALLOCATED_SOURCE, given.memorySource());
    }
    EntityKind kind = e.entity().kind();
    if (kind == EntityKind.K8S_POD || kind == EntityKind.CONTAINER) {
      cores(b, K8S_CPU_REQUEST, e.entity().spec(EntitySpec.CPU_REQUEST_MILLICORES));
      cores(b, K8S_CPU_LIMIT, e.entity().spec(EntitySpec.CPU_LIMIT_MILLICORES));
      bytes(b, K8S_MEMORY_REQUEST, e.entity().spec(EntitySpec.MEMORY_REQUEST_BYTES));
      bytes(b, K8S_MEMORY_LIMIT, e.entity().spec(EntitySpec.MEMORY_LIMIT_BYTES));
    }

    // efficiencies over what the agent watched: for an entity that predates the agent, its CPU
    // time since the agent's first read of it, not its whole life's
    long used = e.startObserved() ? last.usageUsec() : diff(last.usageUsec(), first.usageUsec());
    if (given.cpuKnown() && given.cpuCores() > 0 && duration > 0 && used >= 0) {
      b.put(CPU_EFFICIENCY, used / 1e6 / (given.cpuCores() * duration));
    }
    if (given.memoryKnown() && given.memoryBytes() > 0 && peak >= 0) {
      b.put(MEMORY_EFFICIENCY, peak / (double) given.memoryBytes());
    }
    return b.build();
  }

  private static long diff(long a, long b) {
    return a < 0 || b < 0 || a < b ? -1 : a - b;
  }

  private static void seconds(AttributesBuilder b, AttributeKey<Double> key, long usec) {
    if (usec >= 0) {
      b.put(key, usec / 1e6);
    }
  }

  private static void cores(AttributesBuilder b, AttributeKey<Double> key, long millicores) {
    if (millicores > 0) {
      b.put(key, millicores / 1000.0);
    }
  }

  private static void bytes(AttributesBuilder b, AttributeKey<Long> key, long value) {
    if (value > 0) {
      b.put(key, value);
    }
  }

  /** Bytes read and written, summed over the devices; nothing when io.stat was not read. */
  private static void disk(AttributesBuilder b, IoStats io) {
    if (io == null) {
      return;
    }
    long read = -1;
    long written = -1;
    for (int d = 0; d < io.size(); d++) {
      if (io.readBytes(d) >= 0) {
        read = Math.max(read, 0) + io.readBytes(d);
      }
      if (io.writtenBytes(d) >= 0) {
        written = Math.max(written, 0) + io.writtenBytes(d);
      }
    }
    if (read >= 0) {
      b.put(DISK_READ, read);
    }
    if (written >= 0) {
      b.put(DISK_WRITE, written);
    }
  }

  /** RFC 3339, UTC, to the millisecond: {@code 2026-12-06T21:04:05.123Z}. */
  static String iso(long epochNanos) {
    return Instant.ofEpochSecond(0, epochNanos).truncatedTo(ChronoUnit.MILLIS).toString();
  }
}

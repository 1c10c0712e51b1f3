package io.cgroupotel.agent.receipt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cgroupotel.metrics.EntitySpec;
import io.cgroupotel.metrics.Field;
import io.cgroupotel.sampler.Entity;
import io.cgroupotel.sampler.EntityKind;
import io.cgroupotel.sampler.Sample;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.resources.Resource;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What a receipt says, from the facts at an entity's end: allocation by the scheduler's word
 * first, then the cgroup's limits; efficiencies only where both sides are known.
 */
class ReceiptsTest {
  static final long T0 = 1_764_000_000_000_000_000L;
  static final long SECOND = 1_000_000_000L;

  static Sample sample(Entity e, long epochNanos, Map<Field, Long> fields) {
    long[] values = new long[Field.count()];
    Arrays.fill(values, Sample.ABSENT);
    fields.forEach((f, v) -> values[f.ordinal()] = v);
    return new Sample(e, values, null, epochNanos);
  }

  static Attributes receipt(Entity e, Sample first, Sample last, boolean observed) {
    return Receipts.attributes(new EndedEntity(e, Resource.empty(), first, last, observed,
        Double.NaN, Double.NaN));
  }

  @Test
  void rawCgroup_noLimits_efficienciesAbsentNotZero() {
    Entity e = new Entity("cgroup:/x", EntityKind.CGROUP, Map.of("cgroup.path", "/x"));
    Attributes a = receipt(e, sample(e, T0, Map.of(Field.CPU_USAGE_USEC, 0L)),
        sample(e, T0 + 4 * SECOND, Map.of(Field.CPU_USAGE_USEC, 2_000_000L,
            Field.CPU_USER_USEC, 1_500_000L, Field.CPU_SYSTEM_USEC, 500_000L,
            Field.MEMORY_PEAK, 1000L)), true);
    assertThat(a.get(Receipts.CPU_TIME)).isEqualTo(2.0);
    assertThat(a.get(Receipts.CPU_TIME_USER)).isEqualTo(1.5);
    assertThat(a.get(Receipts.DURATION)).isEqualTo(4.0);
    assertThat(a.get(Receipts.MEMORY_PEAK)).isEqualTo(1000L);
    assertThat(a.get(Receipts.CPU_ALLOCATED)).isNull();
    assertThat(a.get(Receipts.CPU_EFFICIENCY)).isNull();
    assertThat(a.get(Receipts.MEMORY_EFFICIENCY)).isNull();
    assertThat(a.get(Receipts.ENERGY)).isNull();
    assertThat(a.get(Receipts.DISK_READ)).isNull();
    assertThat(a.get(Receipts.START)).isEqualTo("2025-11-24T16:00:00Z");
  }

  @Test
  void rawCgroup_cpuMaxAndMemoryMax_areItsAllocation() {
    Entity e = new Entity("cgroup:/x", EntityKind.CGROUP, Map.of());
    Attributes a = receipt(e, sample(e, T0, Map.of(Field.CPU_USAGE_USEC, 0L)),
        sample(e, T0 + 2 * SECOND, Map.of(Field.CPU_USAGE_USEC, 1_000_000L,
            Field.CPU_LIMIT_MILLICORES, 500L, Field.CPUSET_CPUS, 8L,
            Field.MEMORY_LIMIT, 4000L, Field.MEMORY_PEAK, 1000L)), true);
    assertThat(a.get(Receipts.CPU_ALLOCATED)).isEqualTo(0.5);
    assertThat(a.get(Receipts.CPU_ALLOCATED_SOURCE)).isEqualTo("cpu.max");
    assertThat(a.get(Receipts.CPU_EFFICIENCY)).isCloseTo(1.0, within(1e-12));
    assertThat(a.get(Receipts.MEMORY_EFFICIENCY)).isEqualTo(0.25);
    // no quota: the CPUs it may run on
    Attributes b = receipt(e, sample(e, T0, Map.of(Field.CPU_USAGE_USEC, 0L)),
        sample(e, T0 + 2 * SECOND, Map.of(Field.CPU_USAGE_USEC, 1_000_000L,
            Field.CPUSET_CPUS, 4L, Field.MEMORY_LIMIT, Long.MAX_VALUE / 2)), true);
    assertThat(b.get(Receipts.CPU_ALLOCATED_SOURCE)).isEqualTo("cpuset");
    assertThat(b.get(Receipts.CPU_EFFICIENCY)).isCloseTo(0.125, within(1e-12));
    assertThat(b.get(Receipts.MEMORY_ALLOCATED)).as("v1's no-limit figure").isNull();
  }

  @Test
  void slurmJob_scontrolsAllocation_perNode() {
    Entity e = new Entity("slurm:/job_7", EntityKind.SLURM_JOB, Map.of("slurm.job.id", 7L,
        "slurm.job.cpus", 8L, "slurm.job.nodes", 2L, "slurm.job.memory", 4L << 30));
    Attributes a = receipt(e, sample(e, T0, Map.of(Field.CPU_USAGE_USEC, 0L)),
        sample(e, T0 + 10 * SECOND, Map.of(Field.CPU_USAGE_USEC, 20_000_000L,
            Field.CPUSET_CPUS, 64L, Field.MEMORY_PEAK, 1L << 30)), true);
    assertThat(a.get(Receipts.CPU_ALLOCATED)).isEqualTo(4.0);
    assertThat(a.get(Receipts.CPU_ALLOCATED_SOURCE)).isEqualTo("slurm");
    assertThat(a.get(Receipts.CPU_EFFICIENCY)).isCloseTo(0.5, within(1e-12));
    assertThat(a.get(Receipts.MEMORY_ALLOCATED)).isEqualTo(2L << 30);
    assertThat(a.get(Receipts.MEMORY_EFFICIENCY)).isEqualTo(0.5);
  }

  @Test
  void pod_requestsFirst_limitsBeside() {
    Entity e = new Entity("k8s:/p", EntityKind.K8S_POD, Map.of("k8s.pod.uid", "u"));
    long[] specs = EntitySpec.none();
    specs[EntitySpec.CPU_LIMIT_MILLICORES.ordinal()] = 2000;
    specs[EntitySpec.MEMORY_LIMIT_BYTES.ordinal()] = 1000;
    e.setSpecs(specs);
    Attributes a = receipt(e, sample(e, T0, Map.of(Field.CPU_USAGE_USEC, 0L)),
        sample(e, T0 + SECOND, Map.of(Field.CPU_USAGE_USEC, 500_000L,
            Field.MEMORY_PEAK, 250L)), true);
    assertThat(a.get(Receipts.CPU_ALLOCATED_SOURCE)).as("no request: the limit")
        .isEqualTo("k8s.limit");
    assertThat(a.get(Receipts.CPU_EFFICIENCY)).isCloseTo(0.25, within(1e-12));
    assertThat(a.get(Receipts.K8S_CPU_REQUEST)).isNull();
    assertThat(a.get(Receipts.K8S_CPU_LIMIT)).isEqualTo(2.0);
    assertThat(a.get(Receipts.MEMORY_EFFICIENCY)).isEqualTo(0.25);
    specs[EntitySpec.CPU_REQUEST_MILLICORES.ordinal()] = 500;
    e.setSpecs(specs);
    Attributes b = receipt(e, sample(e, T0, Map.of(Field.CPU_USAGE_USEC, 0L)),
        sample(e, T0 + SECOND, Map.of(Field.CPU_USAGE_USEC, 500_000L)), true);
    assertThat(b.get(Receipts.CPU_ALLOCATED_SOURCE)).isEqualTo("k8s.request");
    assertThat(b.get(Receipts.CPU_EFFICIENCY)).isCloseTo(1.0, within(1e-12));
  }

  @Test
  void predatesTheAgent_efficiencyOverWhatItWatched_totalsStillTheKernels() {
    Entity e = new Entity("cgroup:/old", EntityKind.CGROUP, Map.of());
    Attributes a = receipt(e, sample(e, T0, Map.of(Field.CPU_USAGE_USEC, 100_000_000L,
            Field.CPUSET_CPUS, 2L)),
        sample(e, T0 + 10 * SECOND, Map.of(Field.CPU_USAGE_USEC, 110_000_000L,
            Field.CPUSET_CPUS, 2L)), false);
    assertThat(a.get(Receipts.START_OBSERVED)).isFalse();
    assertThat(a.get(Receipts.CPU_TIME)).isEqualTo(110.0);
    assertThat(a.get(Receipts.CPU_EFFICIENCY)).isCloseTo(0.5, within(1e-12));
  }

  @Test
  void startAtDiscovery_whenEarlierThanTheFirstPoll() {
    Entity e = new Entity("cgroup:/x", EntityKind.CGROUP, Map.of());
    e.discovered(T0 - SECOND / 2);
    Attributes a = receipt(e, sample(e, T0, Map.of(Field.CPU_USAGE_USEC, 0L)),
        sample(e, T0 + SECOND, Map.of(Field.CPU_USAGE_USEC, 1L)), true);
    assertThat(a.get(Receipts.DURATION)).isEqualTo(1.5);
  }

  @Test
  void receipt_isAnEventWithTheEntitysResource() {
    Entity e = new Entity("cgroup:/x", EntityKind.CGROUP, Map.of());
    Resource resource = Resource.create(Attributes.of(
        io.opentelemetry.api.common.AttributeKey.stringKey("cgroup.path"), "/x"));
    LogRecordData r = Receipts.receipt(new EndedEntity(e, resource,
        sample(e, T0, Map.of(Field.CPU_USAGE_USEC, 0L)),
        sample(e, T0 + SECOND, Map.of(Field.CPU_USAGE_USEC, 1L)), true, 12.5, 0.25),
        InstrumentationScopeInfo.create("s"), T0 + 2 * SECOND);
    assertThat(r.getEventName()).isEqualTo("cgroup_otel.entity.end");
    assertThat(r.getResource()).isSameAs(resource);
    assertThat(r.getTimestampEpochNanos()).isEqualTo(T0 + SECOND);
    assertThat(r.getObservedTimestampEpochNanos()).isEqualTo(T0 + 2 * SECOND);
    assertThat(r.getAttributes().get(Receipts.ENERGY)).isEqualTo(12.5);
    assertThat(r.getAttributes().get(Receipts.CARBON)).isEqualTo(0.25);
  }
}

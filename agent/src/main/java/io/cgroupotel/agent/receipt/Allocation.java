package io.cgroupotel.agent.receipt;

import io.cgroupotel.metrics.EntitySpec;
import io.cgroupotel.metrics.Field;
import io.cgroupotel.sampler.Entity;
import io.cgroupotel.sampler.EntityKind;
import io.cgroupotel.sampler.Sample;

/**
 * What an entity was given, as far as the agent knows: the scheduler's word first (Slurm's
 * allocation, a pod's requests), else the cgroup's own limits ({@code cpu.max}, then the CPUs of
 * {@code cpuset.cpus.effective}; {@code memory.max}).
 *
 * @param cpuCores cores allocated, NaN when unknown
 * @param cpuSource where {@code cpuCores} comes from, null when unknown
 * @param memoryBytes bytes allocated, -1 when unknown
 * @param memorySource where {@code memoryBytes} comes from, null when unknown
 */
record Allocation(double cpuCores, String cpuSource, long memoryBytes, String memorySource) {
  static final String SLURM = "slurm";
  static final String K8S_REQUEST = "k8s.request";
  static final String K8S_LIMIT = "k8s.limit";
  static final String CPU_MAX = "cpu.max";
  static final String CPUSET = "cpuset";
  static final String MEMORY_MAX = "memory.max";

  /** A memory limit this large is no limit (v1 writes 2^63 rounded down to a page). */
  static final long UNLIMITED = 1L << 60;

  static final String SLURM_CPUS = "slurm.job.cpus";
  static final String SLURM_MEMORY = "slurm.job.memory";
  static final String SLURM_NODES = "slurm.job.nodes";

  boolean cpuKnown() {
    return cpuSource != null;
  }

  boolean memoryKnown() {
    return memorySource != null;
  }

  static Allocation of(Entity entity, Sample last) {
    double cores = Double.NaN;
    String cpuSource = null;
    long memory = -1;
    String memorySource = null;
    EntityKind kind = entity.kind();
    if (kind == EntityKind.SLURM_JOB) {
      // scontrol's figures are the job's on all its nodes; this node's share, as Slurm spreads
      // a job evenly unless told otherwise
      long nodes = Math.max(1, number(entity, SLURM_NODES, 1));
      long cpus = number(entity, SLURM_CPUS, -1);
      if (cpus > 0) {
        cores = cpus / (double) nodes;
        cpuSource = SLURM;
      }
      long mem = number(entity, SLURM_MEMORY, -1);
      if (mem > 0) {
        memory = mem / nodes;
        memorySource = SLURM;
      }
    } else if (kind == EntityKind.K8S_POD || kind == EntityKind.CONTAINER) {
      long request = entity.spec(EntitySpec.CPU_REQUEST_MILLICORES);
      long limit = entity.spec(EntitySpec.CPU_LIMIT_MILLICORES);
      if (request > 0) {
        cores = request / 1000.0;
        cpuSource = K8S_REQUEST;
      } else if (limit > 0) {
        cores = limit / 1000.0;
        cpuSource = K8S_LIMIT;
      }
      long memRequest = entity.spec(EntitySpec.MEMORY_REQUEST_BYTES);
      long memLimit = entity.spec(EntitySpec.MEMORY_LIMIT_BYTES);
      if (memRequest > 0) {
        memory = memRequest;
        memorySource = K8S_REQUEST;
      } else if (memLimit > 0) {
        memory = memLimit;
        memorySource = K8S_LIMIT;
      }
    }
    if (cpuSource == null) {
      long quota = last.get(Field.CPU_LIMIT_MILLICORES);
      long cpuset = last.get(Field.CPUSET_CPUS);
      if (quota > 0) {
        cores = quota / 1000.0;
        cpuSource = CPU_MAX;
      } else if (cpuset > 0) {
        cores = cpuset;
        cpuSource = CPUSET;
      }
    }
    if (memorySource == null) {
      long max = last.get(Field.MEMORY_LIMIT);
      if (max > 0 && max < UNLIMITED) {
        memory = max;
        memorySource = MEMORY_MAX;
      }
    }
    return new Allocation(cores, cpuSource, memory, memorySource);
  }

  private static long number(Entity entity, String key, long otherwise) {
    Object v = entity.attributes().get(key);
    return v instanceof Number n ? n.longValue() : otherwise;
  }
}

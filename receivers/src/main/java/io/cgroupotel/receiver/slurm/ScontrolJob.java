package io.cgroupotel.receiver.slurm;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * One job as {@code scontrol show job -o <id>} prints it (Slurm 22.05 has no {@code --json} for
 * scontrol): one line of {@code Key=value} fields, values neither quoted nor escaped, so a value
 * runs until the next known key ({@code JobName=my "odd" job UserId=root(0) ...}); {@code (null)},
 * empty, {@code N/A} and {@code None} mean absent. The job name, which users choose freely, runs
 * until {@code UserId=}, the field Slurm always prints after it.
 *
 * @param fields every field found, in order, absent values left out
 */
record ScontrolJob(Map<String, String> fields) {
  /** The keys of {@code scontrol show job} (22.05 and the versions around it). */
  static final Set<String> KEYS = Set.of(
      "JobId", "ArrayJobId", "ArrayTaskId", "ArrayTaskThrottle", "HetJobId", "HetJobOffset",
      "HetJobIdSet", "JobName", "UserId", "GroupId", "MCS_label", "Priority", "Nice", "Account",
      "QOS", "WCKey", "JobState", "Reason", "Dependency", "Requeue", "Restarts", "BatchFlag",
      "Reboot", "ExitCode", "DerivedExitCode", "RunTime", "TimeLimit", "TimeMin", "SubmitTime",
      "EligibleTime", "AccrueTime", "StartTime", "EndTime", "Deadline", "PreemptEligibleTime",
      "PreemptTime", "SuspendTime", "SecsPreSuspend", "LastSchedEval", "ResizeTime", "Scheduler",
      "Partition", "AllocNode:Sid", "ReqNodeList", "ExcNodeList", "NodeList", "BatchHost",
      "SchedNodeList", "NumNodes", "NumCPUs", "NumTasks", "CPUs/Task", "ReqB:S:C:T", "TRES",
      "Socks/Node", "NtasksPerN:B:S:C", "CoreSpec", "ThreadSpec", "MinCPUsNode", "MinMemoryNode",
      "MinMemoryCPU", "MinTmpDiskNode", "Features", "ClusterFeatures", "DelayBoot", "Reservation",
      "OverSubscribe", "Contiguous", "Licenses", "LicensesAlloc", "Network", "Command", "WorkDir",
      "AdminComment", "SystemComment", "Comment", "StdErr", "StdIn", "StdOut", "Power",
      "TresPerNode", "TresPerTask", "TresPerJob", "TresPerSocket", "TresBind", "TresFreq",
      "CpusPerTres", "MemPerTres", "MailUser", "MailType", "NtasksPerTRES", "CpuFreqMin",
      "CpuFreqMax", "CpuFreqGov", "BurstBuffer", "BurstBufferState", "Container", "ContainerID",
      "GresEnforceBind", "KillOInInvalidDependent", "Prefer", "CronJob", "CrontabSpec",
      "SiblingsActive", "SiblingsViable", "SiblingsActiveRaw", "SiblingsViableRaw",
      "FedOrigin", "FedViableSiblings", "FedActiveSiblings", "FedOriginRaw",
      "FedViableSiblingsRaw", "FedActiveSiblingsRaw", "Nodes", "CPU_IDs", "Mem", "GRES",
      "JOB_GRES", "ResvPorts", "OOMKillStep", "SegmentSize", "StepMgr", "Partitions",
      "NtasksPerBoard", "NtasksPerSocket", "NtasksPerCore", "Profile", "ReqSwitch", "Wait4Switch",
      "ResvID", "Exclusive", "BatchScript");
  private static final Set<String> ABSENT = Set.of("(null)", "", "N/A", "None");

  /** Parses one {@code -o} line; unknown words stay inside the value before them. */
  static ScontrolJob parse(String line) {
    Map<String, String> fields = new LinkedHashMap<>();
    String s = line.strip();
    int keyStart = 0;
    String key = keyAt(s, 0);
    while (key != null) {
      int valueStart = keyStart + key.length() + 1;
      int next = -1;
      String nextKey = null;
      if (key.equals("JobName")) {
        // users name jobs freely: only UserId, which always follows, ends the name
        int u = s.indexOf(" UserId=", valueStart - 1);
        if (u >= 0) {
          next = u + 1;
          nextKey = "UserId";
        }
      } else {
        for (int i = s.indexOf(' ', valueStart); i >= 0; i = s.indexOf(' ', i + 1)) {
          String k = keyAt(s, i + 1);
          if (k != null) {
            next = i + 1;
            nextKey = k;
            break;
          }
        }
      }
      String value = (next < 0 ? s.substring(valueStart) : s.substring(valueStart, next - 1));
      value = value.strip();
      if (!ABSENT.contains(value)) {
        fields.putIfAbsent(key, value);
      }
      keyStart = next;
      key = nextKey;
    }
    return new ScontrolJob(fields);
  }

  /** The known key starting at {@code i} and followed by {@code =}, or null. */
  private static String keyAt(String s, int i) {
    int eq = s.indexOf('=', i);
    if (eq <= i) {
      return null;
    }
    String k = s.substring(i, eq);
    return KEYS.contains(k) ? k : null;
  }

  /** The line of {@code output} about job {@code jobId} (an array or het leader lists several). */
  static Optional<ScontrolJob> find(List<String> lines, long jobId) {
    String head = "JobId=" + jobId;
    for (String line : lines) {
      String s = line.strip();
      if (s.equals(head) || s.startsWith(head + " ")) {
        return Optional.of(parse(s));
      }
    }
    return Optional.empty();
  }

  Optional<String> get(String key) {
    return Optional.ofNullable(fields.get(key));
  }

  Optional<String> name() {
    return get("JobName");
  }

  Optional<String> account() {
    return get("Account");
  }

  Optional<String> partition() {
    return get("Partition");
  }

  Optional<String> qos() {
    return get("QOS");
  }

  OptionalLong cpus() {
    return number(get("NumCPUs").orElse(""));
  }

  OptionalLong nodes() {
    return number(get("NumNodes").orElse(""));
  }

  OptionalLong arrayJobId() {
    return number(get("ArrayJobId").orElse(""));
  }

  OptionalLong arrayTaskId() {
    return number(get("ArrayTaskId").orElse(""));
  }

  /** {@code UserId=name(uid)} -> uid. */
  OptionalLong userId() {
    String u = get("UserId").orElse("");
    int open = u.lastIndexOf('(');
    if (open < 0 || !u.endsWith(")")) {
      return OptionalLong.empty();
    }
    return number(u.substring(open + 1, u.length() - 1));
  }

  /** {@code UserId=name(uid)} -> name, unless Slurm could not name the uid either. */
  Optional<String> userName() {
    String u = get("UserId").orElse("");
    int open = u.lastIndexOf('(');
    if (open <= 0) {
      return Optional.empty();
    }
    String name = u.substring(0, open);
    return name.equals(u.substring(open + 1, u.length() - 1)) ? Optional.empty()
        : Optional.of(name);
  }

  /**
   * Memory allocated, bytes: {@code TRES=...,mem=<n>[K|M|G|T|P],...} (no suffix: MiB, as Slurm
   * counts memory), else {@code MinMemoryNode} times the nodes.
   */
  OptionalLong memoryBytes() {
    for (String tres : get("TRES").orElse("").split(",")) {
      if (tres.startsWith("mem=")) {
        return bytes(tres.substring(4));
      }
    }
    OptionalLong perNode = bytes(get("MinMemoryNode").orElse(""));
    if (perNode.isPresent() && perNode.getAsLong() > 0) {
      return OptionalLong.of(perNode.getAsLong() * nodes().orElse(1));
    }
    return OptionalLong.empty();
  }

  static OptionalLong bytes(String s) {
    if (s.isEmpty()) {
      return OptionalLong.empty();
    }
    char unit = s.charAt(s.length() - 1);
    long factor;
    String digits = s.substring(0, s.length() - 1);
    switch (unit) {
      case 'K' -> factor = 1L << 10;
      case 'M' -> factor = 1L << 20;
      case 'G' -> factor = 1L << 30;
      case 'T' -> factor = 1L << 40;
      case 'P' -> factor = 1L << 50;
      default -> {
        factor = 1L << 20;
        digits = s;
      }
    }
    try {
      double v = Double.parseDouble(digits);
      if (v < 0 || Double.isNaN(v) || v * factor > Long.MAX_VALUE) {
        return OptionalLong.empty();
      }
      return OptionalLong.of(Math.round(v * factor));
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  private static OptionalLong number(String s) {
    long v = SlurmNames.parseId(s);
    return v < 0 ? OptionalLong.empty() : OptionalLong.of(v);
  }
}

package io.cgroupotel.receiver.slurm.metadata;

import io.cgroupotel.receiver.Ids;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * One job as {@code scontrol show job -o <id>} prints it (Slurm 22.05 has no {@code --json} for
 * scontrol): {@code Key=value} fields, values neither quoted nor escaped; {@code (null)}, empty,
 * {@code N/A} and {@code None} mean absent.
 *
 * <p>Users set some values freely ({@code JobName}, and after {@code Command}: {@code WorkDir},
 * {@code Comment}, {@code StdOut}...), and a free value may hold anything, {@code " UserId=root(0)
 * Account=victim"} or a newline and a whole forged record included (22.05 prints both as they
 * are). So a field is taken only from where Slurm alone writes:
 * <ul>
 *   <li>the head, from {@code JobId=} to the first {@code JobName=}: numbers only;
 *   <li>the body, from the true {@code UserId=} to the first {@code Command=} after it (the end of
 *       the record if none): values that Slurm checks (account, QOS, partition, counts). Its start
 *       is found by trying every {@code UserId=}: a candidate is valid when its body holds each key
 *       at most once, with the keys every record has. Exactly one valid candidate: it is
 *       the true one, and the name is what lies between {@code JobName=} and it. None or several
 *       (a free value that forges a whole body): the body's fields are not taken at all.
 * </ul>
 * Values of the body's single-word fields end at the first blank, so a key a later Slurm adds
 * cannot run into them.
 *
 * @param fields the fields taken, absent values left out
 * @param ambiguous whether a free value mimicked scontrol's fields so that the body could not be
 *     told apart (nothing of it was taken)
 * @param sluids every {@code SLUID=<x>} word of the record, wherever it is (26.05 prints the
 *     job's; a free value may add others): a record that names SLUIDs but not a directory's is
 *     not that directory's job
 */
record ScontrolJob(Map<String, String> fields, boolean ambiguous, Set<String> sluids) {
  ScontrolJob {
    fields = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    sluids = Set.copyOf(sluids);
  }

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
      "ResvID", "Exclusive", "BatchScript", "FailedNode", "SLUID");
  /** Keys every record's body has (22.05 and later): a forged body must forge them all. */
  private static final List<String> BODY_REQUIRED =
      List.of("UserId", "GroupId", "Priority", "Account", "QOS", "JobState", "Partition",
          "NumNodes", "NumCPUs");
  /** Keys taken from the head. */
  private static final Set<String> HEAD =
      Set.of("JobId", "ArrayJobId", "ArrayTaskId", "ArrayTaskThrottle", "HetJobId",
          "HetJobOffset", "SLUID");
  /** Keys taken from the body (first word of the value). */
  private static final Set<String> BODY =
      Set.of("UserId", "Account", "QOS", "Partition", "NumNodes", "NumCPUs", "TRES",
          "MinMemoryNode", "MinMemoryCPU", "SLUID");
  private static final Set<String> ABSENT = Set.of("(null)", "", "N/A", "None");
  /** The longest key ({@code FedViableSiblingsRaw}, 20) and some. */
  private static final int MAX_KEY = 24;
  /** {@code UserId=} words tried as the body's start; a real record has one. */
  private static final int MAX_CANDIDATES = 16;

  /** A field found at {@code start}: {@code key=} then its value up to {@code end}. */
  private record Field(String key, int start, int valueStart, int end) {}

  /** Parses one record (the text from its {@code JobId=} to the next record, newlines kept). */
  static ScontrolJob parse(String record) {
    Map<String, String> fields = new LinkedHashMap<>();
    String s = record.strip();
    int name = keyIndex(s, "JobName", 0);
    String head = name < 0 ? s : s.substring(0, name);
    for (Field f : fields(head, 0, head.length())) {
      if (HEAD.contains(f.key)) {
        put(fields, f.key, firstWord(head.substring(f.valueStart, f.end)));
      }
    }
    Set<String> sluids = sluidWords(s);
    if (name < 0) {
      return new ScontrolJob(fields, false, sluids);
    }
    int valid = -1;
    int bodyEnd = -1;
    int candidates = 0;
    int tried = 0;
    for (int u = keyIndex(s, "UserId", name); u >= 0; u = keyIndex(s, "UserId", u + 1)) {
      if (++tried > MAX_CANDIDATES) {
        return new ScontrolJob(fields, true, sluids); // a name full of UserId=: no telling
      }
      int end = keyIndex(s, "Command", u);
      if (end < 0) {
        end = s.length(); // a version without Command=: each key once still tells forgeries
      }
      if (validBody(s, u, end)) {
        candidates++;
        valid = u;
        bodyEnd = end;
      }
    }
    if (candidates != 1) {
      return new ScontrolJob(fields, candidates > 1, sluids);
    }
    String jobName = s.substring(name + "JobName=".length(), valid).strip();
    put(fields, "JobName", jobName);
    for (Field f : fields(s, valid, bodyEnd)) {
      if (BODY.contains(f.key)) {
        put(fields, f.key, firstWord(s.substring(f.valueStart, f.end)));
      }
    }
    return new ScontrolJob(fields, false, sluids);
  }

  /** The values of the words {@code SLUID=<x>} of {@code s} (a bounded number). */
  private static Set<String> sluidWords(String s) {
    Set<String> out = new java.util.HashSet<>();
    for (int i = keyIndex(s, "SLUID", 0); i >= 0 && out.size() < 16;
        i = keyIndex(s, "SLUID", i + 1)) {
      String v = firstWord(s.substring(i + 6, Math.min(s.length(), i + 6 + 64)));
      if (isSluid(v)) {
        out.add(v);
      }
    }
    return out;
  }

  /**
   * Whether {@code name} is a SLUID as Slurm prints it ({@code sluid2str}): {@code s} and 13
   * characters of Crockford's base32, e.g. {@code sEKNKTV3WPV500}.
   */
  static boolean isSluid(String name) {
    if (name.length() != 14 || name.charAt(0) != 's') {
      return false;
    }
    for (int i = 1; i < 14; i++) {
      if ("0123456789ABCDEFGHJKMNPQRSTVWXYZ".indexOf(name.charAt(i)) < 0) {
        return false;
      }
    }
    return true;
  }

  /** Whether the record names SLUIDs and {@code sluid} is not among them. */
  boolean namesAnotherSluid(String sluid) {
    return !sluids.isEmpty() && !sluids.contains(sluid);
  }

  private static void put(Map<String, String> fields, String key, String value) {
    if (!ABSENT.contains(value)) {
      fields.putIfAbsent(key, value);
    }
  }

  /** Each known key once, the required ones all there. */
  private static boolean validBody(String s, int from, int to) {
    Set<String> seen = new java.util.HashSet<>();
    for (Field f : fields(s, from, to)) {
      if (!seen.add(f.key)) {
        return false;
      }
    }
    return seen.containsAll(BODY_REQUIRED);
  }

  /** The known fields of {@code s[from, to)}, in order; a value runs until the next known key. */
  private static List<Field> fields(String s, int from, int to) {
    List<Field> out = new ArrayList<>();
    String key = null;
    int keyStart = -1;
    for (int i = from; i < to; i++) {
      if (i == from || Character.isWhitespace(s.charAt(i - 1))) {
        String k = keyAt(s, i, to);
        if (k != null) {
          if (key != null) {
            out.add(new Field(key, keyStart, keyStart + key.length() + 1, i));
          }
          key = k;
          keyStart = i;
          i += k.length();
        }
      }
    }
    if (key != null) {
      out.add(new Field(key, keyStart, keyStart + key.length() + 1, to));
    }
    return out;
  }

  /** Where {@code key=} starts at {@code from} or after, at a word's start; -1 if nowhere. */
  private static int keyIndex(String s, String key, int from) {
    String k = key + "=";
    for (int i = s.indexOf(k, from); i >= 0; i = s.indexOf(k, i + 1)) {
      if (i == 0 || Character.isWhitespace(s.charAt(i - 1))) {
        return i;
      }
    }
    return -1;
  }

  /** The known key starting at {@code i} and followed by {@code =} before {@code to}, or null. */
  private static String keyAt(String s, int i, int to) {
    int limit = Math.min(to, i + MAX_KEY + 1); // a bounded look: long free values stay linear
    for (int j = i; j < limit; j++) {
      char c = s.charAt(j);
      if (c == '=') {
        String k = s.substring(i, j);
        return j > i && KEYS.contains(k) ? k : null;
      }
      if (Character.isWhitespace(c)) {
        return null;
      }
    }
    return null;
  }

  private static String firstWord(String value) {
    String v = value.strip();
    for (int i = 0; i < v.length(); i++) {
      if (Character.isWhitespace(v.charAt(i))) {
        return v.substring(0, i);
      }
    }
    return v;
  }

  /**
   * The records of {@code output}: each starts with {@code JobId=<digits>} at the start of a
   * line. A free value can forge a record start; {@link #find} then sees two records for one id.
   */
  static List<String> records(String output) {
    List<Integer> starts = new ArrayList<>();
    for (int i = output.indexOf("JobId="); i >= 0; i = output.indexOf("JobId=", i + 1)) {
      boolean lineStart = i == 0 || output.charAt(i - 1) == '\n';
      int d = i + "JobId=".length();
      if (lineStart && d < output.length() && Character.isDigit(output.charAt(d))) {
        starts.add(i);
      }
    }
    List<String> out = new ArrayList<>(starts.size());
    for (int k = 0; k < starts.size(); k++) {
      out.add(output.substring(starts.get(k),
          k + 1 < starts.size() ? starts.get(k + 1) : output.length()));
    }
    return out;
  }

  /** The record's job id ({@code JobId=<n>} at its start), or -1. */
  static long recordJobId(String record) {
    int d = "JobId=".length();
    int e = d;
    while (e < record.length() && Character.isDigit(record.charAt(e))) {
      e++;
    }
    return Ids.parseId(record.substring(d, e));
  }

  /**
   * The record of job {@code jobId} in {@code output} (an array or het leader lists several);
   * empty when none or when two claim the id (one of them forged).
   */
  static Optional<ScontrolJob> find(String output, long jobId) {
    String found = null;
    for (String r : records(output)) {
      if (recordJobId(r) == jobId) {
        if (found != null) {
          return Optional.empty();
        }
        found = r;
      }
    }
    return found == null ? Optional.empty() : Optional.of(parse(found));
  }

  /** Whether {@code record} holds the word {@code SLUID=<sluid>} (anywhere: see {@link #bySluid}). */
  static boolean mentionsSluid(String record, String sluid) {
    String w = "SLUID=" + sluid;
    for (int i = record.indexOf(w); i >= 0; i = record.indexOf(w, i + 1)) {
      int after = i + w.length();
      if ((i == 0 || Character.isWhitespace(record.charAt(i - 1)))
          && (after == record.length() || Character.isWhitespace(record.charAt(after)))) {
        return true;
      }
    }
    return false;
  }

  /**
   * The job whose record names {@code sluid} in the full listing ({@code scontrol show job -o}):
   * Slurm 26.05 prints the SLUID, where in the record is not relied on. A free value may forge the
   * word too: the match must be unique (two records naming it: none taken), and the caller checks
   * the record's uid against the owner of the cgroup's tasks.
   */
  static Optional<ScontrolJob> bySluid(String output, String sluid) {
    String found = null;
    for (String r : records(output)) {
      if (mentionsSluid(r, sluid)) {
        if (found != null) {
          return Optional.empty();
        }
        found = r;
      }
    }
    if (found == null) {
      return Optional.empty();
    }
    ScontrolJob job = parse(found);
    Map<String, String> f = new LinkedHashMap<>(job.fields);
    f.put("SLUID", sluid);
    return Optional.of(new ScontrolJob(f, job.ambiguous, job.sluids));
  }

  OptionalLong jobId() {
    return number(get("JobId").orElse(""));
  }

  Optional<String> sluid() {
    return get("SLUID");
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
    long v = Ids.parseId(s);
    return v < 0 ? OptionalLong.empty() : OptionalLong.of(v);
  }
}

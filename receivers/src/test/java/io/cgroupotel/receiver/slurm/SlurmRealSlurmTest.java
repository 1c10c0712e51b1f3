package io.cgroupotel.receiver.slurm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.cgroupotel.receiver.Receiver;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.slurm.metadata.SlurmAttributes;
import io.cgroupotel.sampler.EntityKind;
import io.cgroupotel.sampler.Sample;
import io.cgroupotel.sampler.ScrapeResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The receiver beside a REAL Slurm (see {@link RealSlurm}): a real job submitted with sbatch, a
 * batch step and an srun step burning CPU, read from the cgroups Slurm made, named by the real
 * scontrol. Figures are checked against the kernel (read around each poll), the burners' own CPU
 * time (bash {@code times}) and what scontrol prints.
 */
@Tag("real-slurm")
class SlurmRealSlurmTest {
  private static final String NAME = "otel \"odd\" job";
  /** The test's poll interval, the agent's default. */
  private static final Duration POLL = Duration.ofSeconds(1);
  private static RealSlurm slurm;

  @BeforeAll
  static void startSlurm() throws Exception {
    slurm = RealSlurm.start();
  }

  @AfterAll
  static void stopSlurm() throws Exception {
    if (slurm != null) {
      slurm.close();
    }
  }

  private Optional<Path> jobDir(long id) {
    Path job = slurm.scope().resolve("job_" + id);
    return Files.isDirectory(job) ? Optional.of(job) : Optional.empty();
  }

  private static long usage(Optional<Path> dir) {
    if (dir.isEmpty()) {
      return -1;
    }
    try {
      for (String line : Files.readAllLines(dir.get().resolve("cpu.stat"))) {
        if (line.startsWith("usage_usec ")) {
          return Long.parseLong(line.substring(11).trim());
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1; // removed meanwhile
    }
    return -1;
  }

  private static String burn(int seconds) {
    return "bash -c 'e=$((SECONDS+" + seconds + ")); while [ $SECONDS -lt $e ]; do :; done; times'";
  }

  @Test
  void realJob_batchAndSrunSteps_cpuMatchesKernelAndBurners_metadataMatchesScontrol()
      throws Exception {
    SlurmReceiverConfig config = SlurmReceiverConfig.defaults(slurm.mount()).withSteps(true)
        .withScontrol(Optional.of(slurm.scontrol()), Duration.ofSeconds(5));
    Receiver receiver = new SlurmReceiverFactory().create(config,
        new ReceiverContext("node-real", Map.of(), () -> {}));
    Path out = Files.createDirectories(slurm.work().resolve("out"));
    Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rwxrwxrwx"));
    try {
      receiver.start();
      long t0 = System.nanoTime();
      RealSlurm.Result sub = slurm.run(List.of("sbatch", "--parsable", "--uid=65534",
          "--chdir=/tmp", "-o", out + "/%j.txt", "-c", "2", "--mem=100M", "-J", NAME,
          "--wrap", burn(1) + "; srun -n1 " + burn(3)), 30);
      assertThat(sub.exit()).as("sbatch: " + sub.out()).isZero();
      long id = Long.parseLong(sub.out().strip().split(";")[0]);
      RealSlurm.Result arr = slurm.run(List.of("sbatch", "--parsable", "--uid=65534",
          "--chdir=/tmp", "-o", "/dev/null", "--array=1-2", "-J", "arr", "--wrap", "sleep 2"), 30);
      assertThat(arr.exit()).as("sbatch --array: " + arr.out()).isZero();
      long arrayId = Long.parseLong(arr.out().strip().split(";")[0]);
      Map<Long, Map<String, Object>> arrayTasks = new HashMap<>(); // job id -> attributes
      Map<Long, String> squeueTasks = new HashMap<>(); // job id -> array task id, from squeue

      String scontrolLine = null;
      List<String> bracketViolations = new ArrayList<>();
      long lastKernel = -1;
      long lastJob = -1;
      int pollsWithJob = 0;
      Map<String, Long> lastStep = new HashMap<>();
      Map<String, Object> jobAttributes = Map.of();
      Map<String, Object> stepAttributes = Map.of();
      List<String> daemons = new ArrayList<>();
      boolean seen = false;
      boolean gone = false;
      while (!gone && System.nanoTime() - t0 < Duration.ofSeconds(40).toNanos()) {
        Optional<Path> dir = jobDir(id);
        long before = usage(dir);
        ScrapeResult r = receiver.poll();
        long after = usage(dir);
        String scope = "/" + slurm.scope().getFileName() + "/";
        List<Sample> ours = r.samples().stream() // not another Slurm's, should one run here
            .filter(s -> s.entity().id().contains(scope)).toList();
        List<Sample> mine = ours.stream()
            .filter(s -> Long.valueOf(id).equals(s.entity().attributes().get("slurm.job.id")))
            .toList();
        r.samples().stream().map(s -> s.entity().id())
            .filter(e -> e.endsWith("/system") || e.endsWith("/slurmd")).forEach(daemons::add);
        for (Sample s : ours) {
          if (Long.valueOf(arrayId).equals(s.entity().attributes().get("slurm.job.array.id"))
              && s.entity().kind() == EntityKind.SLURM_JOB) {
            arrayTasks.put((Long) s.entity().attributes().get("slurm.job.id"),
                s.entity().attributes());
          }
        }
        if (squeueTasks.size() < 2) {
          for (String line : slurm.run(List.of("squeue", "-r", "-h", "-t", "RUNNING", "-o",
              "%A %K", "-j", Long.toString(arrayId)), 10).out().lines().toList()) {
            String[] f = line.strip().split("\\s+");
            if (f.length == 2) {
              squeueTasks.put(Long.parseLong(f[0]), f[1]);
            }
          }
        }
        for (Sample s : mine) {
          if (s.entity().kind() == EntityKind.SLURM_JOB) {
            pollsWithJob++;
            lastJob = Math.max(lastJob, s.usageUsec());
            jobAttributes = s.entity().attributes();
            if (before >= 0 && after >= 0
                && (s.usageUsec() < before || s.usageUsec() > after)) {
              bracketViolations.add(before + " <= " + s.usageUsec() + " <= " + after);
            }
          } else {
            String step = (String) s.entity().attributes().get("slurm.job.step.id");
            lastStep.merge(step, s.usageUsec(), Math::max);
            stepAttributes = s.entity().attributes();
          }
        }
        if (after >= 0) {
          lastKernel = Math.max(lastKernel, after);
        }
        if (scontrolLine == null && dir.isPresent()) {
          RealSlurm.Result show = slurm.run(List.of("scontrol", "show", "job", "-o",
              Long.toString(id)), 10);
          scontrolLine = show.out().strip();
        }
        if (!seen && !mine.isEmpty()) {
          // what --once does: wait for scontrol, then the job carries Slurm's metadata
          assertThat(receiver.awaitReady(Duration.ofSeconds(20))).as("scontrol answered").isTrue();
          assertThat(receiver.poll().samples().stream().filter(s -> s.entity().id()
                  .endsWith("/job_" + id)).findFirst().orElseThrow().entity().attributes())
              .containsEntry("slurm.job.name", NAME);
        }
        seen |= !mine.isEmpty();
        gone = seen && mine.isEmpty() && jobDir(id).isEmpty() && arrayTasks.size() >= 2
            && squeueTasks.keySet().stream().allMatch(j -> jobDir(j).isEmpty());
        Thread.sleep(POLL.toMillis());
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      long burners = 0;
      for (String line : Files.readAllLines(out.resolve(id + ".txt"))) {
        // bash times: "0m0.874s 0m0.004s" (the shell, then its children)
        for (String f : line.strip().split("\\s+")) {
          if (f.matches("\\d+m\\d+\\.\\d+s")) {
            int m = f.indexOf('m');
            burners += Math.round((Integer.parseInt(f.substring(0, m)) * 60
                + Double.parseDouble(f.substring(m + 1, f.length() - 1))) * 1e6);
          }
        }
      }
      long stepsSum = lastStep.values().stream().mapToLong(Long::longValue).sum();
      System.out.printf("real Slurm job %d (%.1f s): receiver job %.3f s in %d polls; kernel's "
              + "last read %.3f s; steps %s sum %.3f s; burners' own CPU time (bash times) "
              + "%.3f s; scontrol: %s%n", id, seconds, lastJob / 1e6, pollsWithJob,
          lastKernel / 1e6, lastStep, stepsSum / 1e6, burners / 1e6, scontrolLine);
      System.out.println("real Slurm job attributes: " + jobAttributes);
      System.out.printf("real Slurm job end: receiver - burners = %+.3f s, receiver - kernel's "
          + "last read by the test = %+.3f s%n", (lastJob - burners) / 1e6,
          (lastJob - lastKernel) / 1e6);
      System.out.println("real Slurm array " + arrayId + ": squeue (job id -> task) "
          + squeueTasks + "; receiver " + arrayTasks);

      assertThat(seen).as("job seen").isTrue();
      assertThat(gone).as("job gone after its end").isTrue();
      assertThat(daemons).as("slurmd and slurmstepd's system cgroup are not entities").isEmpty();
      assertThat(bracketViolations).as("each poll's job CPU time lies between the kernel's "
          + "before and after it").isEmpty();
      // The job's final read falls when its steps' user cgroups empty; slurmstepd then spends a
      // few more microseconds in job_<id> before Slurm removes it (35 us once in eight runs):
      // the bar, the kernel's final value within 1%
      assertThat(lastJob).as("final counters: the kernel's last value seen, within 1%")
          .isGreaterThanOrEqualTo(lastKernel - lastKernel / 100);
      assertThat(lastStep).as("PrologFlags=Contain: an extern step too")
          .containsOnlyKeys("batch", "0", "extern");
      assertThat((double) stepsSum).as("steps sum to the job")
          .isCloseTo(lastJob, Offset.offset(0.02 * lastJob + 20_000));
      assertThat(burners).as("the burners ran").isGreaterThan(100_000);
      // Above: Slurm's own processes (slurmstepd, srun, sh: tens of ms). Below: Slurm removes
      // job_<id> within 2 ms of its last process leaving, so its final counters are read when
      // the steps' user cgroups empty (TaskEndWatcher), not at the next poll: nothing is lost
      assertThat(lastJob).as("the job's CPU time = its burners' (bash times) + Slurm's few ms")
          .isBetween(burners - 50_000,
              (long) (burners * 1.02) + 200_000);

      // metadata: the owner of the tasks, and what scontrol printed
      assertThat(scontrolLine).contains("JobId=" + id + " JobName=" + NAME
          + " UserId=nobody(65534)", "NumCPUs=2 ", "Partition=debug ", "MinMemoryNode=100M ",
          "Account=(null) ", "QOS=(null) ", "NumNodes=1 ");
      assertThat(jobAttributes).contains(entry("slurm.job.id", id),
          entry("slurm.job.user.id", 65534L), entry("slurm.job.user", "nobody"),
          entry("slurm.job.name", NAME), entry("slurm.job.partition", "debug"),
          entry("slurm.job.cpus", 2L), entry("slurm.job.memory", 100L << 20),
          entry("slurm.job.nodes", 1L), entry("host.name", "node-real"))
          .doesNotContainKeys("slurm.job.account", "slurm.job.qos");
      // array tasks: each its own job id (the directory's), array ids as Slurm has them
      assertThat(squeueTasks).hasSize(2);
      assertThat(arrayTasks).containsOnlyKeys(squeueTasks.keySet());
      squeueTasks.forEach((job, task) -> assertThat(arrayTasks.get(job)).contains(
          entry("slurm.job.array.id", arrayId),
          entry("slurm.job.array.task.id", Long.parseLong(task)),
          entry("slurm.job.name", "arr"), entry("slurm.job.user", "nobody")));
      assertThat(stepAttributes).contains(entry("slurm.job.id", id),
          entry("slurm.job.name", NAME), entry("slurm.job.user", "nobody"))
          .containsKey("slurm.job.step.id");
    } finally {
      receiver.close();
    }
  }

  /**
   * Hostile job names on the real Slurm 22.05 (whose {@code -o} records print names as they are,
   * newlines included): a name that forges fields injects none, one that forges a whole body makes
   * the record ambiguous (its body not taken), a 1,000-character name is capped.
   */
  @Test
  void realJobsWithHostileNames_noFieldInjected_longNameCapped() throws Exception {
    String forging = "evil UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=1 Nice=0"
        + " Account=victim-acct QOS=high Partition=gpu";
    String wholeBody = "x\n UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=1 Nice=0"
        + " Account=victim QOS=high JobState=RUNNING Reason=None Partition=gpu NumNodes=1"
        + " NumCPUs=64 TRES=cpu=64,mem=1T Command=/bin/x";
    String longName = "L".repeat(1000); // 22.05 refuses longer names ("parameter too long")
    Map<String, Long> ids = new HashMap<>();
    for (Map.Entry<String, String> e : Map.of("forging", forging, "wholeBody", wholeBody,
        "long", longName).entrySet()) {
      RealSlurm.Result sub = slurm.run(List.of("sbatch", "--parsable", "--uid=65534",
          "--chdir=/tmp", "-o", "/dev/null", "-J", e.getValue(),
          "--comment=c UserId=root(0) Account=x Command=/bin/x", "--wrap", "sleep 5"), 30);
      assertThat(sub.exit()).as("sbatch " + e.getKey() + ": " + sub.out()).isZero();
      ids.put(e.getKey(), Long.parseLong(sub.out().strip().split(";")[0]));
    }
    SlurmReceiverConfig config = SlurmReceiverConfig.defaults(slurm.mount())
        .withScontrol(Optional.of(slurm.scontrol()), Duration.ofSeconds(5));
    Receiver receiver = new SlurmReceiverFactory().create(config,
        new ReceiverContext("node-real", Map.of(), () -> {}));
    try {
      receiver.start();
      // two cores: two of the jobs run at once, the third when one ends
      Map<Long, Map<String, Object>> byId = new HashMap<>(); // once scontrol answered about it
      long end = System.nanoTime() + Duration.ofSeconds(40).toNanos();
      // (and once its tasks run: their owner is the uid checked against scontrol's)
      while (!(byId.keySet().containsAll(ids.values()) && byId.values().stream()
          .allMatch(a -> a.containsKey(SlurmAttributes.USER_ID))) && System.nanoTime() < end) {
        boolean ready = receiver.awaitReady(Duration.ofSeconds(5));
        for (var x : receiver.poll().samples()) {
          Map<String, Object> a = x.entity().attributes();
          Long id = (Long) a.get(SlurmAttributes.JOB_ID);
          if (ready && ids.containsValue(id) && !byId.getOrDefault(id, Map.of())
              .containsKey(SlurmAttributes.USER_ID)) {
            byId.put(id, a);
          }
        }
        Thread.sleep(200);
      }
      System.out.println("real Slurm hostile names: " + byId.get(ids.get("forging")) + "; "
          + byId.get(ids.get("wholeBody")) + "; long name exported as "
          + ((String) byId.get(ids.get("long")).get(SlurmAttributes.NAME)).length() + " chars");
      assertThat(byId.get(ids.get("forging"))).contains(entry("slurm.job.name", forging),
          entry("slurm.job.partition", "debug"), entry("slurm.job.user.id", 65534L))
          .doesNotContainKeys("slurm.job.account", "slurm.job.qos");
      assertThat(byId.get(ids.get("wholeBody"))).contains(entry("slurm.job.user.id", 65534L))
          .doesNotContainKeys("slurm.job.name", "slurm.job.partition", "slurm.job.account",
              "slurm.job.qos", "slurm.job.cpus");
      assertThat((String) byId.get(ids.get("long")).get(SlurmAttributes.NAME))
          .startsWith("LLLL").endsWith("...[+744 chars]").hasSize(256 + 15);
      assertThat(byId.get(ids.get("long"))).contains(entry("slurm.job.partition", "debug"));
    } finally {
      receiver.close();
      slurm.run(List.of("scancel", "--user=nobody"), 30);
    }
  }
}

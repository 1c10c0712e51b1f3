package io.cgroupotel.receiver.slurm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.awaitility.Awaitility.await;

import io.cgroupotel.cgroupfs.RealCgroupTree;
import io.cgroupotel.receiver.HierarchyChoice;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.slurm.metadata.SlurmAttributes;
import io.cgroupotel.receiver.slurm.metadata.SlurmJobMetadata;
import io.cgroupotel.sampler.EntityKind;
import io.cgroupotel.sampler.Sample;
import io.cgroupotel.sampler.ScrapeResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slurm 26.05's default layout on REAL cgroups of this machine's cgroup2 mount: job directories
 * named by SLUID ({@code slurmstepd.scope/sEKNKTV3WPV500/step_0/user/task_0}), recognized by the
 * steps they hold; the numeric id from the {@code SLURM_JOB_ID} of a real process in a task (as
 * root), else from a stand-in scontrol printing the 26.05 listing (with {@code SLUID=}), else the
 * job exported with {@code slurm.job.sluid} alone and one warning. (The test facility's real
 * Slurm is 22.05, which names jobs {@code job_<id>}.)
 */
@Tag("real-cgroup")
class SlurmSluidRealCgroupTest {
  private static final String SCOPE = "system.slice/node-1_slurmstepd.scope";
  private static final String SLUID = "sEKNKTV3WPV500";
  private static final String OTHER_SLUID = "sEKNKTV3WPV511";
  @TempDir Path tmp;
  private RealCgroupTree tree;
  private SlurmReceiver receiver;

  @BeforeEach
  void setUp() {
    tree = RealCgroupTree.create("cgroup-otel-sluid-test");
  }

  @AfterEach
  void tearDown() {
    try {
      if (receiver != null) {
        receiver.close();
      }
    } finally {
      tree.close();
    }
    assertThat(tree.root()).doesNotExist();
  }

  private SlurmReceiver start(boolean steps, Optional<List<String>> scontrol) {
    SlurmReceiverConfig config = SlurmReceiverConfig.defaults(tree.root()).withSteps(steps)
        .withScontrol(scontrol, Duration.ofSeconds(2));
    receiver = new SlurmReceiver(config, HierarchyChoice.asGiven(config.path()),
        ReceiverContext.forTest("node-1"));
    receiver.start();
    return receiver;
  }

  /** Polls until a job sample satisfies {@code done} (at most 5 s); returns the last poll. */
  private ScrapeResult pollUntil(Predicate<Map<String, Object>> done) throws Exception {
    long deadline = System.nanoTime() + 5_000_000_000L;
    ScrapeResult r;
    do {
      Thread.sleep(100);
      r = receiver.poll();
    } while (jobs(r).stream().noneMatch(s -> done.test(s.entity().attributes()))
        && System.nanoTime() < deadline);
    return r;
  }

  private static List<Sample> jobs(ScrapeResult r) {
    return r.samples().stream().filter(s -> s.entity().kind() == EntityKind.SLURM_JOB).toList();
  }

  @Test
  void sluidJobMadeAfterStart_idFromItsTasksEnvironment_scontrolOff() throws Exception {
    tree.mkdirs(SCOPE + "/system");
    start(true, Optional.empty());
    Path job = tree.mkdirs(SCOPE + "/" + SLUID);
    Thread.sleep(200); // Slurm makes the job's directory, then its steps
    Path task0 = tree.mkdirs(SCOPE + "/" + SLUID + "/step_0/user/task_0");
    Path task1 = tree.mkdirs(SCOPE + "/" + SLUID + "/step_0/user/task_1");
    tree.start(task0, "exec env SLURM_JOB_ID=4242 sleep 60");
    tree.start(task1, "exec env SLURM_JOB_ID=4242 sh -c 'while :; do :; done'");
    ScrapeResult r = pollUntil(a -> a.containsKey(SlurmAttributes.JOB_ID));
    // the burner's CPU time, whatever the machine's load: a loaded test machine gives it less
    long burnt = System.nanoTime() + 30_000_000_000L;
    while (RealCgroupTree.usageUsec(job) < 200_000 && System.nanoTime() < burnt) {
      Thread.sleep(100);
    }
    r = receiver.poll();
    Sample j = jobs(r).get(0);
    long kernel = RealCgroupTree.usageUsec(job);
    System.out.printf("slurm SLUID job: attributes %s; cpu %.3f s, kernel %.3f s%n",
        j.entity().attributes(), j.usageUsec() / 1e6, kernel / 1e6);
    assertThat(jobs(r)).hasSize(1);
    assertThat(j.entity().attributes()).contains(entry(SlurmAttributes.JOB_ID, 4242L),
        entry(SlurmAttributes.SLUID, SLUID), entry(SlurmAttributes.USER_ID, 0L),
        entry(SlurmAttributes.HOST_NAME, "node-1"));
    assertThat(j.usageUsec()).isGreaterThan(100_000).isLessThanOrEqualTo(kernel);
    assertThat((double) j.usageUsec()).isCloseTo(kernel, Offset.offset(0.05 * kernel + 50_000));
    Sample step = r.samples().stream().filter(s -> s.entity().kind() == EntityKind.SLURM_STEP)
        .findFirst().orElseThrow();
    assertThat(step.entity().attributes()).contains(entry(SlurmAttributes.JOB_ID, 4242L),
        entry(SlurmAttributes.SLUID, SLUID), entry(SlurmAttributes.STEP_ID, "0"));
    assertThat(step.entity().parentId()).isEqualTo(j.entity().id());
    assertThat(receiver.jobMetadata().warned()).doesNotContain("no job id");
  }

  @Test
  void sluidJobWithoutIdAnywhere_exportedBySluidAlone_warnedOnce_daemonsAndEmptyDirsNoJobs()
      throws Exception {
    tree.start(tree.mkdirs(SCOPE + "/" + SLUID + "/step_batch/user/task_special"),
        "exec sleep 60"); // no SLURM_JOB_ID in its environment
    tree.mkdirs(SCOPE + "/" + OTHER_SLUID); // no step yet: not a job
    tree.mkdirs(SCOPE + "/system/step_0"); // Slurm's daemons are never jobs, whatever they hold
    tree.mkdirs(SCOPE + "/slurmd/step_0");
    start(false, Optional.empty());
    ScrapeResult r = pollUntil(a -> true);
    Thread.sleep(SlurmJobMetadata.OWNER_EAGER.toMillis() + 200);
    r = receiver.poll();
    receiver.poll();
    assertThat(jobs(r)).hasSize(1);
    assertThat(jobs(r).get(0).entity().attributes())
        .contains(entry(SlurmAttributes.SLUID, SLUID), entry(SlurmAttributes.USER_ID, 0L))
        .doesNotContainKey(SlurmAttributes.JOB_ID);
    assertThat(receiver.jobMetadata().warned()).containsExactly("no job id");
    assertThat(receiver.jobMetadata().warnings()).isEqualTo(1);
  }

  /** A stand-in for Slurm 26.05's scontrol: the listing and the job's record carry SLUID=. */
  private List<String> scontrol26(String userId, String sluidOf4245) throws Exception {
    String record4245 = "JobId=4245 JobName=train run UserId=" + userId + " GroupId=root(0)"
        + " MCS_label=N/A Priority=1 Nice=0 Account=physics QOS=normal JobState=RUNNING"
        + " Reason=None Dependency=(null) Partition=gpu NumNodes=1 NumCPUs=4 NumTasks=1"
        + " TRES=cpu=4,mem=1G,node=1 MinMemoryNode=1G Command=/home/a/run.sh WorkDir=/home/a"
        + " SLUID=" + sluidOf4245;
    String record4244 = record4245.replace("JobId=4245", "JobId=4244")
        .replace("SLUID=" + sluidOf4245, "SLUID=" + OTHER_SLUID);
    Path script = tmp.resolve("scontrol");
    Files.writeString(script, "#!/bin/sh\n"
        + "case \"$4\" in\n"
        + "  4244) echo '" + record4244 + "' ;;\n"
        + "  4245) echo '" + record4245 + "' ;;\n"
        + "  '') echo '" + record4244 + "'; echo '" + record4245 + "' ;;\n"
        + "  *) echo 'slurm_load_jobs error: Invalid job id specified' >&2; exit 1 ;;\n"
        + "esac\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    return List.of(script.toString());
  }

  @Test
  void sluidJobWithoutEnvironmentId_idAndMetadataFromScontrolListing() throws Exception {
    tree.start(tree.mkdirs(SCOPE + "/" + SLUID + "/step_0/user/task_0"), "exec sleep 60");
    start(false, Optional.of(scontrol26("root(0)", SLUID)));
    ScrapeResult r = pollUntil(a -> a.containsKey(SlurmAttributes.ACCOUNT));
    assertThat(jobs(r).get(0).entity().attributes()).contains(
        entry(SlurmAttributes.JOB_ID, 4245L), entry(SlurmAttributes.SLUID, SLUID),
        entry(SlurmAttributes.NAME, "train run"), entry(SlurmAttributes.ACCOUNT, "physics"),
        entry(SlurmAttributes.PARTITION, "gpu"), entry(SlurmAttributes.CPUS, 4L),
        entry(SlurmAttributes.USER_ID, 0L));
    assertThat(receiver.jobMetadata().warned()).isEmpty();
  }

  @Test
  void tasksClaimAnotherJobsId_scontrolNamesAnotherSluid_idRefused_trueIdFromListing()
      throws Exception {
    // the job's owner set SLURM_JOB_ID=4244 (another job's id, whose SLUID is not this one)
    tree.start(tree.mkdirs(SCOPE + "/" + SLUID + "/step_0/user/task_0"),
        "exec env SLURM_JOB_ID=4244 sleep 60");
    start(false, Optional.of(scontrol26("root(0)", SLUID)));
    ScrapeResult r = pollUntil(a -> Long.valueOf(4245).equals(a.get(SlurmAttributes.JOB_ID))
        && a.containsKey(SlurmAttributes.ACCOUNT));
    assertThat(jobs(r).get(0).entity().attributes()).contains(
        entry(SlurmAttributes.JOB_ID, 4245L), entry(SlurmAttributes.SLUID, SLUID));
    assertThat(receiver.jobMetadata().warned()).containsExactly("sluid mismatch");
  }

  @Test
  void scontrolRecordOfAnotherUid_metadataNotUsed() throws Exception {
    tree.start(tree.mkdirs(SCOPE + "/" + SLUID + "/step_0/user/task_0"),
        "exec env SLURM_JOB_ID=4245 sleep 60"); // runs as root (uid 0)
    start(false, Optional.of(scontrol26("alice(1000)", SLUID)));
    await().atMost(Duration.ofSeconds(5)).pollInSameThread().until(() -> {
      receiver.poll();
      return receiver.jobMetadata().warned().contains("uid mismatch");
    });
    Map<String, Object> a = jobs(receiver.poll()).get(0).entity().attributes();
    assertThat(receiver.jobMetadata().warned()).contains("uid mismatch");
    assertThat(a).contains(entry(SlurmAttributes.JOB_ID, 4245L),
        entry(SlurmAttributes.USER_ID, 0L)).doesNotContainKeys(SlurmAttributes.ACCOUNT,
        SlurmAttributes.NAME, SlurmAttributes.PARTITION);
  }

  /** What {@code --once} does: start, awaitReady, one poll; that poll carries the id. */
  @Test
  void oneShot_firstPollCarriesTheIdFromTheEnvironment() throws Exception {
    tree.start(tree.mkdirs(SCOPE + "/" + SLUID + "/step_batch/user/task_special"),
        "exec env SLURM_JOB_ID=77 sleep 60");
    Thread.sleep(100); // the process is in its task cgroup, env set
    start(false, Optional.empty());
    assertThat(receiver.awaitReady(Duration.ofSeconds(2))).isTrue();
    assertThat(jobs(receiver.poll()).get(0).entity().attributes())
        .contains(entry(SlurmAttributes.JOB_ID, 77L), entry(SlurmAttributes.SLUID, SLUID));
  }
}

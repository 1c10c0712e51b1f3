package io.cgroupotel.receiver.slurm.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The parser on what a real Slurm 22.05 printed here (the hostile records were printed by the
 * test facility's Slurm for jobs submitted with those names), and on forged records.
 */
public class ScontrolJobTest {
  /** As a real Slurm 22.05 prints it here (sbatch -J 'my "odd" job' --uid=65534 --mem=100M). */
  public static final String LINE = "JobId=1 JobName=my \"odd\" job UserId=nobody(65534) GroupId=root(0)"
      + " MCS_label=N/A Priority=4294901759 Nice=0 Account=(null) QOS=(null) JobState=RUNNING"
      + " Reason=None Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:0"
      + " RunTime=00:00:02 TimeLimit=UNLIMITED TimeMin=N/A SubmitTime=2026-11-29T12:38:37"
      + " EligibleTime=2026-11-29T12:38:37 AccrueTime=2026-11-29T12:38:37"
      + " StartTime=2026-11-29T12:38:38 EndTime=Unknown Deadline=N/A SuspendTime=None"
      + " SecsPreSuspend=0 LastSchedEval=2026-11-29T12:38:38 Scheduler=Main Partition=debug"
      + " AllocNode:Sid=localhost:16009 ReqNodeList=(null) ExcNodeList=(null) NodeList=vm"
      + " BatchHost=vm NumNodes=1 NumCPUs=2 NumTasks=1 CPUs/Task=1 ReqB:S:C:T=0:0:*:*"
      + " TRES=cpu=2,mem=100M,node=1,billing=2 Socks/Node=* NtasksPerN:B:S:C=0:0:*:*"
      + " CoreSpec=* MinCPUsNode=1 MinMemoryNode=100M MinTmpDiskNode=0 Features=(null)"
      + " DelayBoot=00:00:00 OverSubscribe=OK Contiguous=0 Licenses=(null) Network=(null)"
      + " Command=(null) WorkDir=/tmp/my dir StdErr=/tmp/slurm-1.out StdIn=/dev/null"
      + " StdOut=/tmp/slurm-1.out Power= ";

  @Test
  void parse_realLine_valuesWithSpacesAndQuotes_nullsAbsent() {
    ScontrolJob j = ScontrolJob.parse(LINE);
    assertThat(j.name()).hasValue("my \"odd\" job");
    assertThat(j.userId()).hasValue(65534);
    assertThat(j.userName()).hasValue("nobody");
    assertThat(j.account()).isEmpty();
    assertThat(j.qos()).isEmpty();
    assertThat(j.partition()).hasValue("debug");
    assertThat(j.cpus()).hasValue(2);
    assertThat(j.nodes()).hasValue(1);
    assertThat(j.memoryBytes()).hasValue(100L << 20);
    assertThat(j.get("WorkDir")).as("after Command: users' free text, never read").isEmpty();
    assertThat(j.get("Power")).isEmpty();
    assertThat(j.arrayJobId()).isEmpty();
  }

  /** sbatch --job-name='evil UserId=root(0) ... Account=victim-acct QOS=high Partition=gpu'
   *  --comment='c UserId=root(0) Account=x Command=/bin/x', as Slurm 22.05 printed it. */
  public static final String HOSTILE = "JobId=1 JobName=evil UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=1 Nic"
      + "e=0 Account=victim-acct QOS=high Partition=gpu UserId=nobody(65534) GroupId=root"
      + "(0) MCS_label=N/A Priority=4294901759 Nice=0 Account=(null) QOS=(null) JobState="
      + "RUNNING Reason=None Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 "
      + "ExitCode=0:0 RunTime=00:00:00 TimeLimit=UNLIMITED TimeMin=N/A SubmitTime=2026-12"
      + "-06T20:58:52 EligibleTime=2026-12-06T20:58:52 AccrueTime=2026-12-06T20:58:52 Sta"
      + "rtTime=2026-12-06T20:58:55 EndTime=Unknown Deadline=N/A SuspendTime=None SecsPre"
      + "Suspend=0 LastSchedEval=2026-12-06T20:58:55 Scheduler=Main Partition=debug Alloc"
      + "Node:Sid=localhost:2264 ReqNodeList=(null) ExcNodeList=(null) NodeList=cgprobe B"
      + "atchHost=cgprobe NumNodes=1 NumCPUs=1 NumTasks=1 CPUs/Task=1 ReqB:S:C:T=0:0:*:* "
      + "TRES=cpu=1,node=1,billing=1 Socks/Node=* NtasksPerN:B:S:C=0:0:*:* CoreSpec=* Min"
      + "CPUsNode=1 MinMemoryNode=0 MinTmpDiskNode=0 Features=(null) DelayBoot=00:00:00 O"
      + "verSubscribe=OK Contiguous=0 Licenses=(null) Network=(null) Command=(null) WorkD"
      + "ir=/work/wt/slurm/receivers Comment=c UserId=root(0) Account=x Command=/bin/x  S"
      + "tdErr=/dev/null StdIn=/dev/null StdOut=/dev/null Power= ";

  /** A name with a newline and a forged UserId: 22.05 prints both as they are, on two lines. */
  static final String NEWLINE = "JobId=2 JobName=a\nb   UserId=root(0) UserId=nobody(65534) GroupId=root(0) MCS_la"
      + "bel=N/A Priority=4294901758 Nice=0 Account=(null) QOS=(null) JobState=RUNNING Re"
      + "ason=None Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0"
      + ":0 RunTime=00:00:00 TimeLimit=UNLIMITED TimeMin=N/A SubmitTime=2026-12-06T20:58:"
      + "52 EligibleTime=2026-12-06T20:58:52 AccrueTime=2026-12-06T20:58:52 StartTime=202"
      + "6-12-06T20:58:55 EndTime=Unknown Deadline=N/A SuspendTime=None SecsPreSuspend=0 "
      + "LastSchedEval=2026-12-06T20:58:55 Scheduler=Main Partition=debug AllocNode:Sid=l"
      + "ocalhost:2264 ReqNodeList=(null) ExcNodeList=(null) NodeList=cgprobe BatchHost=c"
      + "gprobe NumNodes=1 NumCPUs=1 NumTasks=1 CPUs/Task=1 ReqB:S:C:T=0:0:*:* TRES=cpu=1"
      + ",node=1,billing=1 Socks/Node=* NtasksPerN:B:S:C=0:0:*:* CoreSpec=* MinCPUsNode=1"
      + " MinMemoryNode=0 MinTmpDiskNode=0 Features=(null) DelayBoot=00:00:00 OverSubscri"
      + "be=OK Contiguous=0 Licenses=(null) Network=(null) Command=(null) WorkDir=/work/w"
      + "t/slurm/receivers StdErr=/dev/null StdIn=/dev/null StdOut=/dev/null Power= ";

  /** A body with the keys every record has, for forged records. */
  private static final String BODY = "UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=1"
      + " Nice=0 Account=victim QOS=high JobState=RUNNING Reason=None Partition=gpu NumNodes=1"
      + " NumCPUs=64 TRES=cpu=64,mem=1T Command=/bin/x";

  @Test
  void parse_hostileName_nameKeptWhole_fieldsFromTheTrueBody() {
    ScontrolJob j = ScontrolJob.find(HOSTILE, 1).orElseThrow();
    assertThat(j.ambiguous()).isFalse();
    assertThat(j.name()).hasValue("evil UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=1"
        + " Nice=0 Account=victim-acct QOS=high Partition=gpu");
    assertThat(j.userId()).hasValue(65534);
    assertThat(j.account()).as("Account=(null) in the true body").isEmpty();
    assertThat(j.qos()).isEmpty();
    assertThat(j.partition()).hasValue("debug");
    assertThat(j.cpus()).hasValue(1);
  }

  @Test
  void parse_nameWithNewlineAndForgedUserId_oneRecord_trueUid() {
    ScontrolJob j = ScontrolJob.find(NEWLINE + "\n", 2).orElseThrow();
    assertThat(j.name()).hasValue("a\nb   UserId=root(0)");
    assertThat(j.userId()).hasValue(65534);
    assertThat(j.partition()).hasValue("debug");
  }

  @Test
  void parse_nameForgingAWholeBody_ambiguous_nothingOfTheBodyTaken() {
    ScontrolJob j = ScontrolJob.parse("JobId=7 JobName=x " + BODY + " WorkDir=/ "
        + LINE.substring(LINE.indexOf("UserId=")));
    assertThat(j.ambiguous()).isTrue();
    assertThat(j.name()).isEmpty();
    assertThat(j.account()).isEmpty();
    assertThat(j.partition()).isEmpty();
    assertThat(j.userId()).isEmpty();
    assertThat(j.jobId()).hasValue(7);
  }

  @Test
  void parse_laterFreeFieldsForgingKeys_ignored_forgingAWholeBody_ambiguous() {
    // WorkDir, Comment, StdOut come after Command: what they hold is never read...
    ScontrolJob j = ScontrolJob.parse(LINE.replace("WorkDir=/tmp/my dir",
        "WorkDir=/tmp/x UserId=root(0) Partition=gpu Account=v Command=/x"));
    assertThat(j.partition()).hasValue("debug");
    assertThat(j.account()).isEmpty();
    assertThat(j.userId()).hasValue(65534);
    // ...and one that forges a whole body makes the record ambiguous: nothing taken
    ScontrolJob k = ScontrolJob.parse(LINE + " Comment=x " + BODY);
    assertThat(k.ambiguous()).isTrue();
    assertThat(k.partition()).isEmpty();
  }

  @Test
  void parse_versionWithoutCommand_bodyToTheEnd_duplicatesStillRefused() {
    String noCommand = LINE.replace("Command=(null) ", "");
    assertThat(ScontrolJob.parse(noCommand).partition()).hasValue("debug");
    ScontrolJob forged = ScontrolJob.parse(noCommand + " Comment=x Partition=gpu");
    assertThat(forged.partition()).as("Partition twice: no valid body").isEmpty();
  }

  @Test
  void find_forgedRecordStartOnANewLine_twoRecordsForOneId_none() {
    String out = "JobId=7 JobName=a\nJobId=7 JobName=b " + BODY + "\n"
        + LINE.replace("JobId=1 ", "JobId=7 ").substring(0, LINE.indexOf("JobName=") + 2)
        + LINE.substring(LINE.indexOf(" UserId="));
    assertThat(ScontrolJob.records(out)).hasSize(3);
    assertThat(ScontrolJob.find(out, 7)).isEmpty();
  }

  @Test
  void parse_hugeNames_boundedTime() {
    String big = "a".repeat(200_000);
    String many = " UserId=x(1)".repeat(20_000);
    long t0 = System.nanoTime();
    ScontrolJob j = ScontrolJob.parse(LINE.replace("my \"odd\" job", big));
    ScontrolJob k = ScontrolJob.parse(LINE.replace("my \"odd\" job", many));
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    assertThat(j.name().orElseThrow()).hasSize(200_000);
    assertThat(SlurmText.attribute(j.name().orElseThrow()))
        .hasSize(256 + "...[+199744 chars]".length()).endsWith("...[+199744 chars]");
    assertThat(k.ambiguous()).isTrue();
    assertThat(took).as("linear in the record's length").isLessThan(Duration.ofSeconds(2));
  }

  @Test
  void find_arrayLeaderListsEveryTask_picksTheJob() {
    String out = LINE.replace("JobId=1 ", "JobId=100 ArrayJobId=100 ArrayTaskId=3 ") + "\n"
        + LINE.replace("JobId=1 ", "JobId=103 ArrayJobId=100 ArrayTaskId=2 ") + "\n"
        + LINE.replace("JobId=1 ", "JobId=1003 ArrayJobId=100 ArrayTaskId=1 ") + "\n";
    ScontrolJob j = ScontrolJob.find(out, 103).orElseThrow();
    assertThat(j.arrayJobId()).hasValue(100);
    assertThat(j.arrayTaskId()).hasValue(2);
    assertThat(ScontrolJob.find(out, 10)).isEmpty();
  }

  @Test
  void bySluid_uniqueRecordNamingIt_wherever_forgedSecondOne_none() {
    String sluid = "sEKNKTV3WPV500";
    String head = LINE.replace("JobId=1 ", "JobId=4242 SLUID=" + sluid + " ");
    String tail = LINE.replace("JobId=1 ", "JobId=4243 ") + " SLUID=sEKNKTV3WPV501";
    assertThat(ScontrolJob.bySluid(head + "\n" + tail + "\n", sluid).orElseThrow().jobId())
        .hasValue(4242);
    assertThat(ScontrolJob.bySluid(head + "\n" + tail + "\n", "sEKNKTV3WPV501").orElseThrow()
        .jobId()).hasValue(4243);
    String forger = LINE.replace("JobId=1 JobName=my \"odd\" job",
        "JobId=666 JobName=x SLUID=" + sluid);
    assertThat(ScontrolJob.bySluid(head + "\n" + forger + "\n", sluid)).isEmpty();
    assertThat(ScontrolJob.bySluid(head, "sEKNKTV3WPV5")).isEmpty();
  }

  @Test
  void find_garbage_nothing() {
    assertThat(ScontrolJob.find("<html>oops</html>\nJobId\nJobIdx=3\n", 3)).isEmpty();
    assertThat(ScontrolJob.parse("no keys at all").fields()).isEmpty();
    assertThat(ScontrolJob.parse("").fields()).isEmpty();
    assertThat(ScontrolJob.parse(LINE.replace("NumCPUs=2", "NumCPUs=lots")).cpus()).isEmpty();
    assertThat(ScontrolJob.parse(LINE.replace("mem=100M", "mem=much")).memoryBytes()).isEmpty();
  }

  @Test
  void isSluid_asSlurmPrintsIt() {
    assertThat(ScontrolJob.isSluid("sEKNKTV3WPV500")).isTrue();
    assertThat(ScontrolJob.isSluid("sBR1JB8J1YM400")).as("Slurm's own test value").isTrue();
    for (String bad : new String[] {"SEKNKTV3WPV500", "sEKNKTV3WPV50", "sEKNKTV3WPV5000",
        "sEKNKTV3WPVI00", "seknktv3wpv500", "job_1"}) {
      assertThat(ScontrolJob.isSluid(bad)).as(bad).isFalse();
    }
  }
}

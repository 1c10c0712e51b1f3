package io.cgroupotel.receiver.slurm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ScontrolJobTest {
  /** As a real Slurm 22.05 prints it here (sbatch -J 'my "odd" job' --uid=65534 --mem=100M). */
  static final String LINE = "JobId=1 JobName=my \"odd\" job UserId=nobody(65534) GroupId=root(0)"
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
    assertThat(j.get("WorkDir")).hasValue("/tmp/my dir");
    assertThat(j.get("Power")).isEmpty();
    assertThat(j.arrayJobId()).isEmpty();
  }

  @Test
  void parse_jobNameHoldingKeys_runsUntilUserId() {
    ScontrolJob j = ScontrolJob.parse("JobId=5 JobName=a Account=b QOS=c  UserId=bob(1001)"
        + " Account=physics QOS=normal Partition=gpu long NumCPUs=8 TRES=cpu=8,mem=2G,node=2");
    assertThat(j.name()).hasValue("a Account=b QOS=c");
    assertThat(j.account()).hasValue("physics");
    assertThat(j.qos()).hasValue("normal");
    assertThat(j.partition()).hasValue("gpu long");
    assertThat(j.memoryBytes()).hasValue(2L << 30);
    assertThat(j.userName()).hasValue("bob");
  }

  @Test
  void parse_unnamedUid_noUserName_memoryFromMinMemoryNode() {
    ScontrolJob j = ScontrolJob.parse(
        "JobId=9 JobName=x UserId=4242(4242) NumNodes=2 MinMemoryNode=1.5G TRES=cpu=1,node=2");
    assertThat(j.userId()).hasValue(4242);
    assertThat(j.userName()).isEmpty();
    assertThat(j.memoryBytes()).hasValue(3L << 30);
  }

  @Test
  void find_arrayLeaderListsEveryTask_picksTheJob() {
    List<String> out = List.of(
        "JobId=100 ArrayJobId=100 ArrayTaskId=3 JobName=arr UserId=root(0)",
        "JobId=103 ArrayJobId=100 ArrayTaskId=2 JobName=arr UserId=root(0)",
        "JobId=1003 ArrayJobId=100 ArrayTaskId=1 JobName=arr UserId=root(0)");
    ScontrolJob j = ScontrolJob.find(out, 103).orElseThrow();
    assertThat(j.arrayJobId()).hasValue(100);
    assertThat(j.arrayTaskId()).hasValue(2);
    assertThat(ScontrolJob.find(out, 10)).isEmpty();
  }

  @Test
  void find_garbage_nothing() {
    assertThat(ScontrolJob.find(List.of("<html>oops</html>", "JobId", "JobIdx=3"), 3)).isEmpty();
    assertThat(ScontrolJob.parse("no keys at all").fields()).isEmpty();
    assertThat(ScontrolJob.parse("").fields()).isEmpty();
    assertThat(ScontrolJob.parse("JobId=3 NumCPUs=lots TRES=mem=much").cpus()).isEmpty();
    assertThat(ScontrolJob.parse("JobId=3 TRES=mem=much").memoryBytes()).isEmpty();
  }
}

package io.cgroupotel.receiver.slurm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SlurmNamesTest {
  private static final String SCOPE = "/sys/fs/cgroup/system.slice/slurmstepd.scope";
  private static final String NODE_SCOPE = "/x/system.slice/node-1_slurmstepd.scope";

  @Test
  void jobId_bothScopeNames_anyDepth() {
    assertThat(SlurmNames.jobId(Path.of(SCOPE + "/job_42"))).hasValue(42);
    assertThat(SlurmNames.jobId(Path.of(NODE_SCOPE + "/job_4294967295"))).hasValue(4294967295L);
    assertThat(SlurmNames.jobId(Path.of("/a/b/c/system.slice/n_slurmstepd.scope/job_7")))
        .hasValue(7);
  }

  @Test
  void jobId_oddNames_notJobs() {
    for (String bad : new String[] {SCOPE + "/job_abc", SCOPE + "/job_", SCOPE + "/job_-1",
        SCOPE + "/job_007", SCOPE + "/job_4294967296", SCOPE + "/job_1_2", SCOPE + "/system",
        SCOPE + "/slurmd", "/sys/fs/cgroup/other.slice/slurmstepd.scope/job_1",
        "/sys/fs/cgroup/system.slice/_slurmstepd.scope/job_1",
        "/sys/fs/cgroup/system.slice/slurmstepd.service/job_1", "/job_1", SCOPE}) {
      assertThat(SlurmNames.jobId(Path.of(bad))).as(bad).isEmpty();
    }
  }

  @Test
  void stepId_everyKind() {
    assertThat(SlurmNames.stepId(Path.of(SCOPE + "/job_1/step_0"))).isEqualTo("0");
    assertThat(SlurmNames.stepId(Path.of(SCOPE + "/job_1/step_12"))).isEqualTo("12");
    assertThat(SlurmNames.stepId(Path.of(SCOPE + "/job_1/step_batch"))).isEqualTo("batch");
    assertThat(SlurmNames.stepId(Path.of(SCOPE + "/job_1/step_extern"))).isEqualTo("extern");
    assertThat(SlurmNames.stepId(Path.of(SCOPE + "/job_1/step_interactive")))
        .isEqualTo("interactive");
    assertThat(SlurmNames.stepId(Path.of(SCOPE + "/job_1/step_0+1"))).isEqualTo("0+1");
    assertThat(SlurmNames.stepId(Path.of(SCOPE + "/job_1/step_"))).isNull();
    assertThat(SlurmNames.stepId(Path.of(SCOPE + "/job_1/step_a b"))).isNull();
    assertThat(SlurmNames.stepId(Path.of(SCOPE + "/job_x/step_0"))).isNull();
    assertThat(SlurmNames.stepId(Path.of(SCOPE + "/job_1/user"))).isNull();
  }

  @Test
  void descendInto_skipsDaemonsAndBelowSteps() {
    assertThat(SlurmNames.descendInto(Path.of("/sys/fs/cgroup"), false)).isTrue();
    assertThat(SlurmNames.descendInto(Path.of("/sys/fs/cgroup/system.slice"), false)).isTrue();
    assertThat(SlurmNames.descendInto(Path.of(SCOPE), false)).isTrue();
    assertThat(SlurmNames.descendInto(Path.of(SCOPE + "/system"), true)).isFalse();
    assertThat(SlurmNames.descendInto(Path.of(NODE_SCOPE + "/slurmd"), true)).isFalse();
    assertThat(SlurmNames.descendInto(Path.of(SCOPE + "/job_abc"), true)).isFalse();
    assertThat(SlurmNames.descendInto(Path.of(SCOPE + "/job_1"), false)).isFalse();
    assertThat(SlurmNames.descendInto(Path.of(SCOPE + "/job_1"), true)).isTrue();
    assertThat(SlurmNames.descendInto(Path.of(SCOPE + "/job_1/step_0"), true)).isFalse();
    assertThat(SlurmNames.descendInto(Path.of(SCOPE + "/job_1/user"), true)).isFalse();
  }

  @Test
  void sluidDirectories_candidates_descendedForTheirSteps() {
    String sluid = SCOPE + "/sEKNKTV3WPV500";
    assertThat(SlurmNames.jobCandidate(Path.of(sluid))).isTrue();
    assertThat(SlurmNames.jobCandidate(Path.of(SCOPE + "/job_1"))).isTrue();
    assertThat(SlurmNames.jobCandidate(Path.of(SCOPE + "/system"))).isFalse();
    assertThat(SlurmNames.jobCandidate(Path.of(SCOPE + "/slurmd"))).isFalse();
    assertThat(SlurmNames.jobCandidate(Path.of(SCOPE + "/job_abc"))).isFalse();
    assertThat(SlurmNames.jobCandidate(Path.of(SCOPE + "/a b"))).isFalse();
    assertThat(SlurmNames.jobCandidate(Path.of("/sys/fs/cgroup/sEKNKTV3WPV500"))).isFalse();
    // a SLUID job is watched whatever `steps` (its steps make it a job), its steps are leaves
    assertThat(SlurmNames.descendInto(Path.of(sluid), false)).isTrue();
    assertThat(SlurmNames.descendInto(Path.of(sluid + "/step_0"), true)).isFalse();
    assertThat(SlurmNames.stepId(Path.of(sluid + "/step_batch"))).isEqualTo("batch");
  }

  @Test
  void v1Scopes_withAndWithoutNodePrefix() {
    assertThat(SlurmNames.isStepdScope(Path.of("/sys/fs/cgroup/cpuacct/slurm/uid_1000")))
        .isTrue();
    assertThat(SlurmNames.isStepdScope(Path.of("/sys/fs/cgroup/cpuacct/slurm_n1/uid_1000")))
        .isTrue();
    assertThat(SlurmNames.jobId(Path.of("/sys/fs/cgroup/memory/slurm_n1/uid_0/job_9")))
        .hasValue(9);
    assertThat(SlurmNames.isStepdScope(Path.of("/sys/fs/cgroup/cpuacct/slurm_/uid_1000")))
        .isFalse();
    assertThat(SlurmNames.isStepdScope(Path.of("/sys/fs/cgroup/cpuacct/slurmx/uid_1000")))
        .isFalse();
  }
}

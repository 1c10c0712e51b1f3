package io.cgroupotel.receiver.oar3;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class OarCgroupNamesTest {
  private final OarCgroupNames oar = new OarCgroupNames("oar");

  @ParameterizedTest
  @CsvSource({
      "oar.slice/oar-u1000.slice/oar-u1000-j4242.slice, 4242, 1000",
      "a/b/oar.slice/oar-u0.slice/oar-u0-j1.slice, 1, 0",
      "oar.slice/oar-u65534.slice/oar-u65534-j123456789012.slice, 123456789012, 65534"})
  void job_jobSlices_parsed(String path, long jobId, long uid) {
    assertThat(oar.job(Path.of(path))).contains(new OarCgroupNames.Job(jobId, uid));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "oar.slice",
      "oar.slice/oar-u1000.slice",
      "oar.slice/oar-u1000.slice/oar-u1000-j42.slice/oar-u1000-j42-p8891.scope",
      "oar.slice/oar-u1000.slice/oar-u1000-j42.slice/oar-u1000-j42-t1.slice",
      "oar.slice/oar-u1000.slice/oar-u1001-j42.slice",       // uid differs from its user slice
      "other.slice/oar-u1000.slice/oar-u1000-j42.slice",     // not under the top slice
      "oar.slice/oar-u1000.slice/oar-u1000-jabc.slice",
      "oar.slice/oar-ubob.slice/oar-ubob-j42.slice",
      "oar.slice/oar-u1000.slice/oar-u1000-j42.scope",
      "oar.slice/oar-u1000.slice/xoar-u1000-j42.slice",
      "oar-u1000-j42.slice"})
  void job_otherNames_notJobs(String path) {
    assertThat(oar.job(Path.of(path))).isEmpty();
  }

  @ParameterizedTest
  @CsvSource({"oar.slice/oar-u1000.slice/oar-u1000-j42.slice, false",
      "oar.slice/oar-u1000.slice, true", "system.slice, true"})
  void descend_stopsAtJobs(String path, boolean descend) {
    assertThat(oar.descend(Path.of(path), 3)).isEqualTo(descend);
  }

  @ParameterizedTest
  @CsvSource({"cluster/oar.slice/... , false"})
  void customPrefix_parsed(String unused, boolean ignored) {
    OarCgroupNames custom = new OarCgroupNames("hpc.oar");
    assertThat(custom.job(Path.of("hpc.oar.slice/hpc.oar-u7.slice/hpc.oar-u7-j9.slice")))
        .contains(new OarCgroupNames.Job(9, 7));
    assertThat(custom.job(Path.of("oar.slice/oar-u7.slice/oar-u7-j9.slice"))).isEmpty();
  }
}

package io.cgroupotel.receiver.oar3;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.receiver.Ids;
import io.cgroupotel.receiver.oar3.metadata.OarJob;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OarNamesTest {

  @ParameterizedTest(name = "{0}/{1}/{2} (prefix {3}) -> uid {4} job {5}")
  @CsvSource(nullValues = "-", value = {
      // grandparent, parent, name, prefix, uid, job
      "oar.slice, oar-u0.slice, oar-u0-j4242.slice, oar, 0, 4242",
      "oar.slice, oar-u1000.slice, oar-u1000-j1.slice, oar, 1000, 1",
      "oar.slice, oar-u4294967295.slice, oar-u4294967295-j9.slice, oar, 4294967295, 9",
      "oar.slice, oar-u0.slice, oar-u0-j999999999999999999.slice, oar, 0, 999999999999999999",
      "myoar.slice, myoar-u5.slice, myoar-u5-j7.slice, myoar, 5, 7",
      "oar_2.slice, oar_2-u5.slice, oar_2-u5-j7.slice, oar_2, 5, 7",
      // not jobs
      "oar.slice, oar-u0.slice, oar-u0-j4242-t1.slice, oar, -, -",          // sub-task slice
      "oar.slice, oar-u0.slice, oar-u0-j4242-p123.scope, oar, -, -",        // process scope
      "oar-u0.slice, oar-u0-j4242.slice, oar-u0-j4242-t1.slice, oar, -, -", // sub-task, deeper
      "user.slice, oar.slice, oar-u0.slice, oar, -, -",                     // user slice
      "oar.slice, oar-u0.slice, oar-u1-j5.slice, oar, -, -",                // uid mismatch
      "oar.slice, oar-u1.slice, oar-u0-j5.slice, oar, -, -",                // uid mismatch
      "oar.slice, oar-u0.slice, oar-u0-j.slice, oar, -, -",                 // no job id
      "oar.slice, oar-u0.slice, oar-u0-jabc.slice, oar, -, -",              // non-numeric
      "oar.slice, oar-ualice.slice, oar-ualice-j5.slice, oar, -, -",        // user name, not uid
      "oar.slice, oar-u0.slice, oar-u0-j-5.slice, oar, -, -",               // sign
      "oar.slice, oar-u0.slice, oar-u0-j+5.slice, oar, -, -",               // sign
      "oar.slice, oar-u0.slice, oar-u0-j05.slice, oar, -, -",               // leading zero
      "oar.slice, oar-u00.slice, oar-u00-j5.slice, oar, -, -",              // leading zero
      "oar.slice, oar-u0.slice, oar-u0-j5.scope, oar, -, -",                // scope, not slice
      "oar.slice, oar-u0.slice, oar-u0-j5.slice.bak, oar, -, -",            // suffix
      "oar.slice, oar-u0.slice, oar-u0-j5, oar, -, -",                      // cgroupfs-style
      "oar.slice, oar-u0.slice, oar-u0-j99999999999999999999.slice, oar, -, -", // too large
      "oar.slice, oar-u4294967296.slice, oar-u4294967296-j1.slice, oar, -, -",  // uid > 32 bits
      "oar.slice, oar-u0.slice, OAR-u0-j5.slice, oar, -, -",                // case
      "xoar.slice, oar-u0.slice, oar-u0-j5.slice, oar, -, -",               // grandparent
      "oar.slice, oar-u0.slice, oar-u0-j5.slice, myoar, -, -",              // other prefix
      "oar.slice, oar-u0.slice, oar-u0-j5-j6.slice, oar, -, -",             // two job ids
      "oar.slice, oar-u0.slice, oar-u0-j 5.slice, oar, -, -",               // space
      "oar.slice, oar-u0.slice, oar-u٣-j5.slice, oar, -, -",                // non-ASCII digit
  })
  void parseJob_table(String grandparent, String parent, String name, String prefix, Long uid,
      Long job) {
    Optional<OarJob> parsed = OarNames.parseJob(grandparent, parent, name, prefix);
    if (uid == null) {
      assertThat(parsed).isEmpty();
    } else {
      assertThat(parsed).contains(new OarJob(job, uid, null));
    }
  }

  @ParameterizedTest
  @CsvSource({
      "/sys/fs/cgroup/oar.slice/oar-u0.slice/oar-u0-j1.slice, false",
      "/sys/fs/cgroup/oar.slice/oar-u0.slice, true",
      "/sys/fs/cgroup/oar.slice, true",
      "/sys/fs/cgroup, true",
      "/a/b/c/oar.slice/oar-u0.slice/oar-u0-j1.slice/oar-u0-j1-t1.slice, true",
      "oar-u0-j1.slice, true",
  })
  void parseJob_path_jobSlicesOnly_theReceiverDescendsIntoTheRest(String dir, boolean descend) {
    assertThat(OarNames.parseJob(Path.of(dir), "oar").isEmpty()).isEqualTo(descend);
  }

  @ParameterizedTest
  @CsvSource({"0, 0", "7, 7", "'', -1", "01, -1", "1a, -1", "-1, -1", "1234567890123456789, -1"})
  void parseId_table(String text, long expected) {
    assertThat(Ids.parseId(text)).isEqualTo(expected);
  }
}

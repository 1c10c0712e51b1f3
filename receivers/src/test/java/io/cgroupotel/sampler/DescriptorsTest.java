package io.cgroupotel.sampler;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DescriptorsTest {
  @Test
  void openFileLimit_kernelLayout_softAndHard(@TempDir Path dir) throws Exception {
    Path limits = Files.writeString(dir.resolve("limits"), """
        Limit                     Soft Limit           Hard Limit           Units
        Max processes             63457                63457                processes
        Max open files            524288               1048576              files
        Max locked memory         8388608              8388608              bytes
        """);
    assertThat(Descriptors.OpenFileLimit.read(limits))
        .isEqualTo(new Descriptors.OpenFileLimit("524288", "1048576"));
  }

  @Test
  void openFileLimit_missingOrWithoutTheLine_null(@TempDir Path dir) throws Exception {
    assertThat(Descriptors.OpenFileLimit.read(dir.resolve("none"))).isNull();
    Path other = Files.writeString(dir.resolve("limits"), "Max processes 1 1 processes\n");
    assertThat(Descriptors.OpenFileLimit.read(other)).isNull();
  }

  @Test
  void limit_thisProcess_readOnceAndBudgetedFromIt() {
    assertThat(Descriptors.LIMIT).isEqualTo(
        Descriptors.OpenFileLimit.read(Path.of("/proc/self/limits")));
    assertThat(Descriptors.cap()).isEqualTo(Math.max(64, Descriptors.softLimit()
        - Descriptors.RESERVE));
  }
}

package io.cgroupotel.cgroupfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeptOpenFileTest {
  private final ByteBuffer buffer = ByteBuffer.allocate(256);

  private String text(int n) {
    return new String(buffer.array(), 0, n, StandardCharsets.US_ASCII);
  }

  @Test
  void read_procStat_keptOpenAndReadAnewEachTime() throws Exception {
    try (KeptOpenFile stat = new KeptOpenFile(Path.of("/proc/stat"))) {
      assertThat(stat.isOpen()).isFalse();
      assertThat(text(stat.read(buffer))).startsWith("cpu ");
      assertThat(stat.isOpen()).isTrue();
      assertThat(text(stat.read(buffer))).as("offset 0 again").startsWith("cpu ");
    }
  }

  @Test
  void read_fileRewrittenInPlace_newContentWithoutReopening(@TempDir Path dir) throws Exception {
    Path p = Files.writeString(dir.resolve("energy_uj"), "123\n");
    try (KeptOpenFile f = new KeptOpenFile(p)) {
      assertThat(text(f.read(buffer))).isEqualTo("123\n");
      Files.writeString(p, "45\n"); // truncates the same inode, as a counter file changes
      assertThat(text(f.read(buffer))).isEqualTo("45\n");
      assertThat(buffer.position()).isEqualTo(3);
    }
  }

  @Test
  void read_missingThenCreated_failsThenOpensAtTheNextRead(@TempDir Path dir) throws Exception {
    Path p = dir.resolve("cpu.stat");
    try (KeptOpenFile f = new KeptOpenFile(p)) {
      assertThatThrownBy(() -> f.read(buffer)).isInstanceOf(NoSuchFileException.class);
      assertThat(f.isOpen()).isFalse();
      Files.writeString(p, "usage_usec 7\n");
      assertThat(text(f.read(buffer))).isEqualTo("usage_usec 7\n");
      Files.writeString(p, "");
      assertThat(f.read(buffer)).as("empty file").isZero();
    }
  }
}

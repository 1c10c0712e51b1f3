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

  @Test
  void read_nativeReaderWhenLoaded_directAndHeapBuffersGetTheSameBytes(@TempDir Path dir)
      throws Exception {
    Path p = Files.writeString(dir.resolve("energy_uj"), "987654321\n");
    ByteBuffer direct = ByteBuffer.allocateDirect(64);
    try (KeptOpenFile f = new KeptOpenFile(p)) {
      assertThat(f.read(direct)).isEqualTo(10);
      assertThat(f.isNative()).as("a bare descriptor exactly when the native reader is loaded")
          .isEqualTo(NativeFiles.available());
      byte[] got = new byte[10];
      direct.get(0, got);
      assertThat(new String(got, StandardCharsets.US_ASCII)).isEqualTo("987654321\n");
      assertThat(text(f.read(buffer))).as("heap buffer, same file").isEqualTo("987654321\n");
      assertThat(buffer.position()).isEqualTo(10);
      Files.writeString(p, "5\n");
      assertThat(f.read(direct)).isEqualTo(2);
      assertThat(direct.get(0)).isEqualTo((byte) '5');
      Files.delete(p);
      assertThat(f.read(direct)).as("still open: the inode lives on").isEqualTo(2);
      f.close();
      assertThat(f.isOpen()).isFalse();
      assertThatThrownBy(() -> f.read(direct)).isInstanceOf(NoSuchFileException.class);
    }
  }
}

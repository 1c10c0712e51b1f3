package io.cgroupotel.sampler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cgroupotel.cgroupfs.NativeFiles;
import io.cgroupotel.cgroupfs.ReadStatus;
import io.cgroupotel.cgroupfs.RealCgroupTree;
import io.cgroupotel.metrics.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The native reader against the FileChannel one on the same files: real cgroup files (a
 * process burning CPU in a cgroup of our own), names the JVM's charset cannot carry, descriptors
 * given back. Under {@code CI=true} the library must be in the build (CI installs a C compiler).
 */
class NativeFilesTest {
  @TempDir Path tmp;

  /** Whether this build has the native reader; under CI=true it must. */
  static boolean nativeAvailable() {
    if ("true".equals(System.getenv("CI"))) {
      assertThat(NativeFiles.available())
          .as("CI=true: the native reader must be built (%s)", NativeFiles.unavailableReason())
          .isTrue();
    }
    return NativeFiles.available();
  }

  @Test
  @Tag("real-cgroup")
  void realCgroup_nativeAndChannelReadTheSameCounters() throws Exception {
    assumeTrue(nativeAvailable(), "no native reader in this build");
    try (RealCgroupTree tree = RealCgroupTree.create("native")) {
      Path cgroup = tree.mkdirs("burner");
      Process burner = tree.burnCpu(cgroup);
      Thread.sleep(300);
      SourceFile cpuStat = V2Hierarchy.FILES.get(0);
      OpenFile viaNative = new OpenFile(cpuStat, cgroup, true);
      OpenFile viaChannel = new OpenFile(cpuStat, cgroup, true);
      CgroupReader nativeReader = new CgroupReader(true);
      CgroupReader channelReader = new CgroupReader(false);
      long previous = -1;
      for (int i = 0; i < 4; i++) {
        long before = RealCgroupTree.usageUsec(cgroup);
        assertThat(nativeReader.read(viaNative)).isEqualTo(ReadStatus.OK);
        long fromNative = usage(nativeReader, cpuStat);
        assertThat(channelReader.read(viaChannel)).isEqualTo(ReadStatus.OK);
        long fromChannel = usage(channelReader, cpuStat);
        long after = RealCgroupTree.usageUsec(cgroup);
        assertThat(fromNative).as("kept open, read again at offset 0: the kernel's value now")
            .isBetween(before, fromChannel).isGreaterThan(previous);
        assertThat(fromChannel).isBetween(fromNative, after);
        previous = fromNative;
        Thread.sleep(100);
      }
      assertThat(viaNative.fd).as("opened natively").isGreaterThanOrEqualTo(0);
      assertThat(viaNative.channel).isNull();
      assertThat(viaChannel.fd).isEqualTo(-1);
      burner.destroyForcibly().waitFor();
      viaNative.close();
      viaChannel.close();
    }
  }

  @Test
  void missingFile_andVanishedDirectory_asTheChannelSaysThem() throws Exception {
    assumeTrue(nativeAvailable(), "no native reader in this build");
    CgroupReader reader = new CgroupReader(true);
    OpenFile missing = new OpenFile(V2Hierarchy.FILES.get(3), tmp, false);
    assertThat(reader.read(missing)).isEqualTo(ReadStatus.ABSENT);
    OpenFile vanished = new OpenFile(V2Hierarchy.FILES.get(0), tmp.resolve("gone"), true);
    assertThat(reader.read(vanished)).isEqualTo(ReadStatus.GONE);
    Path unreadable = Files.writeString(tmp.resolve("cpu.stat"), "usage_usec 1\n");
    unreadable.toFile().setReadable(false, false);
    OpenFile denied = new OpenFile(V2Hierarchy.FILES.get(0), tmp, true);
    ReadStatus status = reader.read(denied);
    if (!"root".equals(System.getProperty("user.name"))) {
      assertThat(status).isEqualTo(ReadStatus.ERROR);
      assertThat(reader.error()).isEqualTo("permission denied");
    }
  }

  @Test
  void nameTheCharsetCannotCarry_openedThroughTheChannel() throws Exception {
    assumeTrue(nativeAvailable(), "no native reader in this build");
    Path plain = Files.createDirectory(tmp.resolve("pod"));
    assertThat(NativeFiles.nameBytes(plain)).as("a name the JVM decodes").isNotNull();
    Files.writeString(plain.resolve("cpu.stat"), "usage_usec 5\n");
    CgroupReader reader = new CgroupReader(true);
    OpenFile file = new OpenFile(V2Hierarchy.FILES.get(0), plain, true);
    assertThat(reader.read(file)).isEqualTo(ReadStatus.OK);
    assertThat(file.fd).isGreaterThanOrEqualTo(0);
    assertThat(usage(reader, V2Hierarchy.FILES.get(0))).isEqualTo(5);
    file.close();
    assertThat(file.fd).as("given back").isEqualTo(-1);
    // a name with a byte UTF-8 cannot decode (cgroup names are bytes): its String maps back to
    // other bytes, so it is opened through the channel, which keeps the bytes
    Process mkdir = new ProcessBuilder("sh", "-c",
        "d=\"$(printf 'bad\\377name')\"; mkdir \"$d\" && printf 'usage_usec 6\\n' > \"$d/cpu.stat\"")
        .directory(tmp.toFile()).start();
    assertThat(mkdir.waitFor()).isZero();
    Path odd;
    try (var list = Files.list(tmp)) {
      odd = list.filter(p -> p.getFileName().toString().startsWith("bad")).findFirst()
          .orElseThrow();
    }
    assertThat(NativeFiles.nameBytes(odd)).isNull();
    OpenFile oddFile = new OpenFile(V2Hierarchy.FILES.get(0), odd, true);
    assertThat(reader.read(oddFile)).isEqualTo(ReadStatus.OK);
    assertThat(oddFile.fd).isEqualTo(-1);
    assertThat(oddFile.channel).isNotNull();
    assertThat(usage(reader, V2Hierarchy.FILES.get(0))).isEqualTo(6);
    oddFile.close();
  }

  @Test
  void interruptedThread_nativeReadsStillRead() throws Exception {
    assumeTrue(nativeAvailable(), "no native reader in this build");
    Files.writeString(tmp.resolve("cpu.stat"), "usage_usec 9\n");
    CgroupReader reader = new CgroupReader(true);
    OpenFile file = new OpenFile(V2Hierarchy.FILES.get(0), tmp, true);
    Thread.currentThread().interrupt();
    try {
      assertThat(reader.read(file)).isEqualTo(ReadStatus.OK);
      assertThat(reader.read(file)).isEqualTo(ReadStatus.OK);
    } finally {
      Thread.interrupted();
    }
    assertThat(usage(reader, V2Hierarchy.FILES.get(0))).isEqualTo(9);
  }

  private static long usage(CgroupReader reader, SourceFile source) {
    SampleBuffer b = new SampleBuffer();
    source.parser().parse(Arrays.copyOf(reader.bytes(), reader.length()), reader.length(), b);
    return b.get(Field.CPU_USAGE_USEC);
  }
}

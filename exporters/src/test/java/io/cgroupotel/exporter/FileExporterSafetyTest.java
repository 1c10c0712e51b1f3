package io.cgroupotel.exporter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cgroupotel.exporter.file.FileExporterConfig;
import io.cgroupotel.exporter.file.FileExporterFactory;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file exporter, often root, never writes where someone else steers it (a symbolic link at
 * the path, a directory another user can change), and never shares its file with a second
 * writer. Real links, real permissions, a real second process holding the lock.
 */
class FileExporterSafetyTest {
  @TempDir Path dir;

  static MetricExporter create(Path file) throws ExporterStartException {
    return new FileExporterFactory().create(
        new FileExporterConfig(file.toString(), AggregationTemporality.CUMULATIVE));
  }

  static boolean root() {
    return "root".equals(System.getProperty("user.name"));
  }

  @Test
  void pathIsASymlink_refusedAtStartTargetUntouched() throws Exception {
    Path target = Files.writeString(dir.resolve("shadow"), "precious\n");
    Path link = Files.createSymbolicLink(dir.resolve("metrics.jsonl"), target);
    assertThatThrownBy(() -> create(link)).isInstanceOf(ExporterStartException.class)
        .hasMessageContaining("exporters.file.path").hasMessageContaining("symbolic link")
        .hasMessageContaining("real path");
    assertThat(FileExporterFactory.pathProblem(link)).contains("symbolic link");
    assertThat(Files.readString(target)).isEqualTo("precious\n");
  }

  @Test
  void fileSwappedForASymlinkAfterRotation_notFollowedAtExportOrReopen() throws Exception {
    Path file = dir.resolve("metrics.jsonl");
    Path target = Files.writeString(dir.resolve("shadow"), "precious\n");
    MetricExporter exporter = create(file);
    try {
      assertThat(exporter.export(TestMetrics.twoCgroups()).isSuccess()).isTrue();
      Files.move(file, dir.resolve("metrics.jsonl.1"));
      Files.createSymbolicLink(file, target);
      assertThat(exporter.export(TestMetrics.twoCgroups()).isSuccess()).isFalse();
      ((Reopenable) exporter).reopen(); // SIGHUP
      assertThat(exporter.export(TestMetrics.twoCgroups()).isSuccess()).isFalse();
      assertThat(Files.readString(target)).isEqualTo("precious\n");
      Files.delete(file); // the link gone: the exporter writes a new file of its own
      assertThat(exporter.export(TestMetrics.twoCgroups()).isSuccess()).isTrue();
      assertThat(Files.isSymbolicLink(file)).isFalse();
      assertThat(Files.readAllLines(file)).hasSize(1);
    } finally {
      exporter.shutdown();
    }
  }

  @Test
  void directoryWritableByOthers_refusedUnlessStickyAndOwned() throws Exception {
    Path open = Files.createDirectory(dir.resolve("open"));
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
    assertThatThrownBy(() -> create(open.resolve("metrics.jsonl")))
        .isInstanceOf(ExporterStartException.class)
        .hasMessageContaining("directory " + open + " is writable by every user")
        .hasMessageContaining("chmod go-w " + open);
    assertThat(open.resolve("metrics.jsonl")).doesNotExist();
    // a directory below it is no safer: the open one could swap it
    Path below = Files.createDirectory(open.resolve("below"));
    assertThat(FileExporterFactory.pathProblem(below.resolve("m.jsonl")))
        .contains("directory " + open + " is writable by every user");
    // group-writable: refused as the file's own directory, let be above it (as /var/log is)
    Path group = Files.createDirectory(dir.resolve("group"));
    Files.setAttribute(group, "unix:mode", 0775);
    assertThat(FileExporterFactory.pathProblem(group.resolve("m.jsonl")))
        .contains("directory " + group + " is writable by its group");
    Path mine = Files.createDirectory(group.resolve("mine"));
    assertThat(FileExporterFactory.pathProblem(mine.resolve("m.jsonl"))).isNull();
    // sticky, as /tmp: others cannot replace what is not theirs
    Files.setAttribute(open, "unix:mode", 01777);
    MetricExporter exporter = create(open.resolve("metrics.jsonl"));
    assertThat(exporter.export(TestMetrics.twoCgroups()).isSuccess()).isTrue();
    exporter.shutdown();
  }

  @Test
  void directoryOfAnotherUser_refusedNamingTheOwner() throws Exception {
    assumeTrue(root(), "only root can give a directory to another user");
    Path theirs = Files.createDirectory(dir.resolve("theirs"));
    Files.setAttribute(theirs, "unix:uid", 65534); // nobody
    assertThatThrownBy(() -> create(theirs.resolve("metrics.jsonl")))
        .isInstanceOf(ExporterStartException.class)
        .hasMessageContaining("directory " + theirs + " belongs to user")
        .hasMessageContaining("uid 65534");
  }

  @Test
  void twoExportersOnOnePath_secondRefusedLockFollowsTheReopen() throws Exception {
    Path file = dir.resolve("metrics.jsonl");
    MetricExporter first = create(file);
    try {
      assertThatThrownBy(() -> create(file)).isInstanceOf(ExporterStartException.class)
          .hasMessageContaining("another writer holds the lock on " + file);
      Files.move(file, dir.resolve("metrics.jsonl.1"));
      ((Reopenable) first).reopen(); // the lock is taken on the new file, let go of the old
      assertThatThrownBy(() -> create(file)).hasMessageContaining("another writer");
      MetricExporter old = create(dir.resolve("metrics.jsonl.1"));
      old.shutdown();
    } finally {
      first.shutdown();
    }
    MetricExporter after = create(file); // free again
    after.shutdown();
  }

  @Test
  @Tag("child-jvm")
  void anotherProcessHoldsTheLock_refused() throws Exception {
    Path file = dir.resolve("metrics.jsonl");
    Path source = Files.writeString(dir.resolve("HoldLock.java"), """
        import java.nio.channels.FileChannel;
        import java.nio.file.*;
        public class HoldLock {
          public static void main(String[] a) throws Exception {
            try (FileChannel c = FileChannel.open(Path.of(a[0]), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
              c.lock();
              System.out.println("locked");
              System.in.read();
            }
          }
        }
        """);
    Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java")
        .toString(), source.toString(), file.toString()).redirectErrorStream(true).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(),
          StandardCharsets.UTF_8));
      assertThat(out.readLine()).isEqualTo("locked");
      assertThatThrownBy(() -> create(file)).isInstanceOf(ExporterStartException.class)
          .hasMessageContaining("another writer holds the lock");
      assertThat(FileExporterFactory.pathProblem(file)).as("what --check says")
          .contains("another writer holds the lock on " + file);
      holder.getOutputStream().write('\n');
      holder.getOutputStream().flush();
      assertThat(holder.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(FileExporterFactory.pathProblem(file)).isNull();
      MetricExporter exporter = create(file); // the other writer is gone
      assertThat(exporter.export(TestMetrics.twoCgroups()).isSuccess()).isTrue();
      exporter.shutdown();
    } finally {
      holder.destroyForcibly();
    }
  }
}

package io.cgroupotel.receiver.oar3.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class OarEnvFileTest {
  @TempDir Path oarexec;

  static Stream<Arguments> words() {
    return Stream.of(
        arguments("abc", "abc"),
        arguments("'a b'", "a b"),
        arguments("\"a b\"", "a b"),
        arguments("\"say \\\"hi\\\"\"", "say \"hi\""),
        arguments("'it'\\''s'", "it's"),
        arguments("a\\ b", "a b"),
        arguments("\"\"", ""),
        arguments("''", ""),
        arguments("", ""),
        arguments("abc # comment", "abc"),
        arguments("a#b", "a#b"),
        arguments("\"a # b\"", "a # b"),
        arguments("\"unterminated", null),
        arguments("'unterminated", null),
        arguments("a b", null),
        arguments("$(rm -rf /)", null),
        arguments("\"$HOME\"", null),
        arguments("\"\\$HOME\"", "$HOME"),
        arguments("'$HOME'", "$HOME"),
        arguments("a;b", null),
        arguments("`id`", null));
  }

  @ParameterizedTest(name = "[{0}] -> [{1}]")
  @MethodSource("words")
  void unquote_table(String word, String expected) {
    assertThat(OarEnvFile.unquote(word)).isEqualTo(expected);
  }

  @Test
  void parse_shellLikeLines() {
    OarEnvFile.Parsed p = OarEnvFile.parse("""
        # written by oarexec
        export OAR_JOBID=4242
        export OAR_JOB_NAME='my job'
        OAR_PROJECT_NAME="climate sim"
          export   OAR_JOB_WALLTIME_SECONDS=3600 \s
        OAR_USER=root\r
        this is not an assignment
        1BAD=x
        export =3
        BAD-NAME=x
        OAR_BROKEN="oops

        """);
    assertThat(p.variables()).containsOnly(
        entry("OAR_JOBID", "4242"),
        entry("OAR_JOB_NAME", "my job"),
        entry("OAR_PROJECT_NAME", "climate sim"),
        entry("OAR_JOB_WALLTIME_SECONDS", "3600"),
        entry("OAR_USER", "root"));
    assertThat(p.badLines()).isEqualTo(5);
  }

  @Test
  void read_binaryFile_isRejected() throws IOException {
    Path f = oarexec.resolve("root_1.env");
    Files.write(f, new byte[] {'A', '=', 0, 1, 2, (byte) 0xff});
    assertThatThrownBy(() -> OarEnvFile.read(f)).isInstanceOf(IOException.class);
  }

  @Test
  void read_hugeFile_isRejected() throws IOException {
    Path f = oarexec.resolve("root_1.env");
    Files.writeString(f, "A=" + "x".repeat(OarEnvFile.MAX_BYTES));
    assertThatThrownBy(() -> OarEnvFile.read(f)).hasMessageContaining("larger than");
  }

  @Test
  void read_fifoInsteadOfFile_refusedWithoutBlocking() throws Exception {
    Path f = oarexec.resolve("root_1.env");
    assertThat(new ProcessBuilder("mkfifo", f.toString()).inheritIO().start().waitFor()).isZero();
    var read = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        OarEnvFile.read(f);
        return "read";
      } catch (IOException e) {
        return e.getMessage();
      }
    });
    try {
      // before: open(2) blocked until a writer came, and the receiver's poll with it
      assertThat(read.get(2, java.util.concurrent.TimeUnit.SECONDS)).contains("not a regular file");
    } finally {
      if (!read.isDone()) {
        try (var writer = Files.newOutputStream(f)) { // frees the stuck thread
          writer.write('\n');
        }
      }
    }
  }

  @Test
  void read_directoryInsteadOfFile_isAnIoError() throws IOException {
    Path f = Files.createDirectory(oarexec.resolve("root_1.env"));
    assertThatThrownBy(() -> OarEnvFile.read(f)).isInstanceOf(IOException.class);
  }

  @Test
  void find_byUserName_orTheOnlyFileOfTheJob() throws IOException {
    Files.writeString(oarexec.resolve("alice_10.env"), "OAR_JOBID=10\n");
    Files.writeString(oarexec.resolve("bob_11.env"), "OAR_JOBID=11\n");
    Files.writeString(oarexec.resolve("carol_110.env"), "OAR_JOBID=110\n");
    assertThat(OarEnvFile.find(oarexec, "alice", 10)).contains(oarexec.resolve("alice_10.env"));
    assertThat(OarEnvFile.find(oarexec, "bob", 10)).isEmpty();
    assertThat(OarEnvFile.find(oarexec, null, 11)).contains(oarexec.resolve("bob_11.env"));
    assertThat(OarEnvFile.find(oarexec, null, 12)).isEmpty();
    assertThat(OarEnvFile.find(oarexec.resolve("missing"), null, 10)).isEmpty();
    Files.writeString(oarexec.resolve("dave_11.env"), "", StandardCharsets.UTF_8);
    assertThat(OarEnvFile.find(oarexec, null, 11)).as("ambiguous").isEmpty();
  }
}

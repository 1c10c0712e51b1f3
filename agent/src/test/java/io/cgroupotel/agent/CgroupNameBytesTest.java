package io.cgroupotel.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.JsonFormat;
import io.cgroupotel.agent.cli.Main;
import io.cgroupotel.cgroupfs.RealCgroupTree;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cgroup names are bytes. The agent runs as it does under systemd or in a bare container: no
 * LANG, no LC_ALL, so the JVM decodes file names as ASCII. A name that is UTF-8 (café) and one
 * that is not UTF-8 at all (0xff), present at start and created later, must neither stop the
 * agent nor discovery, and every exported line must be valid UTF-8.
 */
@Tag("real-cgroup")
@Tag("child-jvm")
class CgroupNameBytesTest {

  @Test
  void noLocale_nonAsciiAndInvalidUtf8Names_exportedAndDiscoveryGoesOn(@TempDir Path dir)
      throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-bytes")) {
      mkdirBytes(tree.root(), "caf\\303\\251");
      mkdirBytes(tree.root(), "bad\\377name");
      Path out = dir.resolve("metrics.jsonl");
      Path config = dir.resolve("agent.toml");
      Files.writeString(config, """
          [agent]
          export_interval = "200ms"
          [receivers.cgroup]
          path = "%s"
          include = ["*"]
          poll_interval = "100ms"
          [exporters.file]
          path = "%s"
          """.formatted(tree.root(), out));
      ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin",
          "java").toString(), "-cp", System.getProperty("java.class.path"),
          Main.class.getName(), "--config", config.toString())
          .redirectErrorStream(true).redirectOutput(dir.resolve("agent.log").toFile());
      Map<String, String> env = pb.environment();
      env.keySet().removeIf(k -> k.equals("LANG") || k.startsWith("LC_"));
      Process agent = pb.start();
      try {
        awaitPaths(out, agent, dir, Set.of("/caf", "/bad"));
        // made while it runs: one that used to kill the watcher thread, then a plain one after it
        mkdirBytes(tree.root(), "later\\377");
        tree.mkdirs("after-later");
        Set<String> paths = awaitPaths(out, agent, dir, Set.of("/caf", "/bad", "/later",
            "/after-later"));
        assertThat(paths).hasSize(4);
        assertThat(paths).allSatisfy(p -> assertThat(p).doesNotContain("\u0000"));
      } finally {
        agent.destroy();
        assertThat(agent.waitFor(10, TimeUnit.SECONDS)).isTrue();
      }
      assertThat(agent.exitValue()).as(Files.readString(dir.resolve("agent.log"))).isZero();
      assertThat(Files.readString(dir.resolve("agent.log"))).doesNotContain("Exception");
    }
  }

  /** Waits until the exported cgroup.path values start with each prefix; returns them all. */
  static Set<String> awaitPaths(Path out, Process agent, Path dir, Set<String> prefixes)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (true) {
      Set<String> paths = exportedPaths(out);
      if (prefixes.stream().allMatch(p -> paths.stream().anyMatch(x -> x.startsWith(p)))) {
        return paths;
      }
      assertThat(agent.isAlive()).as("agent alive; log: "
          + Files.readString(dir.resolve("agent.log"))).isTrue();
      assertThat(System.nanoTime()).as("exported " + paths + ", want " + prefixes)
          .isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  /** Every cgroup.path in the file; each line must be valid UTF-8 and a whole OTLP request. */
  static Set<String> exportedPaths(Path out) throws Exception {
    Set<String> paths = new HashSet<>();
    if (!Files.exists(out)) {
      return paths;
    }
    String text = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(Files.readAllBytes(out))).toString();
    List<String> lines = text.lines().toList();
    for (String line : lines.subList(0, Math.max(0, lines.size() - 1))) { // last may be partial
      ExportMetricsServiceRequest.Builder request = ExportMetricsServiceRequest.newBuilder();
      JsonFormat.parser().merge(line, request);
      request.getResourceMetricsList().forEach(rm -> {
        for (KeyValue kv : rm.getResource().getAttributesList()) {
          if (kv.getKey().equals("cgroup.path")) {
            paths.add(kv.getValue().getStringValue());
          }
        }
      });
    }
    return paths;
  }

  /** mkdir with a name given as printf octal escapes: the test JVM's charset plays no part. */
  static void mkdirBytes(Path parent, String printfName) throws Exception {
    Process p = new ProcessBuilder("sh", "-c", "cd \"$1\" && mkdir \"$(printf '" + printfName
        + "')\"", "sh", parent.toString()).inheritIO().start();
    assertThat(p.waitFor()).isZero();
  }
}

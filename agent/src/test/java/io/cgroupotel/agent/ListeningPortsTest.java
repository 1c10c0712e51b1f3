package io.cgroupotel.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.agent.pipeline.Agent;
import io.cgroupotel.cgroupfs.RealCgroupTree;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The agent opens a listening port only when the Prometheus exporter is configured. */
@Tag("real-cgroup")
public class ListeningPortsTest {

  @Test
  void listeningSockets_onlyWithPrometheusExporter() throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-ports")) {
      Set<Long> before = listeningInodes();
      Agent quiet = start("""
          [receivers.cgroup]
          path = "%s"
          [exporters.otlp]
          endpoint = "http://127.0.0.1:9"
          [exporters.file]
          path = "/dev/null"
          """.formatted(tree.root()));
      try {
        assertThat(difference(listeningInodes(), before)).as("sockets listening").isEmpty();
      } finally {
        quiet.shutdown(Duration.ofSeconds(2));
      }

      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      Agent scraped = start("""
          [receivers.cgroup]
          path = "%s"
          [exporters.prometheus]
          host = "127.0.0.1"
          port = %d
          """.formatted(tree.root(), port));
      try {
        assertThat(difference(listeningInodes(), before)).hasSize(1);
      } finally {
        scraped.shutdown(Duration.ofSeconds(2));
      }
      assertThat(difference(listeningInodes(), before)).isEmpty();
    }
  }

  private static Agent start(String toml) throws Exception {
    Agent agent = TestAgents.create("ports.toml", toml);
    assertThat(agent.pipeline().problems()).isEmpty();
    agent.start();
    return agent;
  }

  private static Set<Long> difference(Set<Long> now, Set<Long> before) {
    Set<Long> d = new HashSet<>(now);
    d.removeAll(before);
    return d;
  }

  /** Inodes of the TCP sockets of this process that are listening (state 0A in /proc/net). */
  public static Set<Long> listeningInodes() throws IOException {
    Set<Long> mine = new HashSet<>();
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : fds.toList()) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) {
            mine.add(Long.parseLong(target.substring(8, target.length() - 1)));
          }
        } catch (IOException e) {
          // closed meanwhile
        }
      }
    }
    Set<Long> listening = new HashSet<>();
    for (String table : new String[] {"/proc/self/net/tcp", "/proc/self/net/tcp6"}) {
      Path p = Path.of(table);
      if (!Files.exists(p)) {
        continue;
      }
      for (String line : Files.readAllLines(p)) {
        String[] f = line.trim().split("\\s+");
        if (f.length > 9 && f[3].equals("0A")) {
          long inode = Long.parseLong(f[9]);
          if (mine.contains(inode)) {
            listening.add(inode);
          }
        }
      }
    }
    return listening;
  }
}

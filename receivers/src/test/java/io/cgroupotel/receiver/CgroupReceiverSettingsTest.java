package io.cgroupotel.receiver;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.config.ConfigDocument;
import io.cgroupotel.config.ConfigError;
import io.cgroupotel.config.ConfigSection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kit's helpers for a receiver's own keys and layout probe. */
class CgroupReceiverSettingsTest {

  @Test
  void httpUrl_httpOrHttpsWithAHost_elseAPositionedError() {
    ConfigDocument doc = ConfigDocument.parse("r.toml", """
        [receivers.r]
        plain = "http://api.example/v1"
        tls = "https://10.0.0.1:8443/"
        ftp = "ftp://api.example/"
        hostless = "http:/v1"
        bad = "http://a b/"
        """, Map.of());
    ConfigSection s = doc.root().section("receivers").section("r");
    assertThat(CgroupReceiverSettings.httpUrl(s, "plain", "\"http://x\""))
        .contains(URI.create("http://api.example/v1"));
    assertThat(CgroupReceiverSettings.httpUrl(s, "tls", "\"http://x\"")).isPresent();
    assertThat(CgroupReceiverSettings.httpUrl(s, "unset", "\"http://x\"")).isEmpty();
    assertThat(CgroupReceiverSettings.httpUrl(s, "ftp", "\"http://x\"")).isEmpty();
    assertThat(CgroupReceiverSettings.httpUrl(s, "hostless", "\"http://x\"")).isEmpty();
    assertThat(CgroupReceiverSettings.httpUrl(s, "bad", "\"http://x\"")).isEmpty();
    assertThat(doc.errors()).extracting(ConfigError::toString).satisfiesExactly(
        e -> assertThat(e).contains("r.toml:4:", "receivers.r.ftp", "not an http(s) URL",
            "e.g. \"http://x\""),
        e -> assertThat(e).contains("r.toml:5:", "receivers.r.hostless", "not an http(s) URL"),
        e -> assertThat(e).contains("r.toml:6:", "receivers.r.bad", "bad URL"));
  }

  @Test
  void findDirectory_firstMatchWithinTheDepth_relativeToTheRoot(@TempDir Path root)
      throws Exception {
    assertThat(HierarchyChoice.findDirectory(root, 3, "x.slice"::equals)).isNull();
    Files.createDirectories(root.resolve("a/b/c/x.slice"));
    assertThat(HierarchyChoice.findDirectory(root, 3, "x.slice"::equals)).as("too deep").isNull();
    assertThat(HierarchyChoice.findDirectory(root, 4, "x.slice"::equals))
        .isEqualTo("/a/b/c/x.slice");
    assertThat(HierarchyChoice.findDirectory(root.resolve("missing"), 3, n -> true)).isNull();
  }

  @Test
  void of_pathAsWritten_everyVersion_defaults() {
    CgroupReceiverSettings s = CgroupReceiverSettings.of(Path.of("/x"),
        CgroupReceiverSettings.DEFAULT_POLL_INTERVAL);
    assertThat(s.pathSet()).isTrue();
    assertThat(s.cgroupVersions()).isEqualTo(HierarchyChoice.ALL_VERSIONS);
    assertThat(s.metrics()).isEqualTo(io.cgroupotel.metrics.MetricGroup.defaults());
  }
}

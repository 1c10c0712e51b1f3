package io.cgroupotel.cgroupfs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CgroupWatcherTest {
  private final List<String> events = new CopyOnWriteArrayList<>();

  private CgroupWatcher.Listener recorder(Path root) {
    return new CgroupWatcher.Listener() {
      @Override
      public void added(Path cgroup) {
        events.add("+" + root.relativize(cgroup));
      }

      @Override
      public void removed(Path cgroup) {
        events.add("-" + root.relativize(cgroup));
      }
    };
  }

  private static void await(Callable<Boolean> condition, String what) {
    Awaitility.await(what).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
        .until(condition);
  }

  @Test
  void start_fixtureTree_walkedParentsFirstAndPruned(@TempDir Path root) throws Exception {
    Files.createDirectories(root.resolve("a/b/c"));
    Files.createDirectories(root.resolve("skip/inner"));
    Files.writeString(root.resolve("a/cpu.stat"), "usage_usec 1\n");
    try (CgroupWatcher w = new CgroupWatcher(root, d -> !d.endsWith("skip"),
        Duration.ofMinutes(1), recorder(root))) {
      w.start();
      assertThat(events).containsSubsequence("+", "+a", "+a/b", "+a/b/c");
      assertThat(events).contains("+skip").doesNotContain("+skip/inner");
      assertThat(w.cgroups()).hasSize(5);
    }
  }

  @Test
  void rescan_fixtureChanges_reported(@TempDir Path root) throws Exception {
    Files.createDirectories(root.resolve("a/b"));
    try (CgroupWatcher w = new CgroupWatcher(root, d -> true, Duration.ofMinutes(1),
        recorder(root))) {
      w.start();
      events.clear();
      Files.delete(root.resolve("a/b"));
      Files.delete(root.resolve("a"));
      Files.createDirectories(root.resolve("x/y"));
      w.rescan();
      await(() -> events.containsAll(List.of("-a/b", "-a", "+x", "+x/y")), "the changes");
      assertThat(events.indexOf("-a/b")).isLessThan(events.indexOf("-a"));
      assertThat(events.indexOf("+x")).isLessThan(events.indexOf("+x/y"));
    }
  }

  @Test
  @Tag("real-cgroup")
  void inotify_realCgroups_createdAndRemovedSeen() throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-watch");
        CgroupWatcher w = new CgroupWatcher(tree.root(), d -> true, Duration.ofMinutes(10),
            recorder(tree.root()))) {
      w.start();
      assertThat(events).containsExactly("+");
      tree.mkdirs("pod/ctr");
      await(() -> events.contains("+pod/ctr"), "the new nested cgroup");
      assertThat(events.indexOf("+pod")).isLessThan(events.indexOf("+pod/ctr"));
      tree.remove(tree.root().resolve("pod"));
      await(() -> events.contains("-pod"), "the removal");
      assertThat(events.indexOf("-pod/ctr")).isLessThan(events.indexOf("-pod"));
      assertThat(w.cgroups()).containsExactly(tree.root());
    }
  }
}

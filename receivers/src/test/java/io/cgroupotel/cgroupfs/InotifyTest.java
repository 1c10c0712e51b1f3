package io.cgroupotel.cgroupfs;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.WatchEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import com.google.common.jimfs.WatchServiceConfiguration;
import java.nio.file.FileSystem;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InotifyTest {

  /** Records what it is told. */
  private static class Recorder implements Inotify.Callback {
    final List<String> seen = new CopyOnWriteArrayList<>();
    final AtomicInteger overflows = new AtomicInteger();

    @Override
    public void events(Path dir, List<WatchEvent<?>> events, boolean valid) {
      for (WatchEvent<?> e : events) {
        seen.add(e.kind().name() + " " + e.context());
      }
    }

    @Override
    public void overflow() {
      overflows.incrementAndGet();
    }
  }

  private static void await(java.util.concurrent.Callable<Boolean> condition, String what) {
    Awaitility.await(what).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
        .until(condition);
  }

  @Test
  void register_sameDirectoryTwoKinds_eachRegistrantGetsItsOwnKindsAndKeepsThemAfterTheOther()
      throws Exception {
    Path dir = Files.createTempDirectory("inotify-test");
    try {
      Recorder creates = new Recorder();
      Recorder modifies = new Recorder();
      Inotify.Handle c = Inotify.shared().register(dir, creates, ENTRY_CREATE);
      Inotify.Handle m = Inotify.shared().register(dir, modifies, ENTRY_MODIFY);
      Files.writeString(dir.resolve("f"), "1");
      await(() -> creates.seen.contains("ENTRY_CREATE f")
          && modifies.seen.contains("ENTRY_MODIFY f"), "both kinds");
      assertThat(creates.seen).allMatch(s -> s.startsWith("ENTRY_CREATE"));
      assertThat(modifies.seen).allMatch(s -> s.startsWith("ENTRY_MODIFY"));

      c.cancel(); // the key narrows to MODIFY; the other registrant keeps its events
      modifies.seen.clear();
      Files.writeString(dir.resolve("f"), "2");
      await(() -> modifies.seen.contains("ENTRY_MODIFY f"), "modify after the other left");
      m.cancel();
    } finally {
      try (var files = Files.list(dir)) {
        for (Path p : files.toList()) {
          Files.delete(p);
        }
      }
      Files.delete(dir);
    }
  }

  @Test
  void overflow_oneDirectoryFloodsTheQueue_everyRegistrantIsTold(@TempDir Path root)
      throws Exception {
    Path blocker = Files.createDirectory(root.resolve("blocker"));
    Path flooded = Files.createDirectory(root.resolve("flooded"));
    Path quiet = Files.createDirectory(root.resolve("quiet"));
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Recorder blocking = new Recorder() {
      @Override
      public void events(Path dir, List<WatchEvent<?>> events, boolean valid) {
        entered.countDown();
        try {
          release.await(10, TimeUnit.SECONDS); // holds the watcher thread while the queue fills
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
    Recorder flood = new Recorder();
    Recorder bystander = new Recorder();
    Inotify.Handle b = Inotify.shared().register(blocker, blocking, ENTRY_CREATE);
    Inotify.Handle f = Inotify.shared().register(flooded, flood, ENTRY_CREATE);
    Inotify.Handle q = Inotify.shared().register(quiet, bystander, ENTRY_CREATE);
    try {
      Files.createFile(blocker.resolve("x"));
      assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
      // past 512 pending events a key overflows (the JDK's queue per key; the kernel's queue,
      // 16384 by default, overflows the same way and is fanned out the same way)
      for (int i = 0; i < 1000; i++) {
        Files.createFile(flooded.resolve("f" + i));
      }
      release.countDown();
      await(() -> bystander.overflows.get() > 0, "the overflow at the quiet registrant");
      assertThat(flood.overflows.get()).isPositive();
      assertThat(bystander.seen).isEmpty();
    } finally {
      release.countDown();
      b.cancel();
      f.cancel();
      q.cancel();
    }
  }

  @Test
  void threads_threeWatchers_oneInotifyAndOneDiscoveryThread(@TempDir Path root)
      throws Exception {
    List<CgroupWatcher> watchers = new CopyOnWriteArrayList<>();
    CgroupWatcher.Listener none = new CgroupWatcher.Listener() {
      @Override
      public void added(Path cgroup) {}

      @Override
      public void removed(Path cgroup) {}
    };
    try {
      for (int i = 0; i < 3; i++) {
        CgroupWatcher w = new CgroupWatcher(Files.createDirectory(root.resolve("r" + i)),
            d -> true, Duration.ofMinutes(1), none);
        w.start();
        watchers.add(w);
      }
      assertThat(threadsNamed("inotify")).isEqualTo(1);
      assertThat(threadsNamed("cgroup-discovery")).isEqualTo(1);
      assertThat(threadsNamed("cgroup-watcher")).isZero();
    } finally {
      watchers.forEach(CgroupWatcher::close);
    }
  }

  @Test
  void jimfs_pollingWatchService_cgroupWatcherSeesNewDirectoriesOnItsOwnLoop() throws Exception {
    Configuration config = Configuration.unix().toBuilder()
        .setWatchServiceConfiguration(
            WatchServiceConfiguration.polling(10, TimeUnit.MILLISECONDS))
        .build();
    List<String> added = new CopyOnWriteArrayList<>();
    try (FileSystem fs = Jimfs.newFileSystem(config)) {
      Path root = Files.createDirectories(fs.getPath("/cg"));
      try (CgroupWatcher w = new CgroupWatcher(root, d -> true, Duration.ofMinutes(1),
          new CgroupWatcher.Listener() {
            @Override
            public void added(Path cgroup) {
              added.add(root.relativize(cgroup).toString());
            }

            @Override
            public void removed(Path cgroup) {}
          })) {
        w.start();
        Files.createDirectories(fs.getPath("/cg/pod/ctr"));
        await(() -> added.contains("pod/ctr"), "the new directories through jimfs's watcher");
        assertThat(threadsNamed("inotify-JimfsFileSystem")).isEqualTo(1);
      }
    }
  }

  private static long threadsNamed(String name) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().equals(name)).count();
  }
}

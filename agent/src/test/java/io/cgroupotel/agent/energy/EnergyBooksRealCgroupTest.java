package io.cgroupotel.agent.energy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cgroupotel.cgroupfs.RealCgroupTree;
import io.cgroupotel.receiver.cgroup.CgroupReceiver;
import io.cgroupotel.receiver.cgroup.CgroupReceiverConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The energy books with real burners in real cgroups (this host's cgroup2 mount) and a powercap
 * tree the test advances: the kernel's CPU shares decide the split. Skipped as non-root, run under
 * CI=true.
 */
@Tag("real-cgroup")
class EnergyBooksRealCgroupTest {
  @TempDir
  Path powercap;

  static CgroupReceiver receiver(Path root, String... include) {
    CgroupReceiver r = new CgroupReceiver(new CgroupReceiverConfig(root, List.of(include),
        Duration.ofMillis(250)));
    r.start();
    return r;
  }

  @Test
  void books_burnerTakesItsShare_idleNone_closeInEveryExport_wraparoundLosesNoJoule()
      throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-energy")) {
      Path busy = tree.mkdirs("busy");
      Path idle = tree.mkdirs("idle");
      tree.start(idle, "sleep 600");
      // 1 kJ, 100 J below the top: at 60 W it wraps after about 1.7 s (a poll interval may
      // stretch to 8 s on a loaded host before an increase looks like a reset)
      long range = 1_000_000_000L;
      try (EnergyHarness h = new EnergyHarness(powercap, range - 100_000_000L, range, 60, 5,
          receiver(tree.root(), "*"))) {
        h.poll(); // the first poll: every counter's base
        tree.burn(busy);
        ProcStat stat = ProcStat.system();
        ProcStat.Times nodeBefore = stat.read();
        long busyBefore = RealCgroupTree.usageUsec(busy);
        for (int i = 0; i < 16; i++) {
          EnergyHarness.sleep(250);
          h.poll();
          if (i % 2 == 1) {
            h.export();
          }
        }
        ProcStat.Times nodeAfter = stat.read();
        long busyAfter = RealCgroupTree.usageUsec(busy);
        EnergyHarness.Books books = h.export();
        double kernelShare = (busyAfter - busyBefore) / 1e6
            / ((nodeAfter.busyTicks() - nodeBefore.busyTicks()) / ProcStat.TICKS_PER_SECOND);
        double pkg = books.host().get("package-0");
        double busyJ = books.energy("/busy", "package-0");
        double idleJ = books.energy("/idle", "package-0");
        System.out.printf("burner: package-0 %.3f J of which /busy %.3f J (%.1f%%), /idle %.6f J;"
            + " kernel CPU share of /busy %.1f%%; unattributed %.3f J; written %.3f J; "
            + "exports %d, worst closure error %.2e%n", pkg, busyJ, 100 * busyJ / pkg, idleJ,
            100 * kernelShare, books.unattributedEnergy().get("package-0"),
            h.writtenPackageUj / 1e6, h.exports, h.worstRelativeError);
        assertThat(h.writtenPackageUj).as("the counter wrapped").isGreaterThan(100_000_000L);
        assertThat(pkg * 1e6).as("wraparound creates and loses no joule")
            .isCloseTo((double) h.writtenPackageUj, within(1.0));
        assertThat(busyJ).as("the burner takes its share (this host is shared: its share of the "
            + "node is what the kernel gave it)").isGreaterThan(0.02 * pkg);
        assertThat(busyJ / pkg).as("its share is its CPU share of the node's busy time")
            .isCloseTo(kernelShare, within(0.1));
        assertThat(idleJ).as("no CPU, no energy").isLessThan(0.01 * busyJ);
        assertThat(books.entityCpu().get("/busy")).as("attributed CPU = kernel's increase")
            .isCloseTo((busyAfter - busyBefore) / 1e6, within(0.15));
        System.out.printf("scope: %.3f s of CPU in the tree, %.3f s not explained by /busy and "
            + "/idle%n", books.scope(), books.scopeUnexplained());
        assertThat(books.scope()).as("the scope (the receiver's path) holds the burner")
            .isGreaterThanOrEqualTo(books.entityCpu().get("/busy") * 0.9);
        assertThat(books.scopeUnexplained()).as("no process in the tree's root itself")
            .isLessThan(0.05 * books.scope() + 0.01);
        assertThat(h.deltaTotals.get("host.energy/package-0")).as("deltas add up to the total")
            .isCloseTo(pkg, within(1e-6 * pkg));
      }
    }
  }

  @Test
  void books_nestedEntities_shareTheirParentsAndAreNeverCountedTwice() throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-energy")) {
      Path pod = tree.mkdirs("pod");
      Path c1 = tree.mkdirs("pod/c1");
      tree.mkdirs("pod/c2");
      Path other = tree.mkdirs("other");
      try (EnergyHarness h = new EnergyHarness(powercap, 0, 1L << 40, 80, 4,
          receiver(tree.root(), "*", "*/*"))) {
        h.poll();
        tree.burn(c1);
        tree.burn(other);
        for (int i = 0; i < 10; i++) {
          EnergyHarness.sleep(250);
          h.poll();
          h.export();
        }
        EnergyHarness.Books b = h.export();
        double podJ = b.energy("/pod", "package-0");
        double c1J = b.energy("/pod/c1", "package-0");
        double c2J = b.energy("/pod/c2", "package-0");
        double otherJ = b.energy("/other", "package-0");
        System.out.printf("nested: /pod %.3f J (c1 %.3f, c2 %.6f), /other %.3f J, node %.3f J, "
            + "top-level %s%n", podJ, c1J, c2J, otherJ, b.host().get("package-0"), b.topLevel());
        assertThat(b.topLevel()).containsExactly("/other", "/pod");
        assertThat(c1J + c2J).isLessThanOrEqualTo(podJ * (1 + 1e-9));
        assertThat(c1J).isGreaterThan(0.9 * podJ);
        assertThat(podJ / otherJ).as("two sibling cgroups, one burner each: equal CPU weights")
            .isBetween(0.5, 2.0);
        assertThat(podJ + otherJ).isLessThanOrEqualTo(b.host().get("package-0") * (1 + 1e-9));
      }
    }
  }

  /**
   * Jobs start and end between polls (some live less than one poll interval); the books close in
   * every export. Length: {@code -Denergy.churn.seconds} (default 6).
   */
  /** A job: some CPU (tens of milliseconds), then idle. */
  static final String JOB = "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; exec sleep 600";

  @Test
  void books_churn_closeInEveryExport() throws Exception {
    long seconds = Long.getLong("energy.churn.seconds", 6);
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-energy")) {
      try (EnergyHarness h = new EnergyHarness(powercap, 0, 1_000_000_000L, 90, 6,
          receiver(tree.root(), "*"))) {
        h.poll();
        Deque<Path> live = new ArrayDeque<>();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        int created = 0;
        int polls = 0;
        long pollNanos = 0;
        while (System.nanoTime() < end) {
          // two jobs start; the oldest ends; one job lives between two polls only
          for (int k = 0; k < 2; k++) {
            Path job = tree.mkdirs("job-" + created++);
            tree.start(job, JOB); // some work, then idle until removed
            live.add(job);
          }
          if (live.size() > 4) {
            tree.remove(live.poll());
          }
          Path flash = tree.mkdirs("flash-" + created++);
          tree.burn(flash);
          EnergyHarness.sleep(60);
          tree.remove(flash);
          EnergyHarness.sleep(90);
          pollNanos += h.poll();
          polls++;
          if (polls % 3 == 0) {
            h.export();
          }
        }
        for (Path job : live) {
          tree.remove(job);
        }
        EnergyHarness.sleep(100);
        h.poll();
        EnergyHarness.Books b = h.export();
        long[] cost = h.accounting.cost();
        System.out.printf("churn: %d s, %d cgroups created, %d polls, %d exports (cumulative and "
            + "delta each checked), worst closure error %.2e; unattributed %.3f of %.3f J; "
            + "attribution %.1f us per poll vs sampler poll %.1f us%n", seconds, created, polls,
            h.exports, h.worstRelativeError, b.unattributedEnergy().get("package-0"),
            b.host().get("package-0"), cost[0] / 1e3 / cost[1], pollNanos / 1e3 / polls);
        assertThat(h.exports).isGreaterThan(2);
        assertThat(h.worstRelativeError).isLessThanOrEqualTo(0.001);
      }
    }
  }
}

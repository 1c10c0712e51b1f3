package io.cgroupotel.sampler;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.cgroupfs.RealCgroupTree;
import io.cgroupotel.cgroupfs.RealNetns;
import io.cgroupotel.cgroupfs.RealV1Tree;
import io.cgroupotel.metrics.MetricGroup;
import io.cgroupotel.metrics.NetworkStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The network group on real network namespaces made by the test (a veth pair with both ends in
 * them), real processes in real cgroups, real TCP traffic: the exported counters are the
 * namespace's {@code net/dev} at the poll.
 */
@Tag("real-cgroup")
class NetworkRealNamespaceTest {
  static final Set<MetricGroup> CPU_NETWORK = Set.of(MetricGroup.CPU, MetricGroup.NETWORK);

  static CgroupSampler sampler(Hierarchy hierarchy, InterfaceFilter interfaces) {
    return CgroupSampler.builder("test", hierarchy, CgroupSamplerRealTest.CHILDREN)
        .groups(CPU_NETWORK).networkInterfaces(interfaces).build();
  }

  /** {@code /proc/<pid>/net/dev} as the test reads it: interface to its 16 counters. */
  static Map<String, long[]> netDev(long pid) throws IOException {
    Map<String, long[]> out = new HashMap<>();
    List<String> lines = Files.readAllLines(Path.of("/proc/" + pid + "/net/dev"));
    for (String line : lines.subList(2, lines.size())) {
      String[] nameAndRest = line.trim().split(":", 2);
      String[] f = nameAndRest[1].trim().split("\\s+");
      long[] v = new long[f.length];
      for (int i = 0; i < f.length; i++) {
        v[i] = Long.parseLong(f[i]);
      }
      out.put(nameAndRest[0].trim(), v);
    }
    return out;
  }

  /** Waits until the namespace's counters stop moving (the last ACKs of a transfer). */
  static Map<String, long[]> settled(long pid) throws Exception {
    Map<String, long[]> before = netDev(pid);
    for (int i = 0; i < 50; i++) {
      Thread.sleep(100);
      Map<String, long[]> now = netDev(pid);
      if (same(before, now)) {
        return now;
      }
      before = now;
    }
    throw new AssertionError("the namespace's counters never settled");
  }

  static boolean same(Map<String, long[]> a, Map<String, long[]> b) {
    if (!a.keySet().equals(b.keySet())) {
      return false;
    }
    for (String k : a.keySet()) {
      if (!java.util.Arrays.equals(a.get(k), b.get(k))) {
        return false;
      }
    }
    return true;
  }

  /** The sample's counters of {@code name} against net/dev's columns. */
  static void assertEqualsNetDev(NetworkStats net, String name, long[] dev) {
    int i = net.indexOf(name);
    assertThat(i).as("interface %s in %s", name, net).isNotNegative();
    assertThat(new long[] {
        net.received(i, NetworkStats.Counter.BYTES), net.received(i, NetworkStats.Counter.PACKETS),
        net.received(i, NetworkStats.Counter.ERRORS), net.received(i, NetworkStats.Counter.DROPPED),
        net.transmitted(i, NetworkStats.Counter.BYTES),
        net.transmitted(i, NetworkStats.Counter.PACKETS),
        net.transmitted(i, NetworkStats.Counter.ERRORS),
        net.transmitted(i, NetworkStats.Counter.DROPPED)})
        .as("%s: the exported counters are net/dev's at the poll", name)
        .containsExactly(dev[0], dev[1], dev[2], dev[3], dev[8], dev[9], dev[10], dev[11]);
  }

  static Sample only(ScrapeResult r, String name) {
    return CgroupSamplerRealTest.only(r, name);
  }

  @Test
  void poll_tcpBetweenTwoNamespaces_bytesAreTheNamespacesNetDev_loOnlyWithTheGlob()
      throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-net");
        RealNetns netns = RealNetns.create();
        CgroupSampler byDefault = sampler(new V2Hierarchy(tree.root()), InterfaceFilter.DEFAULT);
        CgroupSampler everything = sampler(new V2Hierarchy(tree.root()),
            InterfaceFilter.of(List.of("*")))) {
      // a pod: no process of its own, its container below it in namespace a
      Path container = tree.mkdirs("pod/container");
      Process inA = netns.startIn(container, netns.a(), "sleep", "60");
      // a host-network pod: its process in the node's namespace
      Path hostPod = tree.mkdirs("hostpod");
      tree.start(hostPod, "exec sleep 60");
      byDefault.start();
      everything.start();
      byDefault.poll();
      everything.poll();

      long sent = 3_000_000;
      assertThat(netns.sendTcp(netns.a(), netns.b(), RealNetns.B_ADDRESS, 5001, sent))
          .as("the sink in b got every byte").isEqualTo(sent);
      assertThat(netns.sendTcp(netns.a(), netns.a(), "127.0.0.1", 5002, 500_000))
          .as("loopback traffic inside a").isEqualTo(500_000);
      Map<String, long[]> dev = settled(inA.pid());

      ScrapeResult r1 = byDefault.poll();
      ScrapeResult r2 = everything.poll();
      assertThat(netDev(inA.pid())).as("no traffic during the polls")
          .satisfies(now -> assertThat(same(now, dev)).isTrue());

      NetworkStats net = only(r1, "pod").network();
      assertThat(net).isNotNull();
      assertThat(net.hostNamespace()).isFalse();
      assertEqualsNetDev(net, netns.vethA(), dev.get(netns.vethA()));
      assertThat(net.transmitted(net.indexOf(netns.vethA()), NetworkStats.Counter.BYTES))
          .as("the payload sent from a, and its headers").isBetween(sent, sent * 11 / 10);
      assertThat(net.indexOf("lo")).as("lo left out by default").isNegative();
      assertThat(net.size()).isEqualTo(1);

      NetworkStats all = only(r2, "pod").network();
      assertEqualsNetDev(all, "lo", dev.get("lo"));
      assertEqualsNetDev(all, netns.vethA(), dev.get(netns.vethA()));
      assertThat(all.received(all.indexOf("lo"), NetworkStats.Counter.BYTES))
          .as("the loopback transfer").isGreaterThan(500_000);

      assertThat(only(r1, "hostpod").network()).as("a host-network entity has no series")
          .isSameAs(NetworkStats.HOST);
      assertThat(r1.errors()).isEmpty();
      assertThat(byDefault.network().open()).as("one descriptor for namespace a").isEqualTo(1);
    }
  }

  @Test
  void poll_twoEntitiesInOneNamespace_readOnceAndShared_containersHaveNone() throws Exception {
    Classifier podAndContainers = new Classifier() {
      @Override
      public boolean descend(Path relative) {
        return relative.getNameCount() < 2 || relative.toString().isEmpty();
      }

      @Override
      public Classification classify(Path relative) {
        if (relative.toString().isEmpty()) {
          return null;
        }
        EntityKind kind = relative.getNameCount() == 1 ? EntityKind.CGROUP : EntityKind.CONTAINER;
        return new Classification(kind, Map.of("cgroup.path", "/" + relative));
      }
    };
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-net");
        RealNetns netns = RealNetns.create();
        CgroupSampler sampler = CgroupSampler.builder("test", new V2Hierarchy(tree.root()),
            podAndContainers).groups(CPU_NETWORK).build()) {
      netns.startIn(tree.mkdirs("one/c"), netns.a(), "sleep", "60");
      netns.startIn(tree.mkdirs("two/c"), netns.a(), "sleep", "60");
      sampler.start();
      for (int i = 0; i < 3; i++) {
        ScrapeResult r = sampler.poll();
        NetworkStats one = only(r, "one").network();
        assertThat(one).isNotNull();
        assertThat(only(r, "two").network()).as("one read per namespace and poll, shared")
            .isSameAs(one);
        assertThat(only(r, "one/c").network()).as("a container: its pod's series only")
            .isNull();
        assertThat(sampler.network().open()).isEqualTo(1);
      }
    }
  }

  @Test
  void poll_processExitsBetweenCgroupProcsAndItsNamespace_skippedAndCounted() throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-net");
        RealNetns netns = RealNetns.create();
        CgroupSampler sampler = sampler(new V2Hierarchy(tree.root()), InterfaceFilter.DEFAULT)) {
      Path pod = tree.mkdirs("pod");
      Process first = netns.startIn(pod, netns.a(), "sleep", "60");
      sampler.network().afterProcs = pid -> {
        // the process found in cgroup.procs exits before its ns/net is read
        first.destroyForcibly();
        try {
          first.waitFor();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      };
      sampler.start();
      ScrapeResult r = sampler.poll();
      assertThat(only(r, "pod").network()).as("this poll: no network for the pod").isNull();
      assertThat(r.errors()).singleElement().satisfies(e -> {
        assertThat(e.operation()).isEqualTo("reading the network namespace");
        assertThat(e.object()).contains("(pid " + first.pid() + ")");
        assertThat(e.cause()).isEqualTo("a process left before its network namespace was read");
      });
      sampler.network().afterProcs = pid -> {};
      Process second = netns.startIn(pod, netns.a(), "sleep", "60");
      Map<String, long[]> dev = settled(second.pid());
      ScrapeResult next = sampler.poll();
      assertThat(next.errors()).isEmpty();
      assertEqualsNetDev(only(next, "pod").network(), netns.vethA(), dev.get(netns.vethA()));
    }
  }

  @Test
  void poll_cgroupV1_namespaceOfTheCpuacctTreesProcess() throws Exception {
    try (RealV1Tree tree = RealV1Tree.create("cgroup-otel-net-v1");
        RealNetns netns = RealNetns.create();
        CgroupSampler sampler = sampler(tree.hierarchy(), InterfaceFilter.DEFAULT)) {
      tree.mkdirs("job");
      Process p = netns.start(netns.a(), "sleep", "60");
      netns.awaitNamespace(p);
      tree.moveIn(p.pid(), "job");
      sampler.start();
      netns.sendTcp(netns.b(), netns.a(), RealNetns.A_ADDRESS, 5003, 100_000);
      Map<String, long[]> dev = settled(p.pid());
      ScrapeResult r = sampler.poll();
      assertThat(r.errors()).isEmpty();
      NetworkStats net = only(r, "job").network();
      assertEqualsNetDev(net, netns.vethA(), dev.get(netns.vethA()));
      assertThat(net.received(net.indexOf(netns.vethA()), NetworkStats.Counter.BYTES))
          .as("what b sent to the job's namespace").isGreaterThan(100_000);
    }
  }

  @Test
  void poll_interfaceRenamedInTheNamespace_thatPollSkippedAndCounted_thenTheNewName()
      throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create("cgroup-otel-net");
        RealNetns netns = RealNetns.create();
        CgroupSampler sampler = sampler(new V2Hierarchy(tree.root()), InterfaceFilter.DEFAULT)) {
      Process p = netns.startIn(tree.mkdirs("pod"), netns.a(), "sleep", "60");
      sampler.start();
      assertThat(only(sampler.poll(), "pod").network().indexOf(netns.vethA())).isNotNegative();
      RealNetns.run("ip", "-n", netns.a(), "link", "set", netns.vethA(), "down");
      RealNetns.run("ip", "-n", netns.a(), "link", "set", netns.vethA(), "name", "renamed0");
      ScrapeResult renamed = sampler.poll();
      assertThat(only(renamed, "pod").network()).isNull();
      assertThat(renamed.errors()).singleElement().satisfies(e -> assertThat(e.cause())
          .isEqualTo("interface " + netns.vethA() + " vanished or was renamed"));
      Map<String, long[]> dev = settled(p.pid());
      ScrapeResult next = sampler.poll();
      assertThat(next.errors()).isEmpty();
      assertEqualsNetDev(only(next, "pod").network(), "renamed0", dev.get("renamed0"));
    }
  }
}

package io.cgroupotel.sampler;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.metrics.NetworkStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The network group on what a real host cannot be made to show on demand: a {@code net/dev} of
 * another format, an interface that vanishes, a pid that is gone. A cgroup tree and a procfs
 * copy in a temporary directory (the {@code ns/net} links are symbolic links to {@code
 * net:[inode]}, as the kernel shows them; {@code net/dev} a regular file rewritten in place).
 */
class NetworkBadInputTest {
  static final String HEADER = "Inter-|   Receive                                                |"
      + "  Transmit\n face |bytes    packets errs drop fifo frame compressed multicast|bytes    "
      + "packets errs drop fifo colls carrier compressed\n";

  @TempDir
  Path dir;

  static String line(String name, long rxBytes, long txBytes) {
    return String.format("%6s: %7d %7d    1    2    0     0          0         0 %8d %7d    3"
        + "    4    0     0       0          0%n", name, rxBytes, rxBytes / 100, txBytes,
        txBytes / 100);
  }

  Path proc() {
    return dir.resolve("proc");
  }

  void process(int pid, long inode) throws IOException {
    Path ns = Files.createDirectories(proc().resolve(pid + "/ns"));
    Files.createSymbolicLink(ns.resolve("net"), Path.of("net:[" + inode + "]"));
    Files.createDirectories(proc().resolve(pid + "/net"));
  }

  void netDev(int pid, String text) throws IOException {
    Files.writeString(proc().resolve(pid + "/net/dev"), text); // truncates: the same inode
  }

  Path cgroup(String name, String procs) throws IOException {
    Path c = Files.createDirectories(dir.resolve("cgroups").resolve(name));
    Files.writeString(c.resolve("cpu.stat"), "usage_usec 10\nuser_usec 6\nsystem_usec 4\n");
    Files.writeString(c.resolve("cgroup.procs"), procs);
    return c;
  }

  CgroupSampler sampler(InterfaceFilter interfaces) {
    return CgroupSampler.builder("test", new V2Hierarchy(dir.resolve("cgroups")),
            CgroupSamplerRealTest.CHILDREN)
        .groups(NetworkRealNamespaceTest.CPU_NETWORK).networkInterfaces(interfaces)
        .proc(proc()).build();
  }

  static List<String> causes(ScrapeResult r) {
    return r.errors().stream().map(ScrapeError::toString).toList();
  }

  @Test
  void poll_unknownColumnCount_skippedAndCounted_neverGuessed() throws Exception {
    process(1, 100);
    process(4242, 200);
    netDev(4242, HEADER + line("eth0", 5000, 7000).replace("\n", " 99\n"));
    cgroup("pod", "4242\n");
    try (CgroupSampler sampler = sampler(InterfaceFilter.DEFAULT)) {
      sampler.start();
      ScrapeResult r = sampler.poll();
      assertThat(CgroupSamplerRealTest.only(r, "pod").network()).isNull();
      assertThat(CgroupSamplerRealTest.only(r, "pod").usageUsec()).as("the rest is read")
          .isEqualTo(10);
      assertThat(causes(r)).singleElement().asString()
          .contains("reading the network namespace for cgroup /pod")
          .contains("17 columns where 16 are known");
    }
  }

  @Test
  void poll_interfaceVanishes_thatPollSkippedAndCounted_thenTheNewSet() throws Exception {
    process(1, 100);
    process(4242, 200);
    netDev(4242, HEADER + line("lo", 1, 1) + line("eth0", 5000, 7000) + line("net1", 10, 20));
    cgroup("pod", "4242\n");
    try (CgroupSampler sampler = sampler(InterfaceFilter.DEFAULT)) {
      sampler.start();
      ScrapeResult first = sampler.poll();
      NetworkStats net = CgroupSamplerRealTest.only(first, "pod").network();
      assertThat(first.errors()).isEmpty();
      assertThat(net.size()).isEqualTo(2);
      assertThat(net.received(net.indexOf("eth0"), NetworkStats.Counter.BYTES)).isEqualTo(5000);
      assertThat(net.transmitted(net.indexOf("eth0"), NetworkStats.Counter.DROPPED))
          .isEqualTo(4);
      assertThat(net.received(net.indexOf("net1"), NetworkStats.Counter.ERRORS)).isEqualTo(1);

      netDev(4242, HEADER + line("lo", 1, 1) + line("eth0", 6000, 8000) + line("net2", 0, 0));
      ScrapeResult renamed = sampler.poll();
      assertThat(CgroupSamplerRealTest.only(renamed, "pod").network()).isNull();
      assertThat(causes(renamed)).singleElement().asString()
          .contains("interface net1 vanished or was renamed");

      ScrapeResult after = sampler.poll();
      assertThat(after.errors()).isEmpty();
      NetworkStats now = CgroupSamplerRealTest.only(after, "pod").network();
      assertThat(now.indexOf("net2")).isNotNegative();
      assertThat(now.received(now.indexOf("eth0"), NetworkStats.Counter.BYTES)).isEqualTo(6000);
    }
  }

  @Test
  void poll_hostNamespace_goneProcess_noProcess() throws Exception {
    process(1, 100);
    process(4343, 100); // the host's namespace
    cgroup("hostpod", "4343\n");
    cgroup("gone", "4444\n"); // no /proc/4444: exited after cgroup.procs was read
    cgroup("empty", "");
    try (CgroupSampler sampler = sampler(InterfaceFilter.DEFAULT)) {
      sampler.start();
      ScrapeResult r = sampler.poll();
      assertThat(CgroupSamplerRealTest.only(r, "hostpod").network()).isSameAs(NetworkStats.HOST);
      assertThat(CgroupSamplerRealTest.only(r, "gone").network()).isNull();
      assertThat(CgroupSamplerRealTest.only(r, "empty").network()).isNull();
      assertThat(causes(r)).singleElement().asString().contains("cgroup /gone (pid 4444)")
          .contains("a process left before its network namespace was read");
      assertThat(sampler.network().open()).as("nothing kept open").isZero();
    }
  }

  @Test
  void poll_namespaceNoLongerUsed_itsDescriptorClosed() throws Exception {
    process(1, 100);
    process(4242, 200);
    netDev(4242, HEADER + line("eth0", 5000, 7000));
    Path pod = cgroup("pod", "4242\n");
    try (CgroupSampler sampler = sampler(InterfaceFilter.DEFAULT)) {
      sampler.start();
      sampler.poll();
      assertThat(sampler.network().open()).isEqualTo(1);
      // the process exits: its /proc entry goes, and the cgroup is empty
      Files.delete(proc().resolve("4242/ns/net"));
      Files.writeString(pod.resolve("cgroup.procs"), "");
      for (int i = 0; i <= NetworkNamespaces.CHECK_EVERY; i++) {
        sampler.poll();
      }
      assertThat(sampler.network().open()).as("the pod's process left: closed within "
          + NetworkNamespaces.CHECK_EVERY + " polls").isZero();
      assertThat(CgroupSamplerRealTest.only(sampler.poll(), "pod").network()).isNull();
    }
  }

  @Test
  void poll_processArrivesInAnEmptyCgroup_foundWithinTheSearchInterval() throws Exception {
    process(1, 100);
    process(4242, 200);
    netDev(4242, HEADER + line("eth0", 5000, 7000));
    Path pod = cgroup("pod", "");
    Path container = Files.createDirectories(pod.resolve("container"));
    Files.writeString(container.resolve("cgroup.procs"), "");
    try (CgroupSampler sampler = sampler(InterfaceFilter.DEFAULT)) {
      sampler.start();
      assertThat(CgroupSamplerRealTest.only(sampler.poll(), "pod").network()).isNull();
      Files.writeString(container.resolve("cgroup.procs"), "4242\n"); // below the pod
      NetworkStats found = null;
      for (int i = 0; i < NetworkNamespaces.SEARCH_EMPTY_EVERY && found == null; i++) {
        ScrapeResult r = sampler.poll();
        assertThat(r.errors()).isEmpty();
        found = CgroupSamplerRealTest.only(r, "pod").network();
      }
      assertThat(found).as("found within " + NetworkNamespaces.SEARCH_EMPTY_EVERY + " polls")
          .isNotNull();
      assertThat(found.received(found.indexOf("eth0"), NetworkStats.Counter.BYTES))
          .isEqualTo(5000);
    }
  }

  @Test
  void parse_globsSelectInterfaces_loOnlyWhenNamed() {
    byte[] text = (HEADER + line("lo", 1, 1) + line("eth0", 5, 7) + line("net1", 10, 20))
        .getBytes();
    NetDevParser parser = new NetDevParser();
    assertThat(names(parser.parse(text, text.length, InterfaceFilter.DEFAULT)))
        .containsExactly("eth0", "net1");
    assertThat(names(parser.parse(text, text.length, InterfaceFilter.of(List.of("*")))))
        .containsExactly("lo", "eth0", "net1");
    assertThat(names(parser.parse(text, text.length, InterfaceFilter.of(List.of("net[0-9]",
        "l?")))))
        .containsExactly("lo", "net1");
    assertThat(names(parser.parse(text, text.length, InterfaceFilter.of(List.of("[!e]*")))))
        .containsExactly("lo", "net1");
    byte[] garbage = "hello\n".getBytes();
    assertThat(parser.parse(garbage, garbage.length, InterfaceFilter.DEFAULT)).isNull();
    assertThat(parser.error()).contains("header");
    assertThat(InterfaceFilter.check("eth0/1")).contains("'/'");
    assertThat(InterfaceFilter.check("eth[0")).contains("not closed");
    assertThat(InterfaceFilter.check("")).isEqualTo("empty");
  }

  static List<String> names(NetworkStats s) {
    List<String> out = new java.util.ArrayList<>();
    for (int i = 0; i < s.size(); i++) {
      out.add(s.name(i));
    }
    return out;
  }
}

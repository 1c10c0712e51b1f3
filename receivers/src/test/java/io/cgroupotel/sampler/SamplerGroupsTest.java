package io.cgroupotel.sampler;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.metrics.Field;
import io.cgroupotel.metrics.MetricGroup;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The sampler on fixture trees of real kernel files: which files each group reads, a group whose
 * controller is missing is absent (not an error) and never read again, a bad line is one error.
 */
class SamplerGroupsTest {
  @TempDir Path tmp;

  /** Copies {@code fixtures/kernels/<kernel>/<cgroup>/*} to {@code tmp/<cgroup>}. */
  private Path tree(String kernel, String... cgroups) throws IOException {
    for (String cgroup : cgroups) {
      Path dir = Files.createDirectories(tmp.resolve(cgroup));
      for (SourceFile f : V2Hierarchy.FILES) {
        try (InputStream in = getClass().getResourceAsStream(
            ParsersTest.KERNELS + kernel + "/" + cgroup + "/" + f.name())) {
          if (in != null) {
            Files.write(dir.resolve(f.name()), in.readAllBytes());
          }
        }
      }
    }
    return tmp;
  }

  private static CgroupSampler sampler(Path root, Set<MetricGroup> groups) {
    Classifier every = new Classifier() {
      @Override
      public boolean descend(Path relative) {
        return true;
      }

      @Override
      public Classification classify(Path relative) {
        return relative.toString().isEmpty() ? null
            : new Classification(EntityKind.CGROUP, Map.of("cgroup.path", "/" + relative));
      }
    };
    return CgroupSampler.builder("cgroup", new V2Hierarchy(root), every).groups(groups).build();
  }

  private static Sample sampleOf(ScrapeResult r, String path) {
    return r.samples().stream()
        .filter(s -> s.entity().attributes().get("cgroup.path").equals(path)).findFirst()
        .orElseThrow(() -> new AssertionError("no sample of " + path + " in " + r));
  }

  private static TrackedEntity tracked(CgroupSampler s, String name) {
    return s.entities().stream().filter(t -> t.displayPath().equals("/" + name)).findFirst()
        .orElseThrow();
  }

  private static Map<String, Byte> states(TrackedEntity t) {
    return java.util.Arrays.stream(t.files)
        .collect(Collectors.toMap(f -> f.source.name(), f -> f.state));
  }

  @Test
  void poll_allGroupsOnKernel54Pod_everyFieldOfTheTable() throws Exception {
    try (CgroupSampler s = sampler(tree("5.4", "pod"), EnumSet.allOf(MetricGroup.class))) {
      s.start();
      ScrapeResult r = s.poll();
      assertThat(r.errors()).isEmpty();
      Sample pod = sampleOf(r, "/pod");
      assertThat(pod.get(Field.CPU_THROTTLED_USEC)).isEqualTo(402113);
      assertThat(pod.get(Field.CPU_LIMIT_MILLICORES)).isEqualTo(2000);
      assertThat(pod.get(Field.CPUSET_CPUS)).isEqualTo(4);
      assertThat(pod.get(Field.MEMORY_WORKING_SET)).isEqualTo(139354112L - 20410368L);
      assertThat(pod.get(Field.MEMORY_KERNEL)).isEqualTo(442368L + 5644288L);
      assertThat(pod.get(Field.MEMORY_LIMIT)).isEqualTo(268435456);
      assertThat(pod.get(Field.MEMORY_PEAK)).as("no memory.peak before 5.19")
          .isEqualTo(Sample.ABSENT);
      assertThat(pod.get(Field.MEMORY_OOM_KILL)).isEqualTo(1);
      assertThat(pod.get(Field.CPU_PRESSURE_SOME_USEC)).isEqualTo(9821347);
      assertThat(pod.get(Field.CPU_PRESSURE_FULL_USEC)).isEqualTo(Sample.ABSENT);
      assertThat(pod.get(Field.PIDS_CURRENT)).isEqualTo(23);
      assertThat(pod.io().size()).isEqualTo(2);
      System.out.println("5.4 pod, every group: " + s.sources().size() + " files, "
          + java.util.Arrays.stream(Field.values()).filter(f -> pod.get(f) >= 0).count()
          + " fields, " + pod.io().size() + " devices");
    }
  }

  @Test
  void poll_groupsChosen_onlyTheirFilesOpenedAndRead() throws Exception {
    try (CgroupSampler s = sampler(tree("6.1", "pod"), EnumSet.of(MetricGroup.PRESSURE))) {
      assertThat(s.sources()).extracting(SourceFile::name).containsExactly("cpu.stat",
          "cpu.max", "cpuset.cpus.effective", "cpu.pressure", "memory.pressure",
          "io.pressure");
      s.start();
      Sample pod = sampleOf(s.poll(), "/pod");
      assertThat(pod.get(Field.CPU_PRESSURE_FULL_USEC)).isEqualTo(12744021);
      assertThat(pod.get(Field.MEMORY_CURRENT)).isEqualTo(Sample.ABSENT);
      assertThat(pod.get(Field.PIDS_CURRENT)).isEqualTo(Sample.ABSENT);
      assertThat(pod.io()).isNull();
    }
  }

  /**
   * A cgroup without the memory, io and pids controllers (5.4, cpu.stat with three keys): those
   * groups are absent, not errors, and after the first poll their files are never opened again:
   * a memory.stat that appears later is not read.
   */
  @Test
  void poll_controllerNotEnabled_absentNoErrorAndNeverReadAgain() throws Exception {
    Path root = tree("5.4", "nocpu");
    try (CgroupSampler s = sampler(root, EnumSet.allOf(MetricGroup.class))) {
      s.start();
      ScrapeResult first = s.poll();
      assertThat(first.errors()).isEmpty();
      Sample nocpu = sampleOf(first, "/nocpu");
      assertThat(nocpu.get(Field.CPU_USAGE_USEC)).isEqualTo(4539219);
      assertThat(nocpu.get(Field.MEMORY_CURRENT)).isEqualTo(Sample.ABSENT);
      assertThat(nocpu.io()).isNull();
      Map<String, Byte> states = states(tracked(s, "nocpu"));
      // the absent ones are dropped from the entity's files: a poll never touches them again
      assertThat(states).containsExactlyInAnyOrderEntriesOf(Map.of("cpu.stat", OpenFile.OPEN,
          "cpu.pressure", OpenFile.OPEN, "memory.pressure", OpenFile.OPEN,
          "io.pressure", OpenFile.OPEN));
      assertThat(java.util.Arrays.stream(tracked(s, "nocpu").files)
          .filter(f -> f.state == OpenFile.ABSENT).allMatch(f -> f.channel == null)).isTrue();

      Files.writeString(root.resolve("nocpu/memory.current"), "4096\n");
      Files.writeString(root.resolve("nocpu/pids.current"), "3\n");
      for (int i = 0; i < 3; i++) {
        Sample later = sampleOf(s.poll(), "/nocpu");
        assertThat(later.get(Field.MEMORY_CURRENT)).as("an absent file is not looked at again")
            .isEqualTo(Sample.ABSENT);
        assertThat(later.get(Field.PIDS_CURRENT)).isEqualTo(Sample.ABSENT);
      }
      long absent = states.values().stream().filter(b -> b == OpenFile.ABSENT).count();
      System.out.println("5.4 cgroup without controllers: " + absent + " of " + states.size()
          + " files absent after the first poll, not read in 3 more polls");
    }
  }

  static long openDescriptors() throws IOException {
    try (var fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    }
  }

  /** The read syscalls this process made so far ({@code syscr} of /proc/self/io). */
  static long readSyscalls() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
      if (line.startsWith("syscr:")) {
        return Long.parseLong(line.substring(6).trim());
      }
    }
    throw new AssertionError("no syscr in /proc/self/io");
  }

  /**
   * Counted by the kernel: 100 cgroups of a 5.4 host without the memory, io and pids
   * controllers, every group on: a poll makes one read per file that exists (cpu.stat and the
   * three PSI files), none for the ten that do not, and opens nothing.
   */
  @Test
  void poll_absentFiles_noReadSyscallAfterTheFirstPoll() throws Exception {
    Path root = tree("5.4", "nocpu");
    for (int i = 1; i < 100; i++) {
      Path dir = Files.createDirectories(root.resolve("nocpu" + i));
      try (var files = Files.list(root.resolve("nocpu"))) {
        for (Path f : files.toList()) {
          Files.copy(f, dir.resolve(f.getFileName().toString()));
        }
      }
    }
    try (CgroupSampler s = sampler(root, EnumSet.allOf(MetricGroup.class))) {
      s.start();
      s.poll();
      s.poll();
      long fds = openDescriptors();
      int polls = 5;
      long before = readSyscalls();
      for (int i = 0; i < polls; i++) {
        assertThat(s.poll().samples()).hasSize(100);
      }
      long reads = readSyscalls() - before;
      long fdsAfter = openDescriptors();
      System.out.println(polls + " polls of 100 cgroups x " + s.sources().size()
          + " sources (4 exist): " + reads + " read syscalls (" + (reads / polls)
          + " per poll), open descriptors " + fds + " -> " + fdsAfter);
      // 4 reads per cgroup per poll; a few more from other threads of the JVM at most
      assertThat(reads).isBetween(400L * polls, 400L * polls + 50);
      assertThat(fdsAfter).as("no file left open by the polls").isBetween(fds - 2, fds + 2);
    }
  }

  /** A bad line is one ScrapeError (what cgroup_agent.scrape.errors counts); the rest is kept. */
  @Test
  void poll_garbledMemoryStatLine_oneErrorOtherValuesKept() throws Exception {
    Path root = tree("6.1", "pod");
    String stat = Files.readString(root.resolve("pod/memory.stat"));
    Files.writeString(root.resolve("pod/memory.stat"),
        stat.replace("pgmajfault 2311", "pgmajfault 23?1"));
    Files.writeString(root.resolve("pod/io.stat"), "");
    try (CgroupSampler s = sampler(root, EnumSet.allOf(MetricGroup.class))) {
      s.start();
      ScrapeResult r = s.poll();
      assertThat(r.errors()).hasSize(1);
      assertThat(r.errors().get(0).toString())
          .isEqualTo("parsing memory.stat for cgroup /pod: 1 unreadable line(s) skipped");
      Sample pod = sampleOf(r, "/pod");
      assertThat(pod.get(Field.MEMORY_PGMAJFAULT)).isEqualTo(Sample.ABSENT);
      assertThat(pod.get(Field.MEMORY_PGFAULT)).isEqualTo(1875512);
      assertThat(pod.get(Field.MEMORY_KERNEL)).isEqualTo(15728640);
      assertThat(pod.io().size()).as("an empty io.stat: no device, no error").isZero();
      System.out.println("garbled memory.stat: " + r.errors());
    }
  }

  /**
   * io.stat as Linux 5.15-5.18 print it for loop devices (several device numbers on a line):
   * every poll reads each real device once, with no error (it logged "unreadable line(s)" and
   * counted cgroup_agent.scrape.errors at every poll before).
   */
  @Test
  void poll_ioStatWithSeveralDevicesOnALine_noErrorEachDeviceOnce() throws Exception {
    Path root = tree("6.1", "pod");
    Files.writeString(root.resolve("pod/io.stat"), "259:0 rbytes=4096 wbytes=8192 rios=1 wios=2"
        + " dbytes=0 dios=0\n7:7 7:6 7:5 7:4 rbytes=556032 wbytes=0 rios=140 wios=0 dbytes=0"
        + " dios=0\n7:3 7:2 7:1 7:0 ");
    try (CgroupSampler s = sampler(root, EnumSet.allOf(MetricGroup.class))) {
      s.start();
      for (int poll = 0; poll < 3; poll++) {
        ScrapeResult r = s.poll();
        assertThat(r.errors()).as("poll %d", poll).isEmpty();
        IoStats io = sampleOf(r, "/pod").io();
        assertThat(io.size()).isEqualTo(2);
        assertThat(io.device(0)).isEqualTo("259:0");
        assertThat(io.device(1)).isEqualTo("7:4");
        assertThat(io.readBytes(1)).isEqualTo(556032);
        assertThat(io.readOperations(1)).isEqualTo(140);
      }
    }
  }

  @Test
  void poll_emptyOrGarbageCpuStat_entityRetainedWithAnError() throws Exception {
    Path root = tree("6.1", "pod");
    Files.writeString(root.resolve("pod/cpu.stat"), "");
    try (CgroupSampler s = sampler(root, EnumSet.allOf(MetricGroup.class))) {
      s.start();
      ScrapeResult r = s.poll();
      assertThat(r.samples()).isEmpty();
      assertThat(r.retained()).hasSize(1);
      assertThat(r.errors()).extracting(Object::toString)
          .containsExactly("reading cpu.stat for cgroup /pod: empty file");
      Files.writeString(root.resolve("pod/cpu.stat"), "\u0000\u0001garbage\n");
      r = s.poll();
      assertThat(r.errors()).extracting(Object::toString)
          .containsExactly("reading cpu.stat for cgroup /pod: no usage_usec, user_usec or "
              + "system_usec in it (1 unreadable line(s))");
    }
  }

  /**
   * Ported from the old CpuStatTest: a missing file is ABSENT (for good, but for the required
   * cpu.stat, asked again: a tree being built may not have written it yet), a vanished cgroup GONE.
   */
  @ParameterizedTest(name = "native reads: {0}")
  @MethodSource("readers")
  void read_missingFileOrCgroup_absentForGoodOrGone(boolean nativeReads) throws Exception {
    CgroupReader reader = new CgroupReader(nativeReads);
    OpenFile missing = new OpenFile(V2Hierarchy.FILES.get(3), tmp,
        false);
    assertThat(reader.read(missing)).isEqualTo(io.cgroupotel.cgroupfs.ReadStatus.ABSENT);
    assertThat(missing.state).isEqualTo(OpenFile.ABSENT);
    Files.writeString(tmp.resolve("memory.current"), "1\n");
    assertThat(reader.read(missing)).as("not looked at again")
        .isEqualTo(io.cgroupotel.cgroupfs.ReadStatus.ABSENT);
    OpenFile required = new OpenFile(V2Hierarchy.FILES.get(0), tmp, true);
    assertThat(reader.read(required)).isEqualTo(io.cgroupotel.cgroupfs.ReadStatus.ABSENT);
    Files.writeString(tmp.resolve("cpu.stat"), "usage_usec 1\n");
    assertThat(reader.read(required)).as("the required file is asked again")
        .isEqualTo(io.cgroupotel.cgroupfs.ReadStatus.OK);
    OpenFile vanished = new OpenFile(V2Hierarchy.FILES.get(0), tmp.resolve("vanished"), true);
    assertThat(reader.read(vanished)).isEqualTo(io.cgroupotel.cgroupfs.ReadStatus.GONE);
    assertThat(vanished.state).isEqualTo(OpenFile.NEW);
  }

  /** The FileChannel reader, and the native one where this build has it (always under CI). */
  static java.util.stream.Stream<Boolean> readers() {
    return NativeFilesTest.nativeAvailable()
        ? java.util.stream.Stream.of(false, true) : java.util.stream.Stream.of(false);
  }

  /**
   * A channel read is interruptible: an interrupt of the reading thread closes the channel. The
   * read says so (not "null"), and the next read, the interrupt cleared, opens it again.
   */
  @Test
  void read_interruptedThread_errorThenReopenedAtTheNextRead() throws Exception {
    CgroupReader reader = new CgroupReader(false);
    Files.writeString(tmp.resolve("cpu.stat"), "usage_usec 7\n");
    OpenFile file = new OpenFile(V2Hierarchy.FILES.get(0), tmp, true);
    assertThat(reader.read(file)).isEqualTo(io.cgroupotel.cgroupfs.ReadStatus.OK);
    Thread.currentThread().interrupt();
    try {
      assertThat(reader.read(file)).isEqualTo(io.cgroupotel.cgroupfs.ReadStatus.ERROR);
      assertThat(reader.error()).contains("interrupted");
    } finally {
      Thread.interrupted();
    }
    assertThat(reader.read(file)).as("reopened").isEqualTo(io.cgroupotel.cgroupfs.ReadStatus.OK);
    SampleBuffer b = new SampleBuffer();
    file.source.parser().parse(reader.bytes(), reader.length(), b);
    assertThat(b.get(Field.CPU_USAGE_USEC)).isEqualTo(7);
  }

  @ParameterizedTest(name = "native reads: {0}")
  @MethodSource("readers")
  void read_fileLargerThanTheBuffer_readWholeUpTo1MiB(boolean nativeReads) throws Exception {
    CgroupReader reader = new CgroupReader(nativeReads);
    StringBuilder sb = new StringBuilder();
    while (sb.length() < 200_000) {
      sb.append("key_").append(sb.length()).append(" 1\n");
    }
    sb.append("usage_usec 99\n");
    Path f = Files.writeString(tmp.resolve("cpu.stat"), sb);
    OpenFile open = new OpenFile(V2Hierarchy.FILES.get(0), f.getParent(), true);
    assertThat(reader.read(open)).isEqualTo(io.cgroupotel.cgroupfs.ReadStatus.OK);
    SampleBuffer b = new SampleBuffer();
    assertThat(open.source.parser().parse(reader.bytes(), reader.length(), b)).isZero();
    assertThat(b.get(Field.CPU_USAGE_USEC)).isEqualTo(99);

    Path huge = Files.write(tmp.resolve("memory.stat"), new byte[2 * 1024 * 1024]);
    OpenFile big = new OpenFile(V2Hierarchy.FILES.get(4), huge.getParent(), false);
    assertThat(reader.read(big)).isEqualTo(io.cgroupotel.cgroupfs.ReadStatus.ERROR);
    assertThat(reader.error()).contains("larger than");
    open.close();
    big.close();
  }
}

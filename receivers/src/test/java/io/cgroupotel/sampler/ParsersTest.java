package io.cgroupotel.sampler;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.metrics.Field;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The v2 parsers of {@link V2Hierarchy#FILES} on files as kernels 5.4, 5.15, 6.1 and 6.18 write
 * them (under {@code src/test/resources/fixtures/kernels/}), then on bad input: a bad line costs
 * its own value and is counted, nothing throws.
 */
class ParsersTest {
  static final String KERNELS = "/fixtures/kernels/";

  /** The parser the v2 table uses for {@code name}. */
  static FileParser parserOf(String name) {
    return V2Hierarchy.FILES.stream().filter(f -> f.name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no v2 file " + name)).parser();
  }

  static byte[] fixture(String kernelAndPath) {
    try (InputStream in = ParsersTest.class.getResourceAsStream(KERNELS + kernelAndPath)) {
      if (in == null) {
        throw new AssertionError("no fixture " + kernelAndPath);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** Parses with the v2 table's parser of the fixture's file name; returns the unreadable count. */
  static int parse(String kernelAndPath, SampleBuffer into) {
    byte[] bytes = fixture(kernelAndPath);
    String name = kernelAndPath.substring(kernelAndPath.lastIndexOf('/') + 1);
    return parserOf(name).parse(bytes, bytes.length, into);
  }

  static int parseText(String name, String text, SampleBuffer into) {
    byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
    return parserOf(name).parse(bytes, bytes.length, into);
  }

  private final SampleBuffer b = new SampleBuffer();

  // --- cpu.stat ---

  @Test
  void cpuStat_kernel54WithCpuController_usageAndThrottling() {
    assertThat(parse("5.4/pod/cpu.stat", b)).isZero();
    assertThat(b.get(Field.CPU_USAGE_USEC)).isEqualTo(8434391);
    assertThat(b.get(Field.CPU_USER_USEC)).isEqualTo(6076522);
    assertThat(b.get(Field.CPU_SYSTEM_USEC)).isEqualTo(2357869);
    assertThat(b.get(Field.CPU_NR_PERIODS)).isEqualTo(1253);
    assertThat(b.get(Field.CPU_NR_THROTTLED)).isEqualTo(17);
    assertThat(b.get(Field.CPU_THROTTLED_USEC)).isEqualTo(402113);
  }

  @Test
  void cpuStat_kernel54WithoutCpuController_threeKeysThrottlingAbsent() {
    assertThat(parse("5.4/nocpu/cpu.stat", b)).isZero();
    assertThat(b.get(Field.CPU_USAGE_USEC)).isEqualTo(4539219);
    assertThat(b.get(Field.CPU_NR_PERIODS)).isEqualTo(Sample.ABSENT);
    assertThat(b.get(Field.CPU_NR_THROTTLED)).isEqualTo(Sample.ABSENT);
    assertThat(b.get(Field.CPU_THROTTLED_USEC)).isEqualTo(Sample.ABSENT);
  }

  @Test
  void cpuStat_kernel61WithBurstAndCoreSchedKeys_extraKeysIgnoredNotCounted() {
    assertThat(parse("6.1/pod/cpu.stat", b)).isZero();
    assertThat(b.get(Field.CPU_USAGE_USEC)).isEqualTo(217893410);
    assertThat(b.get(Field.CPU_NR_PERIODS)).isEqualTo(3200);
    assertThat(b.get(Field.CPU_NR_THROTTLED)).isEqualTo(41);
    assertThat(b.get(Field.CPU_THROTTLED_USEC)).isEqualTo(2380552);
  }

  @Test
  void cpuStat_kernel618RootWithNiceUsec_read() {
    assertThat(parse("6.18/pod/cpu.stat", b)).isZero();
    assertThat(b.get(Field.CPU_USAGE_USEC)).isEqualTo(853350229);
    assertThat(b.get(Field.CPU_SYSTEM_USEC)).isEqualTo(96540481);
    assertThat(b.get(Field.CPU_THROTTLED_USEC)).isEqualTo(Sample.ABSENT);
  }

  // ported from the old cgroupfs CpuStatTest

  @Test
  void cpuStat_garbageLines_skippedAndCounted() {
    assertThat(parseText("cpu.stat", "usage_usec 10\nthis is not a line\nuser_usec -5\n"
        + "system_usec 3\nweird\n nr_periods 1\n", b)).isEqualTo(4);
    assertThat(b.get(Field.CPU_USAGE_USEC)).isEqualTo(10);
    assertThat(b.get(Field.CPU_USER_USEC)).isEqualTo(Sample.ABSENT);
    assertThat(b.get(Field.CPU_SYSTEM_USEC)).isEqualTo(3);
    assertThat(b.get(Field.CPU_NR_PERIODS)).isEqualTo(Sample.ABSENT);
  }

  /** The u64 boundary: Long.MAX_VALUE, one above, U64_MAX - 1, U64_MAX (no value), overflow. */
  static final String LONG_MAX = "9223372036854775807";
  static final String LONG_MAX_PLUS_1 = "9223372036854775808";
  static final String U64_MAX_MINUS_1 = "18446744073709551614";
  static final String U64_MAX = "18446744073709551615";
  static final String U64_OVERFLOW = "18446744073709551616";

  /** What a u64 text reads as: its bits, as {@code Long.parseUnsignedLong} gives them. */
  static long u64(String text) {
    return Long.parseUnsignedLong(text);
  }

  @Test
  void cpuStat_u64Boundary_keptUnsignedMaxAbsentOverflowCounted() {
    assertThat(parseText("cpu.stat", "usage_usec " + LONG_MAX + "\nuser_usec " + LONG_MAX_PLUS_1
        + "\nsystem_usec " + U64_MAX_MINUS_1 + "\nnr_periods " + U64_MAX + "\nnr_throttled "
        + U64_OVERFLOW + "\nthrottled_usec 99999999999999999999\n", b)).isEqualTo(2);
    assertThat(b.get(Field.CPU_USAGE_USEC)).isEqualTo(Long.MAX_VALUE);
    assertThat(b.get(Field.CPU_USER_USEC)).isEqualTo(u64(LONG_MAX_PLUS_1));
    assertThat(Sample.toDouble(b.get(Field.CPU_USER_USEC))).isEqualTo(0x1p63);
    assertThat(Sample.toDouble(b.get(Field.CPU_SYSTEM_USEC)))
        .isEqualTo(new java.math.BigInteger(U64_MAX_MINUS_1).doubleValue());
    assertThat(b.get(Field.CPU_NR_PERIODS)).isEqualTo(Sample.ABSENT); // U64_MAX: no value
    assertThat(b.get(Field.CPU_NR_THROTTLED)).isEqualTo(Sample.ABSENT);
    assertThat(b.get(Field.CPU_THROTTLED_USEC)).isEqualTo(Sample.ABSENT);
  }

  @Test
  void toDouble_matchesBigIntegerOverTheWholeRange() {
    Random random = new Random(7);
    for (int i = 0; i < 5000; i++) {
      long bits = random.nextLong();
      double expected = new java.math.BigInteger(Long.toUnsignedString(bits)).doubleValue();
      assertThat(Sample.toDouble(bits)).as(Long.toUnsignedString(bits)).isEqualTo(expected);
    }
  }

  @Test
  void number_matchesParseUnsignedLongAroundLongMaxAndU64Max() {
    java.util.Random random = new java.util.Random(42);
    List<String> inputs = new java.util.ArrayList<>(List.of("0", "7", "922337203685477580",
        "9223372036854775799", "9223372036854775800", "9223372036854775806",
        LONG_MAX, LONG_MAX_PLUS_1, "9223372036854775809",
        "9223372036854775810", "9300000000000000000", "92233720368547758070",
        "1844674407370955161", "18446744073709551609", "18446744073709551610", U64_MAX_MINUS_1,
        U64_MAX, U64_OVERFLOW, "18446744073709551620", "18446744073709551700",
        "19000000000000000000", "99999999999999999999", "184467440737095516150",
        "00000000000000000000009223372036854775807", "000000000000018446744073709551614"));
    for (int i = 0; i < 2000; i++) {
      inputs.add(new java.math.BigInteger(64, random).toString());
      inputs.add(new java.math.BigInteger(65, random).toString());
      inputs.add(Long.toString(random.nextLong() & Long.MAX_VALUE));
    }
    java.math.BigInteger u64Max = new java.math.BigInteger(U64_MAX);
    for (String in : inputs) {
      java.math.BigInteger exact = new java.math.BigInteger(in);
      byte[] bytes = (" " + in + " ").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      long expected = exact.compareTo(u64Max) >= 0 ? Parsers.NONE : Long.parseUnsignedLong(in);
      long got = Parsers.number(bytes, 1, bytes.length - 1);
      assertThat(got).as(in).isEqualTo(expected);
      if (got == Parsers.NONE) {
        // told apart: U64_MAX is "no value", anything above it unreadable
        assertThat(Parsers.bad(bytes, 1, bytes.length - 1)).as(in).isEqualTo(!in.equals(U64_MAX));
      }
    }
  }

  @Test
  void cpuStat_truncatedLastLine_parsedWithoutNewline() {
    assertThat(parseText("cpu.stat", "usage_usec 5\nuser_usec 3", b)).isZero();
    assertThat(b.get(Field.CPU_USER_USEC)).isEqualTo(3);
  }

  @Test
  void cpuStat_keyWithoutValue_counted() {
    assertThat(parseText("cpu.stat", "usage_usec 5\nuser_usec \nsystem_usec\n", b)).isEqualTo(2);
    assertThat(b.get(Field.CPU_USAGE_USEC)).isEqualTo(5);
  }

  @Test
  void cpuStat_bufferReused_noStaleValues() {
    parseText("cpu.stat", "usage_usec 1\nuser_usec 2\nsystem_usec 3\nnr_periods 9\n", b);
    b.clear();
    parseText("cpu.stat", "usage_usec 4\n", b);
    assertThat(b.get(Field.CPU_USER_USEC)).isEqualTo(Sample.ABSENT);
    assertThat(b.get(Field.CPU_NR_PERIODS)).isEqualTo(Sample.ABSENT);
  }

  @Test
  void cpuStat_manyUnknownKeys_wantedOnesFound() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 500; i++) {
      sb.append("key_").append(i).append(' ').append(i).append('\n');
    }
    sb.append("usage_usec 99\n");
    assertThat(parseText("cpu.stat", sb.toString(), b)).isZero();
    assertThat(b.get(Field.CPU_USAGE_USEC)).isEqualTo(99);
  }

  // --- cpu.max, cpuset ---

  @Test
  void cpuMax_quotaOverPeriod_millicores() {
    assertThat(parse("5.4/pod/cpu.max", b)).isZero();
    assertThat(b.get(Field.CPU_LIMIT_MILLICORES)).isEqualTo(2000);
    b.clear();
    assertThat(parse("6.1/pod/cpu.max", b)).isZero();
    assertThat(b.get(Field.CPU_LIMIT_MILLICORES)).isEqualTo(500);
  }

  @Test
  void cpuMax_max_absentNotAnError() {
    assertThat(parse("5.15/pod/cpu.max", b)).isZero();
    assertThat(b.get(Field.CPU_LIMIT_MILLICORES)).isEqualTo(Sample.ABSENT);
  }

  @Test
  void cpuMax_badInput_counted() {
    for (String bad : List.of("", "\n", "max", "100000", "abc 100000", "100000 0",
        "100000 x", "99999999999999999999 100000")) {
      b.clear();
      assertThat(parseText("cpu.max", bad, b)).as(bad).isEqualTo(1);
      assertThat(b.get(Field.CPU_LIMIT_MILLICORES)).as(bad).isEqualTo(Sample.ABSENT);
    }
  }

  @Test
  void cpusetCpus_lists_counted() {
    assertThat(parse("5.4/pod/cpuset.cpus.effective", b)).isZero();
    assertThat(b.get(Field.CPUSET_CPUS)).isEqualTo(4);
    assertThat(parse("5.15/pod/cpuset.cpus.effective", b)).isZero();
    assertThat(b.get(Field.CPUSET_CPUS)).isEqualTo(5); // 0-1,4-5,8
    assertThat(parse("6.1/pod/cpuset.cpus.effective", b)).isZero();
    assertThat(b.get(Field.CPUSET_CPUS)).isEqualTo(1);
    assertThat(parse("6.1/idle/cpuset.cpus.effective", b)).isZero();
    assertThat(b.get(Field.CPUSET_CPUS)).isZero();
    assertThat(parseText("cpuset.cpus.effective", "0-127\n", b)).isZero();
    assertThat(b.get(Field.CPUSET_CPUS)).isEqualTo(128);
  }

  @Test
  void cpusetCpus_garbled_countedAndAbsent() {
    for (String bad : List.of("3-1\n", "a-b\n", "0-\n", "-3\n", "0,,2\n", "0-3 junk\n")) {
      b.clear();
      assertThat(parseText("cpuset.cpus.effective", bad, b)).as(bad).isEqualTo(1);
      assertThat(b.get(Field.CPUSET_CPUS)).as(bad).isEqualTo(Sample.ABSENT);
    }
  }

  // --- memory ---

  @Test
  void memoryStat_kernel54WithoutKernelKey_kernelSummedFromItsParts() {
    assertThat(parse("5.4/pod/memory.stat", b)).isZero();
    assertThat(b.get(Field.MEMORY_ANON)).isEqualTo(101478400);
    assertThat(b.get(Field.MEMORY_FILE)).isEqualTo(30412800);
    assertThat(b.get(Field.MEMORY_KERNEL)).isEqualTo(442368L + 5644288L); // kernel_stack + slab
    assertThat(b.get(Field.MEMORY_SLAB_RECLAIMABLE)).isEqualTo(3170304);
    assertThat(b.get(Field.MEMORY_INACTIVE_FILE)).isEqualTo(20410368);
    assertThat(b.get(Field.MEMORY_PGFAULT)).isEqualTo(482163);
    assertThat(b.get(Field.MEMORY_PGMAJFAULT)).isEqualTo(99);
  }

  @Test
  void memoryStat_kernel515WithoutKernelKey_sockNotCounted() {
    assertThat(parse("5.15/pod/memory.stat", b)).isZero();
    // kernel_stack + pagetables + percpu + slab (5.18 `kernel` = MEMCG_KMEM, without sock)
    assertThat(b.get(Field.MEMORY_KERNEL)).isEqualTo(229376L + 593920L + 72960L + 3264072L);
    assertThat(b.get(Field.MEMORY_PGMAJFAULT)).isEqualTo(1184);
  }

  @Test
  void memoryStat_kernel61WithKernelKey_takenAsWritten() {
    assertThat(parse("6.1/pod/memory.stat", b)).isZero();
    assertThat(b.get(Field.MEMORY_KERNEL)).isEqualTo(15728640);
    assertThat(b.get(Field.MEMORY_ANON)).isEqualTo(402653184);
    assertThat(b.get(Field.MEMORY_FILE)).isEqualTo(104857600);
    assertThat(b.get(Field.MEMORY_SLAB_RECLAIMABLE)).isEqualTo(7340032);
    assertThat(b.get(Field.MEMORY_PGFAULT)).isEqualTo(1875512);
  }

  @Test
  void workingSet_currentMinusInactiveFile_notBelowZero() {
    parse("6.1/pod/memory.current", b);
    parse("6.1/pod/memory.stat", b);
    b.derive();
    assertThat(b.get(Field.MEMORY_WORKING_SET)).isEqualTo(524288000L - 78643200L);
    b.clear();
    parseText("memory.current", "1000\n", b);
    parseText("memory.stat", "inactive_file 4096\n", b);
    b.derive();
    assertThat(b.get(Field.MEMORY_WORKING_SET)).isZero();
    b.clear();
    parseText("memory.current", "1000\n", b); // no memory.stat: the usage itself
    b.derive();
    assertThat(b.get(Field.MEMORY_WORKING_SET)).isEqualTo(1000);
  }

  @Test
  void memorySingleFiles_valuesAndMax() {
    assertThat(parse("5.4/pod/memory.max", b)).isZero();
    assertThat(b.get(Field.MEMORY_LIMIT)).isEqualTo(268435456);
    b.clear();
    assertThat(parse("5.15/pod/memory.max", b)).isZero();
    assertThat(b.get(Field.MEMORY_LIMIT)).isEqualTo(Sample.ABSENT);
    assertThat(parse("6.1/pod/memory.peak", b)).isZero();
    assertThat(b.get(Field.MEMORY_PEAK)).isEqualTo(612368384);
    assertThat(parse("6.1/pod/memory.swap.current", b)).isZero();
    assertThat(b.get(Field.MEMORY_SWAP_CURRENT)).isEqualTo(1048576);
    assertThat(parse("5.4/pod/memory.events", b)).isZero();
    assertThat(b.get(Field.MEMORY_OOM_KILL)).isEqualTo(1);
  }

  @Test
  void single_badInput_countedAndAbsent() {
    for (String bad : List.of("", "\n", "12a\n", "-1\n", "maximum\n", "1 2\n",
        "99999999999999999999\n")) {
      b.clear();
      assertThat(parseText("memory.current", bad, b)).as(bad).isEqualTo(1);
      assertThat(b.get(Field.MEMORY_CURRENT)).as(bad).isEqualTo(Sample.ABSENT);
    }
  }

  // --- pressure ---

  @Test
  void pressure_kernel54CpuWithoutFullLine_fullAbsent() {
    assertThat(parse("5.4/pod/cpu.pressure", b)).isZero();
    assertThat(b.get(Field.CPU_PRESSURE_SOME_USEC)).isEqualTo(9821347);
    assertThat(b.get(Field.CPU_PRESSURE_FULL_USEC)).isEqualTo(Sample.ABSENT);
    assertThat(parse("5.4/pod/memory.pressure", b)).isZero();
    assertThat(b.get(Field.MEMORY_PRESSURE_SOME_USEC)).isEqualTo(18230);
    assertThat(b.get(Field.MEMORY_PRESSURE_FULL_USEC)).isEqualTo(11977);
    assertThat(parse("5.4/pod/io.pressure", b)).isZero();
    assertThat(b.get(Field.IO_PRESSURE_SOME_USEC)).isEqualTo(734112);
    assertThat(b.get(Field.IO_PRESSURE_FULL_USEC)).isEqualTo(690001);
  }

  @Test
  void pressure_kernel61And618WithFullLine_both() {
    assertThat(parse("6.1/pod/cpu.pressure", b)).isZero();
    assertThat(b.get(Field.CPU_PRESSURE_SOME_USEC)).isEqualTo(48213377);
    assertThat(b.get(Field.CPU_PRESSURE_FULL_USEC)).isEqualTo(12744021);
    assertThat(parse("6.18/pod/cpu.pressure", b)).isZero();
    assertThat(b.get(Field.CPU_PRESSURE_SOME_USEC)).isEqualTo(325335990);
    assertThat(b.get(Field.CPU_PRESSURE_FULL_USEC)).isZero();
    assertThat(parse("6.18/pod/memory.pressure", b)).isZero();
    assertThat(b.get(Field.MEMORY_PRESSURE_FULL_USEC)).isEqualTo(2651570);
  }

  @Test
  void pressure_badLines_eachCostsItsOwnValue() {
    assertThat(parseText("io.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00 total=12x\n"
        + "full avg10=0.00 avg60=0.00 avg300=0.00 total=7\n", b)).isEqualTo(1);
    assertThat(b.get(Field.IO_PRESSURE_SOME_USEC)).isEqualTo(Sample.ABSENT);
    assertThat(b.get(Field.IO_PRESSURE_FULL_USEC)).isEqualTo(7);
    b.clear();
    assertThat(parseText("io.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00 total=5\n"
        + "half avg10=0.00 total=3\nfull avg10=0.00 avg60=0.00 avg3", b)).isEqualTo(2);
    assertThat(b.get(Field.IO_PRESSURE_SOME_USEC)).isEqualTo(5);
    assertThat(b.get(Field.IO_PRESSURE_FULL_USEC)).isEqualTo(Sample.ABSENT);
  }

  // --- io.stat ---

  @Test
  void ioStat_kernel54TwoDevices_allCounters() {
    assertThat(parse("5.4/pod/io.stat", b)).isZero();
    IoStats io = b.io();
    assertThat(io.size()).isEqualTo(2);
    assertThat(io.device(0)).isEqualTo("8:0");
    assertThat(io.device(1)).isEqualTo("253:0");
    assertThat(io.readBytes(1)).isEqualTo(21266432);
    assertThat(io.writtenBytes(1)).isEqualTo(4096);
    assertThat(io.readOperations(1)).isEqualTo(691);
    assertThat(io.writeOperations(1)).isEqualTo(1);
  }

  @Test
  void ioStat_kernel61SomeKeysOnlyAndIocostKeys_missingAbsentExtraIgnored() {
    assertThat(parse("6.1/pod/io.stat", b)).isZero(); // cost.vrate=100.00 is not an error
    IoStats io = b.io();
    assertThat(io.size()).isEqualTo(3);
    assertThat(io.device(0)).isEqualTo("259:0");
    assertThat(io.writtenBytes(0)).isEqualTo(1212416);
    assertThat(io.device(1)).isEqualTo("8:16");
    assertThat(io.readBytes(1)).isEqualTo(4096);
    assertThat(io.readOperations(1)).isEqualTo(1);
    assertThat(io.writtenBytes(1)).isEqualTo(Sample.ABSENT);
    assertThat(io.writeOperations(1)).isEqualTo(Sample.ABSENT);
    assertThat(io.writeOperations(2)).isEqualTo(64);
  }

  @Test
  void ioStat_empty_noDevicesNoError() {
    assertThat(parse("6.1/idle/io.stat", b)).isZero();
    assertThat(b.io().size()).isZero();
  }

  @Test
  void ioStat_manyDevices_arraysGrow() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 40; i++) {
      sb.append("8:").append(i).append(" rbytes=").append(i).append(" wbytes=1 rios=2 wios=3\n");
    }
    assertThat(parseText("io.stat", sb.toString(), b)).isZero();
    assertThat(b.io().size()).isEqualTo(40);
    assertThat(b.io().device(39)).isEqualTo("8:39");
    assertThat(b.io().readBytes(39)).isEqualTo(39);
    assertThat(b.io().writeOperations(39)).isEqualTo(3);
  }

  @Test
  void ioStat_badDeviceOrValue_costsThatLineOrValue() {
    assertThat(parseText("io.stat", "8:0 rbytes=1 wbytes=2 rios=3 wios=4\n"
        + "garbage rbytes=9\n" // no MAJ:MIN: the line is lost
        + "8:16 rbytes=x wbytes=5 junk\n" // a bad value and a bad token
        + "99999999999:1 rbytes=1\n", b)).isEqualTo(4);
    IoStats io = b.io();
    assertThat(io.size()).isEqualTo(2);
    assertThat(io.readBytes(0)).isEqualTo(1);
    assertThat(io.device(1)).isEqualTo("8:16");
    assertThat(io.readBytes(1)).isEqualTo(Sample.ABSENT);
    assertThat(io.writtenBytes(1)).isEqualTo(5);
  }

  @Test
  void ioStat_severalDeviceNumbersOnALine_countersBelongToTheLastNoPhantomNoError() {
    // as Linux 5.15-5.18 print it for loop devices (a device with no I/O left its name and a
    // space, no newline): see Parsers.ioStat
    assertThat(parseText("io.stat", "7:7 7:6 7:5 7:4 rbytes=556032 wbytes=0 rios=140 wios=0 "
        + "dbytes=0 dios=0\n7:3 7:2 7:1 7:0 ", b)).isZero();
    IoStats io = b.io();
    assertThat(io.size()).isEqualTo(1);
    assertThat(io.device(0)).isEqualTo("7:4");
    assertThat(io.readBytes(0)).isEqualTo(556032);
    assertThat(io.writtenBytes(0)).isZero();
    assertThat(io.readOperations(0)).isEqualTo(140);
    assertThat(io.writeOperations(0)).isZero();
  }

  @Test
  void ioStat_mixedLines_eachRealDeviceOnceWithItsOwnCounters() {
    String text = """
        259:0 rbytes=9437184 wbytes=1212416 rios=180 wios=51 dbytes=0 dios=0
        7:7 7:6 7:5 7:4 rbytes=556032 wbytes=0 rios=140 wios=0 dbytes=0 dios=0
        7:3 7:2 8:16 rbytes=4096 rios=1 cost.vrate=100.00 cost.usage=0
        7:1\s
        7:0
        253:0 7:9 rbytes=12 wbytes=34 rios=5 wios=6 dbytes=0 dios=0
        8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0
        7:10 7:11\s""";
    assertThat(parseText("io.stat", text, b)).isZero();
    IoStats io = b.io();
    List<String> devices = new ArrayList<>();
    for (int i = 0; i < io.size(); i++) {
      devices.add(io.device(i));
    }
    assertThat(devices).containsExactly("259:0", "7:4", "8:16", "7:9", "8:0");
    assertThat(io.readBytes(0)).isEqualTo(9437184);
    assertThat(io.writeOperations(0)).isEqualTo(51);
    assertThat(io.readBytes(1)).isEqualTo(556032);
    assertThat(io.readBytes(2)).isEqualTo(4096);
    assertThat(io.readOperations(2)).isEqualTo(1);
    assertThat(io.writtenBytes(2)).isEqualTo(Sample.ABSENT); // not on its line: not known
    assertThat(io.writtenBytes(3)).isEqualTo(34);
    assertThat(io.writeOperations(3)).isEqualTo(6);
    assertThat(io.readBytes(4)).isEqualTo(1);
    assertThat(io.writeOperations(4)).isEqualTo(4);
  }

  @Test
  void ioStat_devicesWithoutCountersOnly_noDeviceNoError() {
    // 5.19+ (and stable backports): a device with no I/O is a line of its own, "MAJ:MIN "
    assertThat(parseText("io.stat", "7:3 \n7:2 \n7:1 7:0\n\n", b)).isZero();
    assertThat(b.io().size()).isZero();
  }

  @Test
  void ioStat_u64Boundary() {
    assertThat(parseText("io.stat", "8:0 rbytes=" + LONG_MAX_PLUS_1 + " wbytes=" + U64_MAX
        + " rios=" + U64_MAX_MINUS_1 + " wios=" + U64_OVERFLOW + "\n", b)).isEqualTo(1);
    IoStats io = b.io();
    assertThat(io.size()).isEqualTo(1);
    assertThat(io.readBytes(0)).isEqualTo(u64(LONG_MAX_PLUS_1));
    assertThat(io.writtenBytes(0)).isEqualTo(Sample.ABSENT);
    assertThat(io.readOperations(0)).isEqualTo(u64(U64_MAX_MINUS_1));
    assertThat(io.writeOperations(0)).isEqualTo(Sample.ABSENT);
  }

  @Test
  void singleValueFiles_u64Boundary_maxAndU64MaxAreNoLimit() {
    for (String file : List.of("memory.current", "memory.peak", "memory.swap.current",
        "pids.current")) {
      SampleBuffer got = new SampleBuffer();
      Field field = file.equals("memory.current") ? Field.MEMORY_CURRENT
          : file.equals("memory.peak") ? Field.MEMORY_PEAK
          : file.equals("pids.current") ? Field.PIDS_CURRENT : Field.MEMORY_SWAP_CURRENT;
      assertThat(parseText(file, LONG_MAX + "\n", got)).as(file).isZero();
      assertThat(got.get(field)).as(file).isEqualTo(Long.MAX_VALUE);
      assertThat(parseText(file, LONG_MAX_PLUS_1 + "\n", got)).as(file).isZero();
      assertThat(got.get(field)).as(file).isEqualTo(u64(LONG_MAX_PLUS_1));
      assertThat(parseText(file, U64_MAX_MINUS_1 + "\n", got)).as(file).isZero();
      assertThat(got.get(field)).as(file).isEqualTo(u64(U64_MAX_MINUS_1));
      got.clear();
      assertThat(parseText(file, U64_MAX + "\n", got)).as(file).isZero();
      assertThat(got.get(field)).as(file).isEqualTo(Sample.ABSENT);
      assertThat(parseText(file, "max\n", got)).as(file).isZero();
      assertThat(got.get(field)).as(file).isEqualTo(Sample.ABSENT);
      assertThat(parseText(file, U64_OVERFLOW + "\n", got)).as(file).isEqualTo(1);
      assertThat(got.get(field)).as(file).isEqualTo(Sample.ABSENT);
    }
  }

  @Test
  void memoryMax_u64Boundary_everyUnlimitedFormIsAbsent() {
    for (String unlimited : List.of("max", U64_MAX, U64_MAX_MINUS_1, LONG_MAX_PLUS_1, LONG_MAX,
        "9223372036854771712", "4611686018427387904")) {
      SampleBuffer got = new SampleBuffer();
      assertThat(parseText("memory.max", unlimited + "\n", got)).as(unlimited).isZero();
      assertThat(got.get(Field.MEMORY_LIMIT)).as(unlimited).isEqualTo(Sample.ABSENT);
    }
    assertThat(parseText("memory.max", "4611686018427387903\n", b)).isZero();
    assertThat(b.get(Field.MEMORY_LIMIT)).isEqualTo(4_611_686_018_427_387_903L);
    assertThat(parseText("memory.max", U64_OVERFLOW + "\n", b)).isEqualTo(1);
  }

  @Test
  void memoryStatAndEvents_u64Boundary() {
    assertThat(parseText("memory.stat", "anon " + LONG_MAX_PLUS_1 + "\nfile " + U64_MAX
        + "\npgfault " + U64_MAX_MINUS_1 + "\npgmajfault " + U64_OVERFLOW + "\nkernel_stack "
        + LONG_MAX_PLUS_1 + "\nslab 4096\n", b)).isEqualTo(1);
    assertThat(b.get(Field.MEMORY_ANON)).isEqualTo(u64(LONG_MAX_PLUS_1));
    assertThat(b.get(Field.MEMORY_FILE)).isEqualTo(Sample.ABSENT);
    assertThat(b.get(Field.MEMORY_PGFAULT)).isEqualTo(u64(U64_MAX_MINUS_1));
    assertThat(b.get(Field.MEMORY_PGMAJFAULT)).isEqualTo(Sample.ABSENT);
    assertThat(b.get(Field.MEMORY_KERNEL)).isEqualTo(u64(LONG_MAX_PLUS_1) + 4096); // summed u64
    b.clear();
    assertThat(parseText("memory.events", "low 0\nhigh 0\nmax " + U64_MAX_MINUS_1 + "\noom 1\n"
        + "oom_kill " + LONG_MAX_PLUS_1 + "\n", b)).isZero();
    assertThat(b.get(Field.MEMORY_OOM_KILL)).isEqualTo(u64(LONG_MAX_PLUS_1));
  }

  @Test
  void pressure_u64Boundary() {
    assertThat(parseText("cpu.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00 total="
        + LONG_MAX_PLUS_1 + "\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=" + U64_OVERFLOW
        + "\n", b)).isEqualTo(1);
    assertThat(b.get(Field.CPU_PRESSURE_SOME_USEC)).isEqualTo(u64(LONG_MAX_PLUS_1));
    assertThat(b.get(Field.CPU_PRESSURE_FULL_USEC)).isEqualTo(Sample.ABSENT);
    assertThat(parseText("io.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00 total="
        + U64_MAX_MINUS_1 + "\n", b)).isZero();
    assertThat(b.get(Field.IO_PRESSURE_SOME_USEC)).isEqualTo(u64(U64_MAX_MINUS_1));
  }

  @Test
  void cpuMax_u64Boundary_u64MaxQuotaIsNoLimitHugeQuotaCapped() {
    assertThat(parseText("cpu.max", U64_MAX + " 100000\n", b)).isZero();
    assertThat(b.get(Field.CPU_LIMIT_MILLICORES)).isEqualTo(Sample.ABSENT);
    assertThat(parseText("cpu.max", LONG_MAX_PLUS_1 + " 100000\n", b)).isZero();
    assertThat(b.get(Field.CPU_LIMIT_MILLICORES)).isEqualTo((long) (0x1p63 * 1000 / 100000));
    assertThat(parseText("cpu.max", LONG_MAX + " 1\n", b)).isZero();
    assertThat(b.get(Field.CPU_LIMIT_MILLICORES)).isEqualTo(Long.MAX_VALUE);
    assertThat(parseText("cpu.max", "9223372036854776 1\n", b)).isZero(); // * 1000: capped
    assertThat(b.get(Field.CPU_LIMIT_MILLICORES)).isEqualTo(Long.MAX_VALUE);
    assertThat(parseText("cpu.max", "200000 " + U64_OVERFLOW + "\n", b)).isEqualTo(1);
  }

  @Test
  void workingSet_u64Current_notBelowZeroUnsigned() {
    b.set(Field.MEMORY_CURRENT, u64(LONG_MAX_PLUS_1));
    b.set(Field.MEMORY_INACTIVE_FILE, 4096);
    b.derive();
    assertThat(b.get(Field.MEMORY_WORKING_SET)).isEqualTo(u64(LONG_MAX_PLUS_1) - 4096);
    b.clear();
    b.set(Field.MEMORY_CURRENT, 4096);
    b.set(Field.MEMORY_INACTIVE_FILE, u64(LONG_MAX_PLUS_1));
    b.derive();
    assertThat(b.get(Field.MEMORY_WORKING_SET)).isZero();
  }

  @Test
  void pids_current() {
    assertThat(parse("6.1/pod/pids.current", b)).isZero();
    assertThat(b.get(Field.PIDS_CURRENT)).isEqualTo(137);
  }

  // --- every fixture, damaged every way ---

  static final List<String> FIXTURES = List.of(
      "5.4/pod/cpu.stat", "5.4/pod/cpu.max", "5.4/pod/cpuset.cpus.effective",
      "5.4/pod/memory.current", "5.4/pod/memory.max", "5.4/pod/memory.stat",
      "5.4/pod/memory.events", "5.4/pod/memory.swap.current", "5.4/pod/cpu.pressure",
      "5.4/pod/memory.pressure", "5.4/pod/io.pressure", "5.4/pod/io.stat", "5.4/pod/pids.current",
      "5.4/nocpu/cpu.stat", "5.15/pod/memory.stat", "5.15/pod/cpu.stat", "5.15/pod/cpu.max",
      "5.15/pod/cpuset.cpus.effective", "6.1/pod/cpu.stat", "6.1/pod/memory.stat",
      "6.1/pod/memory.events", "6.1/pod/memory.peak", "6.1/pod/io.stat", "6.1/pod/cpu.pressure",
      "6.1/idle/io.stat", "6.1/idle/cpuset.cpus.effective", "6.18/pod/cpu.stat",
      "6.18/pod/cpu.pressure");

  /** Each keyed line of each multi-line fixture garbled alone: that value only is lost. */
  @Test
  void everyFixture_oneGarbledLine_costsThatValueOnlyAndIsCounted() {
    int checked = 0;
    for (String fixture : FIXTURES) {
      String name = fixture.substring(fixture.lastIndexOf('/') + 1);
      if (name.equals("io.stat") || !name.endsWith(".stat") && !name.endsWith(".pressure")
          && !name.equals("memory.events")) {
        continue; // io.stat's lines are devices: its own test above
      }
      String text = new String(fixture(fixture), StandardCharsets.US_ASCII);
      String[] lines = text.split("\n");
      SampleBuffer whole = new SampleBuffer();
      parseText(name, text, whole);
      for (int i = 0; i < lines.length; i++) {
        String[] damaged = lines.clone();
        damaged[i] = damaged[i] + "#"; // the value (the last token) no longer a number
        SampleBuffer got = new SampleBuffer();
        int bad = parseText(name, String.join("\n", damaged) + "\n", got);
        assertThat(bad).as("%s line %d", fixture, i).isEqualTo(1);
        int lost = 0;
        for (Field f : Field.values()) {
          if (got.get(f) != whole.get(f)) {
            lost++;
            boolean derived = f == Field.MEMORY_KERNEL && name.equals("memory.stat");
            assertThat(got.get(f) == Sample.ABSENT || derived)
                .as("%s line %d: %s was %d, now %d", fixture, i, f, whole.get(f), got.get(f))
                .isTrue();
          }
        }
        assertThat(lost).as("%s line %d: values lost", fixture, i).isLessThanOrEqualTo(2);
        checked++;
      }
    }
    System.out.println("garbled one line at a time: " + checked + " damaged files, each lost "
        + "at most its own value and counted it once");
    assertThat(checked).isGreaterThan(100);
  }

  /**
   * Every parser on every fixture, cut at every byte, with random bytes flipped, doubled up to
   * 1 MiB, and on pure noise: no exception, counts never negative, no value below 0.
   */
  @Test
  void everyParser_truncatedGarbledHugeNoise_neverThrowsNorStoresGarbage() {
    Random random = new Random(12);
    List<byte[]> inputs = new ArrayList<>();
    for (String fixture : FIXTURES) {
      byte[] bytes = fixture(fixture);
      for (int cut = 0; cut <= bytes.length; cut++) {
        inputs.add(java.util.Arrays.copyOf(bytes, cut));
      }
      for (int k = 0; k < 50; k++) {
        byte[] flipped = bytes.clone();
        for (int j = 0; j < 1 + random.nextInt(4) && flipped.length > 0; j++) {
          flipped[random.nextInt(flipped.length)] = (byte) random.nextInt(256);
        }
        inputs.add(flipped);
      }
      byte[] huge = new byte[1024 * 1024];
      for (int i = 0; i < huge.length; i++) {
        huge[i] = bytes.length == 0 ? (byte) '\n' : bytes[i % bytes.length];
      }
      inputs.add(huge);
    }
    byte[] noise = new byte[64 * 1024];
    random.nextBytes(noise);
    inputs.add(noise);
    inputs.add("\n\n\n   \n".getBytes(StandardCharsets.US_ASCII));
    byte[] longLine = new byte[200_000];
    java.util.Arrays.fill(longLine, (byte) '9');
    inputs.add(longLine);

    long parses = 0;
    long unreadable = 0;
    for (SourceFile source : V2Hierarchy.FILES) {
      for (byte[] input : inputs) {
        SampleBuffer into = new SampleBuffer();
        int bad = source.parser().parse(input, input.length, into);
        assertThat(bad).as(source.name()).isGreaterThanOrEqualTo(0);
        // every long is a u64's bits: no value can be out of range; the cpuset count and the
        // millicores are never above Long.MAX_VALUE
        assertThat(into.get(Field.CPUSET_CPUS)).isGreaterThanOrEqualTo(Sample.ABSENT);
        assertThat(into.get(Field.CPU_LIMIT_MILLICORES)).isGreaterThanOrEqualTo(Sample.ABSENT);
        if (into.io() != null) {
          assertThat(into.io().size()).isGreaterThanOrEqualTo(0);
        }
        parses++;
        unreadable += bad;
      }
    }
    System.out.println("damaged input: " + parses + " parses of " + inputs.size() + " inputs by "
        + V2Hierarchy.FILES.size() + " parsers, " + unreadable + " unreadable lines counted, "
        + "no exception");
  }
}

package io.cgroupotel.receiver.oar3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.awaitility.Awaitility.await;

import io.cgroupotel.receiver.CgroupReceiverSettings;
import io.cgroupotel.receiver.HierarchyChoice;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.UserNames;
import io.cgroupotel.receiver.oar3.metadata.JobMetadata;
import io.cgroupotel.sampler.Entity;
import io.cgroupotel.sampler.Sample;
import io.cgroupotel.sampler.ScrapeResult;
import io.opentelemetry.sdk.common.Clock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The receiver on a fixture tree: a temp dir with cpu.stat files written by the test. */
class Oar3ReceiverFixtureTest {
  @TempDir Path tmp;
  private Path root;
  private Path oarexec;
  private Path passwd;
  private final Semaphore pollAsked = new Semaphore(0);
  private Oar3Receiver receiver;

  @BeforeEach
  void setUp() throws IOException {
    root = Files.createDirectories(tmp.resolve("cgroup"));
    oarexec = Files.createDirectories(tmp.resolve("oar_runtime"));
    passwd = tmp.resolve("passwd");
    Files.writeString(passwd, "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/h:/bin/sh\n");
  }

  @AfterEach
  void tearDown() {
    if (receiver != null) {
      receiver.close();
    }
  }

  private Oar3Receiver start(String prefix) {
    Oar3ReceiverConfig config = new Oar3ReceiverConfig(
        CgroupReceiverSettings.of(root, Duration.ofSeconds(1)), prefix, oarexec, Optional.empty(),
        true);
    ReceiverContext context = new ReceiverContext("node-7", Map.of(), pollAsked::release);
    receiver = new Oar3Receiver(config, HierarchyChoice.asGiven(root), context,
        Clock.getDefault(), new UserNames(passwd, uid -> Optional.empty()));
    receiver.start();
    return receiver;
  }

  /** Makes a cgroup directory with a cpu.stat (and memory.current when memory >= 0). */
  private static Path cgroup(Path dir, long usage, long user, long system, long memory)
      throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("cpu.stat"), "usage_usec " + usage + "\nuser_usec " + user
        + "\nsystem_usec " + system + "\nnr_periods 0\n");
    if (memory >= 0) {
      Files.writeString(dir.resolve("memory.current"), memory + "\n");
    }
    return dir;
  }

  /** Builds a job tree in a staging dir, then moves it in at once (as mkdir does on cgroupfs). */
  private Path atomicJob(Path parent, String name, long usage) throws IOException {
    Path staging = cgroup(tmp.resolve("staging").resolve(name), usage, usage / 2, usage / 2, -1);
    Files.createDirectories(parent);
    return Files.move(staging, parent.resolve(name), StandardCopyOption.ATOMIC_MOVE);
  }

  private static Map<Long, Sample> byJobId(ScrapeResult r) {
    return r.samples().stream().collect(Collectors.toMap(
        s -> (Long) s.entity().attributes().get("oar.job.id"), Function.identity()));
  }

  @Test
  void poll_fixtureTree_oneEntityPerJob_fromTheJobSliceOnly() throws IOException {
    Path deep = root.resolve("machine.slice/nested.scope");
    Path oar = deep.resolve("oar.slice");
    cgroup(oar, 99_000_000, 1, 1, -1);
    Path u1000 = cgroup(oar.resolve("oar-u1000.slice"), 50_000_000, 1, 1, -1);
    Path j10 = cgroup(u1000.resolve("oar-u1000-j10.slice"), 3_000_000, 2_000_000, 1_000_000,
        123_456);
    cgroup(j10.resolve("oar-u1000-j10-p77.scope"), 1_000_000, 1, 1, -1);
    Path t1 = cgroup(j10.resolve("oar-u1000-j10-t1.slice"), 2_000_000, 1, 1, -1);
    cgroup(t1.resolve("oar-u1000-j10-t1-p5.scope"), 2_000_000, 1, 1, -1);
    cgroup(u1000.resolve("oar-u1000-j11.slice"), 5_000, 4_000, 1_000, -1);
    cgroup(u1000.resolve("oar-u1001-j12.slice"), 1, 1, 1, -1); // uid mismatch: not a job
    cgroup(u1000.resolve("oar-u1000-jx.slice"), 1, 1, 1, -1); // not a job
    cgroup(root.resolve("oar.slice/oar-u0.slice/oar-u0-j13.slice"), 7, 4, 3, -1);
    cgroup(root.resolve("oar.slice/oar-u4242.slice/oar-u4242-j14.slice"), 8, 4, 4, -1);

    start("oar");
    ScrapeResult r = receiver.poll();

    assertThat(r.errors()).isEmpty();
    Map<Long, Sample> jobs = byJobId(r);
    assertThat(jobs).containsOnlyKeys(10L, 11L, 13L, 14L);
    Sample s10 = jobs.get(10L);
    assertThat(s10.usageUsec()).isEqualTo(3_000_000);
    assertThat(s10.userUsec()).isEqualTo(2_000_000);
    assertThat(s10.systemUsec()).isEqualTo(1_000_000);
    assertThat(s10.memoryBytes()).isEqualTo(123_456);
    assertThat(jobs.get(11L).memoryBytes()).isEqualTo(Sample.ABSENT);
    assertThat(s10.entity().attributes()).containsOnly(
        entry("oar.job.id", 10L), entry("oar.job.user.id", 1000L),
        entry("oar.job.user", "alice"), entry("host.name", "node-7"));
    assertThat(jobs.get(13L).entity().attributes()).contains(entry("oar.job.user", "root"));
    assertThat(jobs.get(14L).entity().attributes()).as("uid that does not resolve")
        .containsOnlyKeys("oar.job.id", "oar.job.user.id", "host.name");
    assertThat(r.samples()).extracting(s -> s.entity().id()).doesNotHaveDuplicates();
  }

  @Test
  void poll_pathInsideTheOarTree_stillFindsTheJobs() throws IOException {
    Path u = root.resolve("oar.slice/oar-u0.slice");
    cgroup(u.resolve("oar-u0-j1.slice"), 1, 1, 1, -1);
    cgroup(u.resolve("oar-u0-j2.slice"), 1, 1, 1, -1);
    root = u; // path = the user slice: names above path still count
    start("oar");
    assertThat(byJobId(receiver.poll())).containsOnlyKeys(1L, 2L);
  }

  @Test
  void poll_otherPrefix_onlyThoseJobs() throws IOException {
    cgroup(root.resolve("oar.slice/oar-u0.slice/oar-u0-j1.slice"), 1, 1, 1, -1);
    cgroup(root.resolve("hpc.slice/hpc-u0.slice/hpc-u0-j2.slice"), 1, 1, 1, -1);
    start("hpc");
    assertThat(byJobId(receiver.poll())).containsOnlyKeys(2L);
  }

  @Test
  void poll_envFileMetadata_andMalformedFilesCostOnlyTheAttribute() throws Exception {
    Path u = root.resolve("oar.slice/oar-u1000.slice");
    cgroup(u.resolve("oar-u1000-j20.slice"), 1, 1, 1, -1);
    cgroup(u.resolve("oar-u1000-j21.slice"), 1, 1, 1, -1);
    cgroup(u.resolve("oar-u1000-j22.slice"), 1, 1, 1, -1);
    cgroup(u.resolve("oar-u1000-j23.slice"), 1, 1, 1, -1);
    cgroup(u.resolve("oar-u1000-j24.slice"), 1, 1, 1, -1);
    // as OAR's job resource manager writes it
    Files.writeString(oarexec.resolve("alice_20.env"), """
        export OAR_JOBID='20'
        export OAR_ARRAYID='20'
        export OAR_ARRAYINDEX='1'
        export OAR_USER='alice'
        export OAR_WORKDIR='/home/alice'
        export OAR_JOB_NAME='my sim'
        export OAR_PROJECT_NAME='climate'
        export OAR_STDOUT='OAR.20.stdout'
        export OAR_STDERR='OAR.20.stderr'
        export OAR_FILE_NODES='/var/lib/oar/20'
        export OAR_RESOURCE_PROPERTIES_FILE='/var/lib/oar/20_resources'
        export OAR_JOB_WALLTIME='2:0:0'
        export OAR_JOB_WALLTIME_SECONDS='7200'
        export OAR_NODEFILE=$OAR_FILE_NODES
        export OAR_NODE_FILE=$OAR_FILE_NODES
        export OAR_JOB_ID=$OAR_JOBID
        """);
    Files.write(oarexec.resolve("alice_21.env"), new byte[] {0, 1, 2, (byte) 0xfe, '\n'});
    Files.writeString(oarexec.resolve("alice_22.env"), """
        garbage garbage
        export OAR_JOB_NAME="unterminated
        export OAR_PROJECT_NAME=p22
        export OAR_JOB_WALLTIME_SECONDS=soon
        """);
    Files.createDirectory(oarexec.resolve("alice_23.env")); // unreadable as a file
    Files.writeString(oarexec.resolve("alice_24.env"), "export OAR_JOBID=999\nOAR_JOB_NAME=x\n");

    start("oar");
    Map<Long, Sample> jobs = byJobId(receiver.poll());

    assertThat(jobs).containsOnlyKeys(20L, 21L, 22L, 23L, 24L);
    assertThat(jobs.get(20L).entity().attributes()).contains(
        entry("oar.job.name", "my sim"), entry("oar.job.project", "climate"),
        entry("oar.job.walltime", 7200L), entry("oar.job.user", "alice"));
    assertThat(jobs.get(21L).entity().attributes())
        .doesNotContainKeys("oar.job.name", "oar.job.project", "oar.job.walltime");
    assertThat(jobs.get(22L).entity().attributes()).contains(entry("oar.job.project", "p22"))
        .doesNotContainKeys("oar.job.name", "oar.job.walltime");
    assertThat(jobs.get(23L).entity().attributes()).doesNotContainKey("oar.job.name");
    assertThat(jobs.get(24L).entity().attributes()).as("file of another job")
        .doesNotContainKey("oar.job.name");
  }

  @Test
  void poll_envFileWrittenAfterTheJobStarted_isPickedUpLater() throws Exception {
    Path j = cgroup(root.resolve("oar.slice/oar-u1000.slice/oar-u1000-j30.slice"), 1, 1, 1, -1);
    start("oar");
    Entity e = byJobId(receiver.poll()).get(30L).entity();
    assertThat(e.attributes()).doesNotContainKey("oar.job.name");
    Files.writeString(oarexec.resolve("alice_30.env"), "OAR_JOB_NAME=late\n");
    await().atMost(JobMetadata.ENV_RETRY.plusSeconds(3)).pollInSameThread().until(() -> {
      receiver.poll();
      return e.attributes().containsKey("oar.job.name");
    });
    assertThat(e.attributes()).contains(entry("oar.job.name", "late"));
    assertThat(j).exists();
  }

  @Test
  void poll_oarApi_addsTheQueue_envFileWinsForTheName() throws Exception {
    com.sun.net.httpserver.HttpServer api = com.sun.net.httpserver.HttpServer.create(
        new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    api.createContext("/oarapi/jobs/70", exchange -> {
      byte[] body = "{\"id\":70,\"name\":\"api name\",\"project\":\"api proj\",\"queue\":\"besteffort\"}"
          .getBytes(java.nio.charset.StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    api.start();
    try {
      cgroup(root.resolve("oar.slice/oar-u1000.slice/oar-u1000-j70.slice"), 1, 1, 1, -1);
      cgroup(root.resolve("oar.slice/oar-u1000.slice/oar-u1000-j71.slice"), 1, 1, 1, -1);
      Files.writeString(oarexec.resolve("alice_70.env"), "export OAR_JOB_NAME='env name'\n");
      Oar3ReceiverConfig config = new Oar3ReceiverConfig(
          CgroupReceiverSettings.of(root, Duration.ofSeconds(1)), "oar", oarexec,
          Optional.of(java.net.URI.create(
              "http://127.0.0.1:" + api.getAddress().getPort() + "/oarapi")), true);
      receiver = new Oar3Receiver(config, HierarchyChoice.asGiven(root),
          ReceiverContext.forTest("node-7"), Clock.getDefault(),
          new UserNames(passwd, uid -> Optional.empty()));
      receiver.start();
      Entity e70 = byJobId(receiver.poll()).get(70L).entity();
      Map<Long, Sample> jobs = await().atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(50)).pollInSameThread()
          .until(() -> byJobId(receiver.poll()), polled -> e70.attributes()
              .containsKey("oar.job.queue"));
      assertThat(jobs).as("the API never blocks nor drops a job").containsOnlyKeys(70L, 71L);
      assertThat(e70.attributes()).contains(entry("oar.job.queue", "besteffort"),
          entry("oar.job.name", "env name"), entry("oar.job.project", "api proj"));
      assertThat(jobs.get(71L).entity().attributes()).as("404 for job 71")
          .doesNotContainKey("oar.job.queue");
    } finally {
      api.stop(0);
    }
  }

  @Test
  void listener_newJob_readAtOnce_pollAsked_andReportedEvenIfGoneBeforeThePoll()
      throws Exception {
    Path u = Files.createDirectories(root.resolve("oar.slice/oar-u0.slice"));
    start("oar");
    assertThat(receiver.poll().samples()).isEmpty();
    pollAsked.drainPermits();

    atomicJob(u, "oar-u0-j40.slice", 2_500_000);
    assertThat(pollAsked.tryAcquire(3, TimeUnit.SECONDS)).as("pollNow on inotify").isTrue();
    // the job ends before the scheduler polls: its counters are gone
    Files.move(u.resolve("oar-u0-j40.slice"), tmp.resolve("gone40"),
        StandardCopyOption.ATOMIC_MOVE);
    Thread.sleep(300);

    ScrapeResult first = receiver.poll();
    assertThat(byJobId(first)).containsOnlyKeys(40L);
    assertThat(byJobId(first).get(40L).usageUsec()).isEqualTo(2_500_000);
    assertThat(receiver.poll().samples()).as("then dropped").isEmpty();
  }

  @Test
  void poll_removedJob_reportedOnceWithLastSample_thenGone() throws Exception {
    Path u = root.resolve("oar.slice/oar-u0.slice");
    cgroup(u.resolve("oar-u0-j50.slice"), 1_000, 600, 400, -1);
    cgroup(u.resolve("oar-u0-j51.slice"), 2_000, 1_000, 1_000, -1);
    start("oar");
    assertThat(byJobId(receiver.poll())).containsOnlyKeys(50L, 51L);
    cgroup(u.resolve("oar-u0-j50.slice"), 9_000, 6_000, 3_000, -1);
    Sample last = byJobId(receiver.poll()).get(50L);
    assertThat(last.usageUsec()).isEqualTo(9_000);

    // removed, and the poll reads before the watcher noticed: GONE on read
    Files.move(u.resolve("oar-u0-j50.slice"), tmp.resolve("gone50"),
        StandardCopyOption.ATOMIC_MOVE);
    ScrapeResult once = receiver.poll();
    assertThat(byJobId(once)).containsOnlyKeys(50L, 51L);
    assertThat(byJobId(once).get(50L).usageUsec()).isEqualTo(last.usageUsec());
    // a regular file still reads through the descriptor kept open after a move (kernfs would
    // answer ENODEV), so the watcher's removal may hand the same final value over once more
    Thread.sleep(300);
    ScrapeResult after = receiver.poll();
    assertThat(after.samples()).extracting(s -> s.entity().id()).doesNotHaveDuplicates();
    if (byJobId(after).containsKey(50L)) {
      assertThat(byJobId(after).get(50L).usageUsec()).isEqualTo(9_000);
    }
    assertThat(byJobId(receiver.poll())).containsOnlyKeys(51L);
    assertThat(receiver.jobCount()).isEqualTo(1);
  }

  @Test
  void poll_unreadableCpuStat_isAnErrorAndTheJobIsRetained() throws Exception {
    Path j = Files.createDirectories(root.resolve("oar.slice/oar-u0.slice/oar-u0-j60.slice"));
    Files.createDirectory(j.resolve("cpu.stat")); // a directory: reading it fails
    start("oar");
    ScrapeResult r = receiver.poll();
    assertThat(r.samples()).isEmpty();
    assertThat(r.retained()).extracting(Entity::id).containsExactly("oar3:/" + root.relativize(j));
    assertThat(r.errors()).singleElement().satisfies(e -> {
      assertThat(e.operation()).isEqualTo("reading cpu.stat");
      assertThat(e.object()).contains("60");
    });
    assertThat(List.of(r)).isNotEmpty();
  }
}

package io.cgroupotel.receiver.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;
import static org.awaitility.Awaitility.await;

import io.cgroupotel.cgroupfs.RealCgroupTree;
import io.cgroupotel.config.ConfigDocument;
import io.cgroupotel.config.ConfigException;
import io.cgroupotel.config.ConfigSection;
import io.cgroupotel.metrics.MetricGroup;
import io.cgroupotel.receiver.HierarchyChoice;
import io.cgroupotel.receiver.Receiver;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.UserNames;
import io.cgroupotel.sampler.Sample;
import io.cgroupotel.sampler.ScrapeResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * The receiver that docs/adding-a-receiver.md builds, on REAL cgroups of this machine's cgroup v2
 * mount (skipped where there is none, except under CI=true, see {@link RealCgroupTree}), and its
 * config on the same parser the agent uses: if the kit changes under the guide, this fails.
 */
class UserSliceReceiverTest {

  private static ConfigSection section(ConfigDocument doc) {
    return doc.root().section("receivers").section(UserSliceReceiverFactory.TYPE);
  }

  @Test
  void parseConfig_sharedKeysAndItsOwn() throws Exception {
    ConfigDocument doc = ConfigDocument.parse("agent.toml", """
        [receivers.user_slices]
        path = "/sys/fs/cgroup"
        poll_interval = "5s"
        metrics = ["cpu", "memory", "pids"]
        uid_min = 500
        """, Map.of());
    UserSliceReceiverConfig c = new UserSliceReceiverFactory().parseConfig(section(doc));
    doc.finish();
    assertThat(doc.errors()).isEmpty();
    assertThat(c.settings().path()).isEqualTo(Path.of("/sys/fs/cgroup"));
    assertThat(c.settings().pathSet()).isTrue();
    assertThat(c.settings().pollInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.settings().metrics())
        .containsExactlyInAnyOrder(MetricGroup.CPU, MetricGroup.MEMORY, MetricGroup.PIDS);
    assertThat(c.uidMin()).isEqualTo(500);
  }

  @Test
  void parseConfig_badValues_positionedErrors() {
    ConfigDocument doc = ConfigDocument.parse("agent.toml", """
        [receivers.user_slices]
        path = "relative/path"
        uid_min = -1
        colour = "blue"
        """, Map.of());
    new UserSliceReceiverFactory().parseConfig(section(doc));
    assertThatThrownBy(doc::finish).isInstanceOf(ConfigException.class); // unknown keys too
    assertThat(doc.errors()).hasSize(3);
    assertThat(String.join("\n", doc.errors().stream().map(Object::toString).toList()))
        .contains("agent.toml:2:", "path", "absolute", "agent.toml:3:", "uid_min",
            "agent.toml:4:", "colour");
  }

  @Test
  void names_userSlicesOnly() {
    assertThat(UserSliceNames.uid(Path.of("user.slice/user-1000.slice"))).hasValue(1000);
    assertThat(UserSliceNames.uid(Path.of("a/user.slice/user-7.slice"))).hasValue(7);
    assertThat(UserSliceNames.uid(Path.of("user.slice/user-1000.slice/session-3.scope")))
        .isEmpty();
    assertThat(UserSliceNames.uid(Path.of("system.slice/user-1000.slice"))).isEmpty();
    assertThat(UserSliceNames.uid(Path.of("user.slice/user-x.slice"))).isEmpty();
    assertThat(UserSliceNames.uid(Path.of(""))).isEmpty();
  }

  @Test
  void poll_realUserSlices_oneEntityPerUserAboveUidMin_withItsCpuTime() throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create()) {
      Path user = tree.mkdirs("user.slice/user-4242.slice");
      Path session = tree.mkdirs("user.slice/user-4242.slice/session-1.scope");
      tree.mkdirs("user.slice/user-7.slice"); // a system user: below uid_min
      tree.mkdirs("system.slice/user-4343.slice"); // not under user.slice
      tree.burnCpu(session);
      ConfigDocument doc = ConfigDocument.parse("agent.toml", "[receivers.user_slices]\npath = \""
          + tree.root() + "\"\nuid_min = 1000\n", Map.of());
      UserSliceReceiverFactory factory = new UserSliceReceiverFactory();
      UserSliceReceiverConfig config = factory.parseConfig(section(doc));
      assertThat(doc.errors()).isEmpty();
      try (Receiver receiver = factory.create(config, ReceiverContext.forTest("node"))) {
        assertThat(receiver.name()).isEqualTo("user_slices");
        assertThat(receiver.hierarchyChoice()).startsWith("cgroup v2 at " + tree.root());
        receiver.start();
        Thread.sleep(300); // the process burns in its session, below the user's slice
        ScrapeResult result = receiver.poll();
        assertThat(result.errors()).isEmpty();
        List<Sample> samples = result.samples();
        assertThat(samples).hasSize(1);
        Sample s = samples.get(0);
        assertThat(s.entity().attributes()).contains(entry(UserSliceReceiver.USER_ID, 4242L));
        assertThat(s.usageUsec()).as("the session's CPU time, read from the user's slice")
            .isPositive()
            .isLessThanOrEqualTo(RealCgroupTree.usageUsec(user));
      }
      tree.killAll();
    }
  }

  @Test
  void poll_aNameTheNameServiceGivesLate_arrivesOnALaterPoll() throws Exception {
    try (RealCgroupTree tree = RealCgroupTree.create()) {
      tree.mkdirs("user.slice/user-4242.slice");
      Path passwd = tree.root().getParent().resolve("no-such-passwd-" + System.nanoTime());
      CountDownLatch ldap = new CountDownLatch(1); // a slow LDAP: answers when released
      UserNames names = new UserNames(passwd, uid -> {
        try {
          ldap.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return uid == 4242 ? Optional.of("ldap-user") : Optional.empty();
      });
      ConfigDocument doc = ConfigDocument.parse("agent.toml", "[receivers.user_slices]\npath = \""
          + tree.root() + "\"\n", Map.of());
      UserSliceReceiverConfig config = new UserSliceReceiverFactory().parseConfig(section(doc));
      try (Receiver receiver = new UserSliceReceiver(config, HierarchyChoice.asGiven(tree.root()),
          ReceiverContext.forTest("node"), names)) {
        receiver.start();
        assertThat(receiver.poll().samples()).singleElement()
            .satisfies(s -> assertThat(s.entity().attributes())
                .containsKey(UserSliceReceiver.USER_ID)
                .doesNotContainKey(UserSliceReceiver.USER_NAME));
        ldap.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> names.lookup(4242).isPresent());
        // the metadata source asks again after the read: the entity is named now
        assertThat(receiver.poll().samples()).singleElement()
            .satisfies(s -> assertThat(s.entity().attributes())
                .contains(entry(UserSliceReceiver.USER_NAME, "ldap-user")));
      }
    }
  }
}

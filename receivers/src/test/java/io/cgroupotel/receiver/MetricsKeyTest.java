package io.cgroupotel.receiver;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgroupotel.config.ConfigDocument;
import io.cgroupotel.metrics.MetricGroup;
import io.cgroupotel.receiver.cgroup.CgroupReceiverFactory;
import io.cgroupotel.receiver.k8s.K8sReceiverFactory;
import io.cgroupotel.receiver.oar3.Oar3ReceiverFactory;
import io.cgroupotel.receiver.slurm.SlurmReceiverFactory;
import io.cgroupotel.sampler.InterfaceFilter;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The {@code metrics} key, the same in every receiver. */
class MetricsKeyTest {
  private ConfigDocument doc;

  private final Map<String, Function<ConfigDocument, Set<MetricGroup>>> receivers = Map.of(
      "cgroup", d -> new CgroupReceiverFactory().parseConfig(section(d, "cgroup")).settings()
          .metrics(),
      "k8s", d -> new K8sReceiverFactory().parseConfig(section(d, "k8s")).metrics(),
      "oar3", d -> new Oar3ReceiverFactory().parseConfig(section(d, "oar3")).settings()
          .metrics());

  private static io.cgroupotel.config.ConfigSection section(ConfigDocument d, String name) {
    return d.root().section("receivers").section(name);
  }

  private Set<MetricGroup> parse(String receiver, String body) {
    doc = ConfigDocument.parse("agent.toml", "[receivers." + receiver + "]\n" + body, Map.of());
    return receivers.get(receiver).apply(doc);
  }

  @Test
  void metrics_everyReceiver_sameKeySameMeaning() {
    for (String r : List.of("cgroup", "k8s", "oar3")) {
      assertThat(parse(r, "")).as(r).isEqualTo(MetricGroup.defaults());
      assertThat(MetricGroup.defaults()).isEqualTo(EnumSet.of(MetricGroup.CPU,
          MetricGroup.MEMORY));
      assertThat(doc.errors()).isEmpty();
      assertThat(parse(r, "metrics = [\"memory\", \"io\"]\n")).as(r)
          .isEqualTo(EnumSet.of(MetricGroup.CPU, MetricGroup.MEMORY, MetricGroup.IO));
      assertThat(parse(r, "metrics = []\n")).as(r + ": cpu is always read")
          .isEqualTo(EnumSet.of(MetricGroup.CPU));
      assertThat(parse(r, "metrics = [\"cpu\", \"memory\", \"pressure\", \"io\", \"pids\", "
          + "\"network\"]\n")).isEqualTo(EnumSet.allOf(MetricGroup.class));
      assertThat(doc.errors()).isEmpty();
    }
  }

  @Test
  void metrics_unknownGroup_positionedErrorListingTheValidOnes() {
    for (String r : List.of("cgroup", "k8s", "oar3")) {
      Set<MetricGroup> got = parse(r, "poll_interval = \"1s\"\nmetrics = [\"cpu\", \"disk\"]\n");
      assertThat(got).isEqualTo(EnumSet.of(MetricGroup.CPU));
      assertThat(doc.errors()).hasSize(1);
      String error = doc.errors().get(0).toString();
      System.out.println(error);
      assertThat(error).startsWith("agent.toml:3:1: receivers." + r + ".metrics: unknown metric "
          + "group \"disk\"").contains("valid groups: cpu, memory, pressure, io, pids");
      parse(r, "metrics = [\"memory\"]\n");
      assertThat(doc.errors()).isEmpty();
      parse(r, "metrics = [\"CPU\", \"Memory\"]\n"); // wrong case: not guessed
      assertThat(doc.errors()).hasSize(2);
      assertThat(doc.errors().get(0).toString()).startsWith("agent.toml:2:1: receivers." + r
          + ".metrics: unknown metric group \"CPU\"").contains("lower case: \"cpu\"",
          "valid groups: cpu, memory, pressure, io, pids");
      parse(r, "metrics = 3\n");
      assertThat(doc.errors()).hasSize(1);
    }
  }

  private final Map<String, Function<ConfigDocument, InterfaceFilter>> interfaces = Map.of(
      "cgroup", d -> new CgroupReceiverFactory().parseConfig(section(d, "cgroup")).settings()
          .networkInterfaces(),
      "k8s", d -> new K8sReceiverFactory().parseConfig(section(d, "k8s")).networkInterfaces(),
      "oar3", d -> new Oar3ReceiverFactory().parseConfig(section(d, "oar3")).settings()
          .networkInterfaces(),
      "slurm", d -> new SlurmReceiverFactory().parseConfig(section(d, "slurm")).settings()
          .networkInterfaces());

  private InterfaceFilter interfaces(String receiver, String body) {
    doc = ConfigDocument.parse("agent.toml", "[receivers." + receiver + "]\n" + body, Map.of());
    return interfaces.get(receiver).apply(doc);
  }

  @Test
  void networkInterfaces_everyReceiver_defaultAllButLo_globsWhenGiven() {
    for (String r : List.of("cgroup", "k8s", "oar3", "slurm")) {
      InterfaceFilter byDefault = interfaces(r, "metrics = [\"network\"]\n");
      assertThat(doc.errors()).as(r).isEmpty();
      assertThat(byDefault.matches("lo")).isFalse();
      assertThat(byDefault.matches("eth0")).isTrue();
      InterfaceFilter all = interfaces(r,
          "metrics = [\"cpu\", \"network\"]\nnetwork_interfaces = [\"*\"]\n");
      assertThat(doc.errors()).as(r).isEmpty();
      assertThat(all.matches("lo")).isTrue();
      InterfaceFilter eth = interfaces(r,
          "metrics = [\"network\"]\nnetwork_interfaces = [\"eth*\", \"net[0-9]\"]\n");
      assertThat(eth.matches("eth1")).isTrue();
      assertThat(eth.matches("net3")).isTrue();
      assertThat(eth.matches("lo")).isFalse();
    }
  }

  @Test
  void networkInterfaces_badGlobEmptyListOrNoNetworkGroup_positionedErrors() {
    for (String r : List.of("cgroup", "k8s", "oar3", "slurm")) {
      interfaces(r, "metrics = [\"network\"]\nnetwork_interfaces = [\"eth0\", \"a/b\", \"[x\"]\n");
      assertThat(doc.errors()).as(r).hasSize(2);
      assertThat(doc.errors().get(0).toString()).startsWith("agent.toml:3:1: receivers." + r
          + ".network_interfaces: bad glob \"a/b\": '/' is in no interface name");
      assertThat(doc.errors().get(1).toString()).contains("bad glob \"[x\"");
      interfaces(r, "metrics = [\"network\"]\nnetwork_interfaces = []\n");
      assertThat(doc.errors()).singleElement().asString().contains("agent.toml:3:1")
          .contains("empty: no interface would be exported");
      interfaces(r, "network_interfaces = [\"eth*\"]\n");
      assertThat(doc.errors()).singleElement().asString()
          .startsWith("agent.toml:2:1: receivers." + r + ".network_interfaces: has no effect")
          .contains("add \"network\" to metrics");
    }
  }
}

package io.cgroupotel.receiver.oar3;

import io.cgroupotel.config.ConfigSection;
import io.cgroupotel.receiver.CgroupReceiverSettings;
import io.cgroupotel.receiver.HierarchyChoice;
import io.cgroupotel.receiver.Receiver;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.ReceiverFactory;
import io.cgroupotel.receiver.ReceiverStartException;
import io.cgroupotel.receiver.UserNames;
import io.opentelemetry.sdk.common.Clock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/** Makes the {@code oar3} receiver: per-job CPU time of OAR3 batch jobs from cgroup v2. */
public final class Oar3ReceiverFactory implements ReceiverFactory<Oar3ReceiverConfig> {
  public static final String TYPE = "oar3";
  private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_.]+");

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public Oar3ReceiverConfig parseConfig(ConfigSection section) {
    CgroupReceiverSettings common = CgroupReceiverSettings.parse(section);
    String prefix = section.string("prefix", Oar3ReceiverConfig.DEFAULT_PREFIX);
    if (!PREFIX.matcher(prefix).matches()) {
      section.error("prefix", "bad prefix \"" + prefix + "\"",
          "OAR's CPUSET_PATH without the slash, e.g. \"oar\" for /oar; letters, digits, _ and .");
      prefix = Oar3ReceiverConfig.DEFAULT_PREFIX;
    }
    Path oarexec = CgroupReceiverSettings.absolutePath(section, "oarexec_directory",
        Oar3ReceiverConfig.DEFAULT_OAREXEC_DIRECTORY);
    return new Oar3ReceiverConfig(common, prefix, oarexec,
        CgroupReceiverSettings.httpUrl(section, "oar_api_url", "\"http://oar-server/oarapi\""),
        section.bool("enabled", true));
  }

  @Override
  public Receiver create(Oar3ReceiverConfig config, ReceiverContext context)
      throws ReceiverStartException {
    CgroupReceiverSettings s = config.settings();
    HierarchyChoice choice;
    try {
      choice = s.chooseHierarchy(TYPE, root -> oarTree(root, config.prefix()));
    } catch (ReceiverStartException e) {
      if (s.cgroupVersions().contains(1)) {
        Oar2Hints.checkCgroup2(s.path(), config.prefix()); // not a cgroup tree: what it looks like, OAR 2 hints
      }
      throw e; // (cgroup_versions = ["v2"]: the message says so)
    }
    return new Oar3Receiver(config, choice, context, Clock.getDefault(), new UserNames());
  }

  /**
   * Layout probe: OAR's top cgroup below {@code root} ({@code <prefix>.slice} of OAR 3's systemd
   * job manager, {@code <prefix>} of OAR 2.5's cgroup v1 manager), or null.
   */
  static String oarTree(Path root, String prefix) {
    for (String name : List.of(prefix + ".slice", prefix)) {
      if (Files.isDirectory(root.resolve(name))) {
        return "/" + name;
      }
    }
    // a few levels down (nested systemd, containers), as the receiver searches at any depth
    return HierarchyChoice.findDirectory(root, 3, (prefix + ".slice")::equals);
  }
}

package io.cgroupotel.receiver.oar3;

import io.cgroupotel.cgroupfs.Cgroup2;
import io.cgroupotel.config.ConfigSection;
import io.cgroupotel.receiver.Receiver;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.ReceiverFactory;
import io.cgroupotel.receiver.ReceiverStartException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Makes the {@code oar3} receiver. */
public final class Oar3ReceiverFactory implements ReceiverFactory<Oar3ReceiverConfig> {

  @Override
  public String type() {
    return "oar3";
  }

  @Override
  public Oar3ReceiverConfig parseConfig(ConfigSection section) {
    String path = section.string("path", null);
    Path root = path != null ? Path.of(path) : Cgroup2.findMount().orElse(Path.of("/sys/fs/cgroup"));
    String prefix = section.string("prefix", Oar3ReceiverConfig.DEFAULT_PREFIX);
    if (!prefix.matches("[A-Za-z0-9_.]+")) {
      section.error("prefix", "\"" + prefix + "\" is not a slice name prefix",
          "OAR's CPUSET_PATH without its slash, e.g. \"oar\"");
      prefix = Oar3ReceiverConfig.DEFAULT_PREFIX;
    }
    return new Oar3ReceiverConfig(root,
        section.duration("poll_interval", Duration.ofSeconds(1)), prefix,
        Path.of(section.string("oarexec_directory",
            Oar3ReceiverConfig.DEFAULT_OAREXEC_DIRECTORY.toString())));
  }

  @Override
  public Receiver create(Oar3ReceiverConfig config, ReceiverContext context)
      throws ReceiverStartException {
    Optional<String> problem = Cgroup2.problemWith(config.path());
    if (problem.isPresent()) {
      throw new ReceiverStartException("receivers.oar3.path: " + problem.get()
          + oarV1Hint(config).orElse(""));
    }
    return new Oar3Receiver(config, context);
  }

  /**
   * OAR 2.x keeps jobs in cgroup v1 cpusets named {@code /<prefix>/<user>_<jobid>}: say so
   * rather than find no job.
   */
  static Optional<String> oarV1Hint(Oar3ReceiverConfig config) {
    for (Path candidate : new Path[] {config.path().resolve(config.prefix()),
        config.path().resolve("cpuset").resolve(config.prefix())}) {
      if (!Files.isDirectory(candidate)) {
        continue;
      }
      try (DirectoryStream<Path> children = Files.newDirectoryStream(candidate,
          p -> p.getFileName().toString().matches(".+_\\d+"))) {
        if (children.iterator().hasNext()) {
          return Optional.of(". " + candidate + " holds OAR 2.x jobs (<user>_<jobid> in a "
              + "cgroup v1 cpuset): the oar3 receiver reads OAR3's cgroup v2 layout "
              + "(oar.slice/oar-u<UID>.slice/oar-u<UID>-j<JOBID>.slice)");
        }
      } catch (IOException | RuntimeException e) {
        // unreadable: no hint
      }
    }
    return Optional.empty();
  }
}

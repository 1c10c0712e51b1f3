package io.cgroupotel.receiver.slurm.metadata;

import io.cgroupotel.config.ConfigSection;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The {@code scontrol} and {@code scontrol_timeout} keys of {@code [receivers.slurm]}: which
 * command Slurm's metadata comes from, checked when the config is read and again before each run.
 */
public final class ScontrolCommand {
  /** The default command: {@code scontrol}, from the PATH. */
  public static final List<String> DEFAULT = List.of("scontrol");
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
  /** Below this, a healthy slurmctld under load fails every call. */
  public static final Duration MIN_TIMEOUT = Duration.ofMillis(100);
  /** Above this, a hung slurmctld holds the metadata thread for minutes. */
  public static final Duration MAX_TIMEOUT = Duration.ofSeconds(60);
  /** {@code scontrol = "off"} (any case): no Slurm metadata. */
  static final String OFF = "off";
  private static final String HINT = "the scontrol command, e.g. \"scontrol\" or "
      + "\"/usr/bin/scontrol\" (arguments may follow), or \"off\" for no Slurm metadata";

  private ScontrolCommand() {}

  /**
   * {@code scontrol}: the command (and its leading arguments), run as it is written; {@code "off"}
   * (in any case) turns Slurm's metadata off. Anything else must name a command that can run
   * here, an absolute path to an executable file or a bare name found on the PATH, else it is a
   * positioned error: a word like {@code "none"} or {@code "disabled"} is never run by accident.
   * The default, {@code scontrol} (unset, or empty as every string key), is taken as it is: where
   * the PATH lacks it, the receiver says so once at run time.
   */
  public static Optional<List<String>> parse(ConfigSection section) {
    String text = section.string("scontrol", String.join(" ", DEFAULT)).strip();
    if (text.equalsIgnoreCase(OFF)) {
      return Optional.empty();
    }
    if (text.isEmpty()) {
      section.error("scontrol", "blank command", HINT);
      return Optional.of(DEFAULT);
    }
    List<String> argv = Arrays.asList(text.split("\\s+"));
    if (argv.equals(DEFAULT)) {
      return Optional.of(argv);
    }
    String problem = unrunnable(argv.get(0), System.getenv("PATH"));
    if (problem != null) {
      section.error("scontrol", problem, HINT);
      return Optional.empty();
    }
    return Optional.of(argv);
  }

  /** {@code scontrol_timeout}: how long one call may take, within its bounds. */
  public static Duration parseTimeout(ConfigSection section) {
    return section.duration("scontrol_timeout", DEFAULT_TIMEOUT, MIN_TIMEOUT, MAX_TIMEOUT);
  }

  /** Why {@code command} cannot be run from {@code path} (the PATH), or null when it can. */
  static String unrunnable(String command, String path) {
    String shown = SlurmText.printable(command, 200);
    if (command.indexOf('/') >= 0) {
      Path p;
      try {
        p = Path.of(command);
      } catch (InvalidPathException e) {
        return "bad path \"" + shown + "\": " + e.getReason();
      }
      if (!p.isAbsolute()) {
        return "\"" + shown + "\" is a relative path: write the absolute path, or a bare command "
            + "name found on the PATH";
      }
      if (!Files.isRegularFile(p)) {
        return "\"" + shown + "\": no such file";
      }
      return Files.isExecutable(p) ? null : "\"" + shown + "\" is not executable";
    }
    for (String dir : (path == null ? "" : path).split(":")) {
      if (dir.isEmpty()) {
        continue;
      }
      try {
        Path p = Path.of(dir, command);
        if (Files.isRegularFile(p) && Files.isExecutable(p)) {
          return null;
        }
      } catch (InvalidPathException e) {
        // not a directory name: the next one
      }
    }
    return "no command \"" + shown + "\" on the PATH (" + (path == null ? "unset" : path) + ")";
  }

  /** The command as the start-up log shows it (log-safe), or {@code off}. */
  static String describe(Optional<List<String>> command) {
    return command.map(c -> SlurmText.printable(String.join(" ", c), 300)).orElse(OFF);
  }
}

package io.cgroupotel.receiver.oar3;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Job metadata from the env files OAR writes on the node, {@code <oarexec_directory>/
 * <user>_<jobid>.env}: shell lines {@code KEY=value} or {@code export KEY="value"}. A file that
 * is missing, unreadable or malformed costs the attributes, never the job. Thread-safe.
 */
final class JobEnvFiles {
  static final int MAX_BYTES = 256 * 1024;

  private final Path directory;

  JobEnvFiles(Path directory) {
    this.directory = directory;
  }

  /** The job's attributes from its env file; empty when there is no usable file. */
  Optional<Map<String, Object>> attributes(long jobId, Optional<String> user) {
    Optional<Path> file = find(jobId, user);
    if (file.isEmpty()) {
      return Optional.empty();
    }
    Map<String, String> env = parse(file.get());
    Map<String, Object> attributes = new LinkedHashMap<>();
    put(attributes, "oar.job.name", env.get("OAR_JOB_NAME"));
    put(attributes, "oar.job.project", env.get("OAR_PROJECT_NAME"));
    String walltime = env.get("OAR_JOB_WALLTIME_SECONDS");
    if (walltime != null) {
      try {
        attributes.put("oar.job.walltime", Long.parseLong(walltime.trim()));
      } catch (NumberFormatException e) {
        // a walltime that is not a number is left out
      }
    }
    return Optional.of(attributes);
  }

  private Optional<Path> find(long jobId, Optional<String> user) {
    if (user.isPresent()) {
      Path file = directory.resolve(user.get() + "_" + jobId + ".env");
      if (Files.isRegularFile(file)) {
        return Optional.of(file);
      }
    }
    // the user's name is not known on this node: any user's file of this job
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*_" + jobId + ".env")) {
      for (Path file : files) {
        if (Files.isRegularFile(file)) {
          return Optional.of(file);
        }
      }
    } catch (IOException | RuntimeException e) {
      // no such directory on this node, or unreadable
    }
    return Optional.empty();
  }

  /** Parses shell assignments; other lines (comments, garbage) are skipped. */
  static Map<String, String> parse(Path file) {
    Map<String, String> env = new LinkedHashMap<>();
    byte[] bytes;
    try {
      if (Files.size(file) > MAX_BYTES) {
        return env;
      }
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      return env;
    }
    for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
      String s = line.trim();
      if (s.startsWith("export ")) {
        s = s.substring("export ".length()).trim();
      }
      int eq = s.indexOf('=');
      if (eq <= 0 || s.startsWith("#")) {
        continue;
      }
      String key = s.substring(0, eq).trim();
      if (!key.matches("[A-Za-z_][A-Za-z0-9_]*")) {
        continue;
      }
      String value = s.substring(eq + 1).trim();
      if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"")
          || value.startsWith("'") && value.endsWith("'"))) {
        value = value.substring(1, value.length() - 1);
      }
      env.put(key, value);
    }
    return env;
  }

  private static void put(Map<String, Object> into, String key, String value) {
    if (value != null && !value.isBlank()) {
      into.put(key, value);
    }
  }
}

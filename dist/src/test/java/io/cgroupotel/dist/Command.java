package io.cgroupotel.dist;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A real command run to its end (bounded in time), its output and exit code, logged. */
record Command(List<String> argv, int exit, String output) {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  /** Runs {@code argv} in {@code /} with only {@code env} (and a PATH) as its environment. */
  static Command run(Map<String, String> env, String... argv)
      throws IOException, InterruptedException {
    return run(TIMEOUT, env, argv);
  }

  /** As {@link #run(Map, String...)}, killed (and the test failed) past {@code timeout}. */
  static Command run(Duration timeout, Map<String, String> env, String... argv)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true)
        .directory(Path.of("/").toFile());
    pb.environment().clear();
    pb.environment().put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    pb.environment().putAll(env);
    Path log = Files.createTempFile("dist-command", ".log");
    try {
      Process p = pb.redirectOutput(log.toFile()).start();
      if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
        throw new AssertionError(String.join(" ", argv) + ": still running after " + timeout
            + ":\n" + Files.readString(log, StandardCharsets.UTF_8));
      }
      Command c = new Command(List.of(argv), p.exitValue(),
          Files.readString(log, StandardCharsets.UTF_8));
      System.out.println("$ " + String.join(" ", argv) + "  -> exit " + c.exit() + "\n"
          + c.output());
      return c;
    } finally {
      Files.deleteIfExists(log);
    }
  }

  static Command run(String... argv) throws IOException, InterruptedException {
    return run(Map.of(), argv);
  }

  /** Runs it and fails the test, with its output, unless it exits 0. */
  static Command ok(Map<String, String> env, String... argv)
      throws IOException, InterruptedException {
    Command c = run(env, argv);
    if (c.exit() != 0) {
      throw new AssertionError(String.join(" ", argv) + " exited " + c.exit() + ":\n" + c.output());
    }
    return c;
  }

  static Command ok(String... argv) throws IOException, InterruptedException {
    return ok(Map.of(), argv);
  }

  /** Whether {@code name} is a command on the PATH the commands get. */
  static boolean exists(String name) {
    for (String dir : List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin",
        "/sbin", "/bin")) {
      if (Files.isExecutable(Path.of(dir, name))) {
        return true;
      }
    }
    return false;
  }
}

package io.cgroupotel.tools;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The benchmark and soak harnesses, kept out of the agent's runnable jar (as the Collector keeps
 * its load tests in {@code testbed/}). They live in the agent's package, in a module of their own,
 * so that they measure the very pipeline classes the agent runs.
 *
 * <pre>java -jar tools/target/cgroup-otel-tools.jar bench|soak|collector [options]</pre>
 */
@Command(name = "cgroup-otel-tools", mixinStandardHelpOptions = true,
    subcommands = {Bench.class, Soak.class, OutageCollector.class},
    description = "Benchmark and soak harnesses of cgroup-otel-agent (need root: they make cgroups)")
public final class Tools implements Runnable {
  @Override
  public void run() {
    CommandLine.usage(this, System.out);
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new Tools()).execute(args));
  }
}

package io.cgroupotel.cgroupfs;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Two real network namespaces made by the test, {@code <prefix>-a} and {@code <prefix>-b}, joined
 * by a veth pair whose ends are both inside them ({@link #A_ADDRESS} in a, {@link #B_ADDRESS} in
 * b: addresses that exist nowhere else), loopback up in each. {@link #close()} kills the processes
 * started here and deletes both namespaces (which removes the veth pair).
 *
 * <p>Needs root and {@code ip} (iproute2): skipped without them, except under {@code CI=true},
 * where that fails the test.
 */
public final class RealNetns implements AutoCloseable {
  public static final String A_ADDRESS = "10.213.77.1";
  public static final String B_ADDRESS = "10.213.77.2";

  private final String a;
  private final String b;
  private final List<Process> processes = new ArrayList<>();

  private RealNetns(String a, String b) {
    this.a = a;
    this.b = b;
  }

  /** Makes the two namespaces and the veth pair, or skips (fails under CI) when it cannot. */
  public static RealNetns create() {
    String why = null;
    if (!"root".equals(System.getProperty("user.name"))) {
      why = "network namespaces need root";
    } else if (List.of("/sbin/ip", "/bin/ip", "/usr/sbin/ip", "/usr/bin/ip").stream()
        .noneMatch(p -> Files.isExecutable(Path.of(p)))) {
      why = "no ip command (apt-get install iproute2)";
    }
    if (why != null) {
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError("CI=true requires the real network namespace tests to run, but "
            + why);
      }
      assumeTrue(false, why);
    }
    String id = "cgotel-" + UUID.randomUUID().toString().substring(0, 8);
    RealNetns n = new RealNetns(id + "-a", id + "-b");
    String veth = "v" + id.substring(7); // interface names: at most 15 bytes
    try {
      run("ip", "netns", "add", n.a);
      run("ip", "netns", "add", n.b);
      for (String ns : List.of(n.a, n.b)) {
        // no IPv6: its autoconfiguration sends packets of its own a while after a link is up,
        // and the counters must move only with the test's traffic
        run("ip", "netns", "exec", ns, "sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/all/"
            + "disable_ipv6 && echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6");
      }
      run("ip", "-n", n.a, "link", "add", veth + "a", "type", "veth", "peer", "name",
          veth + "b", "netns", n.b);
      run("ip", "-n", n.a, "addr", "add", A_ADDRESS + "/30", "dev", veth + "a");
      run("ip", "-n", n.b, "addr", "add", B_ADDRESS + "/30", "dev", veth + "b");
      for (String ns : List.of(n.a, n.b)) {
        run("ip", "-n", ns, "link", "set", "lo", "up");
      }
      run("ip", "-n", n.a, "link", "set", veth + "a", "up");
      run("ip", "-n", n.b, "link", "set", veth + "b", "up");
    } catch (RuntimeException e) {
      n.close();
      throw e;
    }
    return n;
  }

  /** Namespace a's name (its veth end has {@link #A_ADDRESS}). */
  public String a() {
    return a;
  }

  public String b() {
    return b;
  }

  /** The name of the veth end in namespace a. */
  public String vethA() {
    return "v" + a.substring(7, 15) + "a";
  }

  /** Starts {@code command} inside namespace {@code ns}; killed by {@link #close()}. */
  public Process start(String ns, String... command) {
    List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", ns));
    argv.addAll(List.of(command));
    try {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
      processes.add(p);
      return p;
    } catch (IOException e) {
      throw new AssertionError("cannot start " + argv + ": " + e, e);
    }
  }

  /**
   * Starts {@code command} inside {@code ns} and moves it into {@code cgroup} (ip netns exec
   * replaces itself with the command: the pid is the command's).
   */
  public Process startIn(Path cgroup, String ns, String... command) {
    Process p = start(ns, command);
    try {
      // ip netns exec joins the namespace, then becomes the command (same pid): wait for it
      awaitNamespace(p);
      Files.writeString(cgroup.resolve("cgroup.procs"), Long.toString(p.pid()),
          StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new AssertionError("cannot move " + p.pid() + " into " + cgroup + ": " + e, e);
    }
    return p;
  }

  /** Waits until process {@code p} is in namespace {@code ns} (see {@link #startIn}). */
  public void awaitNamespace(Process p) {
    try {
      String own = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
      Path link = Path.of("/proc/" + p.pid() + "/ns/net");
      for (int i = 0; i < 500 && own.equals(Files.readSymbolicLink(link).toString()); i++) {
        Thread.sleep(10);
      }
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /**
   * Sends {@code bytes} over TCP from namespace {@code from} to a sink listening in namespace
   * {@code to} at {@code address}: the sink is a JVM running {@link NetSink} (nothing else is sure
   * to be installed), the sender bash's {@code /dev/tcp}. Returns the bytes the sink received.
   */
  public long sendTcp(String from, String to, String address, int port, long bytes)
      throws Exception {
    return sendTcp(from, to, address, port, bytes, null);
  }

  /** As above, the sender moved into {@code senderCgroup} (when not null) before it sends. */
  public long sendTcp(String from, String to, String address, int port, long bytes,
      Path senderCgroup) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    Process sink = start(to, java, "-cp", System.getProperty("java.class.path"),
        NetSink.class.getName(), address, Integer.toString(port));
    BufferedReader out = new BufferedReader(new InputStreamReader(sink.getInputStream(),
        StandardCharsets.UTF_8));
    String ready = out.readLine();
    if (!"listening".equals(ready)) {
      throw new AssertionError("sink did not start: " + ready);
    }
    Process sender = start(from, "bash", "-c", (senderCgroup == null ? "" : "read go; ")
        + "head -c " + bytes + " /dev/zero > /dev/tcp/" + address + "/" + port);
    if (senderCgroup != null) {
      awaitNamespace(sender);
      Files.writeString(senderCgroup.resolve("cgroup.procs"), Long.toString(sender.pid()),
          StandardCharsets.US_ASCII);
      sender.getOutputStream().write("go\n".getBytes(StandardCharsets.US_ASCII));
      sender.getOutputStream().flush();
    }
    if (!sender.waitFor(30, TimeUnit.SECONDS) || sender.exitValue() != 0) {
      throw new AssertionError("sender failed: "
          + new String(sender.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
    String received = out.readLine();
    sink.waitFor(30, TimeUnit.SECONDS);
    return Long.parseLong(received.trim());
  }

  /** Runs a command to its end; a non-zero exit is an AssertionError with its output. */
  public static void run(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new AssertionError(String.join(" ", command) + " failed: " + out);
      }
    } catch (IOException e) {
      throw new AssertionError(String.join(" ", command) + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Override
  public void close() {
    for (Process p : processes) {
      p.destroyForcibly();
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (String ns : List.of(a, b)) {
      try {
        new ProcessBuilder("ip", "netns", "del", ns).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(10, TimeUnit.SECONDS);
      } catch (IOException | InterruptedException e) {
        // best effort: the namespace goes with its last process anyway
      }
    }
  }

  /** A TCP sink: listens, says so, counts the bytes of one connection, prints the count. */
  public static final class NetSink {
    public static void main(String[] args) throws Exception {
      try (java.net.ServerSocket server = new java.net.ServerSocket()) {
        server.bind(new java.net.InetSocketAddress(args[0], Integer.parseInt(args[1])));
        System.out.println("listening");
        System.out.flush();
        try (java.net.Socket s = server.accept()) {
          byte[] buf = new byte[65536];
          long total = 0;
          for (int n; (n = s.getInputStream().read(buf)) > 0; ) {
            total += n;
          }
          System.out.println(total);
        }
      }
    }
  }
}

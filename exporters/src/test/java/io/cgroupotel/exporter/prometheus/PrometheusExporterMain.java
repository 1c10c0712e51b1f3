package io.cgroupotel.exporter.prometheus;

import io.cgroupotel.exporter.TestMetrics;
import java.net.InetSocketAddress;

/**
 * The Prometheus exporter alone in a fresh JVM, as in the agent: the JDK HTTP server's timeouts
 * are read once per JVM, so tests of them cannot share the test JVM. Prints {@code port=N
 * maxReqTime=S}, serves until its standard input closes, then prints {@code aborted=N}. With an
 * argument {@code cgroups=N}, serves N cgroups (about 200 bytes each) instead of two.
 */
final class PrometheusExporterMain {
  private PrometheusExporterMain() {}

  public static void main(String[] args) throws Exception {
    PrometheusExporter exporter = PrometheusExporter.start(new InetSocketAddress("127.0.0.1", 0));
    int cgroups = args.length > 0 && args[0].startsWith("cgroups=")
        ? Integer.parseInt(args[0].substring("cgroups=".length())) : 0;
    if (cgroups > 0) {
      java.util.List<io.opentelemetry.sdk.metrics.data.MetricData> many =
          new java.util.ArrayList<>();
      for (int i = 0; i < cgroups; i++) {
        many.add(TestMetrics.cpuTime(TestMetrics.cgroup("/system.slice/unit-" + i + ".service"),
            i, i / 2.0));
      }
      exporter.export(many);
    } else {
      exporter.export(TestMetrics.twoCgroups());
    }
    System.out.println("port=" + exporter.port() + " maxReqTime="
        + System.getProperty(PrometheusExporter.MAX_REQ_TIME) + " maxRspTime="
        + System.getProperty(PrometheusExporter.MAX_RSP_TIME));
    System.out.flush();
    while (System.in.read() >= 0) {
      // serve until the test closes our standard input
    }
    System.out.println("aborted=" + exporter.abortedScrapes());
    System.out.flush();
    exporter.shutdown();
  }
}

package io.cgroupotel.exporter.prometheus;

import io.cgroupotel.exporter.TestMetrics;
import java.net.InetSocketAddress;

/**
 * The Prometheus exporter alone in a fresh JVM, as in the agent: the JDK HTTP server's timeouts
 * are read once per JVM, so tests of them cannot share the test JVM. Prints {@code port=N
 * maxReqTime=S}, serves until its standard input closes.
 */
final class PrometheusExporterMain {
  private PrometheusExporterMain() {}

  public static void main(String[] args) throws Exception {
    PrometheusExporter exporter = PrometheusExporter.start(new InetSocketAddress("127.0.0.1", 0));
    exporter.export(TestMetrics.twoCgroups());
    System.out.println("port=" + exporter.port() + " maxReqTime="
        + System.getProperty(PrometheusExporter.MAX_REQ_TIME) + " maxRspTime="
        + System.getProperty(PrometheusExporter.MAX_RSP_TIME));
    System.out.flush();
    while (System.in.read() >= 0) {
      // serve until the test closes our standard input
    }
    exporter.shutdown();
  }
}

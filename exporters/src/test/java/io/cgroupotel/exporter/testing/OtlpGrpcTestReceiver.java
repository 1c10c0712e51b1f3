package io.cgroupotel.exporter.testing;

import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * An OTLP/gRPC metrics endpoint on 127.0.0.1 that decodes requests with opentelemetry-proto, as a
 * Collector would. The service is declared by hand: opentelemetry-proto ships the messages but no
 * gRPC stubs. gzip requests are decompressed by gRPC itself.
 */
public final class OtlpGrpcTestReceiver extends OtlpTestReceiver {
  static final String SERVICE = "opentelemetry.proto.collector.metrics.v1.MetricsService";

  private static final MethodDescriptor<ExportMetricsServiceRequest, ExportMetricsServiceResponse>
      EXPORT = MethodDescriptor.<ExportMetricsServiceRequest, ExportMetricsServiceResponse>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(SERVICE + "/Export")
          .setRequestMarshaller(ProtoUtils.marshaller(ExportMetricsServiceRequest.getDefaultInstance()))
          .setResponseMarshaller(
              ProtoUtils.marshaller(ExportMetricsServiceResponse.getDefaultInstance()))
          .build();

  static final String TRACE_SERVICE = "opentelemetry.proto.collector.trace.v1.TraceService";

  private static final MethodDescriptor<ExportTraceServiceRequest, ExportTraceServiceResponse>
      EXPORT_TRACES =
          MethodDescriptor.<ExportTraceServiceRequest, ExportTraceServiceResponse>newBuilder()
              .setType(MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(TRACE_SERVICE + "/Export")
              .setRequestMarshaller(
                  ProtoUtils.marshaller(ExportTraceServiceRequest.getDefaultInstance()))
              .setResponseMarshaller(
                  ProtoUtils.marshaller(ExportTraceServiceResponse.getDefaultInstance()))
              .build();

  static final String LOGS_SERVICE = "opentelemetry.proto.collector.logs.v1.LogsService";

  private static final MethodDescriptor<ExportLogsServiceRequest, ExportLogsServiceResponse>
      EXPORT_LOGS =
          MethodDescriptor.<ExportLogsServiceRequest, ExportLogsServiceResponse>newBuilder()
              .setType(MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(LOGS_SERVICE + "/Export")
              .setRequestMarshaller(
                  ProtoUtils.marshaller(ExportLogsServiceRequest.getDefaultInstance()))
              .setResponseMarshaller(
                  ProtoUtils.marshaller(ExportLogsServiceResponse.getDefaultInstance()))
              .build();

  private final java.util.concurrent.BlockingQueue<ExportTraceServiceRequest> traces =
      new java.util.concurrent.LinkedBlockingQueue<>();
  private int port;
  private Server server;

  public OtlpGrpcTestReceiver() {
    this(0);
  }

  public OtlpGrpcTestReceiver(int port) {
    this.port = port;
  }

  @Override
  public synchronized void start() {
    ServerServiceDefinition service = ServerServiceDefinition.builder(SERVICE)
        .addMethod(EXPORT, ServerCalls.asyncUnaryCall((request, response) -> {
          pause();
          if (failing) {
            response.onError(Status.UNAVAILABLE.withDescription("told to fail").asException());
            return;
          }
          requests.add(request);
          response.onNext(response());
          response.onCompleted();
        }))
        .build();
    ServerServiceDefinition traceService = ServerServiceDefinition.builder(TRACE_SERVICE)
        .addMethod(EXPORT_TRACES, ServerCalls.asyncUnaryCall((request, response) -> {
          traces.add(request);
          response.onNext(ExportTraceServiceResponse.getDefaultInstance());
          response.onCompleted();
        }))
        .build();
    ServerServiceDefinition logsService = ServerServiceDefinition.builder(LOGS_SERVICE)
        .addMethod(EXPORT_LOGS, ServerCalls.asyncUnaryCall((request, response) -> {
          pause();
          if (failing) {
            response.onError(Status.UNAVAILABLE.withDescription("told to fail").asException());
            return;
          }
          logs.add(request);
          response.onNext(ExportLogsServiceResponse.getDefaultInstance());
          response.onCompleted();
        }))
        .build();
    try {
      NettyServerBuilder builder = NettyServerBuilder.forAddress(
          new InetSocketAddress("127.0.0.1", port)).addService(service).addService(traceService);
      if (servesLogs) {
        builder.addService(logsService);
      }
      server = builder.build().start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    port = server.getPort();
  }

  @Override
  public synchronized void stop() {
    if (server != null) {
      server.shutdownNow();
      try {
        server.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      server = null;
    }
  }

  /** Waits at most {@code timeout} for the next trace export. */
  public ExportTraceServiceRequest nextTraces(java.time.Duration timeout)
      throws InterruptedException {
    ExportTraceServiceRequest r = traces.poll(timeout.toMillis(),
        java.util.concurrent.TimeUnit.MILLISECONDS);
    if (r == null) {
      throw new AssertionError("no OTLP trace request within " + timeout);
    }
    return r;
  }

  @Override
  public int port() {
    return port;
  }

  @Override
  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }
}

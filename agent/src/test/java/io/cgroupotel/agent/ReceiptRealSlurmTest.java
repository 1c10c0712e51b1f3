package io.cgroupotel.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cgroupotel.agent.pipeline.Agent;
import io.cgroupotel.exporter.testing.OtlpGrpcTestReceiver;
import io.cgroupotel.receiver.slurm.RealSlurmFacility;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Receipts beside a REAL Slurm (run under {@code flock /tmp/real-slurm.lock}): {@code srun -c 2}
 * burning one core for 3 s gets a job receipt whose allocation is scontrol's 2 CPUs and whose CPU
 * efficiency is its CPU time over 2 cores x its duration: about 0.5 on an idle machine.
 */
@Tag("real-slurm")
class ReceiptRealSlurmTest {

  @Test
  void srunTwoCpusBurningOne_efficiencyAboutAHalf() throws Exception {
    try (RealSlurmFacility slurm = RealSlurmFacility.start();
        OtlpGrpcTestReceiver receiver = new OtlpGrpcTestReceiver()) {
      receiver.start();
      String toml = """
          [agent]
          export_interval = "1s"
          [receivers.slurm]
          path = "%s"
          poll_interval = "500ms"
          steps = true
          scontrol = "%s"
          [exporters.otlp]
          endpoint = "%s"
          """.formatted(slurm.mount(), slurm.scontrolCommand(), receiver.endpoint());
      Agent agent = TestAgents.create("slurm-receipts.toml", toml);
      assertThat(agent.pipeline().problems()).isEmpty();
      agent.start();
      try {
        long before = System.nanoTime();
        RealSlurmFacility.Result run = slurm.run(List.of("srun", "-c", "2", "--chdir=/tmp",
            "perl", "-MTime::HiRes=time", "-e", "my $e = time + 3; 1 while time < $e"), 120);
        double wall = (System.nanoTime() - before) / 1e9;
        assertThat(run.exit()).as("srun: " + run.out()).isZero();
        String scope = "/" + slurm.scope().getFileName() + "/";

        List<ExportLogsServiceRequest> requests = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline && ReceiptProto.all(requests).stream()
            .noneMatch(r -> "slurm.job".equals(r.string("entity.kind")))) {
          requests.add(receiver.nextLogs(Duration.ofSeconds(20)));
        }
        Thread.sleep(1500);
        requests.addAll(receiver.drainLogs());
        Map<String, List<ReceiptProto>> byKind = ReceiptProto.all(requests).stream()
            .collect(Collectors.groupingBy(r -> r.string("entity.kind")));
        List<ReceiptProto> jobs = byKind.getOrDefault("slurm.job", List.of());
        assertThat(jobs).as("one receipt for the one job").hasSize(1);
        ReceiptProto job = jobs.get(0);
        assertThat(job.resourceAttribute("slurm.job.id")).isNotNull();
        assertThat(job.number("cpu.allocated")).isEqualTo(2.0);
        assertThat(job.string("cpu.allocated.source")).isEqualTo("slurm");
        assertThat(job.number("cpu.efficiency")).isCloseTo(
            job.number("cpu.time") / (2.0 * job.number("duration")), within(1e-9));
        System.out.printf("real Slurm receipt: cpu.time %.3f s, duration %.3f s (srun %.3f s), "
            + "cpu.efficiency %.3f%n", job.number("cpu.time"), job.number("duration"), wall,
            job.number("cpu.efficiency"));
        // one core of two: at most a half (less when the machine is shared and busy)
        assertThat(job.number("cpu.efficiency")).isBetween(0.05, 0.56);
        // the job's life: the 3 s burn and Slurm's own steps, within what srun took end to end
        assertThat(job.number("duration")).isBetween(3.0, wall + 0.1);
        // steps = true: the step that burnt has a receipt of its own, the job's figures in it
        List<ReceiptProto> steps = byKind.getOrDefault("slurm.job.step", List.of());
        assertThat(steps).isNotEmpty();
        assertThat(steps.stream().mapToDouble(s -> s.number("cpu.time")).max().orElseThrow())
            .isGreaterThan(job.number("cpu.time") * 0.8);
        assertThat(steps).allSatisfy(s -> assertThat(s.resourceAttribute("slurm.job.id"))
            .isEqualTo(job.resourceAttribute("slurm.job.id")));
      } finally {
        agent.shutdown(Duration.ofSeconds(5));
      }
    }
  }
}

# cgroup-otel-agent container image.
#   docker build -t cgroup-otel-agent .
#   docker run --rm -v /sys/fs/cgroup:/host/cgroup:ro cgroup-otel-agent --config /path/agent.toml
# Images are referenced by short name and pinned; the build needs BuildKit (the default
# builder since Docker 23) for the Maven cache mount.

# ---- stage 1: build the runnable jar with Maven and a JDK 17 ----------------------------
FROM maven:3.9.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
# ./mvnw is a launcher for the image's own `mvn` (no wrapper download); the cache mount
# keeps ~/.m2 between builds.
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -q -B -DskipTests package \
 && test -f agent/target/cgroup-otel-agent.jar

# ---- stage 2: a Java 17 JRE, the jar, and a non-root user -------------------------------
FROM eclipse-temurin:17.0.13_11-jre

# The agent only READS cgroupfs (cpu.stat, memory.current, cgroup.procs are world-readable),
# so it runs as an unprivileged system user. Kubernetes metadata comes from the API with
# the pod's service account token, which a non-root user can read too.
RUN groupadd --system --gid 10001 cgroup-agent \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin cgroup-agent \
 && mkdir -p /opt/cgroup-otel-agent /etc/cgroup-otel-agent

COPY --from=build /src/agent/target/cgroup-otel-agent.jar /opt/cgroup-otel-agent/cgroup-otel-agent.jar

# JVM sized for a node agent, which runs on EVERY node next to the workloads it measures,
# so its footprint is pure overhead: it keeps a few hundred small per-entity records and
# builds one export every few seconds.
#  -Xmx64m -Xms16m                 small heap, grows only if needed
#  -XX:+UseSerialGC                no GC threads per core; pauses are tiny on a 64 MB heap
#  -XX:MaxMetaspaceSize=64m        caps class metadata (OTel SDK, Kubernetes client)
#  -XX:ReservedCodeCacheSize=32m   with C1 only, little JIT code is produced
#  -XX:TieredStopAtLevel=1         C1 only: faster start, less CPU and memory spent on JIT;
#                                  peak throughput does not matter at one poll per second
#  -Xss512k                        a handful of threads, none recurse deeply
#  -XX:+ExitOnOutOfMemoryError     let the orchestrator restart a broken agent
# Override everything with JAVA_OPTS (docker run -e JAVA_OPTS=...).
ENV JAVA_OPTS="-Xmx64m -Xms16m -XX:+UseSerialGC -XX:MaxMetaspaceSize=64m -XX:ReservedCodeCacheSize=32m -XX:TieredStopAtLevel=1 -Xss512k -XX:+ExitOnOutOfMemoryError"

USER 10001:10001
WORKDIR /opt/cgroup-otel-agent
# Prometheus pull endpoint, when [exporters.prometheus] is configured
EXPOSE 9464
# No default arguments: without --config the agent runs its embedded default (the raw
# cgroup receiver on this host's cgroup v2 root, printed to the console).
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /opt/cgroup-otel-agent/cgroup-otel-agent.jar \"$@\"", "cgroup-otel-agent"]

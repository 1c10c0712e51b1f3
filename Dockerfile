# cgroup-otel-agent container image.
#   docker build -t cgroup-otel-agent .
#   docker run --rm -v /sys/fs/cgroup:/host/cgroup:ro cgroup-otel-agent --config /path/agent.toml
# Images are referenced by short name and pinned; the build needs BuildKit (the default
# builder since Docker 23) for the Maven cache mount.

# ---- stage 1: build the runnable jar with Maven and a JDK 17 ----------------------------
FROM maven:3.9.9-eclipse-temurin-17 AS build
WORKDIR /src
# a C compiler for the sampler's native reader (one pread per file, as the C reader does)
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*
COPY . .
# ./mvnw is a launcher for the image's own `mvn` (no wrapper download); the cache mount
# keeps ~/.m2 between builds.
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -ntp -DskipTests package \
 && test -f agent/target/cgroup-otel-agent.jar \
 && jar tf agent/target/cgroup-otel-agent.jar | grep -q libcgroupotelread.so

# ---- stage 2: a Java 17 JRE, the jar, and a non-root user -------------------------------
FROM eclipse-temurin:17.0.13_11-jre

# The agent only READS cgroupfs (cpu.stat, memory.current, cgroup.procs are world-readable),
# so it runs as an unprivileged system user. Kubernetes metadata comes from the API with
# the pod's service account token, which a non-root user can read too.
RUN groupadd --system --gid 10001 cgroup-agent \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin cgroup-agent \
 && mkdir -p /opt/cgroup-otel-agent /etc/cgroup-otel-agent

COPY --from=build /src/agent/target/cgroup-otel-agent.jar /opt/cgroup-otel-agent/lib/cgroup-otel-agent.jar
COPY --chmod=0755 bin/ /opt/cgroup-otel-agent/bin/

# The launcher starts the JVM with options sized for a node agent (heap for 10,000 cgroups,
# SerialGC, C1 only, exit on OutOfMemoryError; see bin/cgroup-otel-agent). JAVA_OPTS is
# appended to them: it extends them and wins for the same option
# (docker run -e JAVA_OPTS=-Xmx256m ...).
ENV JAVA_OPTS=""

USER 10001:10001
WORKDIR /opt/cgroup-otel-agent
# Prometheus pull endpoint, when [exporters.prometheus] is configured
EXPOSE 9464
# No default arguments: without --config the agent runs its embedded default (the raw
# cgroup receiver on this host's cgroup v2 root, printed to the console).
# The launcher execs the JVM: SIGTERM (docker stop) and SIGHUP reach the agent itself.
ENTRYPOINT ["/opt/cgroup-otel-agent/bin/cgroup-otel-agent"]

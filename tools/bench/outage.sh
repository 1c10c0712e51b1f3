#!/usr/bin/env bash
# Nothing lost in a collector outage: PODS pods churning one a second while the collector is
# away for OUTAGE_SECONDS, the agent with its default configuration (in-memory send queue, 10 s
# export), started by bin/cgroup-otel-agent. Target: 0 points lost, RSS within the launcher's
# 128 MiB.
#
# Makes PODS pods with one container each in the kubelet's systemd layout on this host's
# cgroup v2 mount (a process that exits at once is moved into each container, so every pod has
# its own non-zero CPU time), starts the collector stand-in (tools jar, `collector`: OTLP/HTTP
# protobuf on 127.0.0.1, decodes every request) and the agent (k8s receiver with its API
# unreachable, so pods are exported by UID; OTLP http/protobuf to the stand-in). Then, one pod a
# second, a random pod at least 5 s old is removed (its cpu.stat usage_usec read just before)
# and a new one made, from the agent's start line on (a pod gone before its first walk was never its):
#   warm-up WARMUP s | collector down (connections refused) OUTAGE_SECONDS s | collector back,
#   until the queue has drained (the first export made after the return arrives) + 20 s |
#   churn stops, SETTLE s for the last exports | report.
# The stand-in then checks, per pod that existed at any time in the run, that its
# k8s.pod.cpu.time arrived, that the last value is the kernel's final usage_usec, and that no
# export between its first and its last lacks its point; it adds the agent's own
# cgroup_agent.export.dropped and the peak cgroup_agent.export.queue.size. The agent's RSS is
# read from /proc/PID/status every second (VmRSS; VmHWM at the end). Progress on standard error,
# the report on standard output. Needs root, java and the built jars (./mvnw -DskipTests package).
# REFUSE=503 answers 503 in the outage instead of refusing connections.
#
#   tools/bench/outage.sh [PODS] [OUTAGE_SECONDS]     e.g. sudo tools/bench/outage.sh 1000 600
set -euo pipefail
cd "$(dirname "$0")/../.."
PODS=${1:-1000}
OUTAGE=${2:-600}
WARMUP=${WARMUP:-60}
SETTLE=${SETTLE:-30}
DRAIN_MAX=${DRAIN_MAX:-600}
PORT=${PORT:-14331}
REFUSE=${REFUSE:-}            # empty: connections refused; 503: answered 503

tools_jar=tools/target/cgroup-otel-tools.jar
[ -f "$tools_jar" ] || { echo "no $tools_jar: build with ./mvnw -DskipTests package" >&2; exit 2; }
mount=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
[ -n "$mount" ] || { echo "no cgroup2 mount" >&2; exit 2; }
work=$(mktemp -d /var/tmp/outage-bench.XXXXXX)
root="$mount/cgroup-otel-outage-$$"
pids=()
cleanup() {
  exec 3>&- 2>/dev/null || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -d "$root" ] && find "$root" -depth -type d -exec rmdir {} + 2>/dev/null || true
  if [ -n "${KEEP:-}" ]; then echo "outage: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT INT TERM

say() { echo "outage: $(date -u +%T) $*" >&2; }

base="$root/kubepods.slice/kubepods-burstable.slice"
mkdir -p "$base"
next=0          # pods made so far (the UID's number)
live=()         # the live pods' numbers, oldest first
declare -A born # number -> when it was made (s since the epoch)
uid_of() { printf '%08x-0000-4000-8000-%012x' "$1" "$1"; }
pod_dir() { local u; u=$(uid_of "$1"); echo "$base/kubepods-burstable-pod${u//-/_}.slice"; }
make_pod() {
  next=$((next + 1))
  local pod cid
  pod=$(pod_dir "$next"); cid=$(printf '%064x' "$next")
  mkdir -p "$pod/cri-containerd-$cid.scope"
  # a process that exits at once leaves the pod a CPU time of its own (~1 ms)
  sh -c "echo \$\$ > '$pod/cri-containerd-$cid.scope/cgroup.procs' && exec true"
  live+=("$next"); born[$next]=$(date +%s)
}
usage_of() { awk '$1 == "usage_usec" { print $2 }' "$(pod_dir "$1")/cpu.stat"; }
# removes a random pod at least 5 s old (one younger may not have been polled yet: not a loss of
# the queue), writing its final usage_usec and whether the collector was down
remove_pod() { # state
  local now n idx pod
  now=$(date +%s); n=${#live[@]}
  while [ "$n" -gt 0 ] && [ $((now - ${born[${live[$((n - 1))]}]})) -lt 5 ]; do n=$((n - 1)); done
  [ "$n" -gt 0 ] || return 0
  idx=$((RANDOM % n)); pod=${live[$idx]}
  echo "$(uid_of "$pod") $(usage_of "$pod") $1" >> "$work/expected"
  find "$(pod_dir "$pod")" -depth -type d -exec rmdir {} +
  live=("${live[@]:0:$idx}" "${live[@]:$((idx + 1))}")
  unset "born[$pod]"
}
peak_rss=0
rss_now() { awk '/^VmRSS/ { print $2 }' "/proc/$agent/status"; }
# one churn step a second for SECONDS (0: until stop_when succeeds), removed pods marked STATE
churn() { # seconds state [stop_when]
  local t=0 rss
  while :; do
    remove_pod "$2"; make_pod
    kill -0 "$agent" 2>/dev/null || { say "the agent exited; its output:"; cat "$work/agent.log" >&2; exit 1; }
    rss=$(rss_now); [ "$rss" -gt "$peak_rss" ] && peak_rss=$rss
    t=$((t + 1))
    [ $((t % 30)) -eq 0 ] && say "$2 churn: ${t} s, ${#live[@]} pods live, $next made, RSS $((rss / 1024)) MiB"
    if [ "$1" -gt 0 ]; then [ "$t" -ge "$1" ] && break; else "$3" "$t" && break; fi
    sleep 0.98  # the step itself takes ~20 ms
  done
}
drained() { grep -q "drained" "$work/collector.err" || [ "$1" -ge "$DRAIN_MAX" ]; }

RANDOM=42
: > "$work/expected"
say "making $PODS pods with one container each under $root"
for _ in $(seq 1 "$PODS"); do make_pod; done

say "starting the collector stand-in on 127.0.0.1:$PORT"
mkfifo "$work/control"
java -Xmx256m -jar "$tools_jar" collector --port "$PORT" < "$work/control" \
  > "$work/report" 2> "$work/collector.err" & pids+=($!)
exec 3> "$work/control"
for _ in $(seq 1 100); do grep -q listening "$work/collector.err" && break; sleep 0.2; done
grep -q listening "$work/collector.err" || { cat "$work/collector.err" >&2; exit 1; }

cat > "$work/agent.toml" <<TOML
[receivers.k8s]
path = "$root"
node_name = "bench"
kubernetes_api_url = "http://127.0.0.1:9"
token_retrieval = "none"

[exporters.otlp]
endpoint = "http://127.0.0.1:$PORT"
protocol = "http/protobuf"
TOML
say "starting the agent (k8s receiver, default 1 s poll and 10 s export, in-memory queue)"
${LAUNCHER:-bin/cgroup-otel-agent} --config "$work/agent.toml" > "$work/agent.log" 2>&1 & pids+=($!)
agent=$!

# pods removed before the agent's first walk of the tree were never its to report: churn starts
# once it has started
for _ in $(seq 1 300); do grep -q "Agent - started" "$work/agent.log" && break; sleep 0.2; done
grep -q "Agent - started" "$work/agent.log" || { say "the agent did not start:"; cat "$work/agent.log" >&2; exit 1; }
start_at=$(date +%s)
say "warm-up: ${WARMUP} s"
churn "$WARMUP" ended
say "collector down for ${OUTAGE} s${REFUSE:+ (answering $REFUSE)}"
echo "down $REFUSE" >&3; down_at=$(date +%s)
first_in_outage=$((next + 1))
churn "$OUTAGE" ended-in-outage
made_in_outage=$((next - first_in_outage + 1))
echo "up" >&3; up_at=$(date +%s)
say "collector back; churning until the queue has drained (at most ${DRAIN_MAX} s)"
churn 0 ended drained
say "$(grep drained "$work/collector.err" || echo "not drained in ${DRAIN_MAX} s")"
churn 20 ended
say "churn stopped; ${SETTLE} s for the last exports"
sleep "$SETTLE"
for pod in "${live[@]}"; do echo "$(uid_of "$pod") $(usage_of "$pod") live" >> "$work/expected"; done
hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$agent/status")
rss_end=$(rss_now)
echo "report $work/expected" >&3
echo "quit" >&3; exec 3>&-
wait "${pids[0]}" || true

echo "$PODS pods (one container each), churning 1 pod/s; collector down $((up_at - down_at)) s for $OUTAGE churn steps$([ -n "$REFUSE" ] && echo " (503)" || echo " (connections refused)"); agent: k8s receiver, OTLP http/protobuf, default queue; $(( $(date +%s) - start_at )) s from the agent's start to the report"
cat "$work/report"
both=0
while read -r uid _ state; do
  [ "$state" = ended-in-outage ] && [ $((16#${uid:0:8})) -ge "$first_in_outage" ] && both=$((both + 1))
done < "$work/expected"
echo "pods made during the outage: $made_in_outage, of which ended in it too: $both"
echo "agent RSS: peak $((peak_rss / 1024)) MiB (VmRSS, sampled each second), VmHWM $((hwm / 1024)) MiB, at the end $((rss_end / 1024)) MiB"
echo "agent log: $(wc -l < "$work/agent.log") lines; warnings: $(grep -c -E 'WARN' "$work/agent.log" || true)"
grep -E 'WARN|drop' "$work/agent.log" | cut -c1-300 | head -5 >&2 || true

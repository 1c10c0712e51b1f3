#!/usr/bin/env bash
# CPU benchmark of the agent against C readers of the same files, in the same window.
#
# Makes PODS pods with one container each (2 x PODS cgroups) in the kubelet's systemd layout on
# this host's cgroup v2 mount, then runs side by side for SECONDS seconds, each reading the same
# files once a second:
#   - C, open/read/close of each file (the naive floor),
#   - C, every file kept open, one pread at offset 0 (the agent's way, in C),
#   - the agent, started by bin/cgroup-otel-agent as the README says (k8s receiver, 1 s poll,
#     default 10 s export to a file exporter writing to /dev/null).
# CPU time is utime + stime of each process from /proc/PID/stat, measured over the same window
# after a warm-up; the report gives % of a core, us per cgroup per poll, ratios, and the agent's
# resident memory. Needs root (it makes cgroups), gcc, and a built jar (./mvnw -DskipTests package).
#
#   tools/bench/cpu-vs-c.sh [PODS] [SECONDS] [METRICS]     e.g. tools/bench/cpu-vs-c.sh 1000 120 cpu
set -euo pipefail
cd "$(dirname "$0")/../.."
PODS=${1:-1000}
SECONDS_MEASURED=${2:-60}
METRICS=${3:-cpu}          # the agent's `metrics` groups, comma-separated (files read follow)
WARMUP=${WARMUP:-15}

mount=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
[ -n "$mount" ] || { echo "no cgroup2 mount" >&2; exit 2; }
work=$(mktemp -d)
root="$mount/cgroup-otel-bench-$$"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -d "$root" ]; then
    find "$root" -depth -type d -exec rmdir {} + 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# progress on standard error (the report goes to standard output)
say() { echo "cpu-vs-c: $*" >&2; }
# sleeps SECONDS, printing how far it got every 10 s, and stops early when the agent died
wait_showing() {
  local total=$1 what=$2 done_s=0 step
  while [ "$done_s" -lt "$total" ]; do
    step=$(( total - done_s < 10 ? total - done_s : 10 ))
    sleep "$step"; done_s=$((done_s + step))
    if [ -n "${agent:-}" ] && ! kill -0 "$agent" 2>/dev/null; then
      say "the agent exited during the $what; its output:"; cat "$work/agent.log" >&2; exit 1
    fi
    say "$what: ${done_s}/${total} s"
  done
}

say "compiling the C reader"
gcc -O2 -o "$work/reader" tools/bench/reader.c

say "making $PODS pods with one container each under $root"

# the kubelet's systemd layout: burstable pods, one containerd container each
base="$root/kubepods.slice/kubepods-burstable.slice"
mkdir -p "$base"
for i in $(seq 1 "$PODS"); do
  uid=$(printf '%08x-0000-4000-8000-%012x' "$i" "$i")
  pod="$base/kubepods-burstable-pod${uid//-/_}.slice"
  cid=$(printf '%064x' "$i")
  mkdir -p "$pod/cri-containerd-$cid.scope"
done

# the files the agent reads for these groups, where they exist (a group without its
# controller is absent after the first read, as in the agent)
files="cpu.stat"
case ",$METRICS," in *,pressure,*) files="$files cpu.pressure memory.pressure io.pressure" ;; esac
case ",$METRICS," in *,memory,*) files="$files memory.current memory.stat memory.max memory.peak memory.swap.current memory.events" ;; esac
case ",$METRICS," in *,io,*) files="$files io.stat" ;; esac
case ",$METRICS," in *,pids,*) files="$files pids.current" ;; esac
case ",$METRICS," in *,cpu,*) files="$files cpu.max cpuset.cpus.effective" ;; esac
: > "$work/list"
for d in $(find "$base" -mindepth 1 -type d); do
  for f in $files; do [ -e "$d/$f" ] && echo "$d/$f" >> "$work/list"; done
done
cgroups=$((2 * PODS))
nfiles=$(wc -l < "$work/list")

groups_toml=$(echo "$METRICS" | sed 's/[^,][^,]*/"&"/g; s/,/, /g')
metrics_line="metrics = [$groups_toml]"
[ "${DEFAULT_METRICS:-}" = 1 ] && metrics_line="# metrics: the receiver's default"
cat > "$work/agent.toml" <<TOML
[receivers.k8s]
path = "$root"
poll_interval = "1s"
node_name = "bench"
kubernetes_api_url = "http://127.0.0.1:9"
token_retrieval = "none"
$metrics_line

[exporters.file]
path = "/dev/null"
TOML

say "$nfiles files a poll; starting the two C readers and the agent (warm-up ${WARMUP} s, then ${SECONDS_MEASURED} s measured)"
"$work/reader" open "$work/list" & pids+=($!); c_open=$!
"$work/reader" pread "$work/list" & pids+=($!); c_pread=$!
JAVA_OPTS="${JAVA_OPTS:-} -Xlog:gc:file=$work/gc.log" ${LAUNCHER:-bin/cgroup-otel-agent} \
  --config "$work/agent.toml" > "$work/agent.log" 2>&1 & pids+=($!); agent=$!

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
wait_showing "$WARMUP" "warm-up"
# the launcher execs java: the pid is the JVM's
a0=$(ticks "$agent"); o0=$(ticks "$c_open"); p0=$(ticks "$c_pread"); t0=$(date +%s.%N)
full0=$(grep -c "Pause Full" "$work/gc.log" 2>/dev/null || true)
wait_showing "$SECONDS_MEASURED" "measuring"
a1=$(ticks "$agent"); o1=$(ticks "$c_open"); p1=$(ticks "$c_pread"); t1=$(date +%s.%N)
rss=$(awk '/VmRSS/ { print $2 }' "/proc/$agent/status")
fds=$(ls "/proc/$agent/fd" | wc -l)
say "done; removing the cgroups"
# full collections in the measured window only (the heap grows to its working size at start)
gcs=$(( $(grep -c "Pause Full" "$work/gc.log" 2>/dev/null || true) - ${full0:-0} ))

python3 - "$PODS" "$cgroups" "$nfiles" "$hz" "$t0" "$t1" "$a0" "$a1" "$o0" "$o1" "$p0" "$p1" "$rss" "$fds" "$METRICS" "${gcs:-0}" <<'PY'
import sys
pods, cgroups, nfiles, hz = map(int, sys.argv[1:5])
t0, t1 = float(sys.argv[5]), float(sys.argv[6])
a0, a1, o0, o1, p0, p1 = map(float, sys.argv[7:13])
rss, fds, metrics, gcs = int(sys.argv[13]), int(sys.argv[14]), sys.argv[15], sys.argv[16]
wall = t1 - t0
def row(name, d):
    cpu = d / hz
    share = 100 * cpu / wall
    us = cpu / wall * 1e6 / cgroups   # one poll a second
    return name, share, us
rows = [row("C open/read/close", o1 - o0), row("C pread, kept open", p1 - p0),
        row("agent (bin/cgroup-otel-agent)", a1 - a0)]
print(f"{pods} pods + {pods} containers = {cgroups} cgroups, {nfiles} files a poll "
      f"(metrics = {metrics}), 1 s poll, {wall:.0f} s window")
print("| reader | CPU % of a core | us per cgroup per poll | vs C open/read/close | vs C pread |")
print("|---|---|---|---|---|")
def ratio(a, b):
    return f"{a / b:.2f}x" if b > 0 else "n/a (no tick: measure longer)"
for name, share, us in rows:
    print(f"| {name} | {share:.2f} | {us:.2f} | {ratio(share, rows[0][1])} | {ratio(share, rows[1][1])} |")
print(f"agent: RSS {rss / 1024:.0f} MiB, {fds} open descriptors, {gcs} full GC(s) in the window")
PY

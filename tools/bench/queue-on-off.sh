#!/usr/bin/env bash
# CPU of the OTLP send queue on disk against the same agent with the queue in memory and with
# no queue (the SDK's exporter), in the same window, at steady state (the collector accepts
# everything), plus the bytes the disk queue writes per export.
#
# Makes CGROUPS empty cgroups on this host's cgroup v2 mount, starts three agents through
# bin/cgroup-otel-agent (raw receiver on that tree, 1 s poll, 10 s export, OTLP http/protobuf
# with gzip) each to its own sink (a small Python OTLP/HTTP endpoint that answers every request
# with an empty ExportMetricsServiceResponse and logs the request sizes), and compares the
# agents' utime + stime over SECONDS after a warm-up. Needs root, python3 and a built jar.
#
#   tools/bench/queue-on-off.sh [CGROUPS] [SECONDS]     e.g. tools/bench/queue-on-off.sh 2000 120
set -euo pipefail
cd "$(dirname "$0")/../.."
CGROUPS=${1:-2000}
SECONDS_MEASURED=${2:-120}
WARMUP=${WARMUP:-30}

mount=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
[ -n "$mount" ] || { echo "no cgroup2 mount" >&2; exit 2; }
work=$(mktemp -d /var/tmp/queue-bench.XXXXXX)
root="$mount/cgroup-otel-qbench-$$"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -d "$root" ] && find "$root" -depth -type d -exec rmdir {} + 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

mkdir -p "$root"
for i in $(seq 1 "$CGROUPS"); do mkdir "$root/job-$i"; done

cat > "$work/sink.py" <<'PY'
import sys, http.server
log = open(sys.argv[2], "a")
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(n)
        log.write(f"{n}\n"); log.flush()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY

start_agent() { # name port queue-section
  cat > "$work/$1.toml" <<TOML
[receivers.cgroup]
path = "$root"
include = ["*"]
poll_interval = "1s"

[exporters.otlp]
endpoint = "http://127.0.0.1:$2"
protocol = "http/protobuf"
compression = "gzip"
$3
TOML
  python3 "$work/sink.py" "$2" "$work/$1.sizes" & pids+=($!)
  ${LAUNCHER:-bin/cgroup-otel-agent} --config "$work/$1.toml" > "$work/$1.log" 2>&1 & pids+=($!)
  eval "pid_$1=$!"
}
start_agent disk 14318 "[exporters.otlp.queue]
path = \"$work/queue\""
start_agent memory 14319 ""
start_agent off 14320 "[exporters.otlp.queue]
enabled = false"

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
wbytes() { awk '/^write_bytes/ { print $2 }' "/proc/$1/io"; }
hz=$(getconf CLK_TCK)
sleep "$WARMUP"
d0=$(ticks "$pid_disk"); m0=$(ticks "$pid_memory"); o0=$(ticks "$pid_off"); w0=$(wbytes "$pid_disk")
n0=$(wc -l < "$work/disk.sizes"); t0=$(date +%s.%N)
sleep "$SECONDS_MEASURED"
d1=$(ticks "$pid_disk"); m1=$(ticks "$pid_memory"); o1=$(ticks "$pid_off"); w1=$(wbytes "$pid_disk")
n1=$(wc -l < "$work/disk.sizes"); t1=$(date +%s.%N)
state=$(stat -c %s "$work/queue/series.state" 2>/dev/null || echo 0)
req=$(tail -n +$((n0 + 1)) "$work/disk.sizes" | head -n $((n1 - n0)) | awk '{ s += $1 } END { if (NR) printf "%.0f", s / NR; else print 0 }')
rss_d=$(awk '/VmRSS/ { print $2 }' "/proc/$pid_disk/status")
rss_m=$(awk '/VmRSS/ { print $2 }' "/proc/$pid_memory/status")
rss_o=$(awk '/VmRSS/ { print $2 }' "/proc/$pid_off/status")
python3 - "$CGROUPS" "$hz" "$t0" "$t1" "$d0" "$d1" "$m0" "$m1" "$o0" "$o1" "$w0" "$w1" "$n0" "$n1" "$state" "$req" "$rss_d" "$rss_m" "$rss_o" <<'PY'
import sys
cg, hz = int(sys.argv[1]), int(sys.argv[2])
t0, t1 = float(sys.argv[3]), float(sys.argv[4])
d0, d1, m0, m1, o0, o1 = map(float, sys.argv[5:11])
w0, w1, n0, n1, state, req = map(int, sys.argv[11:17])
rss = [int(x) / 1024 for x in sys.argv[17:20]]
wall = t1 - t0
cpu = lambda a, b: 100 * (b - a) / hz / wall
rows = [("queue on disk (path)", cpu(d0, d1), rss[0]), ("queue in memory (default)", cpu(m0, m1), rss[1]),
        ("no queue (enabled = false)", cpu(o0, o1), rss[2])]
exports = n1 - n0
print(f"{cg} cgroups, 1 s poll, 10 s export, OTLP http/protobuf gzip, {wall:.0f} s window, {exports} exports")
print("| agent | CPU % of a core | vs no queue | RSS MiB |")
print("|---|---|---|---|")
for name, c, r in rows:
    print(f"| {name} | {c:.2f} | {c / rows[2][1]:.2f}x | {r:.0f} |")
per = (w1 - w0) / exports if exports else 0
print(f"disk queue: {per / 1024:.0f} KiB written to disk per export (queue record + series.state "
      f"of {state / 1024:.0f} KiB), request {req / 1024:.0f} KiB compressed")
PY

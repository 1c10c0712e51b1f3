#!/bin/sh
# demo/check.sh: static checks of the docker-compose demo, runnable in CI on a Debian
# machine WITHOUT a Docker engine. Exits non-zero on any failure.
#   - docker-compose.yml validates (Debian's docker-compose: `config -q`)
#   - demo/prometheus.yml passes `promtool check config` (Debian's prometheus package)
#   - every JSON under demo/grafana parses; the dashboard has panels on k8s_pod, oar_job,
#     cgroup_agent metrics, and every PromQL expression in it parses (promtool check rules)
#   - the Grafana provisioning and collector YAML parse (PyYAML when present, else a
#     grep-based sanity check); the collector has a logs pipeline for the agent's receipts
#   - demo/workload-simulator.sh is valid POSIX sh (sh -n)
# Missing tools are installed with apt-get when run as root. Installing Debian's prometheus
# package does not start a server here (no systemd in CI containers; policy-rc.d is
# honoured): nothing in this script talks to a Prometheus server, and it starts none.
set -u
cd "$(dirname "$0")/.."

FAILED=0
ok()   { echo "ok:   $*"; }
fail() { echo "FAIL: $*"; FAILED=1; }

# ---------------------------------------------------------------- tools
need=""
command -v docker-compose >/dev/null 2>&1 || need="$need docker-compose"
command -v promtool >/dev/null 2>&1 || need="$need prometheus"
if [ -n "$need" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "check.sh: installing Debian packages:$need"
    export DEBIAN_FRONTEND=noninteractive
    # do not let the prometheus package start its service (honoured by invoke-rc.d)
    made_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
    fi
    # shellcheck disable=SC2086
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends $need >/dev/null; } ||
      echo "check.sh: apt-get install$need failed"
    [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
  else
    echo "check.sh: missing:$need (install them: apt-get install$need)"
  fi
fi

# ---------------------------------------------------------------- docker-compose
if command -v docker-compose >/dev/null 2>&1; then
  if out=$(docker-compose -f docker-compose.yml config -q 2>&1); then
    ok "docker-compose -f docker-compose.yml config -q"
  else
    fail "docker-compose config: $out"
  fi
  # every image pinned to a version (no :latest, no bare name)
  bad=$(docker-compose -f docker-compose.yml config 2>/dev/null |
        sed -n 's/^ *image: *//p' | grep -v ':[0-9A-Za-z._-]*$' ; \
        docker-compose -f docker-compose.yml config 2>/dev/null | sed -n 's/^ *image: *//p' | grep ':latest$')
  if [ -z "$bad" ]; then ok "every image is pinned"; else fail "images not pinned: $bad"; fi
else
  fail "docker-compose not available"
fi

# ---------------------------------------------------------------- Prometheus config
if command -v promtool >/dev/null 2>&1; then
  if out=$(promtool check config demo/prometheus.yml 2>&1); then
    ok "promtool check config demo/prometheus.yml"
  else
    fail "promtool check config: $out"
  fi
else
  fail "promtool not available"
fi

# ---------------------------------------------------------------- Grafana JSON
DASH=demo/grafana/dashboards/cgroup-otel-agent.json
[ -f "$DASH" ] || fail "$DASH missing"
for f in $(find demo/grafana -name '*.json' | sort); do
  if python3 -m json.tool "$f" >/dev/null 2>&1; then ok "JSON parses: $f"; else fail "JSON does not parse: $f"; fi
done

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
if [ -f "$DASH" ]; then
  # the panels' PromQL expressions, one a line ($source replaced by a job name)
  if python3 - "$DASH" > "$TMP/exprs" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
def walk(panels):
    for p in panels:
        yield p
        yield from walk(p.get("panels", []))
for p in walk(d.get("panels", [])):
    for t in p.get("targets", []):
        if t.get("expr"):
            print(t["expr"].replace("$source", "via-collector"))
EOF
  then
    for want in k8s_pod oar_job slurm_job cgroup_agent cgroup_cpu_time k8s_pod_energy oar_job_energy host_energy_unattributed; do
      if grep -q "$want" "$TMP/exprs"; then ok "dashboard has panels on $want"; else fail "dashboard has no panel on $want"; fi
    done
    for want in k8s_pod_name k8s_namespace_name oar_job_id oar_job_user slurm_job_id cgroup_path receiver; do
      grep -q "$want" "$TMP/exprs" || fail "dashboard never groups by $want"
    done
    if command -v promtool >/dev/null 2>&1; then
      { echo "groups:"; echo "  - name: dashboard"; echo "    rules:"
        n=0
        while IFS= read -r e; do
          n=$((n + 1))
          printf '      - record: dashboard:expr_%d\n        expr: %s\n' "$n" "'$(printf '%s' "$e" | sed "s/'/''/g")'"
        done < "$TMP/exprs"; } > "$TMP/rules.yml"
      if out=$(promtool check rules "$TMP/rules.yml" 2>&1); then
        ok "every dashboard expression parses as PromQL ($(wc -l < "$TMP/exprs") expressions)"
      else
        fail "dashboard PromQL: $out"
      fi
    fi
  else
    fail "could not read the dashboard's expressions"
  fi
fi

# ---------------------------------------------------------------- YAML files
YAMLS="demo/otel-collector.yaml $(find demo/grafana/provisioning -name '*.yaml' -o -name '*.yml' | sort | tr '\n' ' ')"
if python3 -c 'import yaml' 2>/dev/null; then
  for f in $YAMLS; do
    if python3 -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1]))' "$f" 2>/dev/null; then
      ok "YAML parses: $f"
    else
      fail "YAML does not parse: $f"
    fi
  done
  if python3 - demo/otel-collector.yaml <<'EOF'
import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
m = c["service"]["pipelines"]["metrics"]
assert "otlp" in m["receivers"], "metrics pipeline without the otlp receiver"
assert "prometheus" in m["exporters"], "metrics pipeline without the prometheus exporter"
assert c["exporters"]["prometheus"]["resource_to_telemetry_conversion"]["enabled"] is True, \
    "resource attributes not promoted to labels"
t = c["service"]["pipelines"]["traces"]
assert any(e.startswith("otlp") for e in t["exporters"]), "traces not sent to Jaeger"
l = c["service"]["pipelines"]["logs"]
assert "otlp" in l["receivers"], "logs pipeline without the otlp receiver: receipts are dropped"
assert l["exporters"], "logs pipeline without an exporter"
for kind in ("receivers", "processors", "exporters"):
    for p in c["service"]["pipelines"].values():
        for name in p.get(kind, []):
            assert name in c[kind], f"{kind[:-1]} {name} used but not defined"
EOF
  then ok "collector pipelines: otlp -> prometheus (resource attributes as labels), traces -> otlp/jaeger, logs (receipts) -> debug"
  else fail "collector config semantics (see above)"
  fi
else
  echo "note: PyYAML not available: grep-based sanity check of the YAML files instead"
  for f in $YAMLS; do
    if grep -q "$(printf '\t')" "$f"; then fail "tab character in YAML: $f"; continue; fi
    ok "no tabs: $f"
  done
  c=demo/otel-collector.yaml
  for pat in '^receivers:' '^exporters:' '^service:' '^ *pipelines:' '^ *metrics:' '^ *traces:' '^ *logs:' \
             'resource_to_telemetry_conversion:' '^ *enabled: true' 'endpoint: jaeger:4317' '0.0.0.0:4317' '0.0.0.0:4318'; do
    grep -q "$pat" "$c" || fail "$c: no line matching '$pat'"
  done
  ok "collector config has receivers/exporters/pipelines, resource-to-label conversion, Jaeger"
fi

# ---------------------------------------------------------------- simulator, agent config
if sh -n demo/workload-simulator.sh 2>/dev/null; then ok "sh -n demo/workload-simulator.sh"; else fail "demo/workload-simulator.sh: syntax error"; fi
for s in '^\[receivers.cgroup\]' '^\[receivers.k8s\]' '^\[receivers.oar3\]' '^\[exporters.otlp\]' '^\[exporters.prometheus\]' \
         'otel-collector:4317' '^port = 9464'; do
  grep -q "$s" demo/agent.toml || fail "demo/agent.toml: no line matching '$s'"
done
ok "demo/agent.toml has the receivers and exporters the demo needs"

if [ "$FAILED" = 0 ]; then echo "check.sh: all demo checks passed"; else echo "check.sh: FAILED"; fi
exit "$FAILED"

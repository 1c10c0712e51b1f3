#!/bin/sh
# Runs inside the container that SystemdUnitIT boots with systemd: installs the .deb, runs the
# shipped unit as an admin would (a config named in /etc/default/cgroup-otel-agent, start,
# reload, the OAR3 drop-in, stop), and writes what the test checks to $out/report.env as
# key=value lines; the whole trace goes to $out/log.txt, the unit's journal to $out/journal.txt.
out=/opt/cgotel-test/out
trap 'journalctl -u cgroup-otel-agent --no-pager >"$out/journal.txt" 2>&1; systemctl poweroff --no-block' EXIT
exec >"$out/log.txt" 2>&1
set -x
report() { echo "$1=$2" >>"$out/report.env"; }
unit=cgroup-otel-agent.service
file=/var/log/cgroup-otel-agent/metrics.jsonl

dpkg -i /opt/cgotel-test/agent.deb || exit 1
report uid "$(id -u cgroup-otel-agent)"

# the file exporter in the unit's logs directory, a config chosen in the environment file
cat >/etc/cgroup-otel-agent/test.toml <<'TOML'
[agent]
export_interval = "1s"
[receivers.cgroup]
poll_interval = "1s"
[exporters.file]
path = "/var/log/cgroup-otel-agent/metrics.jsonl"
TOML
echo CGROUP_OTEL_AGENT_CONFIG=/etc/cgroup-otel-agent/test.toml >>/etc/default/cgroup-otel-agent
# what OAR leaves in the host's /tmp
mkdir -p /tmp/oar_runtime && touch /tmp/oar_runtime/marker

systemctl start "$unit"
for i in $(seq 60); do
  grep -q cgroup.cpu.time "$file" 2>/dev/null && break
  sleep 0.5
done
report active "$(systemctl is-active "$unit")"
report exported_lines "$(grep -c cgroup.cpu.time "$file")"
pid=$(systemctl show -p MainPID --value "$unit")
# key=value, the values of a line space-separated (Uid: real, effective, saved, fs)
awk -F'\t' '/^(Uid|CapEff|CapAmb|CapBnd|NoNewPrivs|Seccomp_filters):/ {
  key = $1; sub(":", "", key); $1 = ""; sub(/^ +/, ""); print key "=" $0 }' \
  "/proc/$pid/status" >>"$out/report.env"
report shell_Seccomp_filters "$(awk -F'\t' '/^Seccomp_filters:/ {print $2}' /proc/self/status)"
report tmpdir "$(tr '\0' '\n' <"/proc/$pid/cmdline" | grep java.io.tmpdir)"
# the sampler's native reader, mapped from where it was unpacked (deleted once loaded)
report native_mapped_from "$(grep -o '/[^ ]*/libcgroupotelread.so' "/proc/$pid/maps" | head -1)"
# the process's own view of the file system: its /tmp is its own
test -e "/proc/$pid/root/tmp/oar_runtime/marker" && report host_tmp yes || report host_tmp no

# logrotate's way: move the file, reload; the agent writes a new one
mv "$file" "$file.1"
systemctl reload "$unit"
report reload_rc $?
for i in $(seq 40); do
  grep -q cgroup.cpu.time "$file" 2>/dev/null && break
  sleep 0.5
done
report reopened_lines "$(grep -c cgroup.cpu.time "$file")"

# the OAR3 drop-in: the host's /tmp
install -D -m 0644 /opt/cgroup-otel-agent/systemd/oar3.conf /etc/systemd/system/$unit.d/oar3.conf
systemctl daemon-reload
systemctl restart "$unit"
pid=$(systemctl show -p MainPID --value "$unit")
test -e "/proc/$pid/root/tmp/oar_runtime/marker" && report oar_host_tmp yes || report oar_host_tmp no
# its second start line: the agent handles SIGTERM from then on
for i in $(seq 60); do
  [ "$(journalctl -u "$unit" --no-pager | grep -c 'started:')" -ge 2 ] && break
  sleep 0.5
done
report oar_active "$(systemctl is-active "$unit")"

systemctl stop "$unit"
report result "$(systemctl show -p Result --value "$unit")"
report exit_status "$(systemctl show -p ExecMainStatus --value "$unit")"
report done yes

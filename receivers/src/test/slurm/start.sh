#!/bin/bash
# A real single-node Slurm (Debian's slurmctld/slurmd/munge, 22.05 in Debian 12) with its
# cgroup/v2 plugin, run as root without systemd, for the slurm receiver's tests (SlurmRealSlurmTest).
# Jobs land in <cgroup2 mount>/system.slice/<node>_slurmstepd.scope/job_<id>/step_<s>/user/task_<n>.
# Installs the packages if missing (apt-get). Prints "export SLURM_CONF=..." when the node is idle.
# Env: SLURM_WORK (work dir, default /tmp/slurm-test), CGROUP2_MOUNT (default: from mountinfo),
#      SLURMCTLD_PORT / SLURMD_PORT (default 6817 / 6818), KEEP_STATE=1,
#      PROLOG_FLAGS (e.g. Contain: every job gets an extern step), JOBACCT,
#      NODE_NAME (Slurm's name for this node, default the host name: the scope is
#      <NODE_NAME>_slurmstepd.scope, so a distinct name keeps two test Slurms apart).
# Stop with stop.sh (same env).
set -euo pipefail
R=${SLURM_WORK:-/tmp/slurm-test}
CG=${CGROUP2_MOUNT:-$(awk '{for(i=1;i<=NF;i++) if($i=="-"){ if($(i+1)=="cgroup2"){print $5; exit} } }' /proc/self/mountinfo)}
[ -n "$CG" ] || { echo "no cgroup2 mount in /proc/self/mountinfo" >&2; exit 1; }
export SLURM_CONF=$R/etc/slurm.conf
H=$(hostname -s)
N=${NODE_NAME:-$H}
t0=$(date +%s.%N)

# 1. packages
if ! dpkg -s slurmctld slurmd slurm-client munge >/dev/null 2>&1 || ! command -v gcc >/dev/null; then
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurmctld slurmd munge slurm-client gcc libc6-dev >/dev/null
fi
mkdir -p $R/{etc,state,spool,log,run,shim}
if [ "${KEEP_STATE:-0}" != 1 ]; then rm -rf $R/state/* $R/spool/*; fi

# 2. LD_PRELOAD shim: Slurm 22.05's cgroup/v2 plugin fatals on a hybrid host ("Hybrid mode is not
#    supported") unless /proc/self/cgroup starts with "0::": the shim shows slurmd (and the
#    slurmstepd it forks) only that line. Harmless on a pure cgroup v2 host.
if [ ! -f $R/shim/v2only_cgroup.so ]; then
  gcc -O2 -Wall -shared -fPIC -o $R/shim/v2only_cgroup.so "$(dirname "$0")/v2only_cgroup.c" -ldl
fi

# 3. munge: reuse a running munged, else start one (and remember it is ours)
[ -s /etc/munge/munge.key ] || { /usr/sbin/mungekey --create --force; chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key; }
install -d -o munge -g munge -m 0755 /run/munge
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  runuser -u munge -- /usr/sbin/munged --force
  for i in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
  touch $R/run/munged.ours
fi

# 4. config
MEM=$(( $(free -m | awk '/^Mem:/{print $2}') - 1024 ))
[ $MEM -gt 256 ] || MEM=256
cat > $R/etc/slurm.conf <<CONF
ClusterName=test
SlurmctldHost=$H
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$R/state
SlurmdSpoolDir=$R/spool
SlurmctldPidFile=$R/run/slurmctld.pid
SlurmdPidFile=$R/run/slurmd.pid
SlurmctldLogFile=$R/log/slurmctld.log
SlurmdLogFile=$R/log/slurmd.log
SlurmctldPort=${SLURMCTLD_PORT:-6817}
SlurmdPort=${SLURMD_PORT:-6818}
ProctrackType=proctrack/cgroup
TaskPlugin=task/cgroup
JobAcctGatherType=${JOBACCT:-jobacct_gather/none}
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
${PROLOG_FLAGS:+PrologFlags=$PROLOG_FLAGS}
NodeName=$N NodeHostname=$H CPUs=$(nproc) RealMemory=$MEM State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
cat > $R/etc/cgroup.conf <<CONF
CgroupPlugin=cgroup/v2
CgroupMountpoint=$CG
IgnoreSystemd=yes
CgroupAutomount=yes
ConstrainCores=no
ConstrainRAMSpace=no
ConstrainSwapSpace=no
ConstrainDevices=no
CONF

# 5. cgroup/v2 with IgnoreSystemd does mkdir (not mkdir -p) of <mnt>/system.slice/<node>_slurmstepd.scope
if [ ! -d $CG/system.slice ]; then mkdir $CG/system.slice; touch $R/run/system.slice.ours; fi

# 6. daemons (foreground mode, detached; pids in $R/run/*.pid)
setsid nohup slurmctld -D -vvv -f $SLURM_CONF > $R/log/slurmctld.out 2>&1 < /dev/null &
for i in $(seq 100); do scontrol ping 2>/dev/null | grep -q UP && break; sleep 0.1; done
setsid nohup env LD_PRELOAD=$R/shim/v2only_cgroup.so slurmd -D -vvv -N $N -f $SLURM_CONF > $R/log/slurmd.out 2>&1 < /dev/null &
for i in $(seq 200); do sinfo -h -o %T 2>/dev/null | grep -qx idle && break; sleep 0.1; done
sinfo
if ! sinfo -h -o %T | grep -qx idle; then echo "node not idle; see $R/log/slurmd.out" >&2; grep -E 'fatal|error' $R/log/slurmd.out | grep -v -E 'pmix|Controller .* is not enabled' | tail -5 >&2; exit 1; fi
echo "export SLURM_CONF=$SLURM_CONF"
echo "cgroup2 mount: $CG"
echo "ready after $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"

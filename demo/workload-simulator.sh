#!/bin/sh
# workload-simulator.sh: DEMO ONLY. Fakes a Kubernetes node, an OAR3 and a Slurm compute node
# inside a cgroup v2 tree, so cgroup-otel-agent has live pods, containers and jobs to
# report on a laptop that runs neither Kubernetes, OAR nor Slurm.
#
# It builds, under --root (a directory it creates inside a cgroup2 hierarchy):
#   kubepods.slice/kubepods-pod<uid_>.slice/cri-containerd-<64hex>.scope          Guaranteed pod
#   kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod<uid_>.slice/...
#   kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid_>.slice/...
#   oar.slice/oar-u<UID>.slice/oar-u<UID>-j<JOBID>.slice/oar-u<UID>-j<JOBID>-p<RAND>.scope
#   oar.slice/oar-u<UID>.slice/oar-u<UID>-j<JOBID>.slice/oar-u<UID>-j<JOBID>-t1.slice/
#                                                    oar-u<UID>-j<JOBID>-t1-p<RAND>.scope
#   system.slice/demo_slurmstepd.scope/job_<JOBID>/step_batch/user/task_special
#   system.slice/demo_slurmstepd.scope/job_<JOBID>/step_0/user/task_0
# (layouts as kubelet's systemd cgroup driver + containerd, OAR3's systemd job resource
# manager and Slurm's cgroup/v2 plugin make them), puts a CPU burner in each container and job scope, each at its own
# rate, and (unless --once) starts and ends a short OAR job now and then.
#
# Rates: with the cpu controller enabled for the tree, cpu.max caps each burner; without
# it (e.g. a hybrid host where only hugetlb is enabled), a small controller process
# SIGSTOPs/SIGCONTs the burner on a 0.5 s duty cycle. Either way cpu.stat usage_usec grows
# at roughly the rate shown in the log.
#
# Needs: root (or a delegated cgroup2 subtree), a WRITABLE cgroup2 mount, and to be in the
# cgroup namespace that owns --root (in Docker: privileged, and the host's cgroup
# namespace; docker-compose.yml does this with `pid: host` + `nsenter -t 1 -C`).
# POSIX sh only (tested with dash and bash); uses od, tr, date, sleep (fractions), grep.
#
# stdout, one line per cgroup created at start-up (absolute paths), then `ready <root>`:
#   pod <uid> <path>
#   container <id> <path>
#   job <id> <path>
#   slurmjob <id> <path>
#   ready <root>
# Everything else (rates, short jobs coming and going, clean-up) is logged on stderr.
#
# On exit, SIGTERM, SIGINT or SIGHUP it kills its processes, waits for them and removes every
# cgroup it created, deepest first (retrying briefly while the kernel releases them). After
# a SIGKILL, the next run with the same --root removes the empty tree left behind.

set -u

usage() {
  cat <<'EOF'
usage: workload-simulator.sh [--root DIR] [--duration SECONDS] [--pods N] [--jobs N]
                             [--once] [--churn SECONDS]
  --root DIR          cgroup to create and build in; its parent must be a cgroup v2
                      directory (default: the cgroup2 mount + /cgroup-otel-demo)
  --duration SECONDS  stop, clean up and exit after that long (default 0 = until signalled)
  --pods N            pods to fake (default 4): the 1st is Guaranteed, the 2nd BestEffort,
                      the others Burstable; each has a sandbox (pause) and 1 or 2 containers
  --jobs N            long-running OAR jobs to fake (default 2), users 1000 and 1001;
                      the first also has an oarsh sub-task (-t1.slice)
  --slurm-jobs N      long-running Slurm jobs to fake (default 1), each with a batch and
                      an srun step (a burner in each)
  --once              build the tree once and keep it as is: no short jobs come and go
  --churn SECONDS     without --once: start a short job (15-40 s) every SECONDS (default 20)
EOF
}

ROOT=""
DURATION=0
NPODS=4
NJOBS=2
NSLURM=1
ONCE=0
CHURN=20

while [ $# -gt 0 ]; do
  case "$1" in
    --root) ROOT=${2:?--root needs a directory}; shift 2 ;;
    --root=*) ROOT=${1#--root=}; shift ;;
    --duration) DURATION=${2:?--duration needs seconds}; shift 2 ;;
    --duration=*) DURATION=${1#--duration=}; shift ;;
    --pods) NPODS=${2:?--pods needs a number}; shift 2 ;;
    --pods=*) NPODS=${1#--pods=}; shift ;;
    --jobs) NJOBS=${2:?--jobs needs a number}; shift 2 ;;
    --jobs=*) NJOBS=${1#--jobs=}; shift ;;
    --churn) CHURN=${2:?--churn needs seconds}; shift 2 ;;
    --churn=*) CHURN=${1#--churn=}; shift ;;
    --slurm-jobs) NSLURM=${2:?--slurm-jobs needs a number}; shift 2 ;;
    --slurm-jobs=*) NSLURM=${1#--slurm-jobs=}; shift ;;
    --once) ONCE=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "workload-simulator: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done

log() { echo "workload-simulator: $*" >&2; }
die() { log "error: $*"; exit 2; }

for v in "$DURATION" "$NPODS" "$NJOBS" "$CHURN"; do
  case "$v" in ''|*[!0-9]*) die "not a non-negative integer: '$v'" ;; esac
done
[ "$CHURN" -gt 0 ] || die "--churn must be > 0"

# ---------------------------------------------------------------- where to build
cgroup2_mount() {
  # fields: ... mount-point(5) ... " - " fstype source options
  awk_out=$(sed -n 's/^[0-9]* [0-9]* [^ ]* [^ ]* \([^ ]*\) .* - cgroup2 .*/\1/p' /proc/self/mountinfo)
  for m in $awk_out; do
    [ "$m" = /sys/fs/cgroup ] && { echo "$m"; return 0; }
  done
  for m in $awk_out; do echo "$m"; return 0; done
  return 1
}

if [ -z "$ROOT" ]; then
  MNT=$(cgroup2_mount) || die "no cgroup2 mount in /proc/self/mountinfo (cgroup v2 is needed); give --root"
  ROOT="$MNT/cgroup-otel-demo"
fi
ROOT=${ROOT%/}
PARENT=$(dirname "$ROOT")
[ -f "$PARENT/cgroup.controllers" ] && [ -f "$PARENT/cgroup.procs" ] ||
  die "$PARENT is not a cgroup v2 directory (no cgroup.controllers): --root must be a new directory inside a cgroup2 mount"
[ -w "$PARENT/cgroup.procs" ] || die "$PARENT is not writable: run as root on a writable cgroup2 mount (in Docker: privileged)"

# ---------------------------------------------------------------- bookkeeping
CREATED=""      # cgroups we made, newest first (so removal is deepest first)
PIDS=""         # burners and duty-cycle controllers we started
SHORT_DIRS=""   # the short job's cgroups, newest first
SHORT_PIDS=""
SHORT_ID=""
SHORT_END=0
CLEANED=0

rand_hex() { # $1 = bytes
  od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'
}
rand_num() { # $1 = modulus; prints 0..$1-1
  n=$(od -An -N2 -tu2 /dev/urandom | tr -d ' \n')
  echo $(( n % $1 ))
}
uuid() {
  h=$(rand_hex 16)
  # version 4, variant 10xx
  v=$(printf '%s' "$h" | cut -c13-16); v="4$(printf '%s' "$v" | cut -c2-4)"
  w=$(printf '%s' "$h" | cut -c17-20)
  w1=$(printf '%s' "$w" | cut -c1); w1=$(printf '%x' $(( (0x$w1 & 3) | 8 ))); w="$w1$(printf '%s' "$w" | cut -c2-4)"
  printf '%s-%s-%s-%s-%s\n' "$(printf '%s' "$h" | cut -c1-8)" "$(printf '%s' "$h" | cut -c9-12)" \
    "$v" "$w" "$(printf '%s' "$h" | cut -c21-32)"
}

# mkcg DIR [short]: create one cgroup, remember it, enable what controllers we can below it
mkcg() {
  mkdir "$1" || die "cannot create cgroup $1"
  if [ "${2:-}" = short ]; then SHORT_DIRS="$1
$SHORT_DIRS"; else CREATED="$1
$CREATED"; fi
}
# enable the cpu and memory controllers for the children of DIR, where the parent offers them
enable_ctl() {
  for c in cpu memory; do
    if grep -qw "$c" "$1/cgroup.controllers" 2>/dev/null; then
      echo "+$c" > "$1/cgroup.subtree_control" 2>/dev/null || true
    fi
  done
}
mkslice() { mkcg "$1" ${2:-}; enable_ctl "$1"; }

fmt_secs() { # milliseconds -> seconds with 3 decimals
  printf '%d.%03d' $(( $1 / 1000 )) $(( $1 % 1000 ))
}

# burner CGROUP PERCENT [short]: a busy loop placed in CGROUP, held to PERCENT of one CPU
burner() {
  cg=$1 pct=$2
  # the child moves itself in before it starts burning
  sh -c 'echo $$ > "$1/cgroup.procs" || exit 1; while :; do :; done' burner "$cg" 2>/dev/null &
  b=$!
  i=0
  until grep -qx "$b" "$cg/cgroup.procs" 2>/dev/null; do
    i=$((i + 1))
    if [ $i -gt 50 ] || ! kill -0 "$b" 2>/dev/null; then
      kill -KILL "$b" 2>/dev/null
      die "could not move a process into $cg (in a container with a private cgroup namespace, use the host's: docker run --cgroupns=host, or nsenter -t 1 -C)"
    fi
    sleep 0.1
  done
  newpids="$b"
  how="cpu.max"
  if [ "$pct" -lt 100 ]; then
    if [ -f "$cg/cpu.max" ] && echo "$(( pct * 1000 )) 100000" > "$cg/cpu.max" 2>/dev/null; then
      :
    else
      how="duty cycle"
      on=$(fmt_secs $(( pct * 5 ))) off=$(fmt_secs $(( 500 - pct * 5 )))
      ( while kill -0 "$b" 2>/dev/null; do
          sleep "$on"; kill -STOP "$b" 2>/dev/null
          sleep "$off"; kill -CONT "$b" 2>/dev/null
        done ) &
      newpids="$newpids $!"
    fi
  fi
  if [ "${3:-}" = short ]; then SHORT_PIDS="$SHORT_PIDS $newpids"; else PIDS="$PIDS $newpids"; fi
  log "burner pid $b at ${pct}% of a CPU ($how) in $cg"
}

# idler CGROUP: a sleeping process (the pod sandbox's pause container)
idler() {
  sh -c 'echo $$ > "$1/cgroup.procs" || exit 1; exec sleep 2147483' idler "$1" 2>/dev/null &
  PIDS="$PIDS $!"
}

# stop PIDS..., then remove DIRS (newline-separated, deepest first)
teardown() {
  pids=$1 dirs=$2
  for p in $pids; do kill -TERM "$p" 2>/dev/null; done
  for p in $pids; do kill -KILL "$p" 2>/dev/null; done
  for p in $pids; do wait "$p" 2>/dev/null; done
  old_ifs=$IFS; IFS='
'
  for d in $dirs; do
    [ -d "$d" ] || continue
    i=0
    until rmdir "$d" 2>/dev/null; do
      i=$((i + 1))
      if [ $i -gt 50 ]; then
        log "could not remove $d (still has: $(tr '\n' ' ' < "$d/cgroup.procs" 2>/dev/null))"
        break
      fi
      # anything left inside (e.g. a process forked by a burner) is killed
      for p in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
      sleep 0.1
    done
  done
  IFS=$old_ifs
}

cleanup() {
  [ "$CLEANED" = 1 ] && return
  CLEANED=1
  trap '' INT TERM
  log "cleaning up"
  teardown "$SHORT_PIDS" "$SHORT_DIRS"
  teardown "$PIDS" "$CREATED"
  if [ -d "$ROOT" ]; then log "warning: $ROOT is still there"; else log "removed $ROOT"; fi
}
trap 'cleanup' EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
trap 'cleanup; exit 129' HUP

# ---------------------------------------------------------------- build
if [ -d "$ROOT" ]; then
  # a leftover from a run that was killed with SIGKILL: remove it if it is empty of processes
  log "$ROOT exists (left over?): removing it first"
  left=$(find "$ROOT" -depth -type d 2>/dev/null)
  old_ifs=$IFS; IFS='
'
  for d in $left; do rmdir "$d" 2>/dev/null || die "$d is in use; remove it or choose another --root"; done
  IFS=$old_ifs
fi
mkslice "$ROOT"

RATES="20 5 10 3 25 2 10 15 5 8"   # percent of one CPU; about 1 CPU in all
rate_at() { # $1 = index from 1
  set -- "$1" $RATES
  i=$(( ($1 - 1) % 10 + 2 ))
  eval "echo \${$i}"
}
k=0

K8S="$ROOT/kubepods.slice"
mkslice "$K8S"
mkslice "$K8S/kubepods-burstable.slice"
mkslice "$K8S/kubepods-besteffort.slice"
p=1
while [ $p -le "$NPODS" ]; do
  uid=$(uuid)
  u_=$(echo "$uid" | tr - _)
  case $p in
    1) pod="$K8S/kubepods-pod$u_.slice"; qos=guaranteed ;;
    2) pod="$K8S/kubepods-besteffort.slice/kubepods-besteffort-pod$u_.slice"; qos=besteffort ;;
    *) pod="$K8S/kubepods-burstable.slice/kubepods-burstable-pod$u_.slice"; qos=burstable ;;
  esac
  mkslice "$pod"
  echo "pod $uid $pod"
  log "pod $uid ($qos)"
  # sandbox (pause) container: sleeps
  cid=$(rand_hex 32)
  mkcg "$pod/cri-containerd-$cid.scope"
  idler "$pod/cri-containerd-$cid.scope"
  echo "container $cid $pod/cri-containerd-$cid.scope"
  c=1
  while [ $c -le $(( (p - 1) % 2 + 1 )) ]; do
    cid=$(rand_hex 32)
    k=$((k + 1))
    mkcg "$pod/cri-containerd-$cid.scope"
    burner "$pod/cri-containerd-$cid.scope" "$(rate_at $k)"
    echo "container $cid $pod/cri-containerd-$cid.scope"
    c=$((c + 1))
  done
  p=$((p + 1))
done

OAR="$ROOT/oar.slice"
mkslice "$OAR"
NEXT_JOB=4200
# mkjob UID [short]: one OAR job with a burner in its main scope; sets JOB_ID, JOB_DIR
mkjob() {
  u=$1 how=${2:-}
  NEXT_JOB=$((NEXT_JOB + 1))
  JOB_ID=$NEXT_JOB
  us="$OAR/oar-u$u.slice"
  if [ ! -d "$us" ]; then mkslice "$us"; fi
  JOB_DIR="$us/oar-u$u-j$JOB_ID.slice"
  mkslice "$JOB_DIR" $how
  k=$((k + 1))
  sc="$JOB_DIR/oar-u$u-j$JOB_ID-p$(rand_num 100000).scope"
  mkcg "$sc" $how
  burner "$sc" "$(rate_at $k)" $how
}
j=1
while [ $j -le "$NJOBS" ]; do
  user=$(( 1000 + (j - 1) % 2 ))
  mkjob "$user"
  if [ $j = 1 ]; then
    t="$JOB_DIR/oar-u$user-j$JOB_ID-t1.slice"
    mkslice "$t"
    ts="$t/oar-u$user-j$JOB_ID-t1-p$(rand_num 100000).scope"
    mkcg "$ts"
    k=$((k + 1))
    burner "$ts" "$(rate_at $k)"
  fi
  echo "job $JOB_ID $JOB_DIR"
  log "OAR job $JOB_ID of user $user"
  j=$((j + 1))
done

# Slurm (cgroup/v2 plugin): the slurmstepd scope, its parking cgroup and jobs with two steps
if [ "$NSLURM" -gt 0 ]; then
  SYS="$ROOT/system.slice"
  mkslice "$SYS"
  STEPD="$SYS/demo_slurmstepd.scope"
  mkslice "$STEPD"
  mkcg "$STEPD/system"
  idler "$STEPD/system"
  j=1
  while [ $j -le "$NSLURM" ]; do
    id=$((7000 + j))
    mkslice "$STEPD/job_$id"
    for step in batch 0; do
      mkslice "$STEPD/job_$id/step_$step"
      mkslice "$STEPD/job_$id/step_$step/user"
      task=task_0; [ "$step" = batch ] && task=task_special
      mkcg "$STEPD/job_$id/step_$step/user/$task"
      k=$((k + 1))
      burner "$STEPD/job_$id/step_$step/user/$task" "$(rate_at $k)"
    done
    echo "slurmjob $id $STEPD/job_$id"
    log "Slurm job $id (steps batch and 0)"
    j=$((j + 1))
  done
fi

echo "ready $ROOT"
log "tree ready under $ROOT$([ "$DURATION" -gt 0 ] && echo ", running for ${DURATION}s")"

# ---------------------------------------------------------------- run
START=$(date +%s)
NEXT_SHORT=$(( START + CHURN ))
while :; do
  now=$(date +%s)
  if [ "$DURATION" -gt 0 ] && [ $(( now - START )) -ge "$DURATION" ]; then break; fi
  if [ "$ONCE" = 0 ]; then
    if [ -n "$SHORT_ID" ] && [ "$now" -ge "$SHORT_END" ]; then
      log "short OAR job $SHORT_ID ends"
      teardown "$SHORT_PIDS" "$SHORT_DIRS"
      SHORT_PIDS="" SHORT_DIRS="" SHORT_ID=""
      NEXT_SHORT=$(( now + CHURN ))
    elif [ -z "$SHORT_ID" ] && [ "$now" -ge "$NEXT_SHORT" ]; then
      mkjob 1002 short
      SHORT_ID=$JOB_ID
      SHORT_END=$(( now + 15 + $(rand_num 26) ))
      log "short OAR job $SHORT_ID of user 1002 starts ($JOB_DIR), ends in $(( SHORT_END - now ))s"
    fi
  fi
  sleep 1 &
  wait $! 2>/dev/null
done
exit 0

#!/bin/bash
# Stops what start.sh started (by pid file; munged only if start.sh started it), then removes the
# cgroups Slurm left: <mount>/system.slice/<NODE_NAME>_slurmstepd.scope (NODE_NAME as given to
# start.sh; unset: every *slurmstepd.scope), deepest first (nothing else).
R=${SLURM_WORK:-/tmp/slurm-test}
CG=${CGROUP2_MOUNT:-$(awk '{for(i=1;i<=NF;i++) if($i=="-"){ if($(i+1)=="cgroup2"){print $5; exit} } }' /proc/self/mountinfo)}
export SLURM_CONF=$R/etc/slurm.conf
if [ -s $R/run/slurmctld.pid ] && kill -0 $(cat $R/run/slurmctld.pid) 2>/dev/null; then
  jobs=$(squeue -h -o %i 2>/dev/null)
  [ -n "$jobs" ] && { scancel --full $jobs 2>/dev/null; sleep 1; }
fi
pidfiles="$R/run/slurmd.pid $R/run/slurmctld.pid"
[ -f $R/run/munged.ours ] && pidfiles="$pidfiles /run/munge/munged.pid"
for f in $pidfiles; do
  [ -s $f ] || continue; p=$(cat $f)
  if kill -0 $p 2>/dev/null; then kill $p; for i in $(seq 50); do kill -0 $p 2>/dev/null || break; sleep 0.1; done; fi
  kill -0 $p 2>/dev/null && { kill -9 $p 2>/dev/null; echo "killed $p ($f)"; } || echo "stopped $p ($f)"
done
rm -f $R/run/munged.ours
if [ -n "$CG" ] && [ -d $CG/system.slice ]; then
  for scope in $CG/system.slice/${NODE_NAME:+${NODE_NAME}_}*slurmstepd.scope; do
    [ -d "$scope" ] || continue
    find "$scope" -depth -type d | while read d; do
      # a killed slurmstepd leaves its cgroup a moment later
      for i in $(seq 20); do rmdir "$d" 2>/dev/null && break; [ -s "$d/cgroup.procs" ] || [ -d "$d" ] || break; sleep 0.1; done
      [ -d "$d" ] && echo "could not remove $d (busy: $(tr '\n' ' ' < "$d/cgroup.procs" 2>/dev/null))"
    done
  done
  if [ -f $R/run/system.slice.ours ]; then rmdir $CG/system.slice 2>/dev/null; rm -f $R/run/system.slice.ours; fi
fi
exit 0

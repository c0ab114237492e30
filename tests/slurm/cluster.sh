#!/usr/bin/env bash
# Start (or stop) a one-node SLURM cluster on this machine for the SLURM workflow test.
# Usage: cluster.sh start DIR | cluster.sh stop DIR
# Writes DIR/slurm.conf (this host's name and CPU count, memory from /proc/meminfo), starts
# munged, slurmctld and slurmd as root, and waits until the node is idle. Callers export
# SLURM_CONF=DIR/slurm.conf. Needs Debian's slurm-wlm and munge (apt-get install).
set -euo pipefail
action=${1:?start or stop}
dir=$(realpath -m "${2:?state folder}")

stop() {
  for daemon in slurmd slurmctld; do
    [ -f "$dir/$daemon.pid" ] && kill "$(cat "$dir/$daemon.pid")" 2>/dev/null || true
  done
  [ -f "$dir/munged.pid" ] && kill "$(cat "$dir/munged.pid")" 2>/dev/null || true
  [ "$(readlink /etc/slurm/slurm.conf 2>/dev/null)" = "$dir/slurm.conf" ] && rm -f /etc/slurm/slurm.conf
  sleep 1
}

if [ "$action" = stop ]; then stop; exit 0; fi

mkdir -p "$dir"/{state,spool,munge}
host=$(hostname -s)
cpus=$(nproc)
mem_mb=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))

cat > "$dir/slurm.conf" <<CONF
ClusterName=cytoscore-test
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MinJobAge=600
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
NodeName=$host CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"
# Job steps (srun inside a job) read the default location, not SLURM_CONF: link it there,
# unless this machine has a slurm.conf of its own.
mkdir -p /etc/slurm
if [ -L /etc/slurm/slurm.conf ] || [ ! -e /etc/slurm/slurm.conf ]; then
  ln -sfn "$dir/slurm.conf" /etc/slurm/slurm.conf
else
  echo "/etc/slurm/slurm.conf exists and is not ours; not starting a test cluster" >&2
  exit 1
fi

# munge: a key of our own, the daemon as root (--force), its socket in our folder
if [ ! -f "$dir/munge/munge.key" ]; then
  dd if=/dev/urandom of="$dir/munge/munge.key" bs=1 count=1024 status=none
  chmod 0400 "$dir/munge/munge.key"
fi
mkdir -p /run/munge
munged --force --key-file="$dir/munge/munge.key" --socket=/run/munge/munge.socket.2 \
  --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munge/seed" 2>>"$dir/munged.err" || true
sleep 1
slurmctld -f "$SLURM_CONF" >>"$dir/slurmctld.out" 2>&1
slurmd -f "$SLURM_CONF" >>"$dir/slurmd.out" 2>&1
for _ in $(seq 1 60); do
  if sinfo -h -o "%t" 2>/dev/null | grep -qE "^idle"; then
    sinfo
    exit 0
  fi
  sleep 1
done
echo "SLURM node did not become idle; logs in $dir" >&2
sinfo >&2 || true
tail -n 20 "$dir"/slurmctld.log "$dir"/slurmd.log >&2 || true
exit 1

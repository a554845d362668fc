#!/usr/bin/env bash
# A single-node SLURM cluster for the test suite: no systemd, no cgroups, no accounting.
#
#   cluster.sh install   apt-get install slurm-wlm and munge (Debian 12: SLURM 22.05)
#   cluster.sh start     start munged (as munge), slurmctld (drops to slurm), slurmd (root);
#                        waits until the node is idle; prints the SLURM_CONF to export
#   cluster.sh stop      cancel jobs, stop only the daemons this script started (by PID),
#                        remove its state folder
#   cluster.sh status    exit 0 if the three daemons started by this script are running
#
# Everything runtime lives in $STATE (default /tmp/agi-interventions-slurm). slurm.conf is
# written to /etc/slurm/slurm.conf, where every client finds it (the executor plugin removes
# SLURM_CONF from the environment of the srun it starts inside a job); a slurm.conf found
# there is moved aside and put back by stop, and ours is removed (a slurm.conf naming a
# stopped controller makes every SLURM client wait for it). Needs root.
set -euo pipefail

STATE=${SLURM_TEST_STATE:-/tmp/agi-interventions-slurm}
PARTITION=${SLURM_TEST_PARTITION:-debug}
# Finished jobs stay visible to squeue this long (s): at least 3x the executor plugin's
# first status delay, or the plugin falls back to sacct, which never answers here.
MIN_JOB_AGE=${SLURM_TEST_MIN_JOB_AGE:-300}
CONF=/etc/slurm/slurm.conf
MARKER="# written by agi-interventions tests/slurm/cluster.sh"
MUNGE_SOCKET_DIR=/run/munge  # libmunge's compiled-in socket folder
NODE=$(hostname -s)

log() { printf '[cluster.sh] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
[ "$(id -u)" -eq 0 ] || die "must run as root"

# pid_alive PIDFILE COMM: the PID in PIDFILE is alive and is the program COMM
pid_alive() {
  local pid
  [ -s "$1" ] || return 1
  pid=$(cat "$1")
  [ -d "/proc/$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ]
}

wait_for() { # wait_for SECONDS WHAT CMD...
  local end=$((SECONDS + $1)) what=$2
  shift 2
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $end ] || { log "timeout waiting for $what"; return 1; }
    sleep 0.5
  done
}

cmd_install() {
  local p missing=0
  for p in slurmctld slurmd slurm-client munge; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing=1
  done
  if [ "$missing" -eq 0 ]; then
    log "already installed: $(slurmd -V)"
    return 0
  fi
  command -v apt-get >/dev/null || die "apt-get not found"
  apt-get update -q
  # slurm-wlm's recommends (optional plugins, -dev packages) are not needed
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends slurm-wlm munge
  log "installed: $(slurmd -V)"
}

write_conf() {
  local hw
  # the node line from the hardware probe: a RealMemory above it would drain the node
  hw=$(slurmd -C | head -n1)
  [[ $hw == NodeName=* ]] || die "unexpected 'slurmd -C' output: $hw"
  mkdir -p "$(dirname "$CONF")"
  if [ -f "$CONF" ] && ! grep -q "^$MARKER" "$CONF" && [ ! -e "$CONF.orig" ]; then
    mv "$CONF" "$CONF.orig"
  fi
  cat > "$CONF" <<CONFEOF
$MARKER
ClusterName=agi-interventions-test
SlurmctldHost=$NODE
SlurmUser=slurm
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$STATE/slurmctld
SlurmdSpoolDir=$STATE/slurmd
SlurmctldPidFile=$STATE/slurmctld.daemon.pid
SlurmdPidFile=$STATE/slurmd.daemon.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
EnforcePartLimits=ALL
MinJobAge=$MIN_JOB_AGE
InactiveLimit=0
KillWait=5
Waittime=0
$hw State=UNKNOWN
PartitionName=$PARTITION Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
CONFEOF
  chmod 0644 "$CONF"
}

node_idle() { [ "$(sinfo -h -n "$NODE" -o %T 2>/dev/null)" = idle ]; }

cmd_start() {
  local b
  for b in munged slurmctld slurmd sinfo setpriv; do
    command -v "$b" >/dev/null || die "$b not found (run: $0 install)"
  done
  if cmd_status >/dev/null 2>&1; then
    log "already running"
    echo "$CONF"
    return 0
  fi
  [ -d "$STATE" ] && cmd_stop
  install -d -m 0755 "$STATE"
  install -d -o slurm -g slurm -m 0755 "$STATE/slurmctld" "$STATE/log"
  install -d -o root -g root -m 0755 "$STATE/slurmd"
  install -d -o munge -g munge -m 0700 /etc/munge /var/lib/munge /var/log/munge
  install -d -o munge -g munge -m 0755 "$MUNGE_SOCKET_DIR"
  if [ ! -s /etc/munge/munge.key ]; then
    setpriv --reuid=munge --regid=munge --init-groups mungekey --create --keyfile=/etc/munge/munge.key
  fi
  if [ -S "$MUNGE_SOCKET_DIR/munge.socket.2" ] && munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    log "using the munged already running"
  else
    setsid setpriv --reuid=munge --regid=munge --init-groups \
      munged --foreground --pid-file="$STATE/munged.daemon.pid" \
      </dev/null >>"$STATE/log/munged.out" 2>&1 &
    echo $! >"$STATE/munged.pid"
    wait_for 15 munged bash -c 'munge -n | unmunge' || { cat "$STATE/log/munged.out" >&2; cmd_stop; exit 1; }
  fi
  write_conf
  setsid slurmctld -D -i -f "$CONF" </dev/null >>"$STATE/log/slurmctld.out" 2>&1 &
  echo $! >"$STATE/slurmctld.pid"
  wait_for 30 slurmctld scontrol ping || { tail -n 30 "$STATE/log/slurmctld.log" >&2 || true; cmd_stop; exit 1; }
  setsid slurmd -D -f "$CONF" </dev/null >>"$STATE/log/slurmd.out" 2>&1 &
  echo $! >"$STATE/slurmd.pid"
  if ! wait_for 60 "node $NODE idle" node_idle; then
    sinfo -N -l >&2 || true
    tail -n 30 "$STATE/log/slurmd.log" >&2 || true
    cmd_stop
    exit 1
  fi
  log "cluster up: node $NODE idle in partition $PARTITION"
  echo "$CONF"
}

kill_pidfile() { # kill_pidfile PIDFILE COMM
  local pid i
  if pid_alive "$1" "$2"; then
    pid=$(cat "$1")
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 40); do [ -d "/proc/$pid" ] || break; sleep 0.25; done
    [ -d "/proc/$pid" ] && kill -KILL "$pid" 2>/dev/null || true
    log "stopped $2 ($pid)"
  fi
  rm -f "$1"
}

cmd_stop() {
  if pid_alive "$STATE/slurmctld.pid" slurmctld && [ -n "$(squeue -h -o %i 2>/dev/null)" ]; then
    scancel --full --quiet 2>/dev/null || true
    wait_for 30 "jobs to end" bash -c '[ -z "$(squeue -h -o %i)" ]' || true
  fi
  kill_pidfile "$STATE/slurmd.pid" slurmd
  kill_pidfile "$STATE/slurmctld.pid" slurmctld
  kill_pidfile "$STATE/munged.pid" munged
  rm -rf "$STATE"
  if [ -f "$CONF" ] && grep -q "^$MARKER" "$CONF"; then rm -f "$CONF"; fi
  if [ -e "$CONF.orig" ]; then mv "$CONF.orig" "$CONF"; fi
  log "stopped; removed $STATE"
}

cmd_status() {
  local n rc=0
  for n in slurmctld slurmd; do
    pid_alive "$STATE/$n.pid" "$n" || rc=3
  done
  [ $rc -eq 0 ] && sinfo
  return $rc
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 {install|start|stop|status}" >&2; exit 2 ;;
esac

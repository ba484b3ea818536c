#!/usr/bin/env bash
# Benchmark: image_check scan against the SSH handshake floor (and optionally Ansible) on a
# fleet of N real sshd hosts on loopback, all serving the same compliant chroot. Each contender
# runs ROUNDS times, alternating, in this one run; the table gives medians and ratios.
#
#   bench/fleet-bench.sh [-n HOSTS] [-c CONCURRENCY] [-r ROUNDS] [-f FIXTURE] [-s] [-a]
#
# -s skips the ssh floor (to see whether a large N completes, and at what cost).
# -a is --with-ansible: adds `ansible all -m setup -f CONCURRENCY` (and `-m raw -a true`, one
#    plain command per host through Ansible) from ansible-core installed with pip into a
#    throw-away virtualenv; without python3's venv/pip, or when the install fails, it says so
#    and runs without Ansible. Ansible needs Python on the target, which the busybox chroots
#    lack, so in this mode the fleet is served WITHOUT ChrootDirectory (fleet.sh @host-root:
#    each host shows this machine's own /, FIXTURE is ignored) and every contender runs on
#    that same fleet.
#
# Needs root (sshd, chroots) like the tests. Not a test: it prints numbers and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."

hosts=200 concurrency=50 rounds=3 fixture=centos7-ok floor=1 ansible=0
while getopts "n:c:r:f:sa" opt; do
  case $opt in
    n) hosts=$OPTARG ;;
    c) concurrency=$OPTARG ;;
    r) rounds=$OPTARG ;;
    f) fixture=$OPTARG ;;
    s) floor=0 ;;
    a) ansible=1 ;;
    *) echo "usage: $0 [-n HOSTS] [-c CONCURRENCY] [-r ROUNDS] [-f FIXTURE] [-s] [-a]" >&2; exit 2 ;;
  esac
done

cargo build --release --locked --quiet
bin=$PWD/target/release/image_check
run=/srv/image-check-fleet/bench-$$
out=$(mktemp -d)
trap 'tests/fleet/fleet.sh down "$run"; rm -rf "$out"' EXIT
# Each sshd serves 16 addresses; more hosts than file descriptors would allow is the point of
# a large N, so raise the limit for the floor's ssh processes as well.
ulimit -n 65536 2>/dev/null || true

if [ "$ansible" = 1 ]; then
  # A throw-away virtualenv inside $out, deleted on exit with the rest.
  echo "installing ansible-core into a throw-away virtualenv ..." >&2
  if ! python3 -m venv "$out/venv" >"$out/venv.log" 2>&1 || [ ! -x "$out/venv/bin/pip" ]; then
    echo "skipping Ansible: python3 cannot make a virtualenv with pip here" \
      "($(tail -n 1 "$out/venv.log")); running floor and scan on the usual chroot fleet" >&2
    ansible=0
  elif ! "$out/venv/bin/pip" install -q --disable-pip-version-check ansible-core \
      >"$out/pip.log" 2>&1; then
    echo "skipping Ansible: pip install ansible-core failed ($(tail -n 1 "$out/pip.log"));" \
      "running floor and scan on the usual chroot fleet" >&2
    ansible=0
  else
    version=$("$out/venv/bin/ansible" --version) # whole: `| head -1` would break its pipe
    echo "${version%%$'\n'*}, controller Python" \
      "$("$out/venv/bin/python" -c 'import platform; print(platform.python_version())')" >&2
  fi
fi

specs=()
variant=""
if [ "$ansible" = 1 ]; then
  variant=@host-root
  echo "Ansible mode: every host serves this machine's own / (no chroot, fixture $fixture" \
    "ignored)" >&2
fi
for i in $(seq 1 "$hosts"); do specs+=("h$i=$fixture$variant"); done
tests/fleet/fleet.sh up "$run" 250 "${specs[@]}"
cut -f2 "$run/hosts.tsv" >"$out/addresses"

if [ "$ansible" = 1 ]; then
  {
    while IFS=$'\t' read -r name ip _; do
      echo "$name ansible_host=$ip"
    done <"$run/hosts.tsv"
    cat <<INI
[all:vars]
ansible_port=2222
ansible_user=root
ansible_ssh_private_key_file=$run/id_ed25519
ansible_ssh_common_args='-o UserKnownHostsFile=$run/known_hosts -o StrictHostKeyChecking=yes'
ansible_python_interpreter=/usr/bin/python3
INI
  } >"$out/ansible-inventory.ini"
  # Everything Ansible keeps locally (control sockets, local tmp) under $out, and its remote tmp
  # too: the targets are this machine. ControlPersist stays at Ansible's default (60 s); each run
  # gets a fresh control-socket folder so no round reuses another's connections.
  export ANSIBLE_HOME=$out/ansible-home ANSIBLE_REMOTE_TMP=$out/ansible-remote-tmp
  export ANSIBLE_CONFIG=$out/ansible.cfg ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0
  export ANSIBLE_DEPRECATION_WARNINGS=False ANSIBLE_LOCALHOST_WARNING=False LC_ALL=C.UTF-8
  : >"$ANSIBLE_CONFIG" # an empty config: no ansible.cfg of the current folder or /etc applies
fi

# usage: ansible_run NAME ANSIBLE-ARGS... -> measures `ansible all ARGS -o -f C` as NAME and prints
# how many hosts it reached; then closes the connections Ansible left persisting (untimed).
ansible_run() {
  local name=$1; shift
  export ANSIBLE_SSH_CONTROL_PATH_DIR=$out/cp-$name-$round
  measure "$name" "$out/venv/bin/ansible" all -i "$out/ansible-inventory.ini" -o \
    -f "$concurrency" "$@"
  local ok
  ok=$(grep -cE '^[^ ]+ \| (SUCCESS|CHANGED)' "$out/stdout" || true)
  echo "round $round: $name reached $ok/$hosts hosts" >&2
  if [ "$ok" != "$hosts" ]; then
    { grep -vE '^[^ ]+ \| (SUCCESS|CHANGED)' "$out/stdout" | cut -c1-300 | head -n 3; } >&2 || true
  fi
  for sock in "$ANSIBLE_SSH_CONTROL_PATH_DIR"/*; do
    if [ -S "$sock" ]; then ssh -o ControlPath="$sock" -O exit dummy 2>/dev/null || true; fi
  done
  rm -rf "$ANSIBLE_SSH_CONTROL_PATH_DIR"
}

# usage: measure NAME CMD... -> appends "NAME wall user+sys maxrss_kb" to $out/results; the
# command's standard output goes to $out/stdout (for counting the hosts it reached)
measure() {
  local name=$1; shift
  python3 - "$out/stdout" "$name" "$@" >>"$out/results" <<'PY'
import resource, subprocess, sys, time
stdout, name, cmd = open(sys.argv[1], "wb"), sys.argv[2], sys.argv[3:]
start = time.monotonic()
code = subprocess.run(cmd, stdout=stdout, stderr=subprocess.DEVNULL).returncode
wall = time.monotonic() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(name, f"{wall:.3f}", f"{usage.ru_utime + usage.ru_stime:.3f}", usage.ru_maxrss, code)
PY
}

floor() {
  xargs -P "$concurrency" -I{} ssh -q -o BatchMode=yes -o StrictHostKeyChecking=yes \
    -o UserKnownHostsFile="$run/known_hosts" -o ControlMaster=no -o ControlPath=none \
    -i "$run/id_ed25519" -p 2222 root@{} echo ok <"$out/addresses"
}
export -f floor
export concurrency run out

for round in $(seq 1 "$rounds"); do
  if [ "$floor" = 1 ]; then
    measure floor bash -c floor
    echo "round $round: floor reached $(grep -cx ok "$out/stdout" || true)/$hosts hosts" >&2
  fi
  rm -rf "$out/reports"
  measure scan "$bin" scan -q -i "$run/inventory.toml" -o "$out/reports" -c "$concurrency"
  unreachable=$(grep -c ',unreachable,' "$out/reports/summary.csv" || true)
  echo "round $round: scan reached $((hosts - unreachable))/$hosts hosts" >&2
  if [ "$ansible" = 1 ]; then
    ansible_run ansible-setup -m setup
    ansible_run ansible-raw -m raw -a true
  fi
done

python3 - "$out/results" "$hosts" "$concurrency" <<'PY'
import statistics, sys
path, hosts, conc = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = {}
for line in open(path):
    name, wall, cpu, rss, code = line.split()
    rows.setdefault(name, []).append((float(wall), float(cpu), int(rss), int(code)))
med = lambda name, i: statistics.median(r[i] for r in rows[name])
floor = med("floor", 0) if "floor" in rows else None
print(f"fleet: {hosts} hosts, concurrency {conc}, {len(rows['scan'])} rounds (medians)")
print(f"{'contender':<13} {'wall s':>8} {'ratio':>7} {'CPU ms/host':>12} {'peak RSS MB':>12} exit codes")
for name in rows:
    wall = med(name, 0)
    cpu_per_host = med(name, 1) * 1000 / hosts
    rss = max(r[2] for r in rows[name]) / 1024
    codes = ",".join(str(r[3]) for r in rows[name])
    rss_text = f"{rss:12.1f}" if name != "floor" else f"{'(per ssh)':>12}"
    ratio = f"{wall / floor:7.2f}" if floor else f"{'-':>7}"
    print(f"{name:<13} {wall:8.2f} {ratio} {cpu_per_host:12.2f} {rss_text} {codes}")
PY

#!/usr/bin/env bash
# Benchmark: image_check scan against the SSH handshake floor (and optionally Ansible) on a
# fleet of N real sshd hosts on loopback, all serving the same compliant chroot. Each contender
# runs ROUNDS times, alternating, in this one run; the table gives medians and ratios.
#
#   bench/fleet-bench.sh [-n HOSTS] [-c CONCURRENCY] [-r ROUNDS] [-f FIXTURE] [-k KEX] [-b BIN] [-s] [-a]
#
# -b BIN adds the contender `baseline`: the same scan made by another image_check binary (an
#    older build, to compare before and after a change in the same run), after each `scan`.
# -s skips the ssh floor (to see whether a large N completes, and at what cost).
# -k gives the floor's ssh (and Ansible's) KexAlgorithms=KEX. Without it they take OpenSSH's
#    default: on OpenSSH 9.2 sntrup761x25519-sha512, whose key generation costs the client about
#    5x the CPU of curve25519-sha256, the key exchange image_check makes (column kex).
# -a is --with-ansible: adds `ansible all -m setup -f CONCURRENCY` (and `-m raw -a true`, one
#    plain command per host through Ansible) from ansible-core installed with pip into a
#    throw-away virtualenv; without python3's venv/pip, or when the install fails, it says so
#    and runs without Ansible. Ansible needs Python on the target, which the busybox chroots
#    lack, so in this mode the fleet is served WITHOUT ChrootDirectory (fleet.sh @host-root:
#    each host shows this machine's own /, FIXTURE is ignored) and every contender runs on
#    that same fleet.
#
# Besides wall time, the ratio to the floor, controller CPU and peak RSS, each contender gets:
# - target CPU per host: what the sshd processes and everything they started (sessions, the
#   commands run on the hosts) spent during its run. The fleet's sshd processes are moved into a
#   cpuacct cgroup of their own (cgroup v1's cpuacct, else v2's cpu.stat) and each contender's
#   run into a second one, so that other work on this machine does not count. Without cgroups it
#   is the machine's busy time from /proc/stat minus the controller's CPU. Column stat-ctl gives
#   that /proc/stat figure in every case: on a quiet machine it is close to the target CPU (the
#   targets are this machine), on a busy one it is above it by whatever else ran.
# - connections, exec channels and SFTP sessions, counted on host h1, whose sshd runs alone at
#   LogLevel DEBUG1 (fleet.sh @log): every host gets the same commands, so one host is enough.
# Controller CPU is the cgroup's figure where there is one (it includes Ansible's ControlPersist
# ssh masters, which run in the background and are never waited for), else RUSAGE_CHILDREN.
#
# Needs root (sshd, chroots) like the tests. Not a test: it prints numbers and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."

hosts=200 concurrency=50 rounds=3 fixture=centos7-ok floor=1 ansible=0 kex="" baseline=""
while getopts "n:c:r:f:k:b:sa" opt; do
  case $opt in
    n) hosts=$OPTARG ;;
    c) concurrency=$OPTARG ;;
    r) rounds=$OPTARG ;;
    f) fixture=$OPTARG ;;
    k) kex=$OPTARG ;;
    b) baseline=$OPTARG ;;
    s) floor=0 ;;
    a) ansible=1 ;;
    *) echo "usage: $0 [-n HOSTS] [-c CONCURRENCY] [-r ROUNDS] [-f FIXTURE] [-k KEX] [-b BIN] [-s] [-a]" >&2
       exit 2 ;;
  esac
done

cargo build --release --locked --quiet
target_dir=${CARGO_TARGET_DIR:-target}
case "$target_dir" in /*) ;; *) target_dir=$PWD/$target_dir ;; esac
bin=$target_dir/release/image_check
run=/srv/image-check-fleet/bench-$$
out=$(mktemp -d)

# The cgroups that split target CPU from controller CPU: in v1's cpuacct hierarchy where it is
# mounted, else in the v2 hierarchy; none (and /proc/stat alone) when neither lets us make them.
cgroup=""
for hierarchy in /sys/fs/cgroup/cpuacct /sys/fs/cgroup; do
  if [ -e "$hierarchy/cpuacct.usage" ] || [ -e "$hierarchy/cgroup.controllers" ]; then
    if mkdir "$hierarchy/image-check-bench-$$" 2>/dev/null; then
      cgroup=$hierarchy/image-check-bench-$$
      mkdir "$cgroup/targets" "$cgroup/controller"
    fi
    break
  fi
done

cleanup() {
  tests/fleet/fleet.sh down "$run"
  if [ -n "$cgroup" ]; then
    # Processes not yet gone (sshd on its way out) go back to the root group, so the groups can.
    for group in targets controller; do
      [ -e "$cgroup/$group/cgroup.procs" ] || continue
      while read -r pid; do
        echo "$pid" >"${cgroup%/*}/cgroup.procs" 2>/dev/null || true
      done <"$cgroup/$group/cgroup.procs"
    done
    for _ in $(seq 1 50); do
      rmdir "$cgroup/targets" "$cgroup/controller" "$cgroup" 2>/dev/null || true
      [ -d "$cgroup" ] || break
      sleep 0.1
    done
  fi
  rm -rf "$out"
}
trap cleanup EXIT
# The controller holds a connection per host in flight, and the floor an ssh process each:
# take every file descriptor the hard limit allows (without CAP_SYS_RESOURCE, not more).
ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((8 * concurrency + 256)) ]; then
  echo "warning: only $(ulimit -n) file descriptors for concurrency $concurrency" >&2
fi
# Hundreds of handshakes in flight on a few cores wait seconds each for CPU, longer than the
# 5 s connect timeout fleet.sh's inventory gives the tests (and Ansible's 10 s): the bench
# measures cost, not timeouts, so the scan and Ansible wait up to this long for a session, and
# the floor's ssh has no timeout at all.
patience=120

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
# h1 has an sshd of its own that logs each connection, exec request and SFTP session.
if [ -n "$variant" ]; then specs+=("h1=$fixture$variant+log"); else specs+=("h1=$fixture@log"); fi
for i in $(seq 2 "$hosts"); do specs+=("h$i=$fixture$variant"); done
tests/fleet/fleet.sh up "$run" 250 "${specs[@]}"
cut -f2 "$run/hosts.tsv" >"$out/addresses"
logged_host_log=$run/sshd-h1.conf.log
if [ -n "$cgroup" ]; then
  for pidfile in "$run"/*.pid; do cat "$pidfile" >"$cgroup/targets/cgroup.procs"; done
fi

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
ansible_ssh_common_args='-o UserKnownHostsFile=$run/known_hosts -o StrictHostKeyChecking=yes${kex:+ -o KexAlgorithms=$kex}'
ansible_python_interpreter=/usr/bin/python3
INI
  } >"$out/ansible-inventory.ini"
  # Everything Ansible keeps locally (control sockets, local tmp) under $out, and its remote tmp
  # too: the targets are this machine. ControlPersist stays at Ansible's default (60 s); each run
  # gets a fresh control-socket folder so no round reuses another's connections.
  export ANSIBLE_HOME=$out/ansible-home ANSIBLE_REMOTE_TMP=$out/ansible-remote-tmp
  export ANSIBLE_CONFIG=$out/ansible.cfg ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0
  export ANSIBLE_DEPRECATION_WARNINGS=False ANSIBLE_LOCALHOST_WARNING=False LC_ALL=C.UTF-8
  export ANSIBLE_TIMEOUT=$patience
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

# usage: measure NAME CMD... -> appends to $out/results "NAME wall children_cpu maxrss_kb
# exit_code controller_cpu target_cpu machine_busy connections execs sftp kex" (CPU in seconds;
# the two cgroup figures are - without cgroups; the last four are read from h1's log of the run).
# The command's standard output goes to $out/stdout (for counting the hosts it reached).
measure() {
  local name=$1; shift
  python3 - "$out/stdout" "$name" "$cgroup" "$logged_host_log" "$@" >>"$out/results" <<'PY'
import os, re, resource, subprocess, sys, time
stdout, (name, cgroup, log), cmd = open(sys.argv[1], "wb"), sys.argv[2:5], sys.argv[5:]

def group_cpu(group):
    if not cgroup:
        return None
    path = f"{cgroup}/{group}"
    if os.path.exists(f"{path}/cpuacct.usage"):
        return int(open(f"{path}/cpuacct.usage").read()) / 1e9
    return int(dict(line.split() for line in open(f"{path}/cpu.stat"))["usage_usec"]) / 1e6

def machine_busy():
    # the cpu line: user nice system idle iowait irq softirq steal ...; guest is inside user
    user, nice, system, _, _, irq, softirq = map(int, open("/proc/stat").readline().split()[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")

if cgroup:  # the command and all it starts count as controller, daemons included
    with open(f"{cgroup}/controller/cgroup.procs", "w") as procs:
        procs.write(str(os.getpid()))
log_start = os.path.getsize(log)
before = group_cpu("controller"), group_cpu("targets"), machine_busy()
start = time.monotonic()
code = subprocess.run(cmd, stdout=stdout, stderr=subprocess.DEVNULL).returncode
wall = time.monotonic() - start
after = group_cpu("controller"), group_cpu("targets"), machine_busy()
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(log, "rb") as lines:
    lines.seek(log_start)
    text = lines.read().decode(errors="replace")
count = lambda pattern: len(re.findall(pattern, text, re.M))
connections = count(r"^Connection from ")
execs = count(r"server_input_channel_req: channel \d+ request exec ")
sftp = count(r"^Starting session: subsystem 'sftp' ")
kex = ",".join(sorted(set(re.findall(r"kex: algorithm: (\S+)", text)))) or "-"
spent = [f"{a - b:.3f}" if a is not None else "-" for a, b in zip(after, before)]
print(name, f"{wall:.3f}", f"{usage.ru_utime + usage.ru_stime:.3f}", usage.ru_maxrss, code,
      *spent, connections, execs, sftp, kex)
PY
}

floor() {
  local kex_option=()
  if [ -n "$kex" ]; then kex_option=(-o "KexAlgorithms=$kex"); fi
  xargs -P "$concurrency" -I{} ssh -q -o BatchMode=yes -o StrictHostKeyChecking=yes \
    -o UserKnownHostsFile="$run/known_hosts" -o ControlMaster=no -o ControlPath=none \
    "${kex_option[@]}" -i "$run/id_ed25519" -p 2222 root@{} echo ok <"$out/addresses"
}
export -f floor
export concurrency run out kex

for round in $(seq 1 "$rounds"); do
  if [ "$floor" = 1 ]; then
    measure floor bash -c floor
    echo "round $round: floor reached $(grep -cx ok "$out/stdout" || true)/$hosts hosts" >&2
  fi
  for contender in scan ${baseline:+baseline}; do
    binary=$bin
    [ "$contender" = baseline ] && binary=$baseline
    rm -rf "$out/reports"
    measure "$contender" "$binary" scan -q -i "$run/inventory.toml" -o "$out/reports" \
      -c "$concurrency" --connect-timeout "$patience" --timeout $((2 * patience))
    unreachable=$(grep -c ',unreachable,' "$out/reports/summary.csv" || true)
    echo "round $round: $contender reached $((hosts - unreachable))/$hosts hosts" >&2
    { grep ',unreachable,' "$out/reports/summary.csv" | cut -c1-300 | head -n 3; } >&2 || true
  done
  if [ "$ansible" = 1 ]; then
    ansible_run ansible-setup -m setup
    ansible_run ansible-raw -m raw -a true
  fi
done

python3 - "$out/results" "$hosts" "$concurrency" "$cgroup" <<'PY'
import statistics, sys
path, hosts, conc, cgroup = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
rows = {}
for line in open(path):
    name, wall, children_cpu, rss, code, ctl_cg, target_cg, busy, conns, execs, sftp, kex = (
        line.split())
    ctl = float(ctl_cg) if ctl_cg != "-" else float(children_cpu)
    target = float(target_cg) if target_cg != "-" else float(busy) - ctl
    rows.setdefault(name, []).append(dict(
        wall=float(wall), ctl=ctl, target=target, stat=float(busy) - ctl, rss=int(rss),
        code=code, conns=int(conns), execs=int(execs), sftp=int(sftp), kex=kex))
med = lambda name, key: statistics.median(r[key] for r in rows[name])
floor = med("floor", "wall") if "floor" in rows else None
print(f"fleet: {hosts} hosts, concurrency {conc}, {len(rows['scan'])} rounds (medians)")
print("controller and target CPU from "
      + ("cgroup CPU accounting" if cgroup else "RUSAGE_CHILDREN, and /proc/stat minus controller")
      + "; stat-ctl: /proc/stat busy minus controller; conns, execs, sftp: counted on host h1")
columns = ["contender", "wall s", "ratio to floor", "controller CPU ms/host",
           "target CPU ms/host", "stat-ctl ms/host", "conns/host", "execs/host", "sftp/host",
           "peak RSS MB", "exit codes", "kex"]
widths = [13] + [len(column) for column in columns[1:-2]]
widths.append(max([len("exit codes")]
                  + [len(",".join(r["code"] for r in runs)) for runs in rows.values()]))
line = lambda cells: "  ".join([cells[0].ljust(widths[0])]
                               + [c.rjust(w) for c, w in zip(cells[1:-2], widths[1:])]
                               + [cells[-2].ljust(widths[-1]), cells[-1]])
print(line(columns))
for name in rows:
    wall = med(name, "wall")
    per_host = lambda key: med(name, key) * 1000 / hosts
    rss = max(r["rss"] for r in rows[name]) / 1024
    cells = [name, f"{wall:.2f}", f"{wall / floor:.2f}" if floor else "-",
             f"{per_host('ctl'):.2f}", f"{per_host('target'):.2f}", f"{per_host('stat'):.2f}",
             f"{med(name, 'conns'):g}", f"{med(name, 'execs'):g}", f"{med(name, 'sftp'):g}",
             f"{rss:.1f}" if name != "floor" else "per ssh",
             ",".join(r["code"] for r in rows[name]),
             " ".join(sorted(set(r["kex"] for r in rows[name])))]
    print(line(cells))
PY

#!/usr/bin/env bash
# Benchmark: image_check scan against the SSH handshake floor (and optionally Ansible) on a
# fleet of N real sshd hosts on loopback, all serving the same compliant chroot. Each contender
# runs ROUNDS times, alternating, in this one run; the table gives medians and ratios.
#
#   bench/fleet-bench.sh [-n HOSTS] [-c CONCURRENCY] [-r ROUNDS] [-f FIXTURE] [-s]
#
# -s skips the ssh floor (to see whether a large N completes, and at what cost).
#
# Needs root (sshd, chroots) like the tests. Not a test: it prints numbers and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."

hosts=200 concurrency=50 rounds=3 fixture=centos7-ok floor=1
while getopts "n:c:r:f:s" opt; do
  case $opt in
    n) hosts=$OPTARG ;;
    c) concurrency=$OPTARG ;;
    r) rounds=$OPTARG ;;
    f) fixture=$OPTARG ;;
    s) floor=0 ;;
    *) echo "usage: $0 [-n HOSTS] [-c CONCURRENCY] [-r ROUNDS] [-f FIXTURE] [-s]" >&2; exit 2 ;;
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

specs=()
for i in $(seq 1 "$hosts"); do specs+=("h$i=$fixture"); done
tests/fleet/fleet.sh up "$run" 250 "${specs[@]}"
cut -f2 "$run/hosts.tsv" >"$out/addresses"

# usage: measure NAME CMD... -> appends "NAME wall user+sys maxrss_kb" to $out/results
measure() {
  local name=$1; shift
  python3 - "$name" "$@" >>"$out/results" <<'PY'
import resource, subprocess, sys, time
name, cmd = sys.argv[1], sys.argv[2:]
start = time.monotonic()
code = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
wall = time.monotonic() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(name, f"{wall:.3f}", f"{usage.ru_utime + usage.ru_stime:.3f}", usage.ru_maxrss, code)
PY
}

floor() {
  xargs -P "$concurrency" -I{} ssh -q -o BatchMode=yes -o StrictHostKeyChecking=yes \
    -o UserKnownHostsFile="$run/known_hosts" -o ControlMaster=no -o ControlPath=none \
    -i "$run/id_ed25519" -p 2222 root@{} true <"$out/addresses"
}
export -f floor
export concurrency run out

for round in $(seq 1 "$rounds"); do
  [ "$floor" = 1 ] && measure floor bash -c floor
  rm -rf "$out/reports"
  measure scan "$bin" scan -q -i "$run/inventory.toml" -o "$out/reports" -c "$concurrency"
  unreachable=$(grep -c ',unreachable,' "$out/reports/summary.csv" || true)
  echo "round $round: scan reached $((hosts - unreachable))/$hosts hosts" >&2
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
print(f"{'contender':<10} {'wall s':>8} {'ratio':>7} {'CPU ms/host':>12} {'peak RSS MB':>12} exit codes")
for name in rows:
    wall = med(name, 0)
    cpu_per_host = med(name, 1) * 1000 / hosts
    rss = max(r[2] for r in rows[name]) / 1024
    codes = ",".join(str(r[3]) for r in rows[name])
    rss_text = f"{rss:12.1f}" if name != "floor" else f"{'(per ssh)':>12}"
    ratio = f"{wall / floor:7.2f}" if floor else f"{'-':>7}"
    print(f"{name:<10} {wall:8.2f} {ratio} {cpu_per_host:12.2f} {rss_text} {codes}")
PY

#!/usr/bin/env bash
# Benchmark: `image_check inventory` (parse, resolve, duplicate checks, ssh_config) on
# hosts.toml inventories of N hosts that all share one address, for two binaries, e.g. the
# one of main before a change and the one after. Each binary runs ROUNDS times per size,
# alternating; the table gives the median wall time of each and their ratio.
#
#   bench/inventory-bench.sh [-r ROUNDS] [-n "5000 10000 20000 50000"] BEFORE AFTER
#
# BEFORE and AFTER are image_check binaries (build one from main first, e.g.
# `git worktree add /tmp/ic-main main && cargo build --manifest-path /tmp/ic-main/Cargo.toml`).
# No network, no root. Not a test: it prints numbers and exits 0.
set -euo pipefail

rounds=3 sizes="5000 10000 20000 50000"
while getopts "r:n:" opt; do
  case $opt in
    r) rounds=$OPTARG ;;
    n) sizes=$OPTARG ;;
    *) echo "usage: $0 [-r ROUNDS] [-n SIZES] BEFORE AFTER" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# = 2 ] || { echo "usage: $0 [-r ROUNDS] [-n SIZES] BEFORE AFTER" >&2; exit 2; }
before=$1 after=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Seconds (3 decimals) one `inventory` run takes; a run that fails aborts the benchmark.
timed() {
  local start end
  start=$(date +%s%N)
  "$1" inventory -i "$2" --no-ssh-config >/dev/null
  end=$(date +%s%N)
  awk -v ns=$((end - start)) 'BEGIN { printf "%.3f\n", ns / 1e9 }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

printf '%8s  %10s  %10s  %7s\n' hosts before_s after_s ratio
for n in $sizes; do
  inventory=$out/hosts-$n.toml
  awk -v n="$n" 'BEGIN {
    print "[defaults]\nuser = \"root\"\n"
    for (i = 0; i < n; i++) printf "[[hosts]]\nname = \"h%06d\"\naddress = \"127.0.0.1\"\n\n", i
  }' >"$inventory"
  : >"$out/before" && : >"$out/after"
  for _ in $(seq "$rounds"); do
    timed "$before" "$inventory" >>"$out/before"
    timed "$after" "$inventory" >>"$out/after"
  done
  b=$(median <"$out/before") a=$(median <"$out/after")
  printf '%8s  %10s  %10s  %7s\n' "$n" "$b" "$a" "$(awk -v b="$b" -v a="$a" 'BEGIN { printf "%.1fx", (a > 0 ? b / a : 0) }')"
done

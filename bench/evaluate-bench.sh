#!/usr/bin/env bash
# How long `image_check evaluate` takes to parse 1,000 captures again: the fixture hosts'
# captures (tests/data/captures) copied into 1,000 host folders, evaluated ROUNDS times; the
# baseline is the same on 100 folders, so the ratio shows whether the cost is linear.
#
#   bench/evaluate-bench.sh [ROUNDS]     default 5; prints medians in seconds
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
cargo build --release --quiet
bin=target/release/image_check
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
captures=(tests/data/captures/*.json.gz)
fill() { # dir count
  mkdir -p "$1"
  for ((n = 0; n < $2; n++)); do
    mkdir -p "$1/host-$n"
    cp "${captures[n % ${#captures[@]}]}" "$1/host-$n/capture.json.gz"
  done
}
fill "$work/100" 100
fill "$work/1000" 1000
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_of() { # dir
  for ((r = 0; r < rounds; r++)); do
    rm -rf "$work/out"
    start=$(date +%s.%N)
    "$bin" evaluate "$1" -o "$work/out" -q >/dev/null || true
    echo "$(date +%s.%N) - $start" | bc
  done | median
}
base=$(time_of "$work/100")
full=$(time_of "$work/1000")
size=$(du -sb "$work/1000" | cut -f1)
echo "captures: $(du -cb "${captures[@]}" | tail -1 | cut -f1) bytes for ${#captures[@]} hosts ($((size / 1000)) bytes per host folder)"
echo "evaluate 100 captures:   median ${base} s over $rounds rounds"
echo "evaluate 1000 captures:  median ${full} s over $rounds rounds"
echo "ratio 1000/100:          $(echo "scale=2; $full / $base" | bc)"

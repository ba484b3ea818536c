#!/usr/bin/env bash
# Fuzzes every parser of remote output and the inventory parsers: builds the cargo-fuzz targets
# of fuzz/ (a crate of its own, outside the main build and CI), runs each one for a bounded
# time, one after another, and prints a table of runs, seconds and crashes per target.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]      # default: 60 s, every target
#
# libFuzzer through cargo-fuzz. Sanitizers need unstable rustc flags: on a stable toolchain
# RUSTC_BOOTSTRAP=1 allows them (set below; harmless on nightly). FUZZ_TOOLCHAIN=nightly picks a
# rustup toolchain, FUZZ_SANITIZER=none trades AddressSanitizer for speed (the parsers are
# safe Rust; ASan matters only for unsafe code in dependencies).
#
# Each target starts from the seed corpus fuzz/corpus/<target> (kept in the repo, read only
# here) and from fuzz/work/corpus/<target>, where new inputs go and which later runs reuse
# (not in the repo). A crash stops that target and leaves its input in fuzz/artifacts/<target>/;
# reproduce it with `RUSTC_BOOTSTRAP=1 cargo fuzz run <target> artifacts/<target>/crash-...` in
# fuzz/ (a file argument runs that one input).
# Exit status 1 when any target crashed, timed out or ran out of memory.
set -euo pipefail

secs="${1:-60}"
shift || true
case "$secs" in '' | *[!0-9]*) echo "usage: $0 [SECONDS_PER_TARGET] [TARGET...]" >&2; exit 2 ;; esac

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root/fuzz"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked -j 1
fi

export RUSTC_BOOTSTRAP=1
# The machine is shared: one compiler job, and fuzzers one at a time.
export CARGO_BUILD_JOBS=1
cargo=(cargo)
[ -n "${FUZZ_TOOLCHAIN:-}" ] && cargo=(cargo "+$FUZZ_TOOLCHAIN")
flags=(--sanitizer "${FUZZ_SANITIZER:-address}")

echo "building the fuzz targets (${FUZZ_TOOLCHAIN:-default toolchain}, sanitizer ${flags[1]})" >&2
"${cargo[@]}" fuzz build "${flags[@]}" >&2
# The binaries are run directly rather than through `cargo fuzz run`, which would rebuild (and
# so fuzz a different tree, or fail) whenever src/ changes while the script runs.
host="$(rustc ${FUZZ_TOOLCHAIN:+"+$FUZZ_TOOLCHAIN"} -vV | sed -n 's/^host: //p')"
bin="$root/fuzz/target/$host/release"

if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <("${cargo[@]}" fuzz list)
fi

mkdir -p work/logs
rows=()
found=()
for target in "${targets[@]}"; do
    mkdir -p "work/corpus/$target" "artifacts/$target" "corpus/$target"
    before="$(find "artifacts/$target" -type f | sort)"
    log="work/logs/$target.log"
    echo "fuzzing $target for ${secs}s (log: fuzz/$log)" >&2
    start="$(date +%s)"
    status=0
    ASAN_OPTIONS="${ASAN_OPTIONS:-detect_odr_violation=0}" "$bin/$target" \
        -artifact_prefix="artifacts/$target/" -max_total_time="$secs" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 "work/corpus/$target" "corpus/$target" \
        >"$log" 2>&1 || status=$?
    seconds=$(($(date +%s) - start))
    runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
    new="$(comm -13 <(echo "$before") <(find "artifacts/$target" -type f | sort) | sed '/^$/d')"
    crashes="$(echo -n "$new" | grep -c . || true)"
    if [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ]; then
        # Failed without leaving an input behind (a build or libFuzzer error): say so.
        crashes="error (exit $status)"
        found+=("$target: see fuzz/$log")
    fi
    while IFS= read -r file; do [ -n "$file" ] && found+=("$target: fuzz/$file"); done <<<"$new"
    rows+=("$(printf '%-16s %12s %8s  %s' "$target" "${runs:-?}" "$seconds" "$crashes")")
done

printf '\n%-16s %12s %8s  %s\n' target runs seconds crashes
printf '%s\n' "${rows[@]}"
if [ "${#found[@]}" -gt 0 ]; then
    printf '\nfailures:\n'
    printf '  %s\n' "${found[@]}"
    exit 1
fi

#!/usr/bin/env bash
# Records a capture of every fixture host of the test fleet into tests/data/captures/HOST.json.gz:
# starts the fleet (real sshd hosts on 127.60.x.y, as root), scans it with --save-facts and
# keeps each host's capture.json.gz. Run it after changing a fixture or the collector; the
# replay tests (tests/checks_fleet.rs) evaluate these files with no network.
#
#   scripts/capture-fixtures.sh [HOST...]    default: every folder of tests/fleet/hosts
set -euo pipefail
cd "$(dirname "$0")/.."
hosts=("$@")
if [ ${#hosts[@]} -eq 0 ]; then
  for dir in tests/fleet/hosts/*/; do hosts+=("$(basename "$dir")"); done
fi
specs=()
for host in "${hosts[@]}"; do specs+=("$host=$host"); done
cargo build --quiet
run=/srv/image-check-fleet/capture-fixtures-$$
out=$(mktemp -d)
trap 'tests/fleet/fleet.sh down "$run" >/dev/null 2>&1 || true; rm -rf "$out"' EXIT
tests/fleet/fleet.sh up "$run" 60 "${specs[@]}"
target/debug/image_check scan -q -i "$run/inventory.toml" -o "$out" --save-facts || true
for host in "${hosts[@]}"; do
  cp "$out/$host/capture.json.gz" "tests/data/captures/$host.json.gz"
  echo "tests/data/captures/$host.json.gz $(stat -c %s "tests/data/captures/$host.json.gz") bytes"
done

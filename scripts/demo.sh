#!/usr/bin/env bash
# The main job on a fresh Debian machine, no Docker needed: builds image_check, starts a fleet
# of real OpenSSH hosts on loopback (one chroot per distribution, tests/fleet/hosts), scans it
# and leaves the reports in ./image_check_reports (or the folder given with -o). Needs root
# (sshd, chroots). Extra arguments go to `image_check scan`.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v /usr/sbin/sshd >/dev/null || ! [ -x /bin/busybox ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-server busybox-static >/dev/null
fi
cargo build --release --locked --quiet
run=/srv/image-check-fleet/demo-$$
trap 'tests/fleet/fleet.sh down "$run"' EXIT
hosts=()
for fixture in tests/fleet/hosts/*/; do
  fixture=$(basename "$fixture")
  hosts+=("$fixture=$fixture")
done
tests/fleet/fleet.sh up "$run" 200 "${hosts[@]}"
status=0
target/release/image_check scan -i "$run/inventory.toml" "$@" || status=$?
exit "$status"

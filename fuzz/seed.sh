#!/usr/bin/env bash
# Rebuilds the seed corpus fuzz/corpus/<target>/ from the captured files under tests/data (and
# the example inventories). Targets that take several sources get them joined with NUL bytes,
# in the order the target's doc comment gives. Run from anywhere; overwrites corpus/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
data="$root/tests/data"
out="$root/fuzz/corpus"
rm -rf "$out"
mkdir -p "$out"

# join OUT FILE...: the files' contents separated by NUL bytes; "-" stands for an empty part.
join() {
    local dest="$1"
    shift
    local first=1 f
    : >"$dest"
    for f in "$@"; do
        [ "$first" = 1 ] || printf '\0' >>"$dest"
        first=0
        [ "$f" = - ] || cat "$f" >>"$dest"
    done
}

# copy TARGET FILE...: single-source seeds, one per file.
copy() {
    local target="$1"
    shift
    mkdir -p "$out/$target"
    local f
    for f in "$@"; do cp "$f" "$out/$target/$(basename "$f")"; done
}

# os_release: the files of os_release::RELEASE_FILES, in that order.
mkdir -p "$out/os_release"
for host in "$data"/release/*/; do
    parts=()
    for f in etc/os-release usr/lib/os-release etc/oracle-release etc/centos-release \
        etc/redhat-release etc/system-release etc/SuSE-release etc/lsb-release etc/debian_version; do
        if [ -f "$host/$f" ]; then parts+=("$host/$f"); else parts+=(-); fi
    done
    join "$out/os_release/$(basename "$host")" "${parts[@]}"
done

# sshd_config: the main file, then `PATH\nTEXT` for each included file.
mkdir -p "$out/sshd_config"
s="$data/sshd_config"
for f in "$s"/*sshd_config; do cp "$f" "$out/sshd_config/$(basename "$f")"; done
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
{ printf '/etc/ssh/sshd_config.d/50-redhat.conf\n'; cat "$s/rocky9-sshd_config.d-50-redhat.conf"; } >"$tmp/a"
{ printf '/etc/crypto-policies/back-ends/opensshserver.config\n'; cat "$s/rocky9-crypto-policies-opensshserver.config"; } >"$tmp/b"
join "$out/sshd_config/rocky9-with-includes" "$s/rocky9-sshd_config" "$tmp/a" "$tmp/b"
{ printf '/etc/ssh/sshd_config.d/50-cloud-init.conf\n'; cat "$s/ubuntu2204-sshd_config.d-50-cloud-init.conf"; } >"$tmp/a"
{ printf 'sshd_config.d/60-cloudimg-settings.conf\n'; cat "$s/ubuntu2204-sshd_config.d-60-cloudimg-settings.conf"; } >"$tmp/b"
join "$out/sshd_config/ubuntu2204-with-includes" "$s/ubuntu2204-sshd_config" "$tmp/a" "$tmp/b"
# Match blocks, an Include inside one, a relative Include, quotes and a loop of includes.
printf '%s\n' 'Port 22' 'Include conf.d/*' 'PermitRootLogin "without-password"' \
    'Match User root Address 10.0.0.0/8' '  PermitRootLogin yes' '  Include /etc/ssh/match.conf' \
    'Match all' 'PasswordAuthentication no' >"$tmp/main"
printf '/etc/ssh/conf.d/a\nPubkeyAuthentication no\nInclude /etc/ssh/conf.d/*\n' >"$tmp/a"
printf '/etc/ssh/match.conf\nPasswordAuthentication yes\nPort 2222\n' >"$tmp/b"
join "$out/sshd_config/match-and-include-loop" "$tmp/main" "$tmp/a" "$tmp/b"

copy fstab "$data"/fstab/*
copy df "$data"/df/*
copy tune2fs "$data"/tune2fs/*
copy lsattr "$data"/lsattr/*
copy passwd "$data"/passwd/*
copy selinux "$data"/selinux/*
copy inventory "$data"/ansible/* "$root"/inventories/*.toml

# disks: lsblk, NUL, /proc/mounts, NUL, /proc/partitions of one host.
mkdir -p "$out/disks"
for f in "$data"/disks/lsblk-*.txt; do
    host="$(basename "$f" .txt)"
    host="${host#lsblk-}"
    distro="${host%%-*}"
    mounts="$data/disks/proc-mounts-$host.txt"
    [ -f "$mounts" ] || mounts="$data/disks/proc-mounts-$distro.txt"
    [ -f "$mounts" ] || mounts=-
    partitions="$data/disks/proc-partitions-$distro.txt"
    [ -f "$partitions" ] || partitions=-
    join "$out/disks/$host" "$f" "$mounts" "$partitions"
done

# Escaped line breaks in a mount point and in the root device (regression seeds).
printf 'NAME="vda" TYPE="disk" SIZE="1" MOUNTPOINT="/x\\x0ay"\n\0\0' >"$out/disks/lsblk-mountpoint-newline"
printf '\0/dev/vd\\012a1 / ext4 rw 0 0\n\0major minor  #blocks  name\n\n 253 0 1048576 vda\n' \
    >"$out/disks/proc-mounts-device-newline"

# partition_table: disk headers as they are; fdisk stdout, NUL, stderr.
mkdir -p "$out/partition_table"
for f in "$data"/partition/*.bin; do cp "$f" "$out/partition_table/"; done
# The fixture disks of the test fleet (the GPT ones with their entry arrays).
for f in "$root"/tests/fleet/hosts/*/dev/*; do
    host=${f%/dev/*}
    cp "$f" "$out/partition_table/disk-${host##*/}-${f##*/}"
done
for f in "$data"/partition/fdisk-*.stdout; do
    join "$out/partition_table/$(basename "$f" .stdout)" "$f" "${f%.stdout}.stderr"
done

# blkid: blkid output, NUL, the first fields of an fstab of the same distribution.
mkdir -p "$out/blkid"
for f in "$data"/blkid/*.txt; do
    name="$(basename "$f" .txt)"
    distro="${name#blkid-}"
    distro="${distro%%-*}"
    fstab=("$data"/fstab/fstab-"$distro"*.txt)
    if [ -f "${fstab[0]}" ]; then
        awk '!/^[[:space:]]*(#|$)/ {print $1}' "${fstab[0]}" >"$tmp/specs"
        join "$out/blkid/$name" "$f" "$tmp/specs"
    else
        cp "$f" "$out/blkid/$name"
    fi
done

# services: is-enabled stdout, stderr, exit status, is-active stdout, chkconfig --list.
mkdir -p "$out/services"
v="$data/services"
printf '0' >"$tmp/0"
printf '1' >"$tmp/1"
printf '4' >"$tmp/4"
join "$out/services/debian12-enabled" "$v/debian12-systemd252/is-enabled-enabled.stdout" - "$tmp/0" \
    "$v/systemd255/is-active-ssh-socket-service.stdout" -
for state in alias disabled indirect linked masked static; do
    join "$out/services/debian12-$state" "$v/debian12-systemd252/is-enabled-$state.stdout" - "$tmp/1"
done
join "$out/services/debian12-missing" "$v/debian12-systemd252/is-enabled-missing.stdout" \
    "$v/debian12-systemd252/is-enabled-missing.stderr" "$tmp/1" \
    "$v/debian12-systemd252/is-active-no-systemd.stdout" -
join "$out/services/systemd255-missing" "$v/systemd255/is-enabled-missing.stdout" - "$tmp/4"
join "$out/services/centos7-sysv" "$v/centos7-systemd219/is-enabled-sysv-network.stdout" \
    "$v/centos7-systemd219/is-enabled-sysv-network.stderr" "$tmp/0" \
    "$v/centos7-systemd219/is-active-sshd-crond-telnet.stdout" "$v/centos7-systemd219/chkconfig-list.stdout"
for f in "$v"/centos6/*.txt; do
    join "$out/services/centos6-$(basename "$f" .txt)" - - - - "$f"
done

# kernel_modules: config, modules.builtin, modules.dep, /proc/modules, initramfs listing.
mkdir -p "$out/kernel_modules"
k="$data/kernel_modules"
join "$out/kernel_modules/debian12" "$k/config-debian12-6.1.0-56-amd64.txt" \
    "$k/modules.builtin-debian12-6.1.0-56-amd64.txt" "$k/modules.dep-debian12-6.1.0-56-amd64.txt" \
    - "$k/lsinitramfs-debian12-6.1.0-56-amd64.txt"
join "$out/kernel_modules/ubuntu2204" "$k/config-ubuntu2204-5.15.0-91-generic.txt" \
    "$k/modules.builtin-ubuntu2204-5.15.0-91-generic.txt" - - \
    "$k/lsinitramfs-ubuntu2204-5.15.0-91-generic.txt"
join "$out/kernel_modules/centos7-kvm" "$k/config-centos7-3.10.0-1160.el7.x86_64.txt" - \
    "$k/modules.dep-centos7-3.10.0-1160.el7.x86_64.txt" "$k/proc-modules-centos7-kvm.txt" \
    "$k/lsinitrd-centos7-kvm.txt"
join "$out/kernel_modules/centos7-vmware" - - - "$k/proc-modules-centos7-vmware.txt" \
    "$k/lsinitrd-centos7-vmware-hostonly.txt"
join "$out/kernel_modules/centos6" - - - - "$k/lsinitrd-centos6-dracut004.txt"
join "$out/kernel_modules/amzn2" "$k/config-amzn2-5.10.223-212.873.amzn2.x86_64.txt"
join "$out/kernel_modules/flatcar" "$k/config-flatcar-6.6.60-flatcar.txt"

du -sh "$out"

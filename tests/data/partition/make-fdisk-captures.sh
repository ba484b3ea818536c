#!/bin/sh
# Regenerates the fdisk captures that a current util-linux and BusyBox can print for real:
# fdisk-debian12-*, fdisk-ubuntu2204-*, fdisk-sles15-* and fdisk-busybox-* (stdout and
# stderr). The CentOS 6/7 captures are reconstructed by hand (see partition_table.rs).
#
# The disks are sparse image files laid out by sfdisk, placed at /dev/... paths inside a
# private mount namespace (a tmpfs over /dev), so fdisk prints the device names a host
# would. Run as root on Debian 12 (util-linux 2.38.1, BusyBox 1.35.0):
#   apt-get install fdisk busybox
# An image file has no sysfs entry, so fdisk prints no "Disk model:" line for it; the one in
# the Ubuntu capture (VMware's "Virtual disk") is added afterwards, where fdisk puts it.
set -eu

out=$(cd "$(dirname "$0")" && pwd)

exec unshare -m sh -eu -c '
out=$1
mount -t tmpfs none /dev
mknod /dev/null c 1 3
mkdir /dev/mapper

layout() { # device size sfdisk-script
    truncate -s "$2" "$1"
    printf "%s" "$3" | sfdisk --no-reread --no-tell-kernel -q "$1"
}

capture() { # name command...
    name=$1; shift
    "$@" >"$out/$name.stdout" 2>"$out/$name.stderr" || true
}

# Debian 12 as its installer partitions a 40 GiB KVM disk: root, then swap in an extended
# partition that starts 2 sectors before the logical one (the classic partman layout).
layout /dev/vda 40G "label: dos
label-id: 0x6e1f4c2a
unit: sectors

start=2048, size=81883136, type=83, bootable
start=81887230, size=1996802, type=5
start=81887232, size=1996800, type=82
"
capture fdisk-debian12-dos fdisk -l /dev/vda
rm /dev/vda

# Ubuntu 22.04 on VMware: snap loop devices first (they come first in /proc/partitions),
# the GPT system disk from its installer (BIOS boot, /boot, LVM), then the root LV.
truncate -s 66547712 /dev/loop0
truncate -s 117342208 /dev/loop1
truncate -s 52203520 /dev/loop2
layout /dev/sda 40G "label: gpt
label-id: 5B3A2F6E-1C44-4E0B-9A8E-2D6B7C1F0A11
unit: sectors
first-lba: 2048

start=2048, size=2048, type=21686148-6449-6E6F-744E-656564454649, uuid=0F2C5E7A-6B1D-4C3E-8F90-1A2B3C4D5E01
start=4096, size=4194304, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=0F2C5E7A-6B1D-4C3E-8F90-1A2B3C4D5E02
start=4198400, size=79685632, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=0F2C5E7A-6B1D-4C3E-8F90-1A2B3C4D5E03
"
truncate -s 20396900352 /dev/mapper/ubuntu--vg-ubuntu--lv
capture fdisk-ubuntu2204-gpt fdisk -l /dev/loop0 /dev/loop1 /dev/loop2 /dev/sda \
    /dev/mapper/ubuntu--vg-ubuntu--lv
sed -i "/^Disk \/dev\/sda:/a Disk model: Virtual disk    " "$out/fdisk-ubuntu2204-gpt.stdout"
cp /dev/sda /dev/sda.gpt
rm /dev/loop0 /dev/loop1 /dev/loop2 /dev/sda /dev/mapper/ubuntu--vg-ubuntu--lv

# SLES 15 SP5 on KVM: YaST puts GPT even on BIOS machines (BIOS boot, btrfs root, swap).
layout /dev/vda 40G "label: gpt
label-id: 9D1C3A4B-5E6F-4A7B-8C9D-0E1F2A3B4C5D
unit: sectors
first-lba: 2048

start=2048, size=16384, type=21686148-6449-6E6F-744E-656564454649, uuid=3C1D2E3F-4A5B-4C6D-8E7F-8091A2B3C4D1
start=18432, size=79675392, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=3C1D2E3F-4A5B-4C6D-8E7F-8091A2B3C4D2
start=79693824, size=4190208, type=0657FD6D-A4AB-43C4-84E5-0933C84B4F4F, uuid=3C1D2E3F-4A5B-4C6D-8E7F-8091A2B3C4D3
"
capture fdisk-sles15-gpt fdisk -l /dev/vda
rm /dev/vda

# BusyBox fdisk (Alpine, rescue systems): the CentOS 7 MBR layout, a GPT disk, a blank disk.
layout /dev/vda 40G "label: dos
label-id: 0x000b0ebb
unit: sectors

start=2048, size=2097152, type=83, bootable
start=2099200, size=81786880, type=8e
"
capture fdisk-busybox-dos busybox fdisk -l /dev/vda
rm /dev/vda
mv /dev/sda.gpt /dev/sda
capture fdisk-busybox-gpt busybox fdisk -l /dev/sda
rm /dev/sda
truncate -s 20G /dev/vdb
capture fdisk-busybox-none busybox fdisk -l /dev/vdb
' sh "$out"

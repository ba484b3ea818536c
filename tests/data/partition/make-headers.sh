#!/bin/sh
# Regenerates the disk headers (*.bin) used by src/facts/partition_table.rs.
#
# Each .bin is what `head -c 1024 /dev/vda` would return: the first 1024 bytes of a disk.
# The partition tables are written by the real tools (util-linux sfdisk, gdisk's sgdisk,
# dosfstools' mkfs.fat) onto sparse image files, not assembled by hand, so the bytes are
# exactly what those tools put on a disk. Identifiers are pinned so that a rerun gives the
# same bytes. Made with util-linux 2.38.1, gdisk 1.0.9, dosfstools 4.2, grub-pc-bin 2.06
# (Debian 12):  apt-get install fdisk gdisk dosfstools grub-pc-bin
set -eu

out=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

header() { # image name [bytes]
    head -c "${3:-1024}" "$1" >"$out/$2"
}

# An MBR as the CentOS 7 installer leaves it on a 40 GiB disk: /boot (83, bootable) and an
# LVM physical volume (8e). GRUB 2's boot.img goes into the 440-byte boot-code area first, as
# grub2-install does, so the sector carries real machine code and not just zeros.
truncate -s 40G "$work/mbr.img"
dd if=/usr/lib/grub/i386-pc/boot.img of="$work/mbr.img" bs=440 count=1 conv=notrunc status=none
sfdisk --no-reread --no-tell-kernel -q "$work/mbr.img" <<'EOF'
label: dos
label-id: 0x000b0ebb
unit: sectors

start=2048, size=2097152, type=83, bootable
start=2099200, size=81786880, type=8e
EOF
header "$work/mbr.img" mbr-centos7.bin
# A read cut short: only the first 300 bytes of that disk.
header "$work/mbr.img" short-300.bin 300

# GPT as Ubuntu 22.04's installer lays out a 40 GiB disk: BIOS boot, /boot, LVM.
gpt_script='label: gpt
label-id: 5B3A2F6E-1C44-4E0B-9A8E-2D6B7C1F0A11
unit: sectors
first-lba: 2048

start=2048, size=2048, type=21686148-6449-6E6F-744E-656564454649, uuid=0F2C5E7A-6B1D-4C3E-8F90-1A2B3C4D5E01
start=4096, size=4194304, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=0F2C5E7A-6B1D-4C3E-8F90-1A2B3C4D5E02
start=4198400, size=79685632, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=0F2C5E7A-6B1D-4C3E-8F90-1A2B3C4D5E03
'
truncate -s 40G "$work/gpt.img"
printf '%s' "$gpt_script" | sfdisk --no-reread --no-tell-kernel -q "$work/gpt.img"
header "$work/gpt.img" gpt-protective.bin

# A hybrid MBR (gdisk's "h"): the protective 0xEE entry plus partition 2 as an MBR entry,
# the layout Boot Camp and some dual-boot setups use. The MBR disk signature sgdisk picks
# at random is pinned afterwards.
cp --sparse=always "$work/gpt.img" "$work/hybrid.img"
sgdisk --hybrid=2 "$work/hybrid.img" >/dev/null
printf '\136\032\014\235' | dd of="$work/hybrid.img" bs=1 seek=440 conv=notrunc status=none
header "$work/hybrid.img" gpt-hybrid.bin

# GPT on a 4Kn disk (4096-byte logical sectors): the protective MBR is still in the first
# 512 bytes, but the "EFI PART" header sits at byte 4096, past what is read.
truncate -s 40G "$work/gpt4k.img"
cat >"$work/gpt4k.sfdisk" <<'EOF'
label: gpt
label-id: 5B3A2F6E-1C44-4E0B-9A8E-2D6B7C1F0A12
unit: sectors

start=256, size=1048576, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=0F2C5E7A-6B1D-4C3E-8F90-1A2B3C4D5E04
EOF
# sfdisk has no sector-size option; fdisk -b has, and its "I" command loads an sfdisk script.
printf 'I\n%s\nw\n' "$work/gpt4k.sfdisk" | fdisk -b 4096 "$work/gpt4k.img" >/dev/null
header "$work/gpt4k.img" gpt-4kn.bin

# A disk never partitioned. ext4 or swap made straight on a whole disk look the same here:
# both leave their first 1024 bytes zero.
truncate -s 40G "$work/empty.img"
header "$work/empty.img" empty.bin

# FAT32 written straight onto a whole disk ("superfloppy"): its boot sector ends in 0x55AA
# like an MBR, with zeros where MBR partition entries would be.
truncate -s 1G "$work/fat.img"
mkfs.fat --invariant -F 32 -i 1234abcd -n DATA "$work/fat.img" >/dev/null
header "$work/fat.img" fat32-whole-disk.bin

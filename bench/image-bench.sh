#!/usr/bin/env bash
# How fast `image_check image` checks a 20 GiB disk image with a populated CentOS-like root,
# and how much of the file it reads ("read, not copied"), against baselines measured in the
# same run: `qemu-img info`, `cat FILE >/dev/null` (reading the whole file) and
# `virt-inspector --no-applications -a FILE` (libguestfs, which boots an appliance VM; the
# fixture has no RPM database to list applications from).
#
#   bench/image-bench.sh [-r ROUNDS] [-v VI_ROUNDS] [-c CACHE] [-g CHROOT] [-t SECS]
#
#   -r  rounds per contender, warm and cold page cache (default 5); medians are printed
#   -v  virt-inspector rounds (default 3; 1 when one round takes over 60 s)
#   -c  where the images are kept, keyed by a hash of this script and the fixture host
#       (default ${XDG_CACHE_HOME:-~/.cache}/image_check-bench)
#   -g  a Debian root holding libguestfs-tools, for a machine where the package cannot be
#       installed (qemu-utils from backports breaks Debian 12's qemu-system-common), made with
#       `debootstrap --variant=minbase --include=libguestfs-tools,linux-image-cloud-amd64
#       bookworm DIR` (then `chroot DIR apt-get -f install -y`); virt-inspector runs there
#   -t  timeout of one virt-inspector run (default 600 s)
#
# The disk is made without mounting anything (creation is not measured): an MBR by sfdisk on
# a sparse 20 GiB file, partition 1 a 1 GiB XFS /boot (its UUID the one the fixture's fstab
# names; vmlinuz, config and a ~30 MB gzip newc initramfs made by busybox cpio), partition 2
# the root: tests/fleet/hosts/centos7-ok plus about 1.4 GiB and 45k files of this machine's
# /usr (lib64, python, share) and a /lib/modules/K/kernel tree, as XFS (mkfs.xfs -p, as
# CentOS 7) and as ext4 (mke2fs -d). Each becomes a qcow2, the XFS one a stream-optimized
# VMDK too. Needs root (drop_caches; the chroot's mounts), sfdisk, mkfs.xfs, mke2fs,
# qemu-img, busybox, python3 and GNU time. Not a test: it prints numbers and exits 0.
#
# Bytes read is rchar of the process and its children (/proc/PID/io: every read and pread,
# of the image and of anything else such as the program's own libraries), so it bounds the
# bytes taken from the image from above; for virt-inspector it includes the appliance.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

rounds=5 vi_rounds=3 vi_timeout=600 chroot_dir=
cache=${XDG_CACHE_HOME:-$HOME/.cache}/image_check-bench
usage() { echo "usage: $0 [-r ROUNDS] [-v VI_ROUNDS] [-c CACHE] [-g CHROOT] [-t SECS]" >&2; exit 2; }
while getopts "r:v:c:g:t:" opt; do
  case $opt in
    r) rounds=$OPTARG ;;
    v) vi_rounds=$OPTARG ;;
    c) cache=$OPTARG ;;
    g) chroot_dir=$(realpath "$OPTARG") ;;
    t) vi_timeout=$OPTARG ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ $# = 0 ] || usage
for tool in sfdisk mkfs.xfs mke2fs qemu-img busybox python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "$0: $tool is missing" >&2; exit 2; }
done

fixture=$repo/tests/fleet/hosts/centos7-ok
kernel=3.10.0-1160.el7.x86_64
boot_uuid=79fe7e14-93eb-43aa-a339-460e9e97b3d6 # the /boot line of the fixture's fstab
# The root is a partition here, not the fixture's LVM volume: fstab names it by this UUID
# (virt-inspector mounts what fstab says), and swap is left out.
root_uuid=3c9a6f0e-7d41-4b8e-9f2a-5e6d7c8b9a01
key=$( (cat "$0"; tar -C "$fixture" --sort=name --mtime=@0 --owner=0 --group=0 -cf - .) |
  sha256sum | cut -c1-16)
images=$cache/$key
mkdir -p "$cache"
images=$(realpath "$images")

# The XFS prototype file (mkfs.xfs -p) of a tree: one line per entry, `$` closing a folder.
# Names with white space cannot be written there; the tree has none (see make_tree).
protofile() { # tree
  python3 - "$1" <<'EOF'
import os, stat, sys
root = sys.argv[1]
out = sys.stdout.buffer
def mode(st):
    m = st.st_mode
    kind = {stat.S_IFREG: b"-", stat.S_IFDIR: b"d", stat.S_IFLNK: b"l", stat.S_IFBLK: b"b",
            stat.S_IFCHR: b"c", stat.S_IFIFO: b"p"}[stat.S_IFMT(m)]
    return kind + (b"u" if m & stat.S_ISUID else b"-") + (b"g" if m & stat.S_ISGID else b"-") \
        + b"%03o" % (m & 0o777) + b" %d %d" % (st.st_uid, st.st_gid)
def walk(path):
    for name in sorted(os.listdir(path)):
        full = os.path.join(path, name)
        st = os.lstat(full)
        kind = stat.S_IFMT(st.st_mode)
        if kind == stat.S_IFSOCK:
            continue
        line = os.fsencode(name) + b" " + mode(st)
        if kind == stat.S_IFREG:
            out.write(line + b" " + os.fsencode(full) + b"\n")
        elif kind == stat.S_IFLNK:
            out.write(line + b" " + os.fsencode(os.readlink(full)) + b"\n")
        elif kind in (stat.S_IFBLK, stat.S_IFCHR):
            out.write(line + b" %d %d\n" % (os.major(st.st_rdev), os.minor(st.st_rdev)))
        elif kind == stat.S_IFDIR:
            out.write(line + b"\n")
            walk(full)
            out.write(b"$\n")
        else:
            out.write(line + b"\n")
walk_root = os.lstat(root)
out.write(b"/dev/null\n0 0\n" + mode(walk_root) + b"\n")
walk(root)
out.write(b"$\n")
EOF
}

# The root tree and the /boot tree of the CentOS-like host, in $work/root and $work/boot.
make_tree() { # work
  local work=$1 root=$1/root boot=$1/boot initrd=$1/initrd
  mkdir -p "$root" "$boot" "$initrd"
  cp -a "$fixture/." "$root/"
  mkdir -p "$root/usr/lib64" "$root/usr/lib/python2.7" "$root/usr/share"
  cp -a /usr/lib/x86_64-linux-gnu/. "$root/usr/lib64/"
  cp -a /usr/lib/python3.11/. "$root/usr/lib/python2.7/"
  for d in locale doc man vim icons perl i18n; do cp -a "/usr/share/$d" "$root/usr/share/"; done
  local host_modules
  host_modules=$(ls -d /lib/modules/*/kernel | head -1)
  cp -a "$host_modules" "$root/usr/lib/modules/$kernel/"
  # No white space in names (XFS prototype files cannot say them); no sockets or fifos.
  find "$root" -depth -name '*[[:space:]]*' -exec rm -rf {} +
  find "$root" \( -type s -o -type p \) -delete
  printf 'UUID=%s / xfs defaults 0 0\nUUID=%s /boot xfs defaults 0 0\n' \
    "$root_uuid" "$boot_uuid" >"$root/etc/fstab"
  # /boot is its own partition, as on CentOS 7.
  cp -a "$root/boot/." "$boot/"
  rm -rf "${root:?}/boot/"*
  cp "$(ls /boot/vmlinuz-* | head -1)" "$boot/vmlinuz-$kernel"
  # An initramfs as dracut lays it out: busybox, the modules and their tables, some /etc.
  mkdir -p "$initrd/usr/bin" "$initrd/usr/lib/modules/$kernel" "$initrd/etc"
  ln -s usr/bin "$initrd/bin"
  ln -s usr/lib "$initrd/lib"
  cp "$(command -v busybox)" "$initrd/usr/bin/busybox"
  printf '#!/bin/busybox sh\nexec /bin/busybox sh\n' >"$initrd/init"
  chmod 755 "$initrd/init"
  cp -a "$root/usr/lib/modules/$kernel/." "$initrd/usr/lib/modules/$kernel/"
  cp "$root/etc/os-release" "$root/etc/fstab" "$root/etc/passwd" "$initrd/etc/"
  (cd "$initrd" && find . | LC_ALL=C sort | busybox cpio -o -H newc 2>/dev/null | gzip -6) \
    >"$boot/initramfs-$kernel.img"
}

# $images/centos7-{xfs,ext4}.qcow2 and centos7-xfs.vmdk (and the XFS raw), unless cached.
make_images() {
  [ -e "$images/done" ] && return
  local work=$images/work disk_size=$((20 << 30)) boot_size=$((1 << 30)) root_off root_size
  rm -rf "$images" && mkdir -p "$work"
  echo "making the images in $images (once; not measured) ..." >&2
  make_tree "$work"
  root_off=$(((1 << 20) + boot_size))
  root_size=$((disk_size - root_off))
  # mkfs.xfs reads the prototype file by its size: a file, not a pipe. CentOS 7's XFS
  # features: v5, no free inode B+tree, reflink, big timestamps or sparse inodes.
  local xfs_features=(-m finobt=0,reflink=0,bigtime=0,inobtcount=0 -i sparse=0)
  protofile "$work/boot" >"$work/boot.proto"
  protofile "$work/root" >"$work/root.proto"
  truncate -s "$boot_size" "$work/boot.xfs"
  mkfs.xfs -q -f "${xfs_features[@]}" -m uuid=$boot_uuid -p "$work/boot.proto" "$work/boot.xfs"
  truncate -s "$root_size" "$work/root.xfs"
  mkfs.xfs -q -f "${xfs_features[@]}" -m uuid=$root_uuid -p "$work/root.proto" "$work/root.xfs"
  local fs raw
  for fs in xfs ext4; do
    raw=$images/centos7-$fs.raw
    truncate -s "$disk_size" "$raw"
    printf 'label: dos\nstart=2048,size=%d,type=83,bootable\nstart=%d,type=83\n' \
      $((boot_size / 512)) $((root_off / 512)) | sfdisk -q "$raw"
    dd if="$work/boot.xfs" of="$raw" bs=1M seek=1 conv=notrunc,sparse status=none
    if [ $fs = xfs ]; then
      dd if="$work/root.xfs" of="$raw" bs=1M seek=$((root_off >> 20)) conv=notrunc,sparse status=none
    else
      mke2fs -q -t ext4 -U "$root_uuid" -d "$work/root" -E offset=$root_off "$raw" $((root_size >> 10))k
    fi
    qemu-img convert -O qcow2 "$raw" "$images/centos7-$fs.qcow2"
  done
  qemu-img convert -O vmdk -o subformat=streamOptimized "$images/centos7-xfs.raw" \
    "$images/centos7-xfs.vmdk"
  find "$work/root" -type f | wc -l >"$images/root-files"
  du -sb "$work/root" | cut -f1 >"$images/root-bytes"
  stat -c %s "$work/boot/initramfs-$kernel.img" >"$images/initramfs-bytes"
  rm -rf "$work" "$images/centos7-ext4.raw"
  touch "$images/done"
}

tmp=$(mktemp -d)
mounted=()
cleanup() {
  local m
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[i]}" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

drop_caches() { sync && echo 3 >/proc/sys/vm/drop_caches; }
can_drop=yes
drop_caches 2>/dev/null || can_drop="no (echo 3 > /proc/sys/vm/drop_caches failed: not root?)"

# One run of a command: "wall cpu max_rss_kib rchar read_bytes exit" on stdout. The command
# runs under a shell that prints its own /proc/PID/io after it, which then counts the reaped
# command's reads. $wrap (e.g. a chroot) goes before that shell.
wrap=()
measure() { # command...
  /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "${wrap[@]}" sh -c '
    "$@" >/dev/null 2>"/tmp/image-bench-stderr.$$"; rc=$?
    tail -c 2000 "/tmp/image-bench-stderr.$$" >&2; rm -f "/tmp/image-bench-stderr.$$"
    awk -v rc=$rc "/^rchar/ { r = \$2 } /^read_bytes/ { b = \$2 } END { print r, b, rc }" /proc/$$/io
  ' sh "$@" >"$tmp/io" 2>"$tmp/stderr" || true
  read -r wall user sys rss <"$tmp/time"
  read -r rchar read_bytes rc <"$tmp/io"
  echo "$wall $(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }') $rss $rchar $read_bytes $rc"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# N runs of a contender; appends "image contender cache wall cpu rss rchar" (medians) to
# $tmp/rows. The exit codes in `ok` (space separated) are success; any other aborts.
run_rounds() { # image label cache n ok command...
  local image=$1 label=$2 state=$3 n=$4 ok=$5 r line
  shift 5
  : >"$tmp/runs"
  for ((r = 0; r < n; r++)); do
    [ "$state" = cold ] && drop_caches
    line=$(measure "$@")
    case " $ok " in
      *" ${line##* } "*) ;;
      *) echo "$label on $image: exit ${line##* }: $(tail -1 "$tmp/stderr")" >&2; return 1 ;;
    esac
    echo "$line" >>"$tmp/runs"
  done
  local col
  printf '%s %s %s' "$image" "$label" "$state" >>"$tmp/rows"
  for col in 1 2 3 4 5; do printf ' %s' "$(cut -d' ' -f$col "$tmp/runs" | median)" >>"$tmp/rows"; done
  echo >>"$tmp/rows"
}

cargo build --release --locked --quiet
bin=${CARGO_TARGET_DIR:-$repo/target}/release/image_check
make_images

# virt-inspector: on this machine, or in the chroot of -g, or a line saying why not.
vi=() vi_wrap=() vi_why=
if command -v virt-inspector >/dev/null; then
  vi=(env LIBGUESTFS_BACKEND=direct timeout "$vi_timeout" virt-inspector)
elif [ -n "$chroot_dir" ] && [ -x "$chroot_dir/usr/bin/virt-inspector" ]; then
  for m in proc dev sys; do
    if ! mountpoint -q "$chroot_dir/$m"; then
      case $m in proc) mount -t proc proc "$chroot_dir/proc" ;; *) mount --rbind "/$m" "$chroot_dir/$m" ;; esac
      mounted+=("$chroot_dir/$m")
    fi
  done
  mkdir -p "$chroot_dir$images"
  mountpoint -q "$chroot_dir$images" || { mount --bind "$images" "$chroot_dir$images" && mounted+=("$chroot_dir$images"); }
  vi=(env LIBGUESTFS_BACKEND=direct timeout "$vi_timeout" virt-inspector)
  vi_wrap=(chroot "$chroot_dir")
else
  vi_why=$(apt-get install -s libguestfs-tools 2>&1 | grep -m1 -E 'Breaks|Depends|E:' || true)
  vi_why="not installed (apt-get install libguestfs-tools: ${vi_why:-not tried}); see -g"
fi
# The appliance under KVM where it boots (nested KVM may not: "KVM internal error"), else TCG.
accel=none
if [ ${#vi[@]} -gt 0 ]; then
  accel=
  for try in kvm:tcg force_tcg; do
    [ $try = kvm:tcg ] && [ ! -w /dev/kvm ] && continue
    if "${vi_wrap[@]}" env LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=${try#kvm:tcg} \
      timeout "$([ $try = kvm:tcg ] && echo 60 || echo 300)" libguestfs-test-tool >"$tmp/test-tool" 2>&1; then
      accel=$try
      break
    fi
    failed="$try: $(grep -m1 -iE 'internal error|error|fail' "$tmp/test-tool" || echo "no answer in time")"
  done
  if [ -z "$accel" ]; then
    vi_why="the appliance does not start (libguestfs-test-tool, ${failed:-})"
    vi=()
  elif [ "$accel" = force_tcg ]; then
    vi=(env LIBGUESTFS_BACKEND_SETTINGS=force_tcg "${vi[@]}")
    accel="TCG (${failed:-no KVM})"
  else
    accel=KVM
  fi
fi

: >"$tmp/rows"
for image in centos7-xfs.qcow2 centos7-ext4.qcow2 centos7-xfs.vmdk centos7-xfs.raw; do
  file=$images/$image
  out=$tmp/reports
  states=warm
  [ "$can_drop" = yes ] && states="warm cold"
  for state in $states; do
    run_rounds "$image" image_check "$state" "$rounds" "0 1" \
      sh -c 'rm -rf "$2" && exec "$0" image "$1" -o "$2" -q' "$bin" "$file" "$out"
    run_rounds "$image" "cat" "$state" "$rounds" 0 sh -c 'cat "$0" >/dev/null' "$file"
  done
  run_rounds "$image" qemu-img-info warm "$rounds" 0 qemu-img info "$file"
  if [ ${#vi[@]} -gt 0 ] && [ "$image" != centos7-xfs.raw ]; then
    wrap=("${vi_wrap[@]}")
    # The first run builds the appliance (supermin, cached): not counted.
    measure "${vi[@]}" --no-applications -a "$file" >"$tmp/warmup"
    n=$vi_rounds
    awk '{ exit !($1 > 60) }' "$tmp/warmup" && n=1
    run_rounds "$image" virt-inspector warm "$n" 0 "${vi[@]}" --no-applications -a "$file" ||
      vi_why="virt-inspector failed: $(tail -1 "$tmp/stderr")"
    wrap=()
  fi
done

echo "image_check $("$bin" --version | awk '{ print $2 }') ($(git -C "$repo" rev-parse --short HEAD)); $(nproc) cores; virt-inspector appliance: $accel; cold cache: $can_drop; $rounds rounds (virt-inspector: ${vi_rounds} or 1), medians"
echo "files: $(cd "$images" && stat -c '%n %s' -- *.qcow2 *.vmdk *.raw | tr '\n' ';' | sed 's/;$//; s/;/; /g') bytes"
echo "root: $(cat "$images/root-files") files, $(($(cat "$images/root-bytes") >> 20)) MiB; initramfs $(($(cat "$images/initramfs-bytes") >> 20)) MiB; virtual disk 20 GiB"
[ -z "$vi_why" ] || echo "virt-inspector: $vi_why"
printf '%-19s %-15s %-5s %9s %8s %9s %14s %8s %8s\n' image contender cache wall_s cpu_s rss_MiB bytes_read "%file" ratio
awk -v dir="$images" '
  { key = $1 " " $3; if ($2 == "image_check") base[key] = $4; row[NR] = $0 }
  END {
    for (i = 1; i <= NR; i++) {
      split(row[i], f, " ")
      cmd = "stat -c %s " dir "/" f[1]; cmd | getline size; close(cmd)
      b = base[f[1] " " f[3]]
      printf "%-19s %-15s %-5s %9.3f %8.2f %9.1f %14.0f %7.2f%% %7.1fx\n", f[1], f[2], f[3], f[4], f[5], f[6] / 1024, f[7], 100 * f[7] / size, (b > 0 ? f[4] / b : 0)
    }
  }' "$tmp/rows"

//! Block devices, mounts and the system disk of a Linux host.
//!
//! Alibaba Cloud's `image_check` prints "System disk size: N GB" and later checks the disk
//! size, the partition table and the filesystem type of the *system disk*: the whole disk
//! that holds `/`. This module turns the text of three host sources into typed values and
//! finds that disk:
//!
//! * `lsblk -b -P -o NAME,TYPE,SIZE,MOUNTPOINT` (preferred: it knows the device tree, so
//!   it can walk from an LVM volume or a dm-crypt mapping up to the disk),
//! * `/proc/partitions` (sizes, and the names of whole disks),
//! * `/proc/mounts` or `/etc/mtab` (what is mounted on `/`).
//!
//! It is pure: text in, values out. Fetching the text is the transport's job.
//!
//! Facts about the sources that the code below relies on (util-linux and kernel sources,
//! checked against util-linux 2.38.1 on a live system):
//!
//! * `lsblk -P` hex-escapes (`\xHH`) only `"`, `\`, `` ` ``, `$` and unprintable bytes; a
//!   space in a mount point is printed as is (`-r` is the mode that writes `\x20`). Both
//!   are decoded here.
//! * `-P` keeps lsblk's tree order and, unlike `--list`, still repeats a device under each
//!   of its parents (an LVM volume spanning two disks appears twice).
//! * The lsblk of CentOS/RHEL 6 (util-linux-ng 2.17.2 with a backported lsblk) knows `-b`
//!   and `-P`, but names device-mapper devices `VolGroup-lv_root (dm-0)`; the ` (dm-N)`
//!   suffix is split off here.
//! * lsblk's MOUNTPOINT shows one mount per device: the last one mounted, unless another
//!   mount shows the filesystem's root. A btrfs root on a subvolume (SLES/openSUSE: `/` is
//!   `subvol=/@/.snapshots/1/snapshot`) therefore shows up as e.g. `/var`, never `/`. Use
//!   [`system_disk`], which then looks the `/` device of `/proc/mounts` up in lsblk's tree.

use super::escapes;

/// Bytes in a GiB.
const GIB: u64 = 1 << 30;

/// lsblk TYPEs that are never below another device in lsblk's tree, so each one starts a
/// new top-level tree.
const TOP_LEVEL_KINDS: [&str; 3] = ["disk", "rom", "loop"];

/// Prefixes of /proc/partitions names that are not physical disks: device-mapper, md RAID,
/// loop (snaps), RAM disks, zram swap, CD-ROMs. They never count as "the only disk".
const VIRTUAL_DISK_PREFIXES: [&str; 6] = ["dm-", "md", "loop", "ram", "zram", "sr"];

/// How many distinct mount points an error message lists before it says "and N more".
const MAX_LISTED: usize = 8;

/// One line of `lsblk -P` output: a block device at one place in lsblk's device tree.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BlockDevice {
    /// NAME, e.g. "vda", "vda1", "centos-root", "nvme0n1p1".
    pub name: String,
    /// TYPE: disk, part, lvm, crypt, raid1, rom, loop, mpath, ...
    pub kind: String,
    /// SIZE in bytes (0 when lsblk printed it empty, as old versions do for empty devices).
    pub size_bytes: u64,
    /// MOUNTPOINT, unescaped; "" when none, "[SWAP]" for active swap.
    pub mountpoint: String,
    /// Nesting in lsblk's tree order, 0 = top (a disk).
    pub depth: usize,
    /// NAME of the device this line sits under in the tree; None at the top.
    pub parent: Option<String>,
}

/// Parse `lsblk -b -P -o NAME,TYPE,SIZE,MOUNTPOINT` output.
///
/// Each line is `KEY="value"` pairs; values are `\xHH`-unescaped. NAME, TYPE, SIZE and
/// MOUNTPOINT are required; other columns (MAJ:MIN, FSTYPE, PTTYPE, ...) are ignored
/// except PKNAME and KNAME, which help rebuild the tree. Blank lines are skipped.
///
/// `-P` prints the tree depth-first without indentation, so `depth` and `parent` are
/// rebuilt from the order of the lines:
///
/// * With a PKNAME column, a device sits under the nearest line above it on the current
///   branch whose NAME (or KNAME, or old-style `(dm-N)` kernel name) equals its PKNAME;
///   an empty PKNAME means top level. PKNAME is a *kernel* name (`dm-0`), so when it
///   cannot be matched the rules below apply.
/// * Without PKNAME: TYPE disk, rom and loop start a new top-level tree. A `part` sits
///   under the nearest device on the current branch whose name it extends
///   (`sda`→`sda2`, `nvme0n1`→`nvme0n1p2`, `md0`→`md0p1`, `mpatha`→`mpatha-part1`), else
///   under the top-level device. Any other TYPE (lvm, crypt, raid*, mpath, dm, ...) sits
///   under the line above it, unless a device of the same TYPE is already on the current
///   branch, in which case it is that device's sibling (`centos-root`, then `centos-swap`).
///
/// Limits of the inference: devices of one TYPE stacked on each other (LVM thin pools on
/// their `_tmeta`/`_tdata` volumes, LVM cache) come out as siblings rather than parent and
/// child, and a device-mapper device with no parent at all (TYPE dm) is put under the tree
/// above it. Within one top-level tree every device still has the right top-level disk,
/// which is all the system-disk lookup needs.
///
/// Returns `Err` with the line number on a line that is not `KEY="value"` pairs, that lacks
/// a required column, or whose SIZE is not a byte count (lsblk run without `-b`).
pub fn parse_lsblk_pairs(text: &str) -> Result<Vec<BlockDevice>, String> {
    let mut devices: Vec<BlockDevice> = Vec::new();
    // Kernel names of `devices` (same index), for matching PKNAME against dm devices.
    let mut knames: Vec<Option<String>> = Vec::new();
    // Indices into `devices` of the branch the next line hangs from, top first.
    let mut branch: Vec<usize> = Vec::new();

    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let lineno = index + 1;
        let at_line = |reason: String| format!("lsblk output line {lineno}: {reason}");
        let pairs = parse_pairs_line(line).map_err(at_line)?;
        // If a key repeats, the last value wins, as it would for `eval` in a shell.
        let get = |key: &str| {
            pairs
                .iter()
                .rev()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.as_str())
        };
        let field = |key: &str| {
            get(key).ok_or_else(|| {
                at_line(format!(
                    "no {key} column (expected lsblk -b -P -o NAME,TYPE,SIZE,MOUNTPOINT)"
                ))
            })
        };
        let (name, dm_kname) = split_old_dm_name(field("NAME")?);
        let kind = field("TYPE")?.to_owned();
        let size_bytes = parse_lsblk_size(field("SIZE")?).map_err(at_line)?;
        let mountpoint = field("MOUNTPOINT")?.to_owned();
        let kname = get("KNAME").map(str::to_owned).or(dm_kname);

        let parent_pos = match get("PKNAME") {
            Some("") => None,
            Some(pkname) => branch
                .iter()
                .rposition(|&i| devices[i].name == pkname || knames[i].as_deref() == Some(pkname))
                .or_else(|| infer_parent(&devices, &branch, &name, &kind)),
            None => infer_parent(&devices, &branch, &name, &kind),
        };
        branch.truncate(parent_pos.map_or(0, |pos| pos + 1));
        let parent = branch.last().map(|&i| devices[i].name.clone());
        devices.push(BlockDevice {
            name,
            kind,
            size_bytes,
            mountpoint,
            depth: branch.len(),
            parent,
        });
        knames.push(kname);
        branch.push(devices.len() - 1);
    }
    Ok(devices)
}

/// Split one `-P` line into (key, unescaped value) pairs.
fn parse_pairs_line(line: &str) -> Result<Vec<(&str, String)>, String> {
    let mut pairs = Vec::new();
    let mut rest = line;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return Ok(pairs);
        }
        let not_pairs = || format!("expected KEY=\"value\" pairs, found {:?}", excerpt(rest));
        let Some(eq) = rest.find('=') else {
            return Err(not_pairs());
        };
        let key = &rest[..eq];
        if key.is_empty() || key.contains(|c: char| c.is_whitespace() || c == '"') {
            return Err(not_pairs());
        }
        let Some(quoted) = rest[eq + 1..].strip_prefix('"') else {
            return Err(format!("value of {key} is not in double quotes"));
        };
        // lsblk escapes every `"` inside a value as \x22, so the next quote ends it.
        let Some(close) = quoted.find('"') else {
            return Err(format!("value of {key} has no closing quote"));
        };
        pairs.push((key, escapes::unescape_hex(&quoted[..close])));
        rest = &quoted[close + 1..];
        if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
            return Err(format!(
                "unexpected {:?} right after the value of {key}",
                excerpt(rest)
            ));
        }
    }
}

/// At most 20 characters of `text`, to quote it in an error without flooding the report.
fn excerpt(text: &str) -> String {
    text.chars().take(20).collect()
}

/// Old lsblk (CentOS 6) names dm devices `VolGroup-lv_root (dm-0)`; return the name as
/// /dev/mapper knows it and, when present, the kernel name.
fn split_old_dm_name(raw: &str) -> (String, Option<String>) {
    let old_style = raw.strip_suffix(')').and_then(|s| s.rsplit_once(" ("));
    match old_style {
        Some((name, kname))
            if kname
                .strip_prefix("dm-")
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())) =>
        {
            (name.to_owned(), Some(kname.to_owned()))
        }
        _ => (raw.to_owned(), None),
    }
}

/// SIZE in bytes; old lsblk prints "" for a zero-size device.
fn parse_lsblk_size(value: &str) -> Result<u64, String> {
    if value.is_empty() {
        return Ok(0);
    }
    value
        .parse()
        .map_err(|_| format!("SIZE={value:?} is not a number of bytes (lsblk must be run with -b)"))
}

/// Position in `branch` of the device a line without a usable PKNAME sits under (None = top
/// level). The rules and their limits are documented on [`parse_lsblk_pairs`].
fn infer_parent(
    devices: &[BlockDevice],
    branch: &[usize],
    name: &str,
    kind: &str,
) -> Option<usize> {
    if branch.is_empty() || TOP_LEVEL_KINDS.contains(&kind) {
        return None;
    }
    if kind == "part" {
        let extends = |whole: &str| {
            name.len() > whole.len()
                && name.starts_with(whole)
                && name.ends_with(|c: char| c.is_ascii_digit())
        };
        // Partitions never hold partitions, so "vda1" cannot be the parent of "vda14".
        return Some(
            branch
                .iter()
                .rposition(|&i| devices[i].kind != "part" && extends(&devices[i].name))
                .unwrap_or(0),
        );
    }
    match branch.iter().rposition(|&i| devices[i].kind == kind) {
        // A sibling of the same-TYPE device: share its parent (none if it is top level).
        Some(pos) => pos.checked_sub(1),
        None => Some(branch.len() - 1),
    }
}

/// Parse /proc/partitions: a "major minor  #blocks  name" header, a blank line, then one
/// device per line with its size in 1 KiB blocks. Returns (name, size in bytes) in file
/// order: disks, partitions, dm-N, md, loop devices alike.
///
/// The kernel prints sectors / 2, so a partition with an odd number of 512-byte sectors
/// loses 512 bytes here; whole disks are KiB multiples in practice. Columns after the
/// name (statistics on 2.4 kernels) are ignored. Err names the line that does not parse,
/// or says the header is missing (the text is not /proc/partitions).
pub fn parse_proc_partitions(text: &str) -> Result<Vec<(String, u64)>, String> {
    let mut partitions = Vec::new();
    let mut seen_header = false;
    for (index, line) in text.lines().enumerate() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.is_empty() {
            continue;
        }
        let lineno = index + 1;
        if !seen_header {
            if fields.starts_with(&["major", "minor"]) {
                seen_header = true;
                continue;
            }
            return Err(format!(
                "/proc/partitions line {lineno}: expected the \"major minor  #blocks  name\" header, found {:?}",
                excerpt(line)
            ));
        }
        let [major, minor, blocks, name, ..] = fields.as_slice() else {
            return Err(format!(
                "/proc/partitions line {lineno}: expected \"major minor #blocks name\", found {:?}",
                excerpt(line)
            ));
        };
        let numbers_ok = major.parse::<u32>().is_ok() && minor.parse::<u32>().is_ok();
        let bytes = blocks.parse::<u64>().ok().and_then(|b| b.checked_mul(1024));
        match bytes {
            Some(bytes) if numbers_ok => partitions.push(((*name).to_owned(), bytes)),
            _ => {
                return Err(format!(
                    "/proc/partitions line {lineno}: major, minor and #blocks must be numbers, found {:?}",
                    excerpt(line)
                ))
            }
        }
    }
    Ok(partitions)
}

/// One entry of /proc/mounts (or /etc/mtab).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Mount {
    /// Source, unescaped: "/dev/vda1", "/dev/mapper/centos-root", "overlay", "tmpfs", ...
    pub device: String,
    /// Absolute mount point, unescaped.
    pub mountpoint: String,
    pub fstype: String,
    /// Mount options, split at commas: `["rw", "relatime", "subvol=/@/var"]`.
    pub options: Vec<String>,
}

/// Parse /proc/mounts or /etc/mtab: `device mountpoint fstype options dump pass`.
///
/// The kernel writes space, tab, newline and backslash in a field as `\040`, `\011`,
/// `\012` and `\134`; any `\ooo` octal escape is decoded. A line with fewer than four
/// fields or a mount point that is not an absolute path cannot be a mount and is skipped,
/// so a garbled line costs that line only.
#[must_use]
pub fn parse_proc_mounts(text: &str) -> Vec<Mount> {
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let device = fields.next()?;
            let mountpoint = escapes::unescape_octal(fields.next()?);
            let fstype = fields.next()?;
            let options = fields.next()?;
            if device.starts_with('#') || !mountpoint.starts_with('/') {
                return None;
            }
            Some(Mount {
                device: escapes::unescape_octal(device),
                mountpoint,
                fstype: escapes::unescape_octal(fstype),
                options: options.split(',').map(escapes::unescape_octal).collect(),
            })
        })
        .collect()
}

/// The mount of `/` in effect: the last entry for "/", since later mounts cover earlier
/// ones. Old kernels list the initramfs "rootfs / rootfs rw 0 0" first and the real root
/// after it.
#[must_use]
pub fn root_mount(mounts: &[Mount]) -> Option<&Mount> {
    mounts.iter().rev().find(|m| m.mountpoint == "/")
}

/// The whole disk that holds `/`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SystemDisk {
    /// Kernel name of the disk: "vda", "sda", "nvme0n1", "xvda".
    pub name: String,
    pub size_bytes: u64,
    /// What holds `/`: "vda1", "centos-root", "nvme0n1p1" — the disk itself when the
    /// filesystem is on the unpartitioned disk.
    pub root_device: String,
}

/// The whole disk that holds `/`, from lsblk devices: the device whose mount point is "/",
/// walked up to its top-level device.
///
/// When `/` is on several disks (an LVM volume or md RAID spanning them), the disk whose
/// tree also holds `/boot` or `/boot/efi` wins, as that is the one the image boots from;
/// otherwise the first in lsblk's order.
///
/// Err when no device is mounted on "/": root on overlay or tmpfs (containers), zfs or nfs,
/// or a btrfs subvolume (see the module docs; [`system_disk`] handles that). The reason
/// lists the mount points lsblk did show.
pub fn system_disk_from_lsblk(devices: &[BlockDevice]) -> Result<SystemDisk, String> {
    let holders: Vec<usize> = positions(devices, |d| d.mountpoint == "/");
    if holders.is_empty() {
        return Err(no_root_in_lsblk(devices));
    }
    disk_above(devices, &holders)
}

/// Indices of the devices that satisfy `wanted`.
fn positions(devices: &[BlockDevice], wanted: impl Fn(&BlockDevice) -> bool) -> Vec<usize> {
    devices
        .iter()
        .enumerate()
        .filter(|(_, d)| wanted(d))
        .map(|(i, _)| i)
        .collect()
}

/// The top-level disk above the devices at `holders` (all lines of one device, or of the
/// devices holding `/`), choosing between several disks as [`system_disk_from_lsblk`] says.
fn disk_above(devices: &[BlockDevice], holders: &[usize]) -> Result<SystemDisk, String> {
    // (top-level index, holder index), one per distinct disk.
    let mut candidates: Vec<(usize, usize)> = Vec::new();
    for &holder in holders {
        // Lines are depth-first, so the nearest depth-0 line at or above is the top.
        let top = devices
            .get(..=holder)
            .and_then(|above| above.iter().rposition(|d| d.depth == 0));
        if let Some(top) = top {
            if !candidates
                .iter()
                .any(|&(t, _)| devices[t].name == devices[top].name)
            {
                candidates.push((top, holder));
            }
        }
    }
    let chosen = candidates
        .iter()
        .find(|&&(top, _)| tree_holds_boot(devices, top))
        .or_else(|| candidates.first());
    match chosen {
        Some(&(top, holder)) => Ok(SystemDisk {
            name: devices[top].name.clone(),
            size_bytes: devices[top].size_bytes,
            root_device: devices[holder].name.clone(),
        }),
        None => Err(format!(
            "lsblk lists {} without a top-level disk above it",
            holders
                .first()
                .map_or("the root device", |&h| devices[h].name.as_str())
                .escape_debug()
        )),
    }
}

/// Whether /boot or /boot/efi is mounted from the tree starting at `top`.
fn tree_holds_boot(devices: &[BlockDevice], top: usize) -> bool {
    let Some((first, rest)) = devices.get(top..).and_then(<[BlockDevice]>::split_first) else {
        return false;
    };
    std::iter::once(first)
        .chain(rest.iter().take_while(|d| d.depth > 0))
        .any(|d| d.mountpoint == "/boot" || d.mountpoint == "/boot/efi")
}

fn no_root_in_lsblk(devices: &[BlockDevice]) -> String {
    if devices.is_empty() {
        return "lsblk lists no block devices".to_owned();
    }
    let mut seen: Vec<&str> = Vec::new();
    for device in devices {
        if !device.mountpoint.is_empty() && !seen.contains(&device.mountpoint.as_str()) {
            seen.push(&device.mountpoint);
        }
    }
    let shown = match seen.len() {
        0 => "none".to_owned(),
        n if n <= MAX_LISTED => seen.join(", "),
        n => format!(
            "{} and {} more",
            seen[..MAX_LISTED].join(", "),
            n - MAX_LISTED
        ),
    };
    // Mount points are unescaped: a line break in one must not break the reason's line.
    let shown = shown.escape_debug();
    format!(
        "lsblk shows no block device mounted on / (mount points it shows: {shown}); \
         / is on something that is not a block device (overlay or tmpfs in a container, \
         zfs, nfs) or on a btrfs subvolume that lsblk shows under another mount point"
    )
}

/// Fallback when lsblk is absent: the device of the root mount, and /proc/partitions.
///
/// A kernel device name loses its partition suffix (vda1→vda, sda2→sda, xvda1→xvda,
/// nvme0n1p2→nvme0n1, mmcblk0p1→mmcblk0); the result must be listed in /proc/partitions,
/// which also gives the size. Root on a whole disk ("/dev/vda") is that disk.
///
/// When the name does not tell the disk — device-mapper/LVM ("/dev/mapper/centos-root",
/// "/dev/dm-0", "/dev/VolGroup/lv_root"), md RAID, "/dev/root", `/dev/disk/by-uuid/...` —
/// the disk is the only whole disk in /proc/partitions if there is exactly one (the usual
/// single-disk cloud image; dm, md, loop, zram, ram and sr devices do not count), and
/// Err otherwise: with two disks, guessing would be wrong half the time.
///
/// `root_device` is the device path without "/dev/" (and without "mapper/").
/// Err when there is no `/` mount or it is not a /dev device (overlay, tmpfs, zfs, nfs).
pub fn system_disk_from_proc(
    mounts: &[Mount],
    partitions: &[(String, u64)],
) -> Result<SystemDisk, String> {
    let root = root_mount(mounts).ok_or("the mount table has no entry for /")?;
    // Device and type are unescaped: a line break in them must not break the reason's line.
    let (device, fstype) = (root.device.escape_debug(), root.fstype.escape_debug());
    let Some(path) = root.device.strip_prefix("/dev/") else {
        return Err(format!(
            "/ is mounted from {:?} (type {fstype}), which is not a block device",
            root.device
        ));
    };
    let root_device = path.strip_prefix("mapper/").unwrap_or(path).to_owned();
    let found = |(name, size): &(String, u64)| SystemDisk {
        name: name.clone(),
        size_bytes: *size,
        root_device: root_device.clone(),
    };

    let name_tells_disk = !path.contains('/')
        && path != "root"
        && !path.starts_with("dm-")
        && !path.starts_with("md");
    if name_tells_disk {
        return partition_parent(path, partitions)
            .or_else(|| partitions.iter().find(|(n, _)| n == path))
            .map(found)
            .ok_or_else(|| {
                format!(
                    "/ is on {device} but /proc/partitions lists neither {} nor its disk",
                    path.escape_debug()
                )
            });
    }

    let disks: Vec<&(String, u64)> = partitions
        .iter()
        .filter(|(name, _)| {
            partition_parent(name, partitions).is_none()
                && !VIRTUAL_DISK_PREFIXES.iter().any(|p| name.starts_with(p))
        })
        .collect();
    match disks.as_slice() {
        [only] => Ok(found(only)),
        [] => Err(format!(
            "/ is on {device}, whose disk its name does not tell, and /proc/partitions lists no disk"
        )),
        many => Err(format!(
            "/ is on {device}, whose disk its name does not tell, and /proc/partitions lists {} disks ({})",
            many.len(),
            many.iter()
                .map(|(name, _)| name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The /proc/partitions entry of the whole device that partition `name` belongs to, if
/// `name` is a partition of a listed device. "nvme0n1" is not: its would-be parent
/// "nvme0n" is not listed, which is why parents are looked up rather than trusted.
fn partition_parent<'a>(name: &str, partitions: &'a [(String, u64)]) -> Option<&'a (String, u64)> {
    let base = name.trim_end_matches(|c: char| c.is_ascii_digit());
    if base.len() == name.len() {
        return None;
    }
    // Names ending in a digit take a "p" before the partition number (nvme0n1p2,
    // mmcblk0p1, loop0p1, md126p1); the others do not (sda2, but also vdp1 of disk vdp).
    let after_p = base
        .strip_suffix('p')
        .filter(|b| b.ends_with(|c: char| c.is_ascii_digit()));
    [after_p, Some(base)]
        .into_iter()
        .flatten()
        .find_map(|whole| partitions.iter().find(|(n, _)| n == whole))
}

/// The system disk from everything collected: lsblk when it was available, then /proc.
///
/// In order: the lsblk device mounted on "/" ([`system_disk_from_lsblk`]); the lsblk device
/// named by the root mount's device (btrfs root on a subvolume, where lsblk shows another
/// mount point; found in lsblk's tree, this also works through LVM); then
/// [`system_disk_from_proc`]. Err joins the reasons of the steps that were tried.
pub fn system_disk(
    devices: Option<&[BlockDevice]>,
    mounts: &[Mount],
    partitions: &[(String, u64)],
) -> Result<SystemDisk, String> {
    let mut reasons = Vec::new();
    if let Some(devices) = devices {
        match system_disk_from_lsblk(devices) {
            Ok(disk) => return Ok(disk),
            Err(reason) => reasons.push(reason),
        }
        let root_name = root_mount(mounts)
            .and_then(|m| m.device.strip_prefix("/dev/"))
            .map(|path| path.strip_prefix("mapper/").unwrap_or(path));
        if let Some(root_name) = root_name {
            let holders = positions(devices, |d| d.name == root_name);
            if !holders.is_empty() {
                if let Ok(disk) = disk_above(devices, &holders) {
                    return Ok(disk);
                }
            }
        }
    }
    system_disk_from_proc(mounts, partitions).map_err(|reason| {
        reasons.push(reason);
        reasons.join("; ")
    })
}

/// Size in whole GiB, rounded to the nearest (half up), for "System disk size: 40 GB".
///
/// Cloud disks sold as "40 GB" are 40 GiB exactly (42949672960 bytes → 40). Rounding to
/// the nearest rather than down keeps a disk a few sectors short of a GiB boundary (some
/// hypervisors and image converters trim the tail) from printing one GiB less. Checks that
/// compare against limits should compare bytes, not this display value.
#[must_use]
pub fn size_gib(bytes: u64) -> u64 {
    bytes / GIB + u64::from(bytes % GIB >= GIB / 2)
}

#[cfg(test)]
mod tests {
    //! Fixtures under tests/data/disks. `lsblk-debian12-loop-escapes.txt` is a real capture
    //! (util-linux 2.38.1, two loop devices mounted on paths with a space, a backslash and
    //! a quote). The distribution fixtures are reconstructed byte-for-byte from the
    //! util-linux and kernel print code of those releases and typical cloud layouts, not
    //! captured on those hosts: replace them with captures when hosts are at hand.

    use super::*;

    const GIB40: u64 = 42_949_672_960;

    fn lsblk(text: &str) -> Vec<BlockDevice> {
        match parse_lsblk_pairs(text) {
            Ok(devices) => devices,
            Err(reason) => panic!("fixture does not parse: {reason}"),
        }
    }

    fn partitions(text: &str) -> Vec<(String, u64)> {
        match parse_proc_partitions(text) {
            Ok(partitions) => partitions,
            Err(reason) => panic!("fixture does not parse: {reason}"),
        }
    }

    fn disk(name: &str, size_bytes: u64, root_device: &str) -> SystemDisk {
        SystemDisk {
            name: name.to_owned(),
            size_bytes,
            root_device: root_device.to_owned(),
        }
    }

    /// (name, kind, depth, parent) of every line, to assert a whole tree at once.
    fn tree(devices: &[BlockDevice]) -> Vec<(&str, &str, usize, Option<&str>)> {
        devices
            .iter()
            .map(|d| {
                (
                    d.name.as_str(),
                    d.kind.as_str(),
                    d.depth,
                    d.parent.as_deref(),
                )
            })
            .collect()
    }

    const LSBLK_CENTOS6: &str = include_str!("../../tests/data/disks/lsblk-centos6.txt");
    const LSBLK_CENTOS7: &str = include_str!("../../tests/data/disks/lsblk-centos7-lvm.txt");
    const LSBLK_CENTOS7_PKNAME: &str =
        include_str!("../../tests/data/disks/lsblk-centos7-lvm-pkname.txt");
    const LSBLK_UBUNTU2204: &str = include_str!("../../tests/data/disks/lsblk-ubuntu2204-vda.txt");
    const LSBLK_DEBIAN12: &str = include_str!("../../tests/data/disks/lsblk-debian12-xvda.txt");
    const LSBLK_ESCAPES: &str =
        include_str!("../../tests/data/disks/lsblk-debian12-loop-escapes.txt");
    const LSBLK_AMZN2: &str = include_str!("../../tests/data/disks/lsblk-amzn2-nvme.txt");
    const LSBLK_SLES15: &str = include_str!("../../tests/data/disks/lsblk-sles15-btrfs.txt");
    const LSBLK_FLATCAR: &str = include_str!("../../tests/data/disks/lsblk-flatcar-vda.txt");
    const LSBLK_CONTAINER: &str =
        include_str!("../../tests/data/disks/lsblk-container-overlay.txt");

    const PARTS_CENTOS6: &str = include_str!("../../tests/data/disks/proc-partitions-centos6.txt");
    const PARTS_CENTOS7: &str = include_str!("../../tests/data/disks/proc-partitions-centos7.txt");
    const PARTS_UBUNTU2204: &str =
        include_str!("../../tests/data/disks/proc-partitions-ubuntu2204.txt");
    const PARTS_DEBIAN12: &str =
        include_str!("../../tests/data/disks/proc-partitions-debian12.txt");
    const PARTS_AMZN2: &str = include_str!("../../tests/data/disks/proc-partitions-amzn2.txt");
    const PARTS_SLES15: &str = include_str!("../../tests/data/disks/proc-partitions-sles15.txt");
    const PARTS_FLATCAR: &str = include_str!("../../tests/data/disks/proc-partitions-flatcar.txt");

    const MOUNTS_CENTOS6: &str = include_str!("../../tests/data/disks/proc-mounts-centos6.txt");
    const MOUNTS_CENTOS7: &str = include_str!("../../tests/data/disks/proc-mounts-centos7.txt");
    const MOUNTS_UBUNTU2204: &str =
        include_str!("../../tests/data/disks/proc-mounts-ubuntu2204.txt");
    const MOUNTS_DEBIAN12: &str = include_str!("../../tests/data/disks/proc-mounts-debian12.txt");
    const MOUNTS_AMZN2: &str = include_str!("../../tests/data/disks/proc-mounts-amzn2.txt");
    const MOUNTS_SLES15: &str = include_str!("../../tests/data/disks/proc-mounts-sles15.txt");
    const MOUNTS_FLATCAR: &str = include_str!("../../tests/data/disks/proc-mounts-flatcar.txt");
    const MOUNTS_CONTAINER: &str =
        include_str!("../../tests/data/disks/proc-mounts-container-overlay.txt");

    const ALL_FIXTURES: [&str; 25] = [
        LSBLK_CENTOS6,
        LSBLK_CENTOS7,
        LSBLK_CENTOS7_PKNAME,
        LSBLK_UBUNTU2204,
        LSBLK_DEBIAN12,
        LSBLK_ESCAPES,
        LSBLK_AMZN2,
        LSBLK_SLES15,
        LSBLK_FLATCAR,
        LSBLK_CONTAINER,
        PARTS_CENTOS6,
        PARTS_CENTOS7,
        PARTS_UBUNTU2204,
        PARTS_DEBIAN12,
        PARTS_AMZN2,
        PARTS_SLES15,
        PARTS_FLATCAR,
        MOUNTS_CENTOS6,
        MOUNTS_CENTOS7,
        MOUNTS_UBUNTU2204,
        MOUNTS_DEBIAN12,
        MOUNTS_AMZN2,
        MOUNTS_SLES15,
        MOUNTS_FLATCAR,
        MOUNTS_CONTAINER,
    ];

    // ---- CentOS 6: old lsblk names, rootfs line, LVM ----

    #[test]
    fn centos6_lvm_root_resolves_to_vda() {
        let devices = lsblk(LSBLK_CENTOS6);
        assert_eq!(
            system_disk_from_lsblk(&devices),
            Ok(disk("vda", GIB40, "VolGroup-lv_root"))
        );
        assert_eq!(size_gib(GIB40), 40);
    }

    #[test]
    fn centos6_dm_kernel_suffix_is_split_off_names() {
        let devices = lsblk(LSBLK_CENTOS6);
        assert_eq!(
            tree(&devices),
            [
                ("vda", "disk", 0, None),
                ("vda1", "part", 1, Some("vda")),
                ("vda2", "part", 1, Some("vda")),
                ("VolGroup-lv_root", "lvm", 2, Some("vda2")),
                ("VolGroup-lv_swap", "lvm", 2, Some("vda2")),
            ]
        );
        assert_eq!(devices[4].mountpoint, "[SWAP]");
        assert_eq!(devices[3].size_bytes, 38_126_223_360);
    }

    #[test]
    fn centos6_root_mount_skips_rootfs_for_the_real_root() {
        let mounts = parse_proc_mounts(MOUNTS_CENTOS6);
        assert_eq!(mounts[0].device, "rootfs");
        let root = root_mount(&mounts);
        assert_eq!(
            root.map(|m| (m.device.as_str(), m.fstype.as_str())),
            Some(("/dev/mapper/VolGroup-lv_root", "ext4"))
        );
    }

    #[test]
    fn centos6_proc_fallback_picks_the_only_disk_for_lvm_root() {
        let mounts = parse_proc_mounts(MOUNTS_CENTOS6);
        let parts = partitions(PARTS_CENTOS6);
        assert_eq!(
            system_disk_from_proc(&mounts, &parts),
            Ok(disk("vda", GIB40, "VolGroup-lv_root"))
        );
    }

    #[test]
    fn centos6_lsblk_without_pairs_support_is_an_error_not_a_panic() {
        // What an lsblk lacking -P writes (stderr merged into stdout): usage text.
        let text = "lsblk: invalid option -- 'P'\n\nUsage:\n lsblk [options] [<device> ...]\n";
        let err = parse_lsblk_pairs(text).err().unwrap_or_default();
        assert!(err.contains("line 1"), "{err}");
    }

    // ---- CentOS 7: LVM spanning two disks ----

    #[test]
    fn centos7_lvm_root_resolves_to_vda() {
        let devices = lsblk(LSBLK_CENTOS7);
        assert_eq!(
            system_disk_from_lsblk(&devices),
            Ok(disk("vda", GIB40, "centos-root"))
        );
    }

    #[test]
    fn centos7_lvm_spanning_two_disks_appears_under_both() {
        let devices = lsblk(LSBLK_CENTOS7);
        assert_eq!(
            tree(&devices),
            [
                ("vda", "disk", 0, None),
                ("vda1", "part", 1, Some("vda")),
                ("vda2", "part", 1, Some("vda")),
                ("centos-root", "lvm", 2, Some("vda2")),
                ("centos-swap", "lvm", 2, Some("vda2")),
                ("vdb", "disk", 0, None),
                ("centos-root", "lvm", 1, Some("vdb")),
            ]
        );
    }

    #[test]
    fn centos7_pkname_and_extra_columns_give_the_same_tree() {
        assert_eq!(lsblk(LSBLK_CENTOS7_PKNAME), lsblk(LSBLK_CENTOS7));
    }

    #[test]
    fn spanning_root_prefers_the_disk_holding_boot_over_lsblk_order() {
        let text = "\
NAME=\"vdb\" TYPE=\"disk\" SIZE=\"21474836480\" MOUNTPOINT=\"\"
NAME=\"centos-root\" TYPE=\"lvm\" SIZE=\"61194895360\" MOUNTPOINT=\"/\"
NAME=\"vda\" TYPE=\"disk\" SIZE=\"42949672960\" MOUNTPOINT=\"\"
NAME=\"vda1\" TYPE=\"part\" SIZE=\"1073741824\" MOUNTPOINT=\"/boot\"
NAME=\"vda2\" TYPE=\"part\" SIZE=\"41874882560\" MOUNTPOINT=\"\"
NAME=\"centos-root\" TYPE=\"lvm\" SIZE=\"61194895360\" MOUNTPOINT=\"/\"
";
        assert_eq!(
            system_disk_from_lsblk(&lsblk(text)),
            Ok(disk("vda", GIB40, "centos-root"))
        );
    }

    #[test]
    fn centos7_proc_fallback_refuses_to_guess_between_two_disks() {
        let mounts = parse_proc_mounts(MOUNTS_CENTOS7);
        let parts = partitions(PARTS_CENTOS7);
        let err = system_disk_from_proc(&mounts, &parts)
            .err()
            .unwrap_or_default();
        assert!(err.contains("/dev/mapper/centos-root"), "{err}");
        assert!(err.contains("2 disks (vda, vdb)"), "{err}");
    }

    #[test]
    fn centos7_combined_lookup_uses_lsblk_tree_for_lvm() {
        let devices = lsblk(LSBLK_CENTOS7);
        let mounts = parse_proc_mounts(MOUNTS_CENTOS7);
        let parts = partitions(PARTS_CENTOS7);
        assert_eq!(
            system_disk(Some(&devices), &mounts, &parts),
            Ok(disk("vda", GIB40, "centos-root"))
        );
    }

    // ---- Ubuntu 22.04: snaps, cdrom, a data disk with a space in its mount point ----

    #[test]
    fn ubuntu2204_root_on_vda3_ignores_snaps_cdrom_and_data_disk() {
        let devices = lsblk(LSBLK_UBUNTU2204);
        assert_eq!(
            system_disk_from_lsblk(&devices),
            Ok(disk("vda", GIB40, "vda3"))
        );
    }

    #[test]
    fn ubuntu2204_loops_and_cdrom_are_top_level() {
        let devices = lsblk(LSBLK_UBUNTU2204);
        let top: Vec<(&str, &str)> = devices
            .iter()
            .filter(|d| d.depth == 0)
            .map(|d| (d.name.as_str(), d.kind.as_str()))
            .collect();
        assert_eq!(
            top,
            [
                ("loop0", "loop"),
                ("loop1", "loop"),
                ("loop2", "loop"),
                ("sr0", "rom"),
                ("vda", "disk"),
                ("vdb", "disk")
            ]
        );
        assert_eq!(devices[0].mountpoint, "/snap/core20/1822");
        assert_eq!(devices[3].size_bytes, 1_073_741_312);
    }

    #[test]
    fn ubuntu2204_space_in_mount_point_survives_both_sources() {
        let devices = lsblk(LSBLK_UBUNTU2204);
        let vdb1 = devices.iter().find(|d| d.name == "vdb1");
        assert_eq!(
            vdb1.map(|d| (d.mountpoint.as_str(), d.parent.as_deref())),
            Some(("/mnt/data disk", Some("vdb")))
        );
        let mounts = parse_proc_mounts(MOUNTS_UBUNTU2204);
        assert!(mounts
            .iter()
            .any(|m| m.device == "/dev/vdb1" && m.mountpoint == "/mnt/data disk"));
    }

    #[test]
    fn ubuntu2204_proc_fallback_strips_partition_number() {
        let mounts = parse_proc_mounts(MOUNTS_UBUNTU2204);
        let parts = partitions(PARTS_UBUNTU2204);
        assert_eq!(parts[0], ("loop0".to_owned(), 66_547_712));
        assert_eq!(
            system_disk_from_proc(&mounts, &parts),
            Ok(disk("vda", GIB40, "vda3"))
        );
    }

    // ---- Debian 12 on Xen ----

    #[test]
    fn debian12_xvda1_root_resolves_to_8_gib_xvda() {
        let devices = lsblk(LSBLK_DEBIAN12);
        let expected = disk("xvda", 8_589_934_592, "xvda1");
        assert_eq!(system_disk_from_lsblk(&devices), Ok(expected.clone()));
        let mounts = parse_proc_mounts(MOUNTS_DEBIAN12);
        let parts = partitions(PARTS_DEBIAN12);
        assert_eq!(system_disk_from_proc(&mounts, &parts), Ok(expected));
        assert_eq!(size_gib(8_589_934_592), 8);
    }

    #[test]
    fn debian12_two_digit_partitions_hang_under_xvda() {
        let devices = lsblk(LSBLK_DEBIAN12);
        assert!(devices[1..]
            .iter()
            .all(|d| d.depth == 1 && d.parent.as_deref() == Some("xvda")));
    }

    // ---- Real capture: escapes, zero-size disk, root on an unpartitioned disk ----

    #[test]
    fn real_capture_decodes_backslash_and_quote_and_keeps_literal_space() {
        let devices = lsblk(LSBLK_ESCAPES);
        assert_eq!(devices[0].mountpoint, "/tmp/dtest/data disk");
        assert_eq!(devices[1].mountpoint, "/tmp/dtest/back\\slash\"q");
        assert_eq!(
            (devices[2].name.as_str(), devices[2].size_bytes),
            ("zram0", 0)
        );
    }

    #[test]
    fn real_capture_root_on_unpartitioned_disk_is_that_disk() {
        let devices = lsblk(LSBLK_ESCAPES);
        assert_eq!(
            system_disk_from_lsblk(&devices),
            Ok(disk("vda", 274_877_906_944, "vda"))
        );
        assert_eq!(size_gib(274_877_906_944), 256);
    }

    // ---- Amazon Linux 2 on NVMe ----

    #[test]
    fn amzn2_nvme_partition_suffix_is_stripped() {
        let devices = lsblk(LSBLK_AMZN2);
        let expected = disk("nvme0n1", 8_589_934_592, "nvme0n1p1");
        assert_eq!(system_disk_from_lsblk(&devices), Ok(expected.clone()));
        let mounts = parse_proc_mounts(MOUNTS_AMZN2);
        let parts = partitions(PARTS_AMZN2);
        assert_eq!(system_disk_from_proc(&mounts, &parts), Ok(expected));
    }

    #[test]
    fn amzn2_partition_128_and_unpartitioned_data_disk_parse() {
        let devices = lsblk(LSBLK_AMZN2);
        assert_eq!(
            tree(&devices),
            [
                ("nvme0n1", "disk", 0, None),
                ("nvme0n1p1", "part", 1, Some("nvme0n1")),
                ("nvme0n1p128", "part", 1, Some("nvme0n1")),
                ("nvme1n1", "disk", 0, None),
            ]
        );
        let parts = partitions(PARTS_AMZN2);
        // 16773087 sectors: /proc/partitions rounds the odd half KiB down.
        assert_eq!(parts[1], ("nvme0n1p1".to_owned(), 8_587_820_032));
    }

    // ---- SLES 15: btrfs root on a subvolume ----

    #[test]
    fn sles15_root_is_mounted_once_and_subvolumes_elsewhere() {
        let mounts = parse_proc_mounts(MOUNTS_SLES15);
        let on_vda2: Vec<&str> = mounts
            .iter()
            .filter(|m| m.device == "/dev/vda2")
            .map(|m| m.mountpoint.as_str())
            .collect();
        assert_eq!(on_vda2.len(), 11);
        assert_eq!(on_vda2.iter().filter(|&&m| m == "/").count(), 1);
        let root = root_mount(&mounts);
        assert!(root.is_some_and(|m| m
            .options
            .iter()
            .any(|o| o == "subvol=/@/.snapshots/1/snapshot")));
    }

    #[test]
    fn sles15_lsblk_alone_cannot_see_btrfs_subvolume_root() {
        let err = system_disk_from_lsblk(&lsblk(LSBLK_SLES15))
            .err()
            .unwrap_or_default();
        assert!(err.contains("/var"), "{err}");
        assert!(err.contains("btrfs subvolume"), "{err}");
    }

    #[test]
    fn sles15_combined_lookup_finds_vda_through_root_mount_device() {
        let devices = lsblk(LSBLK_SLES15);
        let mounts = parse_proc_mounts(MOUNTS_SLES15);
        let parts = partitions(PARTS_SLES15);
        assert_eq!(
            system_disk(Some(&devices), &mounts, &parts),
            Ok(disk("vda", GIB40, "vda2"))
        );
        assert_eq!(
            system_disk_from_proc(&mounts, &parts),
            Ok(disk("vda", GIB40, "vda2"))
        );
    }

    // ---- Flatcar: /usr on dm-verity, / on vda9 ----

    #[test]
    fn flatcar_root_on_vda9_resolves_to_vda() {
        let devices = lsblk(LSBLK_FLATCAR);
        assert_eq!(
            system_disk_from_lsblk(&devices),
            Ok(disk("vda", GIB40, "vda9"))
        );
        let mounts = parse_proc_mounts(MOUNTS_FLATCAR);
        let parts = partitions(PARTS_FLATCAR);
        assert_eq!(
            system_disk_from_proc(&mounts, &parts),
            Ok(disk("vda", GIB40, "vda9"))
        );
    }

    #[test]
    fn flatcar_verity_usr_sits_under_usr_a_and_next_partition_returns_to_vda() {
        let devices = lsblk(LSBLK_FLATCAR);
        let usr = devices.iter().position(|d| d.name == "usr");
        assert_eq!(usr, Some(4));
        assert_eq!(
            tree(&devices[3..6]),
            [
                ("vda3", "part", 1, Some("vda")),
                ("usr", "crypt", 2, Some("vda3")),
                ("vda4", "part", 1, Some("vda")),
            ]
        );
    }

    // ---- Container: overlay on / ----

    #[test]
    fn container_overlay_root_is_an_error_saying_what_was_seen() {
        let devices = lsblk(LSBLK_CONTAINER);
        let err = system_disk_from_lsblk(&devices).err().unwrap_or_default();
        assert!(err.contains("/etc/hosts"), "{err}");

        let mounts = parse_proc_mounts(MOUNTS_CONTAINER);
        let err = system_disk_from_proc(&mounts, &[])
            .err()
            .unwrap_or_default();
        assert!(err.contains("\"overlay\" (type overlay)"), "{err}");

        let err = system_disk(Some(&devices), &mounts, &[])
            .err()
            .unwrap_or_default();
        assert!(
            err.contains("lsblk shows") && err.contains("overlay"),
            "{err}"
        );
    }

    // ---- /proc fallback naming rules ----

    fn root_on(device: &str) -> Vec<Mount> {
        parse_proc_mounts(&format!("{device} / ext4 rw,relatime 0 0\n"))
    }

    fn table(names: &[&str]) -> Vec<(String, u64)> {
        names.iter().map(|n| ((*n).to_owned(), GIB40)).collect()
    }

    #[test]
    fn proc_fallback_strips_each_partition_naming_scheme() {
        let parts = table(&[
            "vda",
            "vda1",
            "sda",
            "sda2",
            "xvda",
            "xvda1",
            "nvme0n1",
            "nvme0n1p2",
            "mmcblk0",
            "mmcblk0p1",
            "vdp",
            "vdp1",
        ]);
        for (device, whole) in [
            ("/dev/vda1", "vda"),
            ("/dev/sda2", "sda"),
            ("/dev/xvda1", "xvda"),
            ("/dev/nvme0n1p2", "nvme0n1"),
            ("/dev/mmcblk0p1", "mmcblk0"),
            ("/dev/vdp1", "vdp"),
            ("/dev/nvme0n1", "nvme0n1"),
        ] {
            let found = system_disk_from_proc(&root_on(device), &parts).map(|d| d.name);
            assert_eq!(found.as_deref(), Ok(whole), "{device}");
        }
    }

    #[test]
    fn proc_fallback_dev_root_uses_the_only_real_disk() {
        let parts = table(&["loop0", "sr0", "vda", "vda1", "zram0"]);
        assert_eq!(
            system_disk_from_proc(&root_on("/dev/root"), &parts),
            Ok(disk("vda", GIB40, "root"))
        );
        let two = table(&["vda", "vda1", "vdb"]);
        let err = system_disk_from_proc(&root_on("/dev/root"), &two)
            .err()
            .unwrap_or_default();
        assert!(err.contains("(vda, vdb)"), "{err}");
    }

    #[test]
    fn proc_fallback_by_uuid_and_dm_names_use_the_only_disk() {
        let parts = table(&["vda", "vda1", "vda2", "dm-0", "md0"]);
        for device in [
            "/dev/disk/by-uuid/3b1e",
            "/dev/dm-0",
            "/dev/VolGroup/lv_root",
            "/dev/md0",
        ] {
            assert_eq!(
                system_disk_from_proc(&root_on(device), &parts).map(|d| d.name),
                Ok("vda".to_owned()),
                "{device}"
            );
        }
    }

    #[test]
    fn line_breaks_in_device_names_and_mount_points_stay_escaped_in_reasons() {
        // Found by fuzz/fuzz_targets/disks.rs: lsblk's \xHH and the kernel's \ooo escapes
        // decode to line breaks, which made a multi-line reason.
        let devices = lsblk("NAME=\"vda\" TYPE=\"disk\" SIZE=\"1\" MOUNTPOINT=\"/x\\x0ay\"\n");
        let err = system_disk_from_lsblk(&devices).err().unwrap_or_default();
        assert!(err.contains("mount points it shows: /x\\ny)"), "{err}");

        let mounts = parse_proc_mounts("/dev/vd\\012a1 / ext\\0124 rw 0 0\n");
        let err = system_disk_from_proc(&mounts, &table(&["vda"]))
            .err()
            .unwrap_or_default();
        assert!(err.contains("neither vd\\na1 nor its disk"), "{err}");
        let mounts = parse_proc_mounts("rootfs\\012x / ext\\0124 rw 0 0\n");
        let err = system_disk_from_proc(&mounts, &[])
            .err()
            .unwrap_or_default();
        assert!(err.contains("(type ext\\n4)"), "{err}");
        let mounts = parse_proc_mounts("/dev/mapper/vg-r\\012t / ext4 rw 0 0\n");
        let err = system_disk_from_proc(&mounts, &[])
            .err()
            .unwrap_or_default();
        assert!(
            err.contains("/ is on /dev/mapper/vg-r\\nt, whose disk"),
            "{err}"
        );
        for err in [
            system_disk_from_lsblk(&devices),
            system_disk_from_proc(&mounts, &table(&["vda", "vdb"])),
        ]
        .into_iter()
        .filter_map(Result::err)
        {
            assert!(!err.contains('\n'), "{err}");
        }
    }

    #[test]
    fn proc_fallback_errors_when_root_device_is_not_listed() {
        let err = system_disk_from_proc(&root_on("/dev/sdb3"), &table(&["vda"]))
            .err()
            .unwrap_or_default();
        assert!(err.contains("neither sdb3 nor its disk"), "{err}");
        let err = system_disk_from_proc(&[], &table(&["vda"]))
            .err()
            .unwrap_or_default();
        assert!(err.contains("no entry for /"), "{err}");
    }

    // ---- tree inference beyond the fixtures ----

    #[test]
    fn lvm_on_luks_and_raid_partitions_nest_as_lsblk_draws_them() {
        let text = "\
NAME=\"sda\" TYPE=\"disk\" SIZE=\"1\" MOUNTPOINT=\"\"
NAME=\"sda1\" TYPE=\"part\" SIZE=\"1\" MOUNTPOINT=\"/boot\"
NAME=\"sda2\" TYPE=\"part\" SIZE=\"1\" MOUNTPOINT=\"\"
NAME=\"luks-1f\" TYPE=\"crypt\" SIZE=\"1\" MOUNTPOINT=\"\"
NAME=\"vg-root\" TYPE=\"lvm\" SIZE=\"1\" MOUNTPOINT=\"/\"
NAME=\"vg-swap\" TYPE=\"lvm\" SIZE=\"1\" MOUNTPOINT=\"[SWAP]\"
NAME=\"sda3\" TYPE=\"part\" SIZE=\"1\" MOUNTPOINT=\"\"
NAME=\"md0\" TYPE=\"raid1\" SIZE=\"1\" MOUNTPOINT=\"\"
NAME=\"md0p1\" TYPE=\"part\" SIZE=\"1\" MOUNTPOINT=\"/srv\"
NAME=\"md0p2\" TYPE=\"part\" SIZE=\"1\" MOUNTPOINT=\"\"
NAME=\"sda4\" TYPE=\"part\" SIZE=\"1\" MOUNTPOINT=\"\"
";
        assert_eq!(
            tree(&lsblk(text)),
            [
                ("sda", "disk", 0, None),
                ("sda1", "part", 1, Some("sda")),
                ("sda2", "part", 1, Some("sda")),
                ("luks-1f", "crypt", 2, Some("sda2")),
                ("vg-root", "lvm", 3, Some("luks-1f")),
                ("vg-swap", "lvm", 3, Some("luks-1f")),
                ("sda3", "part", 1, Some("sda")),
                ("md0", "raid1", 2, Some("sda3")),
                ("md0p1", "part", 3, Some("md0")),
                ("md0p2", "part", 3, Some("md0")),
                ("sda4", "part", 1, Some("sda")),
            ]
        );
    }

    #[test]
    fn pkname_of_a_dm_parent_matches_its_kname() {
        let text = "\
NAME=\"sda\" KNAME=\"sda\" TYPE=\"disk\" SIZE=\"1\" MOUNTPOINT=\"\" PKNAME=\"\"
NAME=\"sda2\" KNAME=\"sda2\" TYPE=\"part\" SIZE=\"1\" MOUNTPOINT=\"\" PKNAME=\"sda\"
NAME=\"vg-root\" KNAME=\"dm-0\" TYPE=\"lvm\" SIZE=\"1\" MOUNTPOINT=\"\" PKNAME=\"sda2\"
NAME=\"luks-root\" KNAME=\"dm-1\" TYPE=\"crypt\" SIZE=\"1\" MOUNTPOINT=\"/\" PKNAME=\"dm-0\"
NAME=\"vg-home\" KNAME=\"dm-2\" TYPE=\"lvm\" SIZE=\"1\" MOUNTPOINT=\"/home\" PKNAME=\"sda2\"
";
        assert_eq!(
            tree(&lsblk(text))[3..],
            [
                ("luks-root", "crypt", 3, Some("vg-root")),
                ("vg-home", "lvm", 2, Some("sda2")),
            ]
        );
    }

    // ---- parser robustness ----

    #[test]
    fn lsblk_decodes_hex_escapes_from_raw_mode_and_utf8_bytes() {
        let text = "NAME=\"sdb1\" TYPE=\"part\" SIZE=\"1\" MOUNTPOINT=\"/mnt/a\\x20b/caf\\xc3\\xa9\\x24\\\"\n";
        // The trailing lone backslash (not \xHH) is kept as is.
        let devices = lsblk(text);
        assert_eq!(devices[0].mountpoint, "/mnt/a b/café$\\");
    }

    #[test]
    fn lsblk_tolerates_unknown_columns_crlf_and_blank_lines() {
        let text = "\r\nNAME=\"vda\" PTTYPE=\"gpt\" TYPE=\"disk\" SIZE=\"42949672960\" MOUNTPOINT=\"\" MAJ_MIN=\"252:0\"\r\n\r\n";
        let devices = lsblk(text);
        assert_eq!(tree(&devices), [("vda", "disk", 0, None)]);
    }

    #[test]
    fn lsblk_old_versions_print_empty_size_as_zero() {
        let devices = lsblk("NAME=\"sr0\" TYPE=\"rom\" SIZE=\"\" MOUNTPOINT=\"\"\n");
        assert_eq!(devices[0].size_bytes, 0);
    }

    #[test]
    fn lsblk_garbage_is_an_error_with_the_line_number() {
        let ok = "NAME=\"vda\" TYPE=\"disk\" SIZE=\"1\" MOUNTPOINT=\"\"\n";
        for (bad, expected) in [
            ("lsblk: unknown column: PTTYPE", "expected KEY=\"value\""),
            ("NAME=vda TYPE=\"disk\"", "not in double quotes"),
            ("NAME=\"vda TYPE=\"disk\"", "unexpected"),
            ("NAME=\"vda\" TYPE=\"disk", "no closing quote"),
            ("NAME=\"vda\"TYPE=\"disk\"", "unexpected"),
            ("=\"vda\"", "expected KEY=\"value\""),
            (
                "NAME=\"vda\" TYPE=\"disk\" SIZE=\"40G\" MOUNTPOINT=\"\"",
                "-b",
            ),
            ("NAME=\"vda\" SIZE=\"1\" MOUNTPOINT=\"\"", "no TYPE column"),
            ("vda disk 1 /", "expected KEY=\"value\""),
        ] {
            let err = parse_lsblk_pairs(&format!("{ok}{bad}\n"))
                .err()
                .unwrap_or_default();
            assert!(err.starts_with("lsblk output line 2: "), "{bad}: {err}");
            assert!(err.contains(expected), "{bad}: {err}");
        }
    }

    #[test]
    fn lsblk_empty_output_is_no_devices_and_no_system_disk() {
        assert_eq!(parse_lsblk_pairs(""), Ok(vec![]));
        let err = system_disk_from_lsblk(&[]).err().unwrap_or_default();
        assert!(err.contains("no block devices"), "{err}");
    }

    #[test]
    fn proc_partitions_rejects_missing_header_and_bad_numbers() {
        assert!(parse_proc_partitions(MOUNTS_CENTOS7)
            .err()
            .is_some_and(|e| e.contains("line 1") && e.contains("header")));
        let bad = "major minor  #blocks  name\n\n 252 0 4x vda\n";
        assert!(parse_proc_partitions(bad)
            .err()
            .is_some_and(|e| e.contains("line 3")));
        let short = "major minor  #blocks  name\n\n 252 0 1024\n";
        assert!(parse_proc_partitions(short)
            .err()
            .is_some_and(|e| e.contains("line 3")));
        let overflow = "major minor  #blocks  name\n 1 0 18446744073709551615 x\n";
        assert!(parse_proc_partitions(overflow).is_err());
        assert_eq!(parse_proc_partitions(""), Ok(vec![]));
    }

    #[test]
    fn proc_partitions_reads_kib_blocks_as_bytes() {
        let parts = partitions(PARTS_CENTOS6);
        assert_eq!(
            parts,
            [
                ("vda".to_owned(), GIB40),
                ("vda1".to_owned(), 524_288_000),
                ("vda2".to_owned(), 42_424_336_384),
                ("dm-0".to_owned(), 38_126_223_360),
                ("dm-1".to_owned(), 4_294_967_296),
            ]
        );
    }

    #[test]
    fn proc_mounts_decodes_octal_escapes_and_skips_malformed_lines() {
        let text = "\
/dev/sdb1 /mnt/tab\\011new\\012line\\134back ext4 rw,relatime 0 0
garbage
only three fields
/dev/sdc1 relative/path ext4 rw 0 0
/dev/sdd1 /mnt/bad\\9escape\\04 ext4 rw,data=ordered
";
        let mounts = parse_proc_mounts(text);
        assert_eq!(
            mounts,
            [
                Mount {
                    device: "/dev/sdb1".to_owned(),
                    mountpoint: "/mnt/tab\tnew\nline\\back".to_owned(),
                    fstype: "ext4".to_owned(),
                    options: vec!["rw".to_owned(), "relatime".to_owned()],
                },
                Mount {
                    device: "/dev/sdd1".to_owned(),
                    mountpoint: "/mnt/bad\\9escape\\04".to_owned(),
                    fstype: "ext4".to_owned(),
                    options: vec!["rw".to_owned(), "data=ordered".to_owned()],
                },
            ]
        );
    }

    #[test]
    fn proc_mounts_reads_every_line_of_every_fixture() {
        for (text, lines) in [
            (MOUNTS_CENTOS6, 10),
            (MOUNTS_CENTOS7, 22),
            (MOUNTS_UBUNTU2204, 25),
            (MOUNTS_DEBIAN12, 21),
            (MOUNTS_AMZN2, 18),
            (MOUNTS_SLES15, 31),
            (MOUNTS_FLATCAR, 23),
            (MOUNTS_CONTAINER, 22),
        ] {
            assert_eq!(text.lines().count(), lines);
            assert_eq!(parse_proc_mounts(text).len(), lines);
        }
    }

    #[test]
    fn every_parser_survives_every_fixture_and_each_truncation_of_it() {
        for fixture in ALL_FIXTURES {
            for end in (0..=fixture.len()).filter(|&i| fixture.is_char_boundary(i)) {
                let text = &fixture[..end];
                if let Ok(devices) = parse_lsblk_pairs(text) {
                    let _ = system_disk_from_lsblk(&devices);
                }
                let mounts = parse_proc_mounts(text);
                let parts = parse_proc_partitions(text).unwrap_or_default();
                let _ = system_disk(None, &mounts, &parts);
            }
        }
    }

    // ---- GiB rounding ----

    #[test]
    fn size_gib_rounds_to_nearest_gib() {
        assert_eq!(size_gib(0), 0);
        assert_eq!(size_gib(GIB40), 40);
        assert_eq!(size_gib(GIB40 - 512), 40);
        assert_eq!(size_gib(GIB40 + GIB / 2 - 1), 40);
        assert_eq!(size_gib(GIB40 + GIB / 2), 41);
        assert_eq!(size_gib(u64::MAX), 1 << 34);
    }
}

//! Which partition table the system disk carries: MBR, GPT or none.
//!
//! Alibaba Cloud's image import boots the image from an MBR ("dos") disk label; a GPT disk
//! or a disk with no partition table fails that check. This module reads the answer out of
//! three host sources, each pure text (or bytes) in, value out:
//!
//! * the first bytes of the disk (`head -c 24576 /dev/vda`, root only): [`from_header`],
//!   and the partition types recorded there, MBR type bytes or GPT type GUIDs:
//!   [`partition_types`],
//! * lsblk's PTTYPE column: [`from_lsblk_pttype`],
//! * `fdisk -l` output, from util-linux-ng 2.17 (CentOS 6) to 2.38, and BusyBox's:
//!   [`from_fdisk`].
//!
//! The three agree with how the Linux kernel and libblkid read a disk, not with every byte
//! that happens to be there: a stale GPT header behind a valid MBR is an MBR (the kernel
//! uses the MBR), a GPT header without its protective MBR is no table (the kernel ignores
//! it), and a FAT or NTFS boot sector written straight onto the whole disk is no table even
//! though it ends in the same 0x55AA signature as an MBR.
//!
//! Not here: finding which disk is the system disk (that is `disks`), or fetching the text.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// The disk label of a disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PartitionTable {
    /// A DOS/MBR partition table ("dos" in util-linux).
    Mbr,
    /// A GUID partition table, including hybrid MBRs (a 0xEE entry beside MBR entries).
    Gpt,
    /// No partition table: a blank disk, or a filesystem made on the whole disk.
    None,
}

/// Bytes in the MBR sector; the partition entries and the signature sit inside it.
const MBR_LEN: usize = 512;
/// Where the four 16-byte primary partition entries start in the MBR.
const ENTRIES_OFFSET: usize = 446;
const ENTRY_LEN: usize = 16;
/// Offset of the partition type byte inside an entry.
const ENTRY_TYPE: usize = 4;
/// The partition type of a GPT protective (or hybrid) MBR entry.
const GPT_PROTECTIVE: u8 = 0xEE;

/// Reads the partition table type from the first bytes of a disk.
///
/// Takes what `head -c 24576 /dev/vda` returns (root only); only the first 512 bytes are
/// needed, and fewer than 512 is an error: a short read says nothing about the signature.
///
/// * No 0x55AA at bytes 510-511: [`PartitionTable::None`]. A blank disk, and ext4, XFS, swap
///   or an LVM physical volume made on the whole disk, look like this. A GPT header at byte
///   512 without its protective MBR is also `None`: the kernel and libblkid ignore it too.
/// * A FAT or NTFS boot sector (a filesystem made on the whole disk, "superfloppy"): `None`.
///   It carries 0x55AA like an MBR, and a FAT boot sector often has all-zero bytes where
///   MBR entries would be, which would otherwise read as an empty MBR.
/// * A boot indicator other than 0x00 or 0x80 in any entry: `None`, as the kernel decides;
///   that sector holds code or data, not a partition table.
/// * Any entry of type 0xEE: [`PartitionTable::Gpt`], whether it is the only entry
///   (protective MBR) or stands beside MBR entries (hybrid MBR). The "EFI PART" header at
///   byte 512 is not required: on a 4Kn disk (4096-byte sectors) it sits at byte 4096, past
///   the bytes read, and the 0xEE entry alone already makes the kernel treat the disk as GPT.
/// * Otherwise [`PartitionTable::Mbr`], even with no partitions defined, and even with a
///   stale "EFI PART" header at 512 left behind by an old fdisk that replaced a GPT with an
///   MBR: firmware and kernel both use the MBR then.
pub fn from_header(bytes: &[u8]) -> Result<PartitionTable, String> {
    let Some(sector) = bytes.get(..MBR_LEN) else {
        return Err(format!(
            "only {} bytes of the disk header were read; at least {MBR_LEN} are needed to see \
             the MBR signature",
            bytes.len()
        ));
    };
    if sector[510..MBR_LEN] != [0x55, 0xAA] {
        return Ok(PartitionTable::None);
    }
    if is_filesystem_boot_sector(sector) {
        return Ok(PartitionTable::None);
    }
    let entries = sector[ENTRIES_OFFSET..510].chunks_exact(ENTRY_LEN);
    if entries
        .clone()
        .any(|entry| entry[0] != 0x00 && entry[0] != 0x80)
    {
        return Ok(PartitionTable::None);
    }
    if entries
        .clone()
        .any(|entry| entry[ENTRY_TYPE] == GPT_PROTECTIVE)
    {
        return Ok(PartitionTable::Gpt);
    }
    Ok(PartitionTable::Mbr)
}

/// Whether a 0x55AA-signed sector is the boot sector of a FAT or NTFS filesystem rather
/// than an MBR, by the same magic strings libblkid checks: an x86 jump instruction first,
/// then the filesystem name where FAT12/16, FAT32 or NTFS keep it.
fn is_filesystem_boot_sector(sector: &[u8]) -> bool {
    let jumps = (sector[0] == 0xEB && sector[2] == 0x90) || sector[0] == 0xE9;
    let fat16 = [b"FAT12   ".as_slice(), b"FAT16   ", b"FAT     ", b"MSDOS"]
        .iter()
        .any(|magic| sector[0x36..].starts_with(magic));
    let fat32 = [b"FAT32   ".as_slice(), b"MSWIN"]
        .iter()
        .any(|magic| sector[0x52..].starts_with(magic));
    let ntfs = sector[3..].starts_with(b"NTFS    ");
    jumps && (fat16 || fat32 || ntfs)
}

/// How many bytes of the disk are read: LBA 0 to 47 of a 512-byte-sector disk, or 0 to 5
/// of a 4Kn disk: the MBR, the GPT header and its 128-entry array where the tools put them
/// (LBA 2), for either sector size.
pub const HEADER_BYTES: usize = 24576;

/// The bytes of a GPT header that are read; the header's own size field may say more.
const GPT_HEADER_MIN: usize = 92;
/// The smallest entry the UEFI specification allows; larger entries keep these bytes first.
const GPT_ENTRY_MIN: usize = 128;
/// An entry array larger than this is not a partition table the kernel would read.
const GPT_ARRAY_MAX: usize = 1 << 20;

/// The type of one partition, as its table records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PartitionType {
    /// The type byte of an MBR entry: 0x83 Linux, 0xEF EFI System, ...
    Mbr(u8),
    /// The type GUID of a GPT entry, upper case: "C12A7328-F81F-11D2-BA4B-00A0C93EC93B".
    Gpt(String),
}

/// One partition of the table: its number (the `N` of `/dev/vdaN`) and type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionEntry {
    pub number: u32,
    pub kind: PartitionType,
}

/// The partitions of the table [`from_header`] finds in the same bytes, with their types.
///
/// * MBR: the primary entries that are in use (type not 0), numbered 1-4. Logical
///   partitions live in extended boot records further into the disk and are not listed.
/// * GPT (including hybrid MBRs): the entries of the primary GPT whose type GUID is not
///   zero, numbered by their slot in the array as the kernel numbers them. The header is
///   looked for at byte 512, then at byte 4096 (4Kn disks); its CRC32 and the entry
///   array's must be right, or the kernel would use the backup GPT at the end of the disk,
///   which is not read: that is an error, as is an array that lies past the bytes read.
/// * No partition table: an empty list.
pub fn partition_types(bytes: &[u8]) -> Result<Vec<PartitionEntry>, String> {
    Ok(partition_extents(bytes)?
        .into_iter()
        .map(|extent| extent.entry)
        .collect())
}

/// One partition and where it lies, in bytes from the start of the disk (or, for the
/// entries of an extended boot record, from that record).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionExtent {
    pub entry: PartitionEntry,
    pub start: u64,
    pub len: u64,
}

/// The partitions [`partition_types`] lists, with where each lies: an MBR entry's first
/// sector and sector count (512-byte sectors), a GPT entry's first and last LBA (in the
/// sector size its header was found at). A disk image reader uses this to open them.
pub fn partition_extents(bytes: &[u8]) -> Result<Vec<PartitionExtent>, String> {
    match from_header(bytes)? {
        PartitionTable::None => Ok(Vec::new()),
        PartitionTable::Mbr => Ok(bytes[ENTRIES_OFFSET..510]
            .chunks_exact(ENTRY_LEN)
            .zip(1..)
            .filter(|(entry, _)| entry[ENTRY_TYPE] != 0)
            .map(|(entry, number)| {
                let u32_at = |at: usize| {
                    u64::from(u32::from_le_bytes([
                        entry[at],
                        entry[at + 1],
                        entry[at + 2],
                        entry[at + 3],
                    ]))
                };
                PartitionExtent {
                    entry: PartitionEntry {
                        number,
                        kind: PartitionType::Mbr(entry[ENTRY_TYPE]),
                    },
                    start: u32_at(8) * MBR_LEN as u64,
                    len: u32_at(12) * MBR_LEN as u64,
                }
            })
            .collect()),
        PartitionTable::Gpt => gpt_entries(bytes),
    }
}

fn gpt_entries(bytes: &[u8]) -> Result<Vec<PartitionExtent>, String> {
    let sector = [512usize, 4096]
        .into_iter()
        .find(|at| bytes.get(*at..at + 8) == Some(b"EFI PART".as_slice()))
        .ok_or_else(|| {
            format!(
                "no GPT header (\"EFI PART\") at byte 512 or 4096 of the {} bytes read",
                bytes.len()
            )
        })?;
    let header = bytes
        .get(sector..sector + GPT_HEADER_MIN)
        .ok_or("the GPT header is cut off at the end of the bytes read")?;
    let u32_at = |at: usize| {
        u32::from_le_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
    };
    let header_size = u32_at(12) as usize;
    if !(GPT_HEADER_MIN..=sector).contains(&header_size) {
        return Err(format!(
            "the GPT header gives its size as {header_size} bytes"
        ));
    }
    let full = bytes
        .get(sector..sector + header_size)
        .ok_or("the GPT header is cut off at the end of the bytes read")?;
    let mut zeroed = full.to_vec();
    zeroed[16..20].fill(0);
    if crc32(&zeroed) != u32_at(16) {
        return Err(
            "the primary GPT header's CRC32 is wrong: the kernel would use the backup \
                    GPT at the end of the disk, which is not read"
                .to_string(),
        );
    }
    let mut lba = [0u8; 8];
    lba.copy_from_slice(&header[72..80]);
    let entries_lba = u64::from_le_bytes(lba);
    let (count, entry_size) = (u32_at(80) as usize, u32_at(84) as usize);
    if entry_size < GPT_ENTRY_MIN || count.saturating_mul(entry_size) > GPT_ARRAY_MAX {
        return Err(format!(
            "the GPT header describes {count} entries of {entry_size} bytes: not a table \
             the kernel reads"
        ));
    }
    let start = usize::try_from(entries_lba)
        .ok()
        .and_then(|lba| lba.checked_mul(sector))
        .unwrap_or(usize::MAX);
    let array = start
        .checked_add(count * entry_size)
        .and_then(|end| bytes.get(start..end))
        .ok_or_else(|| {
            format!(
                "the GPT entry array (LBA {entries_lba}, {count} entries of {entry_size} \
                 bytes) lies past the {} bytes read",
                bytes.len()
            )
        })?;
    if crc32(array) != u32_at(88) {
        return Err(
            "the GPT entry array's CRC32 is wrong: the kernel would use the backup \
                    GPT at the end of the disk, which is not read"
                .to_string(),
        );
    }
    let lba_at = |entry: &[u8], at: usize| {
        let mut lba = [0u8; 8];
        lba.copy_from_slice(&entry[at..at + 8]);
        u64::from_le_bytes(lba)
    };
    Ok(array
        .chunks_exact(entry_size)
        .zip(1..)
        .filter(|(entry, _)| entry[..16].iter().any(|b| *b != 0))
        .map(|(entry, number)| {
            let (first, last) = (lba_at(entry, 32), lba_at(entry, 40));
            PartitionExtent {
                entry: PartitionEntry {
                    number,
                    kind: PartitionType::Gpt(guid_text(&entry[..16])),
                },
                start: first.saturating_mul(sector as u64),
                len: last
                    .saturating_add(1)
                    .saturating_sub(first)
                    .saturating_mul(sector as u64),
            }
        })
        .collect())
}

/// A GUID in its usual text form: the first three fields are stored little-endian.
fn guid_text(raw: &[u8]) -> String {
    let hex = |range: &[u8]| -> String { range.iter().map(|b| format!("{b:02X}")).collect() };
    let reversed =
        |range: &[u8]| -> String { range.iter().rev().map(|b| format!("{b:02X}")).collect() };
    format!(
        "{}-{}-{}-{}-{}",
        reversed(&raw[0..4]),
        reversed(&raw[4..6]),
        reversed(&raw[6..8]),
        hex(&raw[8..10]),
        hex(&raw[10..16])
    )
}

/// CRC-32 (IEEE 802.3, reflected), the checksum GPT uses.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Reads lsblk's PTTYPE value for the disk (`lsblk -dno PTTYPE /dev/vda`, or the PTTYPE
/// column of a wider listing).
///
/// "dos" is [`PartitionTable::Mbr`]; "gpt" is [`PartitionTable::Gpt`], and so is "PMBR",
/// libblkid's name for a protective MBR whose GPT header it could not read. An empty value
/// returns `None` (unknown), not [`PartitionTable::None`]: lsblk prints it both for a disk
/// without a table and when it could not probe the disk (not root, and no udev database to
/// fall back on, as in many containers). Other labels libblkid knows ("sun", "sgi", "bsd",
/// "mac", "atari", ...) are also `None`: they never hold an x86 system disk, and this enum
/// has no name for them.
pub fn from_lsblk_pttype(value: &str) -> Option<PartitionTable> {
    let value = value.trim();
    if value.eq_ignore_ascii_case("dos") {
        Some(PartitionTable::Mbr)
    } else if value.eq_ignore_ascii_case("gpt") || value.eq_ignore_ascii_case("pmbr") {
        Some(PartitionTable::Gpt)
    } else {
        None
    }
}

/// Reads the partition table type of the first disk in `fdisk -l` output.
///
/// Meant for `LC_ALL=C fdisk -l /dev/vda` (one disk; fdisk's messages are translated under
/// other locales and are then not recognised). Given a whole-system `fdisk -l`, it reads the
/// first disk that is not a loop, RAM, zram, device-mapper, md or CD-ROM device, since
/// Ubuntu lists its snap loop devices first.
///
/// stdout and stderr are separate arguments because old fdisk sends its most telling lines
/// to stderr. Pass them as printed, final newline included: a last line without its newline
/// is taken as cut off and ignored.
///
/// What each fdisk prints, and how it is read:
///
/// * util-linux 2.24 and later: "Disklabel type: dos" or "Disklabel type: gpt".
/// * util-linux 2.23 (CentOS/RHEL 7): "Disk label type: dos" / "gpt".
/// * util-linux-ng 2.17 (CentOS/RHEL 6) prints no label type. A disk with an MBR gets the
///   partition list ("Device Boot Start End Blocks Id System"); a GPT disk gets the same
///   list showing only the protective entry with Id "ee", plus "WARNING: GPT (GUID Partition
///   Table) detected on '/dev/sda'!" on stderr; a disk without a table gets "Disk /dev/sdb
///   doesn't contain a valid partition table" on stderr.
/// * BusyBox prints the same kind of Id list, and the "doesn't contain" line on stdout.
///
/// So: the GPT warning, or a label line, decides (labels other than dos and gpt give
/// `None`); else a partition list with an Id column is GPT when an entry has Id "ee"
/// (protective or hybrid MBR) and MBR otherwise, even when empty; else the "doesn't contain"
/// message, or a complete disk header with no label under it (what util-linux 2.23 and
/// later print for a disk without a table), gives [`PartitionTable::None`].
///
/// Returns `None` (unknown) when the output does not say: no disk listed, output cut short
/// before the label or partition lines, a BusyBox built with its own GPT listing (no Id
/// column, no label line), or an empty DOS label on the last disk an old fdisk lists (it
/// cannot be told from a listing cut off after its column header). One gap gives a wrong
/// answer instead: output cut off exactly after the "I/O size" line of a labelled disk
/// reads as no table.
pub fn from_fdisk(stdout: &str, stderr: &str) -> Option<PartitionTable> {
    let listing = FdiskListing::parse(stdout, stderr);
    let device = listing.first_disk()?;
    listing.table_of(device)
}

/// One disk's lines of `fdisk -l` stdout, from its "Disk /dev/x: ..." line to the next.
struct DiskSection<'a> {
    device: &'a str,
    lines: Vec<&'a str>,
}

/// `fdisk -l` output split per disk, plus the per-device messages found anywhere in it.
struct FdiskListing<'a> {
    sections: Vec<DiskSection<'a>>,
    /// Devices named in "Disk X doesn't contain a valid partition table".
    no_table: BTreeSet<&'a str>,
    /// Devices named in "WARNING: GPT (GUID Partition Table) detected on 'X'!".
    gpt_warning: BTreeSet<&'a str>,
}

/// Device-name prefixes of block devices that are never the system disk. fdisk lists them
/// among the disks (snap loops come first on Ubuntu; LVM volumes after the disks).
const NOT_A_DISK: [&str; 7] = [
    "/dev/loop",
    "/dev/ram",
    "/dev/zram",
    "/dev/mapper/",
    "/dev/dm-",
    "/dev/md",
    "/dev/sr",
];

impl<'a> FdiskListing<'a> {
    fn parse(stdout: &'a str, stderr: &'a str) -> Self {
        let mut sections: Vec<DiskSection<'a>> = Vec::new();
        for line in complete_lines(stdout) {
            let line = line.trim_end();
            if let Some(device) = disk_header(line) {
                sections.push(DiskSection {
                    device,
                    lines: Vec::new(),
                });
            } else if let Some(section) = sections.last_mut() {
                section.lines.push(line);
            }
        }
        let mut no_table = BTreeSet::new();
        let mut gpt_warning = BTreeSet::new();
        for line in complete_lines(stdout).chain(complete_lines(stderr)) {
            if let Some(device) = no_table_message(line) {
                no_table.insert(device);
            }
            if let Some(device) = gpt_warning_message(line) {
                gpt_warning.insert(device);
            }
        }
        FdiskListing {
            sections,
            no_table,
            gpt_warning,
        }
    }

    /// The disk a single-disk `fdisk -l DISK` is about: the first real disk listed, else
    /// the first device listed, else the first device a message names.
    fn first_disk(&self) -> Option<&'a str> {
        let listed = || self.sections.iter().map(|section| section.device);
        listed()
            .find(|device| !NOT_A_DISK.iter().any(|prefix| device.starts_with(prefix)))
            .or_else(|| listed().next())
            .or_else(|| self.gpt_warning.iter().next().copied())
            .or_else(|| self.no_table.iter().next().copied())
    }

    fn table_of(&self, device: &str) -> Option<PartitionTable> {
        if self.gpt_warning.contains(device) {
            return Some(PartitionTable::Gpt);
        }
        let at = self.sections.iter().position(|s| s.device == device);
        if let Some(section) = at.map(|at| &self.sections[at]) {
            if let Some(label) = section.lines.iter().find_map(|line| label_type(line)) {
                return match label {
                    "dos" => Some(PartitionTable::Mbr),
                    "gpt" => Some(PartitionTable::Gpt),
                    _ => None,
                };
            }
            let is_last = at == Some(self.sections.len() - 1);
            match partition_list(&section.lines, is_last) {
                PartitionList::Absent => {}
                PartitionList::Unfinished => return None,
                PartitionList::Ids(ids) => {
                    return Some(if ids.contains(&GPT_PROTECTIVE) {
                        PartitionTable::Gpt
                    } else {
                        PartitionTable::Mbr
                    });
                }
            }
            if header_complete(&section.lines) {
                return Some(PartitionTable::None);
            }
        }
        self.no_table
            .contains(device)
            .then_some(PartitionTable::None)
    }
}

/// The lines of `text` that end in a newline. A last line without one was cut off (output
/// cap, timeout) and may be a partial "Disklabel type: g" or a row whose Id column lost a
/// digit, so it is left out rather than misread.
fn complete_lines(text: &str) -> std::str::Lines<'_> {
    let end = text.rfind('\n').map_or(0, |at| at + 1);
    text[..end].lines()
}

/// The device of a "Disk /dev/vda: 40 GiB, ..." line. "Disk identifier:", "Disk model:",
/// "Disklabel type:" and "Disk /dev/x doesn't contain ..." are not headers: their second
/// word is not a path ending in a colon.
fn disk_header(line: &str) -> Option<&str> {
    let word = line.strip_prefix("Disk ")?.split_whitespace().next()?;
    let device = word.strip_suffix(':')?;
    device.starts_with('/').then_some(device)
}

/// The device of "Disk /dev/sdb doesn't contain a valid partition table".
fn no_table_message(line: &str) -> Option<&str> {
    let rest = line.trim().strip_prefix("Disk ")?;
    let (device, message) = rest.split_once(' ')?;
    (device.starts_with('/') && message.starts_with("doesn't contain a valid partition table"))
        .then_some(device)
}

/// The device of util-linux-ng's (fdisk and sfdisk) "WARNING: GPT (GUID Partition Table)
/// detected on '/dev/sda'! The util fdisk doesn't support GPT. Use GNU Parted."
fn gpt_warning_message(line: &str) -> Option<&str> {
    const MARK: &str = "GPT (GUID Partition Table) detected on '";
    let start = line.find(MARK)? + MARK.len();
    let rest = &line[start..];
    let device = &rest[..rest.find('\'')?];
    device.starts_with('/').then_some(device)
}

/// The value of "Disklabel type: dos" (2.24+) or "Disk label type: dos" (2.23).
fn label_type(line: &str) -> Option<&str> {
    let value = line
        .strip_prefix("Disklabel type:")
        .or_else(|| line.strip_prefix("Disk label type:"))?
        .trim();
    (!value.is_empty()).then_some(value)
}

/// What a disk's section holds in the way of a DOS partition list (the listing of old
/// util-linux, the dos listing of new util-linux, and BusyBox's).
#[derive(Debug, PartialEq)]
enum PartitionList {
    /// No list header ("Device Boot ... Id ...") in the section.
    Absent,
    /// A header whose rows may have been cut off: nothing at all follows it and the output
    /// ends there. (An empty DOS label printed as the last disk looks the same; unknown is
    /// the honest answer for both.)
    Unfinished,
    /// The Id of each row, in order; empty for a DOS label without partitions.
    Ids(Vec<u8>),
}

/// Reads the Id column of a section's DOS partition list.
///
/// The header names the columns; a row is the device, an optional boot flag ("*", or "?"
/// for a bad boot indicator), then one value per remaining header word, so the Id sits at
/// the header's Id position minus the two leading header words (Device, Boot).
fn partition_list(lines: &[&str], is_last_section: bool) -> PartitionList {
    let Some(header_at) = lines.iter().position(|line| {
        let words: Vec<&str> = line.split_whitespace().collect();
        words.first() == Some(&"Device") && words.contains(&"Boot") && words.contains(&"Id")
    }) else {
        return PartitionList::Absent;
    };
    let header: Vec<&str> = lines[header_at].split_whitespace().collect();
    let Some(id_column) = header
        .iter()
        .position(|word| *word == "Id")
        .and_then(|at| at.checked_sub(2))
    else {
        return PartitionList::Absent;
    };
    let after = &lines[header_at + 1..];
    if after.is_empty() && is_last_section {
        return PartitionList::Unfinished;
    }
    let ids = after
        .iter()
        .filter(|line| line.trim_start().starts_with('/'))
        .filter_map(|line| {
            let mut words = line.split_whitespace().skip(1).peekable();
            if words
                .peek()
                .is_some_and(|word| *word == "*" || *word == "?")
            {
                words.next();
            }
            let id = words.nth(id_column)?;
            (id.len() <= 2)
                .then(|| u8::from_str_radix(id, 16).ok())
                .flatten()
        })
        .collect();
    PartitionList::Ids(ids)
}

/// Whether a disk's section got as far as the lines that come right before its label: the
/// I/O size line (util-linux 2.17 to 2.38), the "Disk identifier" line (util-linux-ng
/// before that), or a blank line after "Units" (BusyBox). A section that stops earlier was
/// cut short and says nothing about a label.
fn header_complete(lines: &[&str]) -> bool {
    let after_units = lines
        .iter()
        .position(|line| line.starts_with("Units"))
        .map(|at| &lines[at + 1..]);
    lines
        .iter()
        .any(|line| line.starts_with("I/O size") || line.starts_with("Disk identifier"))
        || after_units.is_some_and(|rest| rest.iter().any(|line| line.is_empty()))
}

#[cfg(test)]
mod tests {
    //! Fixtures under tests/data/partition, and how each was made:
    //!
    //! * `*.bin`: disk headers written by the real tools (sfdisk, sgdisk, fdisk -b 4096,
    //!   mkfs.fat, GRUB's boot.img) onto sparse images by `make-headers.sh`, then cut to
    //!   their first 1024 bytes (`short-300.bin`: 300 bytes). Byte-exact, reproducible.
    //! * `fdisk-debian12-*`, `fdisk-ubuntu2204-*`, `fdisk-sles15-*`, `fdisk-busybox-*`:
    //!   verbatim output of util-linux 2.38.1 fdisk and BusyBox 1.35.0 fdisk, run by
    //!   `make-fdisk-captures.sh` on images laid out as those systems' installers do. Ubuntu
    //!   22.04 ships 2.37.2 and SLES 15 SP5 2.37.4, which print these lines the same way;
    //!   the Ubuntu "Disk model:" line (VMware) is added by the script, as noted there.
    //! * `fdisk-centos6-*` (util-linux-ng 2.17.2) and `fdisk-centos7-*` (util-linux 2.23.2):
    //!   reconstructed line by line from those versions' fdisk.c print formats
    //!   (`list_disk_geometry`, `list_table`, the stderr messages in `try()`), with the
    //!   geometry a KVM virtio disk (16 heads) and a VMware disk (255 heads) report; the
    //!   2.17 layout matches forum pastes of CentOS 6 `fdisk -l`. Not captured on a host.

    use super::*;

    const MBR_CENTOS7: &[u8] = include_bytes!("../../tests/data/partition/mbr-centos7.bin");
    const GPT_PROTECTIVE_HEADER: &[u8] =
        include_bytes!("../../tests/data/partition/gpt-protective.bin");
    const GPT_HYBRID: &[u8] = include_bytes!("../../tests/data/partition/gpt-hybrid.bin");
    const GPT_4KN: &[u8] = include_bytes!("../../tests/data/partition/gpt-4kn.bin");
    const EMPTY: &[u8] = include_bytes!("../../tests/data/partition/empty.bin");
    const FAT32_WHOLE_DISK: &[u8] =
        include_bytes!("../../tests/data/partition/fat32-whole-disk.bin");
    const SHORT_300: &[u8] = include_bytes!("../../tests/data/partition/short-300.bin");

    const CENTOS6_DOS_OUT: &str =
        include_str!("../../tests/data/partition/fdisk-centos6-dos.stdout");
    const CENTOS6_DOS_ERR: &str =
        include_str!("../../tests/data/partition/fdisk-centos6-dos.stderr");
    const CENTOS6_GPT_OUT: &str =
        include_str!("../../tests/data/partition/fdisk-centos6-gpt.stdout");
    const CENTOS6_GPT_ERR: &str =
        include_str!("../../tests/data/partition/fdisk-centos6-gpt.stderr");
    const CENTOS7_DOS_OUT: &str =
        include_str!("../../tests/data/partition/fdisk-centos7-dos.stdout");
    const CENTOS7_DOS_ERR: &str =
        include_str!("../../tests/data/partition/fdisk-centos7-dos.stderr");
    const UBUNTU2204_GPT_OUT: &str =
        include_str!("../../tests/data/partition/fdisk-ubuntu2204-gpt.stdout");
    const UBUNTU2204_GPT_ERR: &str =
        include_str!("../../tests/data/partition/fdisk-ubuntu2204-gpt.stderr");
    const DEBIAN12_DOS_OUT: &str =
        include_str!("../../tests/data/partition/fdisk-debian12-dos.stdout");
    const DEBIAN12_DOS_ERR: &str =
        include_str!("../../tests/data/partition/fdisk-debian12-dos.stderr");
    const SLES15_GPT_OUT: &str = include_str!("../../tests/data/partition/fdisk-sles15-gpt.stdout");
    const SLES15_GPT_ERR: &str = include_str!("../../tests/data/partition/fdisk-sles15-gpt.stderr");
    const BUSYBOX_DOS_OUT: &str =
        include_str!("../../tests/data/partition/fdisk-busybox-dos.stdout");
    const BUSYBOX_GPT_OUT: &str =
        include_str!("../../tests/data/partition/fdisk-busybox-gpt.stdout");
    const BUSYBOX_NONE_OUT: &str =
        include_str!("../../tests/data/partition/fdisk-busybox-none.stdout");

    const ALL_FDISK: [(&str, &str); 9] = [
        (CENTOS6_DOS_OUT, CENTOS6_DOS_ERR),
        (CENTOS6_GPT_OUT, CENTOS6_GPT_ERR),
        (CENTOS7_DOS_OUT, CENTOS7_DOS_ERR),
        (UBUNTU2204_GPT_OUT, UBUNTU2204_GPT_ERR),
        (DEBIAN12_DOS_OUT, DEBIAN12_DOS_ERR),
        (SLES15_GPT_OUT, SLES15_GPT_ERR),
        (BUSYBOX_DOS_OUT, ""),
        (BUSYBOX_GPT_OUT, ""),
        (BUSYBOX_NONE_OUT, ""),
    ];

    /// The table of one named disk in a whole-system `fdisk -l` listing.
    fn table_of(stdout: &str, stderr: &str, device: &str) -> Option<PartitionTable> {
        FdiskListing::parse(stdout, stderr).table_of(device)
    }

    /// A copy of `header` with partition entry `slot` given `boot` and `kind`.
    fn with_entry(header: &[u8], slot: usize, boot: u8, kind: u8) -> Vec<u8> {
        let mut bytes = header.to_vec();
        let at = ENTRIES_OFFSET + slot * ENTRY_LEN;
        bytes[at] = boot;
        bytes[at + ENTRY_TYPE] = kind;
        bytes
    }

    // ---- from_header -------------------------------------------------------------------

    #[test]
    fn header_with_two_linux_partitions_and_grub_code_is_mbr() {
        assert_eq!(from_header(MBR_CENTOS7), Ok(PartitionTable::Mbr));
    }

    #[test]
    fn header_with_protective_mbr_and_efi_part_is_gpt() {
        assert_eq!(&GPT_PROTECTIVE_HEADER[512..520], b"EFI PART");
        assert_eq!(from_header(GPT_PROTECTIVE_HEADER), Ok(PartitionTable::Gpt));
    }

    #[test]
    fn hybrid_mbr_with_0xee_beside_a_linux_entry_is_gpt() {
        // gdisk's hybrid: entry 0 is the 0xEE guard, entry 1 a real 0x83 partition.
        assert_eq!(GPT_HYBRID[ENTRIES_OFFSET + ENTRY_TYPE], 0xEE);
        assert_eq!(GPT_HYBRID[ENTRIES_OFFSET + ENTRY_LEN + ENTRY_TYPE], 0x83);
        assert_eq!(from_header(GPT_HYBRID), Ok(PartitionTable::Gpt));
    }

    #[test]
    fn gpt_on_4kn_disk_is_gpt_though_its_header_is_past_byte_1024() {
        assert!(GPT_4KN[512..1024].iter().all(|byte| *byte == 0));
        assert_eq!(from_header(GPT_4KN), Ok(PartitionTable::Gpt));
    }

    #[test]
    fn zeroed_disk_has_no_partition_table() {
        assert_eq!(from_header(EMPTY), Ok(PartitionTable::None));
    }

    #[test]
    fn fat32_on_the_whole_disk_is_no_table_despite_its_55aa() {
        assert_eq!(&FAT32_WHOLE_DISK[510..512], &[0x55, 0xAA]);
        assert_eq!(from_header(FAT32_WHOLE_DISK), Ok(PartitionTable::None));
    }

    #[test]
    fn ntfs_boot_sector_on_the_whole_disk_is_no_table() {
        let mut sector = EMPTY.to_vec();
        sector[..11].copy_from_slice(b"\xEB\x52\x90NTFS    ");
        sector[510..512].copy_from_slice(&[0x55, 0xAA]);
        assert_eq!(from_header(&sector), Ok(PartitionTable::None));
    }

    #[test]
    fn header_shorter_than_one_sector_is_an_error_naming_the_length() {
        let error = from_header(SHORT_300).expect_err("300 bytes cannot show the signature");
        assert!(error.contains("300 bytes"), "{error}");
        assert!(from_header(&[]).is_err());
        assert!(from_header(&MBR_CENTOS7[..511]).is_err());
    }

    #[test]
    fn exactly_one_sector_is_enough() {
        assert_eq!(from_header(&MBR_CENTOS7[..512]), Ok(PartitionTable::Mbr));
        assert_eq!(
            from_header(&GPT_PROTECTIVE_HEADER[..512]),
            Ok(PartitionTable::Gpt)
        );
    }

    #[test]
    fn mbr_without_0xee_but_with_stale_efi_part_header_is_mbr() {
        let mut bytes = MBR_CENTOS7.to_vec();
        bytes[512..1024].copy_from_slice(&GPT_PROTECTIVE_HEADER[512..1024]);
        assert_eq!(from_header(&bytes), Ok(PartitionTable::Mbr));
    }

    #[test]
    fn efi_part_header_without_protective_mbr_is_no_table() {
        let mut bytes = GPT_PROTECTIVE_HEADER.to_vec();
        bytes[510] = 0;
        bytes[511] = 0;
        assert_eq!(from_header(&bytes), Ok(PartitionTable::None));
    }

    #[test]
    fn bad_boot_indicator_means_not_a_partition_table() {
        let bytes = with_entry(MBR_CENTOS7, 2, 0x12, 0x83);
        assert_eq!(from_header(&bytes), Ok(PartitionTable::None));
    }

    #[test]
    fn protective_entry_in_the_last_slot_is_still_gpt() {
        let bytes = with_entry(MBR_CENTOS7, 3, 0x00, 0xEE);
        assert_eq!(from_header(&bytes), Ok(PartitionTable::Gpt));
    }

    #[test]
    fn empty_dos_label_with_signature_is_mbr() {
        let mut bytes = EMPTY.to_vec();
        bytes[510..512].copy_from_slice(&[0x55, 0xAA]);
        assert_eq!(from_header(&bytes), Ok(PartitionTable::Mbr));
    }

    #[test]
    fn garbage_and_truncated_headers_never_panic() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for length in [0, 1, 300, 509, 510, 511, 512, 513, 1023, 1024, 4096] {
            let bytes: Vec<u8> = (0..length)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed as u8
                })
                .collect();
            let result = from_header(&bytes);
            assert_eq!(result.is_err(), length < 512, "length {length}");
        }
        for cut in 0..GPT_HYBRID.len() {
            let _ = from_header(&GPT_HYBRID[..cut]);
        }
    }

    // ---- partition_types -----------------------------------------------------------------

    /// Fixture disks of the test fleet, with their entry arrays (tests/fleet/gpt-disks.py).
    const ALINUX3_DISK: &[u8] = include_bytes!("../../tests/fleet/hosts/alinux3-ok/dev/vda");
    const AMZN2_DISK: &[u8] = include_bytes!("../../tests/fleet/hosts/amzn2-ok/dev/nvme0n1");
    const FLATCAR_DISK: &[u8] = include_bytes!("../../tests/fleet/hosts/flatcar-ok/dev/vda");

    fn gpt(number: u32, guid: &str) -> PartitionEntry {
        PartitionEntry {
            number,
            kind: PartitionType::Gpt(guid.to_string()),
        }
    }

    #[test]
    fn crc32_is_the_ieee_checksum() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn mbr_entries_in_use_are_numbered_by_slot() {
        assert_eq!(
            partition_types(MBR_CENTOS7),
            Ok(vec![
                PartitionEntry {
                    number: 1,
                    kind: PartitionType::Mbr(0x83)
                },
                PartitionEntry {
                    number: 2,
                    kind: PartitionType::Mbr(0x8E)
                },
            ])
        );
    }

    #[test]
    fn gpt_entries_give_type_guids_in_text_form() {
        assert_eq!(
            partition_types(ALINUX3_DISK),
            Ok(vec![
                gpt(1, "21686148-6449-6E6F-744E-656564454649"),
                gpt(2, "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"),
                gpt(3, "0FC63DAF-8483-4772-8E79-3D69D8477DE4"),
            ])
        );
    }

    #[test]
    fn gpt_entry_numbers_follow_the_slot_not_the_disk_order() {
        // Amazon Linux 2: partition 128 (BIOS boot) lies first on the disk.
        assert_eq!(
            partition_types(AMZN2_DISK),
            Ok(vec![
                gpt(1, "0FC63DAF-8483-4772-8E79-3D69D8477DE4"),
                gpt(128, "21686148-6449-6E6F-744E-656564454649"),
            ])
        );
        let numbers: Vec<u32> = partition_types(FLATCAR_DISK)
            .expect("valid GPT")
            .iter()
            .map(|p| p.number)
            .collect();
        assert_eq!(numbers, [1, 2, 3, 4, 6, 7, 9]);
    }

    #[test]
    fn gpt_entry_array_past_the_bytes_read_is_an_error() {
        let error = partition_types(GPT_PROTECTIVE_HEADER).expect_err("array at byte 1024");
        assert!(error.contains("lies past the 1024 bytes read"), "{error}");
        let error = partition_types(GPT_4KN).expect_err("header at byte 4096");
        assert!(error.contains("no GPT header"), "{error}");
    }

    #[test]
    fn wrong_crcs_mean_the_primary_gpt_is_not_used() {
        let mut bytes = ALINUX3_DISK.to_vec();
        bytes[1024 + 40] ^= 1; // a bit of partition 1's first LBA
        let error = partition_types(&bytes).expect_err("array CRC");
        assert!(error.contains("entry array's CRC32 is wrong"), "{error}");
        let mut bytes = ALINUX3_DISK.to_vec();
        bytes[512 + 40] ^= 1; // the header's first usable LBA
        let error = partition_types(&bytes).expect_err("header CRC");
        assert!(error.contains("header's CRC32 is wrong"), "{error}");
    }

    #[test]
    fn no_table_has_no_partitions_and_short_reads_are_errors() {
        assert_eq!(partition_types(EMPTY), Ok(Vec::new()));
        assert!(partition_types(SHORT_300).is_err());
    }

    #[test]
    fn cut_or_garbled_gpt_headers_never_panic() {
        for cut in 0..ALINUX3_DISK.len() {
            let _ = partition_types(&ALINUX3_DISK[..cut]);
        }
        for at in [512 + 12, 512 + 72, 512 + 80, 512 + 84] {
            for value in [0u8, 1, 0x7F, 0xFF] {
                let mut bytes = ALINUX3_DISK.to_vec();
                bytes[at..at + 4].fill(value);
                let _ = partition_types(&bytes);
            }
        }
    }

    // ---- from_lsblk_pttype -------------------------------------------------------------

    #[test]
    fn lsblk_pttype_values_map_to_tables() {
        assert_eq!(from_lsblk_pttype("dos"), Some(PartitionTable::Mbr));
        assert_eq!(from_lsblk_pttype("gpt"), Some(PartitionTable::Gpt));
        assert_eq!(from_lsblk_pttype("PMBR"), Some(PartitionTable::Gpt));
        assert_eq!(from_lsblk_pttype(" gpt\n"), Some(PartitionTable::Gpt));
    }

    #[test]
    fn lsblk_empty_pttype_is_unknown_not_no_table() {
        assert_eq!(from_lsblk_pttype(""), None);
        assert_eq!(from_lsblk_pttype("  \n"), None);
    }

    #[test]
    fn lsblk_foreign_labels_are_unknown() {
        assert_eq!(from_lsblk_pttype("sun"), None);
        assert_eq!(from_lsblk_pttype("bsd"), None);
        assert_eq!(from_lsblk_pttype("atari"), None);
    }

    // ---- from_fdisk ----------------------------------------------------------------------

    #[test]
    fn centos6_dos_disk_is_mbr_from_the_id_column() {
        assert_eq!(
            from_fdisk(CENTOS6_DOS_OUT, CENTOS6_DOS_ERR),
            Some(PartitionTable::Mbr)
        );
    }

    #[test]
    fn centos6_lvm_volumes_have_no_table_per_stderr() {
        assert_eq!(
            table_of(
                CENTOS6_DOS_OUT,
                CENTOS6_DOS_ERR,
                "/dev/mapper/VolGroup-lv_root"
            ),
            Some(PartitionTable::None)
        );
    }

    #[test]
    fn centos6_volume_without_table_is_recognised_even_without_stderr() {
        // The "doesn't contain" line went to stderr; the header alone still shows no list.
        assert_eq!(
            table_of(CENTOS6_DOS_OUT, "", "/dev/mapper/VolGroup-lv_swap"),
            Some(PartitionTable::None)
        );
    }

    #[test]
    fn centos6_gpt_disk_is_gpt_from_the_warning() {
        assert_eq!(
            from_fdisk(CENTOS6_GPT_OUT, CENTOS6_GPT_ERR),
            Some(PartitionTable::Gpt)
        );
    }

    #[test]
    fn centos6_gpt_disk_is_gpt_from_the_ee_entry_when_stderr_is_lost() {
        assert_eq!(from_fdisk(CENTOS6_GPT_OUT, ""), Some(PartitionTable::Gpt));
    }

    #[test]
    fn centos7_disk_label_type_dos_is_mbr() {
        assert_eq!(
            from_fdisk(CENTOS7_DOS_OUT, CENTOS7_DOS_ERR),
            Some(PartitionTable::Mbr)
        );
    }

    #[test]
    fn centos7_whole_disk_lvm_member_has_no_table() {
        assert_eq!(
            table_of(CENTOS7_DOS_OUT, CENTOS7_DOS_ERR, "/dev/vdb"),
            Some(PartitionTable::None)
        );
        assert_eq!(
            table_of(CENTOS7_DOS_OUT, CENTOS7_DOS_ERR, "/dev/mapper/centos-swap"),
            Some(PartitionTable::None)
        );
    }

    #[test]
    fn ubuntu2204_system_disk_is_gpt_though_snap_loops_come_first() {
        assert!(UBUNTU2204_GPT_OUT.starts_with("Disk /dev/loop0:"));
        assert_eq!(
            from_fdisk(UBUNTU2204_GPT_OUT, UBUNTU2204_GPT_ERR),
            Some(PartitionTable::Gpt)
        );
        assert_eq!(
            table_of(UBUNTU2204_GPT_OUT, UBUNTU2204_GPT_ERR, "/dev/sda"),
            Some(PartitionTable::Gpt)
        );
    }

    #[test]
    fn ubuntu2204_loop_device_and_root_lv_have_no_table() {
        assert_eq!(
            table_of(UBUNTU2204_GPT_OUT, UBUNTU2204_GPT_ERR, "/dev/loop1"),
            Some(PartitionTable::None)
        );
        // The last section ends at its I/O size line, with no blank line after it.
        assert_eq!(
            table_of(
                UBUNTU2204_GPT_OUT,
                UBUNTU2204_GPT_ERR,
                "/dev/mapper/ubuntu--vg-ubuntu--lv"
            ),
            Some(PartitionTable::None)
        );
    }

    #[test]
    fn debian12_dos_with_extended_partition_is_mbr() {
        assert_eq!(
            from_fdisk(DEBIAN12_DOS_OUT, DEBIAN12_DOS_ERR),
            Some(PartitionTable::Mbr)
        );
    }

    #[test]
    fn sles15_gpt_is_gpt() {
        assert_eq!(
            from_fdisk(SLES15_GPT_OUT, SLES15_GPT_ERR),
            Some(PartitionTable::Gpt)
        );
    }

    #[test]
    fn busybox_listings_are_read_from_the_id_column_and_message() {
        assert_eq!(from_fdisk(BUSYBOX_DOS_OUT, ""), Some(PartitionTable::Mbr));
        assert_eq!(from_fdisk(BUSYBOX_GPT_OUT, ""), Some(PartitionTable::Gpt));
        assert_eq!(from_fdisk(BUSYBOX_NONE_OUT, ""), Some(PartitionTable::None));
    }

    #[test]
    fn old_fdisk_hybrid_mbr_with_ee_among_linux_entries_is_gpt() {
        let stdout = "\nDisk /dev/sda: 21.5 GB, 21474836480 bytes\n\
            255 heads, 63 sectors/track, 2610 cylinders\n\
            Units = cylinders of 16065 * 512 = 8225280 bytes\n\
            Sector size (logical/physical): 512 bytes / 512 bytes\n\
            I/O size (minimum/optimal): 512 bytes / 512 bytes\n\
            Disk identifier: 0x9d0c1a5e\n\n\
            \x20  Device Boot      Start         End      Blocks   Id  System\n\
            /dev/sda1               1           1        2047+  ee  GPT\n\
            /dev/sda2               1         262     2097152   83  Linux\n";
        assert_eq!(from_fdisk(stdout, ""), Some(PartitionTable::Gpt));
    }

    #[test]
    fn old_fdisk_empty_dos_label_is_mbr_unless_it_ends_the_output() {
        let empty_label = "\nDisk /dev/vdb: 21.5 GB, 21474836480 bytes\n\
            16 heads, 63 sectors/track, 41610 cylinders\n\
            Units = cylinders of 1008 * 512 = 516096 bytes\n\
            Sector size (logical/physical): 512 bytes / 512 bytes\n\
            I/O size (minimum/optimal): 512 bytes / 512 bytes\n\
            Disk identifier: 0x5b1f0e2a\n\n\
            \x20  Device Boot      Start         End      Blocks   Id  System\n";
        let next_disk = "\nDisk /dev/vdc: 21.5 GB, 21474836480 bytes\n";
        let followed = format!("{empty_label}{next_disk}");
        assert_eq!(from_fdisk(&followed, ""), Some(PartitionTable::Mbr));
        // As the last thing printed it looks like a listing cut off after its header.
        assert_eq!(from_fdisk(empty_label, ""), None);
    }

    #[test]
    fn foreign_label_is_unknown() {
        let stdout = "Disk /dev/vdc: 1 GiB, 1073741824 bytes, 2097152 sectors\n\
            Units: sectors of 1 * 512 = 512 bytes\n\
            Sector size (logical/physical): 512 bytes / 512 bytes\n\
            I/O size (minimum/optimal): 512 bytes / 512 bytes\n\
            Disklabel type: sun\n";
        assert_eq!(from_fdisk(stdout, ""), None);
    }

    #[test]
    fn message_alone_names_the_disk() {
        let stderr = "Disk /dev/vdb doesn't contain a valid partition table\n";
        assert_eq!(from_fdisk("", stderr), Some(PartitionTable::None));
    }

    #[test]
    fn no_output_is_unknown() {
        assert_eq!(from_fdisk("", ""), None);
        assert_eq!(table_of(CENTOS7_DOS_OUT, "", "/dev/vdz"), None);
    }

    #[test]
    fn output_cut_right_after_the_disk_line_is_unknown() {
        let cut = "Disk /dev/vda: 40 GiB, 42949672960 bytes, 83886080 sectors\n\
            Units: sectors of 1 * 512 = 512 bytes\n";
        assert_eq!(from_fdisk(cut, ""), None);
    }

    #[test]
    fn every_prefix_of_every_capture_parses_without_panic() {
        for (stdout, stderr) in ALL_FDISK {
            for cut in (0..=stdout.len()).filter(|at| stdout.is_char_boundary(*at)) {
                let _ = from_fdisk(&stdout[..cut], stderr);
                let _ = table_of(&stdout[..cut], "", "/dev/vda");
            }
        }
    }

    #[test]
    fn truncated_captures_never_change_the_answer_to_a_wrong_table() {
        // A prefix may be unknown, but it must not flip MBR into GPT or vice versa.
        for (stdout, stderr) in ALL_FDISK {
            let full = from_fdisk(stdout, stderr);
            for cut in (0..=stdout.len()).filter(|at| stdout.is_char_boundary(*at)) {
                let part = from_fdisk(&stdout[..cut], stderr);
                if let (Some(full), Some(part)) = (full, part) {
                    if part != PartitionTable::None {
                        assert_eq!(part, full, "cut at {cut} of {stdout:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn garbage_text_never_panics() {
        let garbage = [
            "Disk ",
            "Disk /",
            "Disk /dev/vda:",
            "Disk /dev/vda: x\n   Device Boot Id\n/dev/vda1 * \n",
            "Device Boot Id\n/",
            "WARNING: GPT (GUID Partition Table) detected on '",
            "WARNING: GPT (GUID Partition Table) detected on '/dev/sda",
            "Disklabel type:",
            "\u{0}\u{fffd}Disk \u{1F600}: é\n",
        ];
        for text in garbage {
            let _ = from_fdisk(text, text);
            let _ = table_of(text, text, text);
        }
    }

    #[test]
    fn partition_table_serializes_lowercase() {
        let json = serde_json::to_string(&[
            PartitionTable::Mbr,
            PartitionTable::Gpt,
            PartitionTable::None,
        ])
        .expect("serializes");
        assert_eq!(json, r#"["mbr","gpt","none"]"#);
        let back: PartitionTable = serde_json::from_str(r#""gpt""#).expect("deserializes");
        assert_eq!(back, PartitionTable::Gpt);
    }
}

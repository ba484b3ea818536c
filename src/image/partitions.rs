//! The partitions of a virtual disk: MBR primaries and the logical partitions chained in
//! extended boot records, or the primary GPT.
//!
//! The table itself is read by `facts::partition_table` (the same code that reads a live
//! host's `head -c 24576 /dev/vda`): this module hands it the first bytes of the image, then
//! follows what only a reader of the whole disk can: the EBR chain. Numbering follows the
//! kernel: primaries 1-4, logicals from 5 in chain order, GPT entries by their slot.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use super::{corrupt, Error, Slice, VirtualDisk};
use crate::facts::partition_table::{
    self, PartitionEntry, PartitionExtent, PartitionTable, PartitionType, HEADER_BYTES,
};

/// More logical partitions than this in one chain is a loop or a hostile image (the kernel
/// itself stops far below: it reads at most 256 partitions of a disk).
const LOGICAL_MAX: u32 = 256;
const SECTOR: u64 = 512;

/// A partition of the disk, where it lies in bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    pub number: u32,
    pub kind: PartitionType,
    pub start: u64,
    pub len: u64,
}

impl Partition {
    /// The partition's bytes as a disk of their own.
    pub fn open(&self, disk: Arc<dyn VirtualDisk>) -> Result<Slice, Error> {
        Slice::new(
            disk,
            format!("partition {}", self.number),
            self.start,
            self.len,
        )
    }

    /// An MBR extended partition: a container of logical partitions, not a file system.
    pub fn is_extended(&self) -> bool {
        matches!(self.kind, PartitionType::Mbr(0x05 | 0x0F | 0x85))
    }
}

/// The disk's table and its partitions, in the kernel's order (extended partitions
/// included, as the kernel lists them too).
pub fn read(disk: &dyn VirtualDisk) -> Result<(PartitionTable, Vec<Partition>), Error> {
    let path = Path::new("partition table");
    let mut head = vec![0u8; (HEADER_BYTES as u64).min(disk.size()) as usize];
    disk.read_at(0, &mut head)?;
    let table = partition_table::from_header(&head).map_err(|what| corrupt(path, what))?;
    let primaries =
        partition_table::partition_extents(&head).map_err(|what| corrupt(path, what))?;
    let mut partitions: Vec<Partition> = primaries.into_iter().map(partition).collect();
    if table == PartitionTable::Mbr {
        // The kernel follows the first extended partition only.
        if let Some(extended) = partitions.iter().find(|p| p.is_extended()).cloned() {
            logicals(disk, &extended, &mut partitions)?;
        }
    }
    for p in &partitions {
        if p.start
            .checked_add(p.len)
            .is_none_or(|end| end > disk.size())
        {
            return Err(corrupt(
                path,
                format!(
                    "partition {} ({} bytes at offset {}) lies past the end of the {}-byte disk",
                    p.number,
                    p.len,
                    p.start,
                    disk.size()
                ),
            ));
        }
    }
    Ok((table, partitions))
}

fn partition(extent: PartitionExtent) -> Partition {
    let PartitionExtent {
        entry: PartitionEntry { number, kind },
        start,
        len,
    } = extent;
    Partition {
        number,
        kind,
        start,
        len,
    }
}

/// Follows the chain of extended boot records from the extended partition's first sector:
/// each holds one logical partition (its start relative to that record) and a link to the
/// next record (relative to the extended partition's start).
fn logicals(
    disk: &dyn VirtualDisk,
    extended: &Partition,
    partitions: &mut Vec<Partition>,
) -> Result<(), Error> {
    let path = Path::new("extended partition");
    let mut seen = BTreeSet::new();
    let mut record = extended.start;
    // A record without a logical partition takes no number, as in the kernel.
    let mut number = 5;
    for _ in 0..LOGICAL_MAX {
        if !seen.insert(record) {
            return Err(corrupt(
                path,
                format!("the chain of extended boot records loops back to byte {record}"),
            ));
        }
        let mut sector = [0u8; SECTOR as usize];
        disk.read_at(record, &mut sector).map_err(|_| {
            corrupt(
                path,
                format!("the extended boot record at byte {record} lies past the end of the disk"),
            )
        })?;
        // A record without a table's signature or flags ends the chain, as in the kernel.
        let Ok(entries) = partition_table::partition_extents(&sector) else {
            return Ok(());
        };
        let (links, logical): (Vec<Partition>, Vec<Partition>) = entries
            .into_iter()
            .map(partition)
            .partition(Partition::is_extended);
        if let Some(logical) = logical.into_iter().find(|p| p.len > 0) {
            partitions.push(Partition {
                number,
                start: record + logical.start,
                ..logical
            });
            number += 1;
        }
        match links.first() {
            Some(link) if link.len > 0 => record = extended.start + link.start,
            _ => return Ok(()),
        }
    }
    Err(corrupt(
        path,
        format!("more than {LOGICAL_MAX} logical partitions: the chain is taken for a loop"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::open;
    use crate::image::tests::{run, Scratch};

    /// Partitions a 64 MiB image file with sfdisk and returns what sfdisk itself reads
    /// back: (number, start, size) in bytes, and the type as sfdisk names it.
    fn sfdisk(
        scratch: &Scratch,
        script: &str,
    ) -> (std::path::PathBuf, Vec<(u32, u64, u64, String)>) {
        let image = scratch.path("disk.raw");
        std::fs::File::create(&image)
            .and_then(|file| file.set_len(64 << 20))
            .expect("image file");
        let mut child = std::process::Command::new("sfdisk")
            .args(["-q", "--no-reread", "--no-tell-kernel"])
            .arg(&image)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("sfdisk: .ci/run installs it");
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(script.as_bytes())
            .expect("script");
        assert!(child.wait().expect("sfdisk").success(), "sfdisk failed");
        let out = std::process::Command::new("sfdisk")
            .arg("--json")
            .arg(&image)
            .output()
            .expect("sfdisk --json");
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let name = image.to_str().expect("utf-8").to_string();
        let parts = json["partitiontable"]["partitions"]
            .as_array()
            .expect("partitions")
            .iter()
            .map(|p| {
                let node = p["node"].as_str().expect("node");
                let number = node[name.len()..].parse().expect("number");
                (
                    number,
                    p["start"].as_u64().expect("start") * 512,
                    p["size"].as_u64().expect("size") * 512,
                    p["type"].as_str().expect("type").to_uppercase(),
                )
            })
            .collect();
        (image, parts)
    }

    fn read_back(image: &std::path::Path) -> (PartitionTable, Vec<(u32, u64, u64, String)>) {
        let disk = open(image, None).expect("open");
        let (table, partitions) = read(disk.as_ref()).expect("partitions");
        let listed = partitions
            .into_iter()
            .map(|p| {
                let kind = match p.kind {
                    PartitionType::Mbr(byte) => format!("{byte:X}"),
                    PartitionType::Gpt(guid) => guid,
                };
                (p.number, p.start, p.len, kind)
            })
            .collect();
        (table, listed)
    }

    #[test]
    fn mbr_primaries_and_logicals_are_where_sfdisk_put_them() {
        let scratch = Scratch::new("mbr");
        let (image, expected) = sfdisk(
            &scratch,
            "label: dos\n,8MiB,83,*\n,8MiB,82\n,,5\n,4MiB,83\n,6MiB,8e\n,,83\n",
        );
        let numbers: Vec<u32> = expected.iter().map(|p| p.0).collect();
        assert_eq!(numbers, [1, 2, 3, 5, 6, 7], "sfdisk's own view");
        assert_eq!(read_back(&image), (PartitionTable::Mbr, expected));
    }

    #[test]
    fn gpt_entries_are_where_sfdisk_put_them() {
        let scratch = Scratch::new("gpt");
        let (image, expected) = sfdisk(
            &scratch,
            "label: gpt\n,1MiB,21686148-6449-6E6F-744E-656564454649\n,16MiB,U\n,,L\n",
        );
        assert_eq!(expected.len(), 3);
        assert_eq!(read_back(&image), (PartitionTable::Gpt, expected));
    }

    #[test]
    fn partitions_read_through_a_qcow2_image_too() {
        let scratch = Scratch::new("mbr-qcow2");
        let (image, expected) = sfdisk(&scratch, "label: dos\n,8MiB,83\n,,5\n,4MiB,83\n");
        let qcow2 = scratch.path("disk.qcow2");
        run(
            "qemu-img",
            &[
                "convert",
                "-O",
                "qcow2",
                image.to_str().expect("utf-8"),
                qcow2.to_str().expect("utf-8"),
            ],
        );
        assert_eq!(read_back(&qcow2), (PartitionTable::Mbr, expected));
    }

    #[test]
    fn a_loop_in_the_extended_boot_records_is_one_error() {
        let scratch = Scratch::new("ebr-loop");
        let (image, expected) = sfdisk(&scratch, "label: dos\n,,5\n,4MiB,83\n,4MiB,83\n");
        let first_ebr_link = expected[0].1 as usize + 446 + 16;
        let mut bytes = std::fs::read(&image).expect("read");
        // Point the first record's link back at the first record (offset 0 of the extended).
        bytes[first_ebr_link + 8..first_ebr_link + 12].copy_from_slice(&0u32.to_le_bytes());
        std::fs::write(&image, &bytes).expect("write");
        let disk = open(&image, None).expect("open");
        let err = read(disk.as_ref()).expect_err("loop");
        assert!(err.to_string().contains("loops back"), "{err}");
    }

    #[test]
    fn a_partition_past_the_end_of_the_disk_is_an_error() {
        let scratch = Scratch::new("mbr-past-end");
        let (image, _) = sfdisk(&scratch, "label: dos\n,,83\n");
        std::fs::OpenOptions::new()
            .write(true)
            .open(&image)
            .and_then(|file| file.set_len(32 << 20))
            .expect("truncate");
        let disk = open(&image, None).expect("open");
        assert_eq!(disk.size(), 32 << 20);
        let err = read(disk.as_ref()).expect_err("past the end");
        assert!(err.to_string().contains("past the end"), "{err}");
    }
}

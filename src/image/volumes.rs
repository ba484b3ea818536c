//! What each partition of a disk holds, by the magic numbers blkid checks: an ext2/3/4
//! file system (its superblock read), XFS, an LVM physical volume, swap, FAT (an EFI
//! system partition), btrfs, or nothing known.
//!
//! It finds the file systems an image command must look into (and the UUIDs and labels
//! that fstab names them by). An LVM physical volume is opened with `lvm`; XFS is only
//! recognised for now, so that it is said so rather than read as garbage.

use std::sync::Arc;

use super::ext::Superblock;
use super::partitions::{self, Partition};
use super::{Error, VirtualDisk};
use crate::facts::partition_table::PartitionTable;

/// What a volume (a partition, or a whole disk without a partition table) holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    Ext(Superblock),
    Xfs,
    LvmPhysicalVolume,
    Swap,
    Fat,
    Btrfs,
    Unknown,
}

/// One volume of the disk: `partition` is `None` for a file system on the whole disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Volume {
    pub partition: Option<Partition>,
    pub content: Content,
}

/// The disk's table and every volume on it, extended partitions left out (they hold only
/// the chain of logical partitions).
pub fn read(disk: &Arc<dyn VirtualDisk>) -> Result<(PartitionTable, Vec<Volume>), Error> {
    let (table, parts) = partitions::read(disk.as_ref())?;
    if table == PartitionTable::None {
        let content = probe(disk.as_ref())?;
        return Ok((
            table,
            vec![Volume {
                partition: None,
                content,
            }],
        ));
    }
    let mut volumes = Vec::new();
    for partition in parts.into_iter().filter(|p| !p.is_extended()) {
        let slice = partition.open(Arc::clone(disk))?;
        volumes.push(Volume {
            content: probe(&slice)?,
            partition: Some(partition),
        });
    }
    Ok((table, volumes))
}

/// The content of one volume, by its magic numbers. A volume too small to hold a magic
/// number is `Unknown`; a read the disk cannot answer is an error.
pub fn probe(volume: &dyn VirtualDisk) -> Result<Content, Error> {
    let at = |offset: u64, magic: &[u8]| -> Result<bool, Error> {
        if offset + magic.len() as u64 > volume.size() {
            return Ok(false);
        }
        let mut got = vec![0u8; magic.len()];
        volume.read_at(offset, &mut got)?;
        Ok(got == magic)
    };
    if at(1024 + 56, &[0x53, 0xEF])? {
        return Ok(Content::Ext(Superblock::read(volume)?));
    }
    if at(0, b"XFSB")? {
        return Ok(Content::Xfs);
    }
    // The LVM2 label sits in one of the first four sectors, the second by default.
    for sector in 0..4 {
        if at(sector * 512, b"LABELONE")? && at(sector * 512 + 24, b"LVM2 001")? {
            return Ok(Content::LvmPhysicalVolume);
        }
    }
    if at(4096 - 10, b"SWAPSPACE2")? || at(4096 - 10, b"SWAP-SPACE")? {
        return Ok(Content::Swap);
    }
    if at(0x10040, b"_BHRfS_M")? {
        return Ok(Content::Btrfs);
    }
    if at(510, &[0x55, 0xAA])? && (at(0x36, b"FAT")? || at(0x52, b"FAT32")?) {
        return Ok(Content::Fat);
    }
    Ok(Content::Unknown)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::open;
    use crate::image::tests::{run, Scratch};

    /// mkfs on a file of `size`, then that file's bytes copied into the disk at `at`:
    /// mkfs.xfs, mkswap and mkfs.vfat have no offset option.
    fn place(scratch: &Scratch, disk: &std::path::Path, at: u64, size: u64, mkfs: &[&str]) {
        let part = scratch.path("part.img");
        std::fs::File::create(&part)
            .and_then(|file| file.set_len(size))
            .expect("part file");
        let mut args = mkfs[1..].to_vec();
        args.push(part.to_str().expect("utf-8"));
        run(mkfs[0], &args);
        let bytes = std::fs::read(&part).expect("read part");
        use std::os::unix::fs::FileExt;
        std::fs::OpenOptions::new()
            .write(true)
            .open(disk)
            .and_then(|file| file.write_all_at(&bytes, at))
            .expect("write part");
    }

    #[test]
    fn each_partition_is_named_by_what_mkfs_made_there() {
        let scratch = Scratch::new("volumes");
        let disk = scratch.path("disk.raw");
        crate::image::tests::partitioned(
            &disk,
            400 << 20,
            b"label: gpt\n,40MiB,U\n,32MiB,L\n,320MiB,L\n,4MiB,S\n",
        );
        let image = open(&disk, None).expect("open");
        let (_, parts) = partitions::read(image.as_ref()).expect("partitions");
        let (esp, boot, root, swap) = (&parts[0], &parts[1], &parts[2], &parts[3]);
        place(
            &scratch,
            &disk,
            esp.start,
            esp.len,
            &["mkfs.vfat", "-F", "32"],
        );
        run(
            "mke2fs",
            &[
                "-q",
                "-F",
                "-t",
                "ext4",
                "-L",
                "boot",
                "-E",
                &format!("offset={}", boot.start),
                disk.to_str().expect("utf-8"),
                &format!("{}k", boot.len / 1024),
            ],
        );
        place(
            &scratch,
            &disk,
            root.start,
            root.len,
            &["mkfs.xfs", "-q", "-f"],
        );
        place(&scratch, &disk, swap.start, swap.len, &["mkswap"]);
        let image = open(&disk, None).expect("open");
        let (table, volumes) = read(&image).expect("volumes");
        assert_eq!(table, PartitionTable::Gpt);
        let kinds: Vec<String> = volumes
            .iter()
            .map(|v| match &v.content {
                Content::Ext(sb) => format!("{} {}", sb.kind(), sb.label),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(kinds, ["Fat", "ext4 boot", "Xfs", "Swap"]);
    }

    #[test]
    fn a_file_system_on_the_whole_disk_is_one_volume() {
        let scratch = Scratch::new("whole-disk");
        let disk = scratch.path("disk.raw");
        run(
            "mke2fs",
            &[
                "-q",
                "-F",
                "-t",
                "ext2",
                disk.to_str().expect("utf-8"),
                "8M",
            ],
        );
        let image = open(&disk, None).expect("open");
        let (table, volumes) = read(&image).expect("volumes");
        assert_eq!(table, PartitionTable::None);
        assert_eq!(volumes.len(), 1);
        assert_eq!(volumes[0].partition, None);
        assert!(matches!(&volumes[0].content, Content::Ext(sb) if sb.kind() == "ext2"));
    }
}

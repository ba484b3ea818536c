//! QEMU's qcow2 image, versions 2 and 3: a two-level table (L1 → L2 → cluster) maps each
//! guest cluster to a cluster of the file.
//!
//! Read: unallocated clusters (zeros), zero clusters (v3 flag), and allocated ones.
//! Refused at open with one clear error: backing files (the image alone is not the disk),
//! encryption, external data files and extended L2 entries; refused at the first read that
//! meets one: compressed clusters. Internal snapshots are ignored: the active L1 table is
//! the disk as it is now. Layout: QEMU's docs/interop/qcow2.rst.

use std::fs::File;
use std::path::{Path, PathBuf};

use super::{
    be_u32, be_u64, by_block, check_range, corrupt, read_exact_at, unsupported, Error, TableCache,
    VirtualDisk,
};

/// Bits 9-55 of an L1 or L2 entry: the offset of the table or cluster in the file.
const OFFSET_MASK: u64 = 0x00ff_ffff_ffff_fe00;
const COMPRESSED: u64 = 1 << 62;
/// Bit 0 of a standard L2 entry in a v3 image: the cluster reads as zeros.
const ZERO: u64 = 1;
/// The largest L1 table read into memory (32 MiB covers 2 PiB at 64 KiB clusters).
const L1_MAX_BYTES: u64 = 32 << 20;

pub struct Qcow2 {
    file: File,
    path: PathBuf,
    size: u64,
    cluster_bits: u32,
    l1: Vec<u64>,
    l2_cache: TableCache<Vec<u64>>,
}

impl Qcow2 {
    pub fn new(file: File, path: &Path) -> Result<Qcow2, Error> {
        let mut header = [0u8; 104];
        read_exact_at(&file, path, 0, &mut header[..72])?;
        if &header[..4] != b"QFI\xfb" {
            return Err(corrupt(path, "no qcow2 magic"));
        }
        let version = be_u32(&header, 4);
        if version == 3 {
            read_exact_at(&file, path, 72, &mut header[72..104])?;
        } else if version != 2 {
            return Err(unsupported(path, format!("qcow2 version {version}")));
        }
        if be_u64(&header, 8) != 0 {
            return Err(unsupported(
                path,
                "this qcow2 image has a backing file: it holds only the changes to another \
                 image; flatten it first (qemu-img convert -O qcow2 IMAGE FLAT.qcow2)",
            ));
        }
        let cluster_bits = be_u32(&header, 20);
        if !(9..=21).contains(&cluster_bits) {
            return Err(corrupt(
                path,
                format!("qcow2 cluster_bits {cluster_bits} is outside 9-21"),
            ));
        }
        let size = be_u64(&header, 24);
        if be_u32(&header, 32) != 0 {
            return Err(unsupported(path, "this qcow2 image is encrypted"));
        }
        if version == 3 {
            let incompatible = be_u64(&header, 72);
            // Bit 0 (dirty) and bit 1 (corrupt) only concern refcounts and writers.
            if incompatible & (1 << 2) != 0 {
                return Err(unsupported(
                    path,
                    "this qcow2 image keeps its data in an external data file",
                ));
            }
            if incompatible & (1 << 4) != 0 {
                return Err(unsupported(
                    path,
                    "this qcow2 image uses extended L2 entries (subclusters)",
                ));
            }
            let unknown = incompatible & !0b1_1011;
            if unknown != 0 {
                return Err(unsupported(
                    path,
                    format!("unknown qcow2 incompatible feature bits {unknown:#x}"),
                ));
            }
        }
        let l1_entries = u64::from(be_u32(&header, 36));
        let l2_bits = cluster_bits - 3;
        if u128::from(l1_entries) << (l2_bits + cluster_bits) < u128::from(size) {
            return Err(corrupt(
                path,
                format!(
                    "the qcow2 L1 table has {l1_entries} entries, too few for a virtual \
                     size of {size} bytes"
                ),
            ));
        }
        if l1_entries * 8 > L1_MAX_BYTES {
            return Err(corrupt(
                path,
                format!("the qcow2 L1 table has {l1_entries} entries, more than this reader takes"),
            ));
        }
        let l1_offset = be_u64(&header, 40);
        let mut raw = vec![0u8; (l1_entries * 8) as usize];
        read_exact_at(&file, path, l1_offset, &mut raw)?;
        let l1 = raw.chunks_exact(8).map(|entry| be_u64(entry, 0)).collect();
        Ok(Qcow2 {
            file,
            path: path.to_path_buf(),
            size,
            cluster_bits,
            l1,
            l2_cache: TableCache::new(1 << cluster_bits),
        })
    }

    /// Where guest cluster `index` lives in the file, or `None` when it reads as zeros.
    fn host_cluster(&self, index: u64) -> Result<Option<u64>, Error> {
        let l2_bits = self.cluster_bits - 3;
        let l1_entry = usize::try_from(index >> l2_bits)
            .ok()
            .and_then(|at| self.l1.get(at))
            .copied()
            .unwrap_or(0);
        let l2_offset = l1_entry & OFFSET_MASK;
        if l2_offset == 0 {
            return Ok(None);
        }
        let cluster = 1usize << self.cluster_bits;
        let l2 = self.l2_cache.get(l2_offset, || {
            let mut raw = vec![0u8; cluster];
            read_exact_at(&self.file, &self.path, l2_offset, &mut raw).map_err(|_| {
                corrupt(
                    &self.path,
                    format!(
                        "the qcow2 L2 table at offset {l2_offset} lies past the end of the file"
                    ),
                )
            })?;
            Ok(raw.chunks_exact(8).map(|entry| be_u64(entry, 0)).collect())
        })?;
        let entry = l2[(index & ((1 << l2_bits) - 1)) as usize];
        if entry & COMPRESSED != 0 {
            return Err(unsupported(
                &self.path,
                "this qcow2 image has compressed clusters, which are not read; write it \
                 uncompressed first (qemu-img convert -O qcow2 IMAGE PLAIN.qcow2)",
            ));
        }
        let offset = entry & OFFSET_MASK;
        if entry & ZERO != 0 || offset == 0 {
            return Ok(None);
        }
        Ok(Some(offset))
    }
}

impl VirtualDisk for Qcow2 {
    fn size(&self) -> u64 {
        self.size
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), Error> {
        check_range(&self.path, offset, buf.len(), self.size)?;
        let cluster = 1u64 << self.cluster_bits;
        by_block(offset, buf, cluster, |index, within, part| {
            let at = index * cluster + within;
            match self.host_cluster(index)? {
                None => part.fill(0),
                Some(host) => {
                    read_exact_at(&self.file, &self.path, host + within, part).map_err(|_| {
                        corrupt(
                            &self.path,
                            format!(
                                "the qcow2 cluster for guest offset {at} (file offset \
                                 {host}) lies past the end of the file"
                            ),
                        )
                    })?
                }
            }
            Ok(())
        })
    }
}

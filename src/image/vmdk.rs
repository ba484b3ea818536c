//! VMware's VMDK, as one self-contained sparse extent: monolithic sparse (what VMware
//! Workstation writes, `qemu-img -O vmdk`) and stream-optimized (what OVA/OVF exports hold,
//! each grain deflate-compressed behind a marker).
//!
//! A grain directory maps each run of grains to a grain table, and a grain table each grain
//! to its sector in the file; 0 is an unallocated grain (zeros), 1 a zeroed grain. A
//! stream-optimized image may write its directory last: the header then says "at end" and
//! the footer, a second header 1024 bytes before the end of the file, gives it. Split and
//! flat extents (a text descriptor beside the data files) are not read. Layout: VMware's
//! "Virtual Disk Format 1.1" specification.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::{
    by_block, check_range, corrupt, file_len, le_u32, le_u64, read_exact_at, unsupported, Error,
    TableCache, VirtualDisk,
};

const SECTOR: u64 = 512;
/// The header's grain directory offset that means "read the footer".
const GD_AT_END: u64 = u64::MAX;
const FLAG_COMPRESSED: u32 = 1 << 16;
/// Grains of more than this many sectors (16 MiB) are refused: each is decoded whole.
const GRAIN_MAX_SECTORS: u64 = 32 * 1024;
/// Grain directories and tables larger than this are refused.
const TABLE_MAX_BYTES: u64 = 32 << 20;

pub struct Vmdk {
    file: File,
    path: PathBuf,
    size: u64,
    grain_bytes: u64,
    gtes_per_gt: u64,
    compressed: bool,
    directory: Vec<u32>,
    tables: TableCache<Vec<u32>>,
    grains: TableCache<Vec<u8>>,
}

/// The fields of a sparse extent header that reading needs.
struct Header {
    flags: u32,
    capacity: u64,
    grain_size: u64,
    gtes_per_gt: u32,
    gd_offset: u64,
}

fn header_at(file: &File, path: &Path, offset: u64) -> Result<Header, Error> {
    let mut raw = [0u8; 512];
    read_exact_at(file, path, offset, &mut raw)?;
    if &raw[..4] != b"KDMV" {
        return Err(corrupt(
            path,
            format!("no VMDK sparse header (\"KDMV\") at offset {offset}"),
        ));
    }
    let version = le_u32(&raw, 4);
    if !(1..=3).contains(&version) {
        return Err(unsupported(
            path,
            format!("VMDK sparse extent version {version}"),
        ));
    }
    Ok(Header {
        flags: le_u32(&raw, 8),
        capacity: le_u64(&raw, 12),
        grain_size: le_u64(&raw, 20),
        gtes_per_gt: le_u32(&raw, 44),
        gd_offset: le_u64(&raw, 56),
    })
}

impl Vmdk {
    pub fn new(file: File, path: &Path) -> Result<Vmdk, Error> {
        let mut header = header_at(&file, path, 0)?;
        if header.gd_offset == GD_AT_END {
            let len = file_len(&file, path)?;
            let footer = len.checked_sub(1024).ok_or_else(|| {
                corrupt(path, "the VMDK's footer is missing: the file is too short")
            })?;
            header = header_at(&file, path, footer)?;
            if header.gd_offset == GD_AT_END {
                return Err(corrupt(
                    path,
                    "the VMDK footer does not give the grain directory",
                ));
            }
        }
        let compressed = header.flags & FLAG_COMPRESSED != 0;
        if !header.grain_size.is_power_of_two()
            || !(8..=GRAIN_MAX_SECTORS).contains(&header.grain_size)
        {
            return Err(corrupt(
                path,
                format!("VMDK grain size of {} sectors", header.grain_size),
            ));
        }
        let gtes_per_gt = u64::from(header.gtes_per_gt);
        if gtes_per_gt == 0 || gtes_per_gt * 4 > TABLE_MAX_BYTES {
            return Err(corrupt(
                path,
                format!("VMDK grain tables of {gtes_per_gt} entries"),
            ));
        }
        let size = header.capacity.checked_mul(SECTOR).ok_or_else(|| {
            corrupt(
                path,
                format!("VMDK capacity of {} sectors", header.capacity),
            )
        })?;
        let grain_bytes = header.grain_size * SECTOR;
        let tables = header.capacity.div_ceil(header.grain_size * gtes_per_gt);
        if tables * 4 > TABLE_MAX_BYTES {
            return Err(corrupt(
                path,
                format!(
                    "the VMDK grain directory has {tables} entries, more than this reader takes"
                ),
            ));
        }
        let gd_at = header
            .gd_offset
            .checked_mul(SECTOR)
            .ok_or_else(|| corrupt(path, "the VMDK grain directory offset overflows"))?;
        let mut raw = vec![0u8; (tables * 4) as usize];
        read_exact_at(&file, path, gd_at, &mut raw)?;
        Ok(Vmdk {
            file,
            path: path.to_path_buf(),
            size,
            grain_bytes,
            gtes_per_gt,
            compressed,
            directory: raw.chunks_exact(4).map(|entry| le_u32(entry, 0)).collect(),
            tables: TableCache::new(gtes_per_gt as usize * 4),
            grains: TableCache::new(grain_bytes as usize),
        })
    }

    /// The sector in the file of grain `index`, or `None` when it reads as zeros.
    fn grain_sector(&self, index: u64) -> Result<Option<u64>, Error> {
        let gt_sector = usize::try_from(index / self.gtes_per_gt)
            .ok()
            .and_then(|at| self.directory.get(at))
            .copied()
            .unwrap_or(0);
        if gt_sector == 0 {
            return Ok(None);
        }
        let table = self.tables.get(u64::from(gt_sector), || {
            let mut raw = vec![0u8; (self.gtes_per_gt * 4) as usize];
            read_exact_at(
                &self.file,
                &self.path,
                u64::from(gt_sector) * SECTOR,
                &mut raw,
            )
            .map_err(|_| {
                corrupt(
                    &self.path,
                    format!(
                        "the VMDK grain table at sector {gt_sector} lies past the end of the file"
                    ),
                )
            })?;
            Ok(raw.chunks_exact(4).map(|entry| le_u32(entry, 0)).collect())
        })?;
        match table[(index % self.gtes_per_gt) as usize] {
            0 | 1 => Ok(None),
            sector => Ok(Some(u64::from(sector))),
        }
    }

    /// A compressed grain, decoded: a 12-byte marker (its LBA, then the compressed length)
    /// and a zlib stream that inflates to one grain.
    fn inflate(&self, sector: u64) -> Result<std::sync::Arc<Vec<u8>>, Error> {
        self.grains.get(sector, || {
            let at = sector * SECTOR;
            let mut marker = [0u8; 12];
            read_exact_at(&self.file, &self.path, at, &mut marker)?;
            let len = u64::from(le_u32(&marker, 8));
            if len > self.grain_bytes * 2 + 1024 {
                return Err(corrupt(
                    &self.path,
                    format!("the VMDK grain at sector {sector} says it is {len} bytes compressed"),
                ));
            }
            let mut packed = vec![0u8; len as usize];
            read_exact_at(&self.file, &self.path, at + 12, &mut packed)?;
            let mut grain = Vec::with_capacity(self.grain_bytes as usize);
            flate2::read::ZlibDecoder::new(packed.as_slice())
                .take(self.grain_bytes)
                .read_to_end(&mut grain)
                .map_err(|err| {
                    corrupt(
                        &self.path,
                        format!("the VMDK grain at sector {sector} does not inflate: {err}"),
                    )
                })?;
            // A grain at the end of the disk may be stored short; the rest reads as zeros.
            grain.resize(self.grain_bytes as usize, 0);
            Ok(grain)
        })
    }
}

impl VirtualDisk for Vmdk {
    fn size(&self) -> u64 {
        self.size
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), Error> {
        check_range(&self.path, offset, buf.len(), self.size)?;
        by_block(offset, buf, self.grain_bytes, |index, within, part| {
            match self.grain_sector(index)? {
                None => part.fill(0),
                Some(sector) if self.compressed => {
                    let grain = self.inflate(sector)?;
                    let from = within as usize;
                    part.copy_from_slice(&grain[from..from + part.len()]);
                }
                Some(sector) => {
                    read_exact_at(&self.file, &self.path, sector * SECTOR + within, part).map_err(
                        |_| {
                            corrupt(
                        &self.path,
                        format!("the VMDK grain at sector {sector} lies past the end of the file"),
                    )
                        },
                    )?
                }
            }
            Ok(())
        })
    }
}

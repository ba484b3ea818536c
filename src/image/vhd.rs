//! Microsoft's VHD (Virtual PC, `qemu-img -O vpc`): fixed (the disk's bytes, then a 512-byte
//! footer) and dynamic (a block allocation table maps each block to its place in the file;
//! 0xFFFFFFFF is an unallocated block, which reads as zeros). Differencing disks (a parent
//! image holds the rest) are refused. Layout: Microsoft's "Virtual Hard Disk Image Format
//! Specification" 1.0; all fields big-endian.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::raw::Raw;
use super::{
    be_u32, be_u64, by_block, check_range, corrupt, file_len, read_exact_at, unsupported, Error,
    VirtualDisk,
};

const SECTOR: u64 = 512;
const UNALLOCATED: u32 = u32::MAX;
/// Block allocation tables larger than this are refused (32 MiB covers 16 TiB at the
/// default 2 MiB blocks).
const BAT_MAX_BYTES: u64 = 32 << 20;

/// A VHD's disk: a fixed one is read as raw bytes, a dynamic one through its table.
pub struct Vhd(Arc<dyn VirtualDisk>);

struct Dynamic {
    file: File,
    path: PathBuf,
    size: u64,
    block_bytes: u64,
    /// Bytes of the sector bitmap that precedes each block's data.
    bitmap_bytes: u64,
    bat: Vec<u32>,
}

impl Vhd {
    pub fn new(file: File, path: &Path) -> Result<Vhd, Error> {
        let len = file_len(&file, path)?;
        let mut footer = [0u8; 512];
        let at_end = len >= 512 && {
            read_exact_at(&file, path, len - 512, &mut footer)?;
            &footer[..8] == b"conectix"
        };
        if !at_end {
            // A dynamic disk keeps a copy of the footer at the start.
            read_exact_at(&file, path, 0, &mut footer)?;
            if &footer[..8] != b"conectix" {
                return Err(corrupt(path, "no VHD footer (\"conectix\")"));
            }
        }
        let size = be_u64(&footer, 48);
        match be_u32(&footer, 60) {
            2 => {
                if size.checked_add(512).is_none_or(|need| need > len) {
                    return Err(corrupt(
                        path,
                        format!("the fixed VHD says {size} bytes, but the file holds {len}"),
                    ));
                }
                Ok(Vhd(Arc::new(Raw::with_size(file, path, size))))
            }
            3 => Ok(Vhd(Arc::new(Dynamic::new(
                file,
                path,
                size,
                be_u64(&footer, 16),
            )?))),
            4 => Err(unsupported(
                path,
                "a differencing VHD: it holds only the changes to a parent image; merge it first",
            )),
            other => Err(unsupported(path, format!("VHD disk type {other}"))),
        }
    }
}

impl Dynamic {
    fn new(file: File, path: &Path, size: u64, header_at: u64) -> Result<Dynamic, Error> {
        let mut header = [0u8; 1024];
        read_exact_at(&file, path, header_at, &mut header)?;
        if &header[..8] != b"cxsparse" {
            return Err(corrupt(
                path,
                format!("no VHD dynamic disk header (\"cxsparse\") at offset {header_at}"),
            ));
        }
        let bat_at = be_u64(&header, 16);
        let entries = u64::from(be_u32(&header, 28));
        let block_bytes = u64::from(be_u32(&header, 32));
        if !block_bytes.is_power_of_two() || block_bytes < SECTOR {
            return Err(corrupt(
                path,
                format!("VHD block size of {block_bytes} bytes"),
            ));
        }
        if entries * 4 > BAT_MAX_BYTES {
            return Err(corrupt(
                path,
                format!("the VHD block table has {entries} entries, more than this reader takes"),
            ));
        }
        if u128::from(entries) * u128::from(block_bytes) < u128::from(size) {
            return Err(corrupt(
                path,
                format!("the VHD block table has {entries} entries, too few for {size} bytes"),
            ));
        }
        let mut raw = vec![0u8; (entries * 4) as usize];
        read_exact_at(&file, path, bat_at, &mut raw)?;
        Ok(Dynamic {
            file,
            path: path.to_path_buf(),
            size,
            block_bytes,
            bitmap_bytes: (block_bytes / SECTOR).div_ceil(8).next_multiple_of(SECTOR),
            bat: raw.chunks_exact(4).map(|entry| be_u32(entry, 0)).collect(),
        })
    }
}

impl VirtualDisk for Vhd {
    fn size(&self) -> u64 {
        self.0.size()
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), Error> {
        self.0.read_at(offset, buf)
    }
}

impl VirtualDisk for Dynamic {
    fn size(&self) -> u64 {
        self.size
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), Error> {
        check_range(&self.path, offset, buf.len(), self.size)?;
        by_block(offset, buf, self.block_bytes, |index, within, part| {
            // In range: the table covers the whole size, checked at open.
            match self.bat[index as usize] {
                UNALLOCATED => {
                    part.fill(0);
                    Ok(())
                }
                sector => {
                    let data = u64::from(sector) * SECTOR + self.bitmap_bytes + within;
                    read_exact_at(&self.file, &self.path, data, part).map_err(|_| {
                        corrupt(
                            &self.path,
                            format!(
                                "the VHD block at sector {sector} lies past the end of the file"
                            ),
                        )
                    })
                }
            }
        })
    }
}

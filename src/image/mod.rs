//! Disk images read in pure Rust: no mount, no loop device, no qemu, no root.
//!
//! A [`VirtualDisk`] is the guest's view of a disk: `size()` bytes that can be read at any
//! offset, whatever container format holds them on the host. [`open`] detects the format by
//! its magic bytes and returns the matching reader: [`raw`], [`qcow2`], [`vmdk`] (monolithic
//! sparse and stream-optimized) or [`vhd`] (fixed and dynamic). [`partitions`] finds the
//! partitions on a virtual disk, [`volumes`] what each holds (by magic number), [`lvm`] the
//! linear logical volumes of an LVM2 physical volume, and [`ext`] and [`xfs`] (v4 and v5)
//! read the file systems inside them. [`initramfs`] lists the paths in an initramfs file
//! (cpio archives, uncompressed or compressed) read from one of them.
//!
//! Not here: which files to read from an image or what they mean (that is `facts`), and
//! answering a `Transport` from an image (to come, on top of [`ext`]).
//!
//! Every reader treats the file as hostile: offsets and sizes it gives are checked against
//! the file before use, tables are read lazily and cached within a fixed bound, and what
//! cannot be read is an [`Error`] naming the file and the structure, never a panic.

pub mod ext;
pub mod initramfs;
pub mod lvm;
pub mod partitions;
pub mod qcow2;
pub mod raw;
pub mod vhd;
pub mod vmdk;
pub mod volumes;
pub mod xfs;

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Why an image, or a structure inside it, could not be read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The image uses a feature this reader refuses (compression, backing file, ...).
    #[error("{path}: {what}")]
    Unsupported { path: PathBuf, what: String },
    /// A structure of the image is damaged or points outside the file.
    #[error("{path}: {what}")]
    Corrupt { path: PathBuf, what: String },
    /// A path that the file system inside the image does not hold.
    #[error("{path}: no such file or directory in the image")]
    NotFound { path: String },
    /// A file system inside the image could not answer for a path.
    #[error("{path}: {what}")]
    Fs { path: String, what: String },
    /// A read asked for bytes outside the virtual disk.
    #[error(
        "{path}: read of {len} bytes at offset {offset} is past the end of the {size}-byte disk"
    )]
    OutOfRange {
        path: PathBuf,
        offset: u64,
        len: usize,
        size: u64,
    },
}

/// A random-access, read-only virtual disk: the bytes the guest sees.
pub trait VirtualDisk: Send + Sync {
    /// The virtual size of the disk in bytes.
    fn size(&self) -> u64;
    /// Fills `buf` with the disk's bytes from `offset`. Unallocated regions read as zeros;
    /// a range that does not lie wholly inside `size()` is [`Error::OutOfRange`].
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), Error>;
}

/// The container format of an image file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Raw,
    Qcow2,
    Vmdk,
    Vhd,
}

/// The format of an image by its magic bytes: qcow2 "QFI\xfb" and VMDK "KDMV" at byte 0;
/// VHD "conectix" at byte 0 (dynamic: a copy of the footer) or in the last 512 bytes
/// (fixed); anything else is raw. VHDX and VMDK descriptor files are refused here, so that
/// they are not read as a raw disk.
pub fn detect(file: &File, path: &Path) -> Result<Format, Error> {
    let len = file_len(file, path)?;
    let mut head = [0u8; 512];
    let got = read_up_to(file, path, 0, &mut head)?;
    let head = &head[..got];
    if head.starts_with(b"QFI\xfb") {
        return Ok(Format::Qcow2);
    }
    if head.starts_with(b"KDMV") {
        return Ok(Format::Vmdk);
    }
    if head.starts_with(b"conectix") {
        return Ok(Format::Vhd);
    }
    if head.starts_with(b"vhdxfile") {
        return Err(unsupported(path, "VHDX images are not read yet"));
    }
    if head.starts_with(b"# Disk DescriptorFile") {
        return Err(unsupported(
            path,
            "a VMDK descriptor file: only monolithic sparse and stream-optimized VMDK \
             (one self-contained file) are read",
        ));
    }
    if len >= 512 {
        let mut tail = [0u8; 8];
        read_exact_at(file, path, len - 512, &mut tail)?;
        if &tail == b"conectix" {
            return Ok(Format::Vhd);
        }
    }
    Ok(Format::Raw)
}

/// Opens an image file read-only and returns its virtual disk, the format found by
/// [`detect`] unless `format` names one.
pub fn open(path: &Path, format: Option<Format>) -> Result<Arc<dyn VirtualDisk>, Error> {
    let file = File::open(path).map_err(|source| io(path, source))?;
    let format = match format {
        Some(format) => format,
        None => detect(&file, path)?,
    };
    Ok(match format {
        Format::Raw => Arc::new(raw::Raw::new(file, path)?),
        Format::Qcow2 => Arc::new(qcow2::Qcow2::new(file, path)?),
        Format::Vmdk => Arc::new(vmdk::Vmdk::new(file, path)?),
        Format::Vhd => Arc::new(vhd::Vhd::new(file, path)?),
    })
}

/// A window of another disk: a partition, or a logical volume's linear segment.
pub struct Slice {
    disk: Arc<dyn VirtualDisk>,
    /// What the window is ("partition 5"), for errors.
    name: PathBuf,
    start: u64,
    len: u64,
}

impl Slice {
    /// `len` bytes of `disk` from `start`; the window must lie inside the disk.
    pub fn new(
        disk: Arc<dyn VirtualDisk>,
        name: impl Into<PathBuf>,
        start: u64,
        len: u64,
    ) -> Result<Slice, Error> {
        let name = name.into();
        if start.checked_add(len).is_none_or(|end| end > disk.size()) {
            return Err(Error::Corrupt {
                path: name,
                what: format!(
                    "a slice of {len} bytes at offset {start} lies past the end of the \
                     {}-byte disk",
                    disk.size()
                ),
            });
        }
        Ok(Slice {
            disk,
            name,
            start,
            len,
        })
    }
}

impl VirtualDisk for Slice {
    fn size(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), Error> {
        check_range(&self.name, offset, buf.len(), self.len)?;
        self.disk.read_at(self.start + offset, buf)
    }
}

pub(crate) fn io(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

pub(crate) fn corrupt(path: &Path, what: impl Into<String>) -> Error {
    Error::Corrupt {
        path: path.to_path_buf(),
        what: what.into(),
    }
}

pub(crate) fn unsupported(path: &Path, what: impl Into<String>) -> Error {
    Error::Unsupported {
        path: path.to_path_buf(),
        what: what.into(),
    }
}

/// Splits a read of `buf.len()` bytes at `offset` into pieces that each lie inside one block
/// of `block` bytes, the unit a container's table maps (a VHD block, a VMDK grain, a qcow2
/// cluster): `piece(index of the block, offset within it, the piece of buf)`.
pub(crate) fn by_block(
    offset: u64,
    buf: &mut [u8],
    block: u64,
    mut piece: impl FnMut(u64, u64, &mut [u8]) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut done = 0;
    while done < buf.len() {
        let at = offset + done as u64;
        let within = at % block;
        let n = ((block - within) as usize).min(buf.len() - done);
        piece(at / block, within, &mut buf[done..done + n])?;
        done += n;
    }
    Ok(())
}

/// Rejects a read of `len` bytes at `offset` that does not lie inside a `size`-byte disk.
pub(crate) fn check_range(path: &Path, offset: u64, len: usize, size: u64) -> Result<(), Error> {
    if offset.checked_add(len as u64).is_none_or(|end| end > size) {
        return Err(Error::OutOfRange {
            path: path.to_path_buf(),
            offset,
            len,
            size,
        });
    }
    Ok(())
}

pub(crate) fn file_len(file: &File, path: &Path) -> Result<u64, Error> {
    Ok(file.metadata().map_err(|source| io(path, source))?.len())
}

/// Reads exactly `buf.len()` bytes of the host file at `offset`; a file that ends first is
/// corrupt (a table or grain points past its end).
pub(crate) fn read_exact_at(
    file: &File,
    path: &Path,
    offset: u64,
    buf: &mut [u8],
) -> Result<(), Error> {
    let got = read_up_to(file, path, offset, buf)?;
    if got < buf.len() {
        return Err(corrupt(
            path,
            format!(
                "{} bytes at offset {offset} lie past the end of the file",
                buf.len()
            ),
        ));
    }
    Ok(())
}

/// Reads what the host file holds of `buf.len()` bytes at `offset`; returns how many.
fn read_up_to(file: &File, path: &Path, offset: u64, buf: &mut [u8]) -> Result<usize, Error> {
    let mut done = 0;
    while done < buf.len() {
        match file.read_at(&mut buf[done..], offset + done as u64) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(source) => return Err(io(path, source)),
        }
    }
    Ok(done)
}

pub(crate) fn be_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

pub(crate) fn be_u64(bytes: &[u8], at: usize) -> u64 {
    u64::from_be_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

pub(crate) fn le_u16(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

pub(crate) fn le_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

pub(crate) fn le_u64(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

/// Bytes one cache of tables or grains may hold: a hostile image can name many tables, or
/// make each large (2 MiB qcow2 clusters, 16 MiB VMDK grains), and memory stays bounded.
pub(crate) const CACHE_BYTES: usize = 8 << 20;

/// A small bounded cache of decoded tables (qcow2 L2 tables, VMDK grain tables, ...), keyed
/// by their offset in the file.
pub(crate) struct TableCache<T> {
    capacity: usize,
    tables: std::sync::Mutex<std::collections::HashMap<u64, Arc<T>>>,
}

impl<T> TableCache<T> {
    /// A cache of tables of `table_bytes` each, holding at most [`CACHE_BYTES`] of them (and
    /// always at least one).
    pub(crate) fn new(table_bytes: usize) -> TableCache<T> {
        TableCache {
            capacity: (CACHE_BYTES / table_bytes.max(1)).max(1),
            tables: std::sync::Mutex::new(std::collections::HashMap::new()),
        }
    }

    /// The table at `key`, loading it with `load` when it is not cached. When the cache is
    /// full it is emptied: simpler than LRU, and the tables of one file read are few.
    pub(crate) fn get(
        &self,
        key: u64,
        load: impl FnOnce() -> Result<T, Error>,
    ) -> Result<Arc<T>, Error> {
        if let Some(table) = self.lock().get(&key) {
            return Ok(Arc::clone(table));
        }
        let table = Arc::new(load()?);
        let mut tables = self.lock();
        if tables.len() >= self.capacity {
            tables.clear();
        }
        tables.insert(key, Arc::clone(&table));
        Ok(table)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<u64, Arc<T>>> {
        // A panic while holding the lock leaves only a cache behind, which stays valid.
        self.tables
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod hostile_tests;

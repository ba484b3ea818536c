//! A raw image: the file's bytes are the disk's bytes (a `dd` of a disk, `qemu-img -O raw`).

use std::fs::File;
use std::path::{Path, PathBuf};

use super::{check_range, file_len, read_exact_at, Error, VirtualDisk};

pub struct Raw {
    file: File,
    path: PathBuf,
    size: u64,
}

impl Raw {
    pub fn new(file: File, path: &Path) -> Result<Raw, Error> {
        let size = file_len(&file, path)?;
        Ok(Raw::with_size(file, path, size))
    }

    /// The first `size` bytes of `file` as a disk: a fixed VHD is its data then a footer.
    pub(crate) fn with_size(file: File, path: &Path, size: u64) -> Raw {
        Raw {
            file,
            path: path.to_path_buf(),
            size,
        }
    }
}

impl VirtualDisk for Raw {
    fn size(&self) -> u64 {
        self.size
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), Error> {
        check_range(&self.path, offset, buf.len(), self.size)?;
        read_exact_at(&self.file, &self.path, offset, buf)
    }
}

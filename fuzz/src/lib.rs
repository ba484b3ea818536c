//! Helpers shared by the fuzz targets: how a fuzz input becomes the text of one or more
//! remote sources, and the properties every parser must keep.
//!
//! Remote output reaches the parsers through `String::from_utf8_lossy` (see
//! `image_check::facts`), so the targets decode their input the same way. A target that needs
//! several sources (release files, lsblk + /proc files, stdout + stderr) splits its input at
//! NUL bytes, which no text source the collector reads carries; a seed is the sources joined
//! with `\0`, so real captures make readable seeds.

/// The whole input as text, decoded as the collector decodes remote output.
pub fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// The input split at NUL bytes into exactly `n` texts: missing ones are empty, and the last
/// one keeps any further NULs.
pub fn parts(data: &[u8], n: usize) -> Vec<String> {
    let mut texts: Vec<String> = data.splitn(n, |&b| b == 0).map(text).collect();
    texts.resize(n, String::new());
    texts
}

/// How many lines `str::lines` sees: no line-based parser may return more rows than this.
pub fn lines(text: &str) -> usize {
    text.lines().count()
}

/// A reason or message that ends up in one report cell or one `Unknown { reason }`: it must
/// not break the report's layout with a line break.
pub fn assert_one_line(what: &str, message: &str) {
    assert!(
        !message.contains('\n'),
        "{what} spans several lines: {message:?}"
    );
}

/// The fuzz input as a virtual disk held in memory, for the readers of what lies inside a
/// disk (partition tables, LVM, file systems).
pub struct MemoryDisk(pub Vec<u8>);

impl image_check::image::VirtualDisk for MemoryDisk {
    fn size(&self) -> u64 {
        self.0.len() as u64
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), image_check::image::Error> {
        let start = usize::try_from(offset).ok();
        let piece = start
            .and_then(|start| Some((start, start.checked_add(buf.len())?)))
            .and_then(|(start, end)| self.0.get(start..end));
        match piece {
            Some(bytes) => {
                buf.copy_from_slice(bytes);
                Ok(())
            }
            None => Err(image_check::image::Error::OutOfRange {
                path: "fuzz input".into(),
                offset,
                len: buf.len(),
                size: self.size(),
            }),
        }
    }
}

/// The fuzz input written to a scratch file (one per process, rewritten for every input),
/// for the container readers, which read a host file.
pub fn image_file(data: &[u8]) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("image_check-fuzz-{}.img", std::process::id()));
    std::fs::write(&path, data).expect("the fuzz scratch file");
    path
}

/// Reads every byte of a virtual disk a container reader opened, in reads of a few sizes and
/// alignments, and then past its end: only errors may come back, never a panic, and a read
/// past the end is always an error. At most `limit` bytes are read.
pub fn read_through(disk: &dyn image_check::image::VirtualDisk, limit: u64) {
    let size = disk.size();
    let mut buf = vec![0u8; 70_001];
    let mut offset = 0u64;
    let mut step = 0usize;
    while offset < size.min(limit) {
        let len = [512usize, 4096, 70_001, 1][step % 4].min((size - offset) as usize);
        if disk.read_at(offset, &mut buf[..len]).is_err() {
            break;
        }
        offset += len as u64;
        step += 1;
    }
    assert!(disk.read_at(size, &mut buf[..1]).is_err(), "a read past the end");
    assert!(disk.read_at(u64::MAX, &mut buf[..1]).is_err(), "a read at u64::MAX");
}

/// A container reader fed the fuzz input as its image file: opened as `format` by
/// `image::open`, then read through (its first 64 MiB); errors are one line, never a panic,
/// a hang or an allocation the file's header asks for.
pub fn container(data: &[u8], format: image_check::image::Format) {
    let path = image_file(data);
    match image_check::image::open(&path, Some(format)) {
        Ok(disk) => read_through(disk.as_ref(), 64 << 20),
        Err(err) => assert_error_line(&format!("opening a {format:?} image"), &err),
    }
}

/// Asserts that an image reader's error is one line (it becomes one report row).
pub fn assert_error_line(what: &str, err: &image_check::image::Error) {
    assert_one_line(what, &err.to_string());
}

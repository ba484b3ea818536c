//! Reading the operator's own input files: the inventory, ssh_config, known_hosts, a
//! baseline's summary.csv, run.json files and saved facts. Each is read to at most
//! [`LOCAL_FILE_CAP`] bytes ([`FACTS_FILE_CAP`] for facts.json) and a device is refused, so
//! `-i /dev/zero` ends at once with one line instead of reading until memory runs out. Pipes
//! (`-i <(generate-inventory)`) still work, under the same cap.

use std::io::{Error, ErrorKind, Read};
use std::path::Path;

/// The largest input file read: a 50,000-host inventory or known_hosts is a few MiB.
pub const LOCAL_FILE_CAP: u64 = 64 << 20;

/// The largest facts.json `evaluate` reads: a host's facts come from at most its output
/// budget of remote bytes, and JSON escapes can make them several times larger.
pub const FACTS_FILE_CAP: u64 = 512 << 20;

/// The bytes of `path`, or why not: "larger than 64 MiB", "not a regular file (a character
/// device)", or the system's error. The caller adds which file and what it is for.
pub fn read(path: &Path) -> std::io::Result<Vec<u8>> {
    read_capped(path, LOCAL_FILE_CAP)
}

/// [`read`] with a cap of `cap` bytes.
pub fn read_capped(path: &Path, cap: u64) -> std::io::Result<Vec<u8>> {
    use std::os::unix::fs::FileTypeExt;
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    let kind = meta.file_type();
    let device = if kind.is_char_device() {
        Some("a character device")
    } else if kind.is_block_device() {
        Some("a block device")
    } else {
        None
    };
    if let Some(device) = device {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("not a regular file ({device})"),
        ));
    }
    let too_large = || {
        Error::new(
            ErrorKind::FileTooLarge,
            format!("larger than {} MiB", cap >> 20),
        )
    };
    if meta.len() > cap {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    file.take(cap + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(too_large());
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_are_refused_at_once() {
        let e = read(Path::new("/dev/zero")).unwrap_err();
        assert_eq!(e.to_string(), "not a regular file (a character device)");
    }

    #[test]
    fn a_file_over_the_cap_is_refused_and_one_at_the_cap_is_read() {
        let dir = std::env::temp_dir().join(format!("ic-local-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let big = dir.join("big");
        let file = std::fs::File::create(&big).unwrap();
        file.set_len(LOCAL_FILE_CAP + 1).unwrap();
        assert_eq!(read(&big).unwrap_err().to_string(), "larger than 64 MiB");
        file.set_len(LOCAL_FILE_CAP).unwrap();
        assert_eq!(read(&big).unwrap().len() as u64, LOCAL_FILE_CAP);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_endless_pipe_stops_at_the_cap() {
        let mut child = std::process::Command::new("yes")
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let fd = std::os::fd::AsRawFd::as_raw_fd(child.stdout.as_ref().unwrap());
        let path = format!("/proc/self/fd/{fd}");
        let e = read(Path::new(&path)).unwrap_err();
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(e.to_string(), "larger than 64 MiB");
    }
}

//! One SFTP session on russh-sftp's raw protocol, in which every request says how much it
//! wants.
//!
//! russh-sftp's own client sizes each read of a file by the server's largest (255 KiB from
//! OpenSSH), which on a block device reads and sends that much for a 2 KiB superblock, and
//! keeps every entry of a folder, collecting them again for each reply. Here a read asks
//! for what is wanted, a file stat says is short is read in one request, and a listing stops
//! at [`MAX_ENTRIES`]. Not here: falling back to exec, deadlines, the output budget's
//! accounting (the SSH transport's).

use russh_sftp::client::error::Error;
use russh_sftp::client::rawsession::Limits;
use russh_sftp::client::RawSftpSession;
use russh_sftp::protocol::{FileAttributes, OpenFlags, StatusCode};

use super::{append_capped, Cut, HostLimits};

/// Bytes a read asks for where the server does not say its limit: SFTP drafts oblige every
/// server to answer 32 KiB whole.
const DEFAULT_READ: u64 = 32 * 1024;
/// Entries a listing keeps: a system's largest folders a scan lists (unit folders, /etc)
/// hold a few hundred.
pub const MAX_ENTRIES: usize = 10_000;

pub struct Session {
    raw: RawSftpSession,
    /// The most one read asks for: the server's limit, else [`DEFAULT_READ`].
    read_len: u64,
}

fn is_eof(error: &Error) -> bool {
    matches!(error, Error::Status(status) if status.status_code == StatusCode::Eof)
}

impl Session {
    /// Starts the protocol on `stream` (a channel with the sftp subsystem); each request
    /// gives up after `timeout_secs`.
    pub async fn start<S>(stream: S, timeout_secs: u64) -> Result<Session, Error>
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let mut raw = RawSftpSession::new(stream);
        raw.set_timeout(timeout_secs);
        let version = raw.init().await?;
        let mut read_len = DEFAULT_READ;
        let has_limits = version
            .extensions
            .get("limits@openssh.com")
            .is_some_and(|v| v == "1");
        if has_limits {
            let limits = Limits::from(raw.limits().await?);
            if let Some(len) = limits.read_len {
                read_len = len.clamp(1, u64::from(u32::MAX));
            }
            raw.set_limits(limits);
        }
        Ok(Session { raw, read_len })
    }

    /// `stat`, following symlinks.
    pub async fn stat(&self, path: &str) -> Result<FileAttributes, Error> {
        Ok(self.raw.stat(path).await?.attrs)
    }

    /// `lstat`: a symlink itself.
    pub async fn lstat(&self, path: &str) -> Result<FileAttributes, Error> {
        Ok(self.raw.lstat(path).await?.attrs)
    }

    pub async fn read_link(&self, path: &str) -> Result<String, Error> {
        let name = self.raw.readlink(path).await?;
        name.files
            .into_iter()
            .next()
            .map(|file| file.filename)
            .ok_or(Error::UnexpectedPacket)
    }

    /// The names in folder `path`, without `.` and `..`, sorted; an error past
    /// [`MAX_ENTRIES`].
    pub async fn list_dir(&self, path: &str) -> Result<Vec<String>, Error> {
        let handle = self.raw.opendir(path).await?.handle;
        let mut names = Vec::new();
        let listed = loop {
            match self.raw.readdir(handle.as_str()).await {
                Ok(reply) => {
                    names.extend(
                        reply
                            .files
                            .into_iter()
                            .map(|file| file.filename)
                            .filter(|name| name != "." && name != ".."),
                    );
                    if names.len() > MAX_ENTRIES {
                        break Err(Error::Limited(format!(
                            "more than {MAX_ENTRIES} entries: not listed"
                        )));
                    }
                }
                Err(e) if is_eof(&e) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        let _ = self.raw.close(handle).await;
        listed.map(|()| {
            names.sort();
            names
        })
    }

    /// The bytes of `path` up to `cap` (and what `limits` allow; Some(cut) where some were
    /// dropped), read to its end; `size` is what stat said (0 for /proc and sysfs files,
    /// whose length only reading tells). A read of a regular file answers what was asked
    /// or up to the file's end, so an answer that ends at `size`, shorter than asked, is the
    /// end: no request is sent only to learn it.
    pub async fn read(
        &self,
        path: &str,
        size: u64,
        cap: usize,
        limits: &HostLimits,
    ) -> Result<(Vec<u8>, Option<Cut>), Error> {
        let handle = self
            .raw
            .open(path, OpenFlags::READ, FileAttributes::empty())
            .await?;
        let handle = handle.handle;
        let mut bytes = Vec::new();
        let mut offset = 0u64;
        let read = loop {
            // One byte more than stat said, to see whether the file holds more.
            let want = if size > 0 && offset < size {
                (size - offset + 1).min(self.read_len)
            } else {
                self.read_len
            };
            match self.raw.read(handle.as_str(), offset, want as u32).await {
                Ok(data) if data.data.is_empty() => break Ok(None),
                Ok(data) => {
                    let got = data.data.len() as u64;
                    offset += got;
                    if let Some(cut) = append_capped(&mut bytes, &data.data, cap, limits) {
                        break Ok(Some(cut));
                    }
                    if size > 0 && offset == size && got < want {
                        break Ok(None);
                    }
                }
                Err(e) if is_eof(&e) => break Ok(None),
                Err(e) => break Err(e),
            }
        };
        let _ = self.raw.close(handle).await;
        read.map(|cut| (bytes, cut))
    }

    /// The first `len` bytes of `path` (fewer where it is shorter): as many requests as
    /// that takes, never more bytes.
    pub async fn read_head(&self, path: &str, len: usize) -> Result<Vec<u8>, Error> {
        let handle = self
            .raw
            .open(path, OpenFlags::READ, FileAttributes::empty())
            .await?;
        let handle = handle.handle;
        let mut bytes = Vec::with_capacity(len);
        let read = loop {
            let want = ((len - bytes.len()) as u64).min(self.read_len);
            if want == 0 {
                break Ok(());
            }
            match self
                .raw
                .read(handle.as_str(), bytes.len() as u64, want as u32)
                .await
            {
                Ok(data) if data.data.is_empty() => break Ok(()),
                Ok(data) => {
                    let room = len - bytes.len();
                    bytes.extend_from_slice(&data.data[..data.data.len().min(room)]);
                }
                Err(e) if is_eof(&e) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        let _ = self.raw.close(handle).await;
        read.map(|()| bytes)
    }

    /// Ends the session (the channel closes with it).
    pub fn close(&self) {
        let _ = self.raw.close_session();
    }
}

#[cfg(test)]
mod tests {
    //! Against OpenSSH's own sftp-server, run as a child process on pipes: what it logs at
    //! DEBUG1 ("request N: read "PATH" (handle H) off O len L") is what was asked of it.

    use super::*;
    use std::time::Duration;

    const SFTP_SERVER: &str = "/usr/lib/openssh/sftp-server";

    struct Server {
        session: Session,
        child: tokio::process::Child,
    }

    async fn server() -> Server {
        let mut child = tokio::process::Command::new(SFTP_SERVER)
            .args(["-e", "-l", "DEBUG1"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("OpenSSH's sftp-server (openssh-sftp-server)");
        let stream = tokio::io::join(child.stdout.take().unwrap(), child.stdin.take().unwrap());
        let session = Session::start(stream, 5).await.unwrap();
        Server { session, child }
    }

    /// The lengths of the reads the server was asked for, in order.
    async fn reads_asked(server: Server) -> Vec<u64> {
        server.session.close();
        drop(server.session);
        let out = server.child.wait_with_output().await.unwrap();
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .filter(|line| line.contains(": read \""))
            .filter_map(|line| line.rsplit_once(" len ")?.1.trim().parse().ok())
            .collect()
    }

    fn limits() -> HostLimits {
        HostLimits::new(Duration::from_secs(5), None, usize::MAX)
    }

    #[tokio::test]
    async fn a_head_asks_for_its_length_only() {
        let dir = tempfile::tempdir().unwrap();
        let disk = dir.path().join("disk");
        let bytes: Vec<u8> = (0..1 << 20).map(|i| (i % 253) as u8).collect();
        std::fs::write(&disk, &bytes).unwrap();
        let server = server().await;
        let head = server
            .session
            .read_head(disk.to_str().unwrap(), 2048)
            .await
            .unwrap();
        assert_eq!(head, bytes[..2048]);
        assert_eq!(reads_asked(server).await, [2048]);
    }

    #[tokio::test]
    async fn a_short_file_is_one_read_and_a_long_one_is_read_to_its_end() {
        let dir = tempfile::tempdir().unwrap();
        let short = dir.path().join("os-release");
        std::fs::write(&short, "ID=debian\nVERSION_ID=\"12\"\n").unwrap();
        let long = dir.path().join("modules.dep");
        let text: Vec<u8> = (0..600_000).map(|i| b'a' + (i % 26) as u8).collect();
        std::fs::write(&long, &text).unwrap();
        let server = server().await;
        let (got, cut) = server
            .session
            .read(short.to_str().unwrap(), 26, 1 << 20, &limits())
            .await
            .unwrap();
        assert_eq!(
            (got.as_slice(), cut),
            (&b"ID=debian\nVERSION_ID=\"12\"\n"[..], None)
        );
        let (got, cut) = server
            .session
            .read(long.to_str().unwrap(), 600_000, 1 << 20, &limits())
            .await
            .unwrap();
        assert_eq!((got.len(), cut), (600_000, None));
        assert_eq!(got, text);
        // Without a size (as for /proc files) the read goes on to the end of file.
        let (got, _) = server
            .session
            .read(short.to_str().unwrap(), 0, 1 << 20, &limits())
            .await
            .unwrap();
        assert_eq!(got.len(), 26);
        let asked = reads_asked(server).await;
        assert_eq!(asked[0], 27, "{asked:?}");
        assert!(asked[1..].iter().all(|len| *len <= 255 * 1024), "{asked:?}");
    }

    #[tokio::test]
    async fn a_listing_stops_at_its_bound() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b", "a", "c"] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        let big = dir.path().join("big");
        std::fs::create_dir(&big).unwrap();
        for i in 0..=MAX_ENTRIES {
            std::fs::write(big.join(i.to_string()), "").unwrap();
        }
        let server = server().await;
        let names = server
            .session
            .list_dir(dir.path().to_str().unwrap())
            .await
            .unwrap();
        assert_eq!(names, ["a", "b", "big", "c"]);
        let refused = server.session.list_dir(big.to_str().unwrap()).await;
        assert!(
            matches!(&refused, Err(Error::Limited(why)) if why.contains("more than 10000")),
            "{refused:?}"
        );
    }
}

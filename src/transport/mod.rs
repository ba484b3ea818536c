//! Transport: run an argv or read a file on a host, over SSH or on this machine.
//!
//! Knows nothing about checks or facts. Quoting, output caps and privilege escalation
//! (`sudo -n`) live here, once; callers hand over plain argv vectors and paths.

pub mod known_hosts;
pub mod local;
pub mod ssh;

use std::future::Future;

/// Largest stdout (and, separately, stderr) kept from one command or file; the rest is dropped
/// and the output is marked truncated.
pub const OUTPUT_CAP: usize = 16 * 1024 * 1024;

/// A command to run on the host: an argv vector, never a shell string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub argv: Vec<String>,
    /// Run through `sudo -n` when the target is configured with `become`.
    pub privileged: bool,
}

impl Command {
    pub fn new(argv: &[&str]) -> Self {
        Command {
            argv: argv.iter().map(|a| a.to_string()).collect(),
            privileged: false,
        }
    }

    pub fn privileged(mut self) -> Self {
        self.privileged = true;
        self
    }

    /// The argv as one POSIX shell string, every word quoted, for transports that can only send
    /// a string (SSH exec). `become` prefixes `sudo -n --`.
    pub fn to_shell_string(&self, sudo: Sudo) -> Result<String, TransportError> {
        // -n: fail rather than prompt; -S -p '': read the password from stdin, print no prompt.
        let prefix: &[&str] = match (sudo, self.privileged) {
            (Sudo::NonInteractive, true) => &["sudo", "-n", "--"],
            (Sudo::WithPassword, true) => &["sudo", "-S", "-p", "", "--"],
            _ => &[],
        };
        let words: Vec<&str> = prefix
            .iter()
            .copied()
            .chain(self.argv.iter().map(String::as_str))
            .collect();
        shlex::try_join(words).map_err(|_| {
            TransportError::Other(format!("argument with a NUL byte in {:?}", self.argv))
        })
    }

    pub fn display(&self) -> String {
        self.argv.join(" ")
    }
}

/// How privileged commands become root (`become` in the inventory).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sudo {
    /// Run as the login user.
    No,
    /// `sudo -n`: a password prompt is an error, never a hang.
    NonInteractive,
    /// `sudo -S`: the password is written to the command's stdin.
    WithPassword,
}

/// What a command left behind. A command that could not be found is exit status 127, as a
/// shell reports it, whichever transport ran it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandOutput {
    /// None when the command died from a signal or the server sent no status.
    pub exit_status: Option<u32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub truncated: bool,
}

impl CommandOutput {
    pub fn success(&self) -> bool {
        self.exit_status == Some(0)
    }

    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// A short, single-line account of a failed run, for a fact's "unknown" reason.
    pub fn failure_reason(&self, cmd: &Command) -> String {
        let stderr = String::from_utf8_lossy(&self.stderr);
        // sshd itself may speak first, for users without a home folder.
        let first = stderr
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with("Could not chdir to home directory"))
            .unwrap_or("");
        let status = match self.exit_status {
            Some(127) => return format!("`{}`: command not found", cmd.display()),
            Some(code) => format!("exit status {code}"),
            None => "killed by a signal".to_string(),
        };
        if first.is_empty() {
            format!("`{}` failed: {status}", cmd.display())
        } else {
            format!("`{}` failed: {status}: {first}", cmd.display())
        }
    }
}

/// A file's contents, capped like command output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileContents {
    pub bytes: Vec<u8>,
    pub truncated: bool,
}

/// What `stat` (following symlinks) says about a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileStat {
    pub kind: FileKind,
    /// Permission bits (0o7777).
    pub mode: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    File,
    Directory,
    Symlink,
    Other,
}

impl FileKind {
    /// From the file-type bits of a Unix mode (S_IFMT).
    pub fn from_mode(mode: u32) -> Self {
        match mode & 0o170_000 {
            0o100_000 => FileKind::File,
            0o040_000 => FileKind::Directory,
            0o120_000 => FileKind::Symlink,
            _ => FileKind::Other,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("{0}: no such file")]
    NotFound(String),
    #[error("{0}: permission denied")]
    PermissionDenied(String),
    #[error("{path}: {reason}")]
    Other { path: String, reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    #[error("connection lost: {0}")]
    Disconnected(String),
    #[error("{0}")]
    Other(String),
}

/// How the facts layer reaches a host. Implemented over SSH and for this machine.
pub trait Transport: Sync {
    fn exec(
        &self,
        cmd: &Command,
    ) -> impl Future<Output = Result<CommandOutput, TransportError>> + Send;
    fn read_file(&self, path: &str)
        -> impl Future<Output = Result<FileContents, ReadError>> + Send;
    /// `stat`, following symlinks.
    fn stat(&self, path: &str) -> impl Future<Output = Result<FileStat, ReadError>> + Send;
    /// The target of a symlink, `None` when `path` is not one.
    fn read_link(
        &self,
        path: &str,
    ) -> impl Future<Output = Result<Option<String>, ReadError>> + Send;
    /// The names in a folder (no `.` or `..`), sorted.
    fn list_dir(&self, path: &str) -> impl Future<Output = Result<Vec<String>, ReadError>> + Send;
}

/// Reads `reader` to its end, keeping at most [`OUTPUT_CAP`] bytes; true when some were dropped.
pub(crate) async fn read_capped<R: tokio::io::AsyncRead + Unpin>(
    reader: R,
) -> std::io::Result<(Vec<u8>, bool)> {
    use tokio::io::AsyncReadExt;
    let mut buf = Vec::new();
    // One byte past the cap tells a full-to-the-cap output from a truncated one.
    reader
        .take(OUTPUT_CAP as u64 + 1)
        .read_to_end(&mut buf)
        .await?;
    let truncated = buf.len() > OUTPUT_CAP;
    buf.truncate(OUTPUT_CAP);
    Ok((buf, truncated))
}

/// Appends `chunk` to `buf` without letting it grow past [`OUTPUT_CAP`]; true when some was dropped.
pub(crate) fn append_capped(buf: &mut Vec<u8>, chunk: &[u8]) -> bool {
    let room = OUTPUT_CAP.saturating_sub(buf.len());
    buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
    chunk.len() > room
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_string_quotes_every_word() {
        let cmd = Command::new(&["cat", "--", "/etc/it's here; rm -rf /"]);
        assert_eq!(
            cmd.to_shell_string(Sudo::No).unwrap(),
            r#"cat -- "/etc/it's here; rm -rf /""#
        );
    }

    #[test]
    fn privileged_command_gets_sudo_only_with_become() {
        let cmd = Command::new(&["lsattr", "/etc/shadow"]).privileged();
        assert_eq!(
            cmd.to_shell_string(Sudo::NonInteractive).unwrap(),
            "sudo -n -- lsattr /etc/shadow"
        );
        assert_eq!(cmd.to_shell_string(Sudo::No).unwrap(), "lsattr /etc/shadow");
        assert_eq!(
            cmd.to_shell_string(Sudo::WithPassword).unwrap(),
            "sudo -S -p '' -- lsattr /etc/shadow"
        );
        let plain = Command::new(&["uname", "-r"]);
        assert_eq!(
            plain.to_shell_string(Sudo::NonInteractive).unwrap(),
            "uname -r"
        );
    }

    #[test]
    fn failure_reason_skips_sshds_home_folder_notice() {
        let output = CommandOutput {
            exit_status: Some(1),
            stderr: b"Could not chdir to home directory /home/ops: No such file or directory\nlsattr: Permission denied While reading flags on /etc/shadow\n".to_vec(),
            ..CommandOutput::default()
        };
        assert_eq!(
            output.failure_reason(&Command::new(&["lsattr", "/etc/shadow"])),
            "`lsattr /etc/shadow` failed: exit status 1: lsattr: Permission denied While reading flags on /etc/shadow"
        );
    }

    #[test]
    fn nul_byte_is_refused() {
        assert!(Command::new(&["cat", "a\0b"])
            .to_shell_string(Sudo::No)
            .is_err());
    }

    #[test]
    fn cap_keeps_the_first_bytes_and_reports_the_drop() {
        let mut buf = vec![0u8; OUTPUT_CAP - 2];
        assert!(append_capped(&mut buf, b"abcd"));
        assert_eq!(buf.len(), OUTPUT_CAP);
        assert_eq!(&buf[OUTPUT_CAP - 2..], b"ab");
        assert!(!append_capped(&mut Vec::new(), b"abcd"));
    }
}

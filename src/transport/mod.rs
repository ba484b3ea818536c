//! Transport: run an argv or read a file on a host, over SSH or on this machine.
//!
//! Knows nothing about checks or facts. Quoting, output caps and privilege escalation
//! (`sudo -n`) live here, once; callers hand over plain argv vectors and paths.

pub mod image;
pub mod known_hosts;
pub mod local;
mod sftp;
pub mod ssh;

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::time::Instant;

/// Largest stdout kept from one command, or content from one file; the rest is dropped and
/// the output is marked cut.
pub const OUTPUT_CAP: usize = 16 * 1024 * 1024;

/// Largest stderr kept from one command: it only ever feeds a one-line message.
pub const STDERR_CAP: usize = 64 * 1024;

/// Bytes one host may send in all, over every command and file, unless configured otherwise.
pub const DEFAULT_HOST_BUDGET: usize = 64 * 1024 * 1024;

/// Why an output was cut short.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cut {
    /// It was longer than this many bytes, the cap of one source.
    Cap(usize),
    /// A command's stderr was longer than this many bytes.
    Stderr(usize),
    /// The host's output budget of this many bytes ran out.
    Budget(usize),
}

impl Cut {
    /// The same cut, said of a command's stderr.
    pub(crate) fn on_stderr(self) -> Cut {
        match self {
            Cut::Cap(bytes) => Cut::Stderr(bytes),
            other => other,
        }
    }
}

impl std::fmt::Display for Cut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cut::Cap(bytes) => write!(f, "more than {}, the cap of one source", size(*bytes)),
            Cut::Stderr(bytes) => write!(f, "more than {} on stderr", size(*bytes)),
            Cut::Budget(bytes) => write!(
                f,
                "more than this host's output budget of {} left",
                size(*bytes)
            ),
        }
    }
}

/// "16 MiB", "64 KiB".
fn size(bytes: usize) -> String {
    if bytes >= 1 << 20 {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{} KiB", bytes >> 10)
    }
}

/// What one host may cost: time for one operation, an instant no operation may pass (the
/// host's deadline, so that collection ends with the facts read so far), and bytes in all.
#[derive(Debug)]
pub struct HostLimits {
    per_operation: Duration,
    until: Option<Instant>,
    budget: usize,
    budget_left: AtomicUsize,
}

impl HostLimits {
    pub fn new(per_operation: Duration, until: Option<Instant>, budget: usize) -> Self {
        HostLimits {
            per_operation,
            until,
            budget,
            budget_left: AtomicUsize::new(budget),
        }
    }

    pub fn per_operation(&self) -> Duration {
        self.per_operation
    }

    /// When an operation starting now must be over.
    pub fn operation_deadline(&self) -> Instant {
        let own = Instant::now() + self.per_operation;
        self.until.map_or(own, |until| own.min(until))
    }

    /// Why an operation that reached its deadline stopped.
    pub fn timeout_reason(&self) -> String {
        match self.until {
            Some(until) if Instant::now() >= until => {
                "the host's deadline passed before it answered".to_string()
            }
            _ => format!("no answer within {} s", self.per_operation.as_secs()),
        }
    }

    /// Err (the reason) when no new operation may start: the time or the bytes are spent.
    pub fn admit(&self) -> Result<(), String> {
        if self.until.is_some_and(|until| Instant::now() >= until) {
            return Err("not asked: the host's deadline had passed".to_string());
        }
        if self.budget_left.load(Ordering::Relaxed) == 0 {
            return Err(format!(
                "not asked: this host's output budget of {} was spent",
                size(self.budget)
            ));
        }
        Ok(())
    }

    /// Takes up to `want` bytes from the budget; how many it gave.
    fn take(&self, want: usize) -> usize {
        let mut granted = 0;
        let _ = self
            .budget_left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                granted = want.min(left);
                Some(left - granted)
            });
        granted
    }
}

impl Default for HostLimits {
    /// `local`: one minute per operation, no deadline, the default budget.
    fn default() -> Self {
        HostLimits::new(Duration::from_secs(60), None, DEFAULT_HOST_BUDGET)
    }
}

/// A command to run on the host: an argv vector, never a shell string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
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
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CommandOutput {
    /// None when the command died from a signal or the server sent no status.
    pub exit_status: Option<u32>,
    #[serde(with = "text_or_base64")]
    pub stdout: Vec<u8>,
    #[serde(with = "text_or_base64")]
    pub stderr: Vec<u8>,
    /// Some when stdout or stderr was cut short; the command was stopped then.
    pub cut: Option<Cut>,
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
        let first = excerpt(
            stderr
                .lines()
                .map(str::trim)
                .filter(|l| !l.starts_with("Could not chdir to home directory")),
            1,
        );
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

/// Bytes as text, invalid UTF-8 replaced; without a copy when they are valid, as a host's
/// files almost always are.
pub fn into_text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Longest excerpt of a host's message kept in a fact or a report.
pub const EXCERPT_BYTES: usize = 300;

/// The first `lines` non-empty lines of a host's message, joined with "; ", control
/// characters escaped, at most [`EXCERPT_BYTES`] bytes (then "…"): what a fact keeps of a
/// command's stderr, however long it was.
pub fn excerpt<'a>(lines: impl Iterator<Item = &'a str>, count: usize) -> String {
    let mut out = String::new();
    for line in lines.map(str::trim).filter(|l| !l.is_empty()).take(count) {
        if !out.is_empty() {
            out.push_str("; ");
        }
        for c in line.chars().flat_map(char::escape_debug) {
            if out.len() + c.len_utf8() > EXCERPT_BYTES {
                out.push('…');
                return out;
            }
            out.push(c);
        }
    }
    out
}

/// A file's contents, capped like command output.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileContents {
    #[serde(with = "text_or_base64")]
    pub bytes: Vec<u8>,
    pub cut: Option<Cut>,
}

/// What `stat` (following symlinks) says about a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileStat {
    pub kind: FileKind,
    /// Permission bits (0o7777).
    pub mode: u32,
    /// Length in bytes (0 for /proc files, whose length is only known by reading them).
    #[serde(default)]
    pub size: u64,
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

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadError {
    #[error("{0}: no such file")]
    NotFound(String),
    #[error("{0}: permission denied")]
    PermissionDenied(String),
    #[error("{path}: {reason}")]
    Other { path: String, reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
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
    /// The first `len` bytes (fewer where it is shorter) of a regular file or a block
    /// device: a disk's partition table, a file system's superblock.
    fn read_head(
        &self,
        path: &str,
        len: usize,
    ) -> impl Future<Output = Result<FileContents, ReadError>> + Send;
}

/// Whether a Unix mode (with its S_IFMT bits) is a regular file or a block device: what
/// [`Transport::read_head`] reads. A FIFO or a character device may block or never end.
pub(crate) fn is_file_or_block_device(mode: u32) -> bool {
    matches!(mode & 0o170_000, 0o100_000 | 0o060_000)
}

/// Bytes in JSON: a string when they are UTF-8 (as a host's text almost always is, and
/// readable so), else `{"base64": "..."}`.
mod text_or_base64 {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(untagged)]
    enum Encoded {
        Text(String),
        Binary { base64: String },
    }

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        // Written as they are, not copied first: an answer may be 16 MB.
        match std::str::from_utf8(bytes) {
            Ok(text) => serializer.serialize_str(text),
            Err(_) => Encoded::Binary {
                base64: data_encoding::BASE64.encode(bytes),
            }
            .serialize(serializer),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        match Encoded::deserialize(deserializer)? {
            Encoded::Text(text) => Ok(text.into_bytes()),
            Encoded::Binary { base64 } => data_encoding::BASE64
                .decode(base64.as_bytes())
                .map_err(serde::de::Error::custom),
        }
    }
}

/// The error for a path that is a FIFO, socket or device: opening one may block forever.
pub(crate) fn not_regular(path: &str) -> ReadError {
    ReadError::Other {
        path: path.to_string(),
        reason: "not a regular file (a FIFO, socket or device): not read".to_string(),
    }
}

/// Reads `reader` to its end, keeping at most `cap` bytes and what `limits` allow; Some(cut)
/// when some were dropped (reading stops there).
pub(crate) async fn read_capped<R: tokio::io::AsyncRead + Unpin>(
    mut reader: R,
    cap: usize,
    limits: &HostLimits,
) -> std::io::Result<(Vec<u8>, Option<Cut>)> {
    use tokio::io::AsyncReadExt;
    let mut buf = Vec::new();
    // Small at first: most of what is read is a few KiB, and a 64 KiB buffer per read is
    // allocator churn. It doubles while reads fill it.
    let mut chunk = vec![0u8; 8 * 1024];
    loop {
        let n = reader.read(&mut chunk).await?;
        if n == 0 {
            return Ok((buf, None));
        }
        if let Some(cut) = append_capped(&mut buf, &chunk[..n], cap, limits) {
            return Ok((buf, Some(cut)));
        }
        if n == chunk.len() && chunk.len() < 64 * 1024 {
            chunk.resize(chunk.len() * 2, 0);
        }
    }
}

/// [`append_capped`] for a command's stderr: its own, smaller cap.
pub(crate) fn append_stderr(buf: &mut Vec<u8>, chunk: &[u8], limits: &HostLimits) -> Option<Cut> {
    append_capped(buf, chunk, STDERR_CAP, limits).map(Cut::on_stderr)
}

/// Appends `chunk` to `buf` without letting it grow past `cap` or spend more than `limits`
/// have left; Some(cut) when some was dropped.
pub(crate) fn append_capped(
    buf: &mut Vec<u8>,
    chunk: &[u8],
    cap: usize,
    limits: &HostLimits,
) -> Option<Cut> {
    let room = cap.saturating_sub(buf.len());
    let want = chunk.len().min(room);
    let granted = limits.take(want);
    buf.extend_from_slice(&chunk[..granted]);
    if granted < want {
        Some(Cut::Budget(limits.budget))
    } else if chunk.len() > room {
        Some(Cut::Cap(cap))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn read_capped_reads_past_its_first_buffer_and_cuts_at_the_cap() {
        let limits = HostLimits::new(Duration::from_secs(5), None, usize::MAX);
        let data: Vec<u8> = (0..300 * 1024).map(|i| (i % 251) as u8).collect();
        let (whole, cut) = read_capped(&data[..], OUTPUT_CAP, &limits).await.unwrap();
        assert_eq!(whole, data);
        assert_eq!(cut, None);
        let (head, cut) = read_capped(&data[..], 100_000, &limits).await.unwrap();
        assert_eq!(head, data[..100_000]);
        assert_eq!(cut, Some(Cut::Cap(100_000)));
    }

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
        let limits = HostLimits::default();
        let mut buf = vec![0u8; 10];
        assert_eq!(
            append_capped(&mut buf, b"abcd", 12, &limits),
            Some(Cut::Cap(12))
        );
        assert_eq!(&buf[10..], b"ab");
        assert_eq!(append_capped(&mut Vec::new(), b"abcd", 12, &limits), None);
    }

    #[test]
    fn the_budget_is_shared_by_every_output_of_a_host() {
        let limits = HostLimits::new(Duration::from_secs(1), None, 10);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        assert_eq!(append_capped(&mut a, b"123456", 100, &limits), None);
        assert_eq!(
            append_capped(&mut b, b"abcdef", 100, &limits),
            Some(Cut::Budget(10))
        );
        assert_eq!((a.len(), b.as_slice()), (6, &b"abcd"[..]));
        assert_eq!(
            limits.admit(),
            Err("not asked: this host's output budget of 0 KiB was spent".to_string())
        );
        assert_eq!(
            Cut::Budget(64 << 20).to_string(),
            "more than this host's output budget of 64 MiB left"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn nothing_starts_after_the_hosts_deadline() {
        let limits = HostLimits::new(
            Duration::from_secs(30),
            Some(Instant::now() + Duration::from_secs(10)),
            DEFAULT_HOST_BUDGET,
        );
        assert!(limits.operation_deadline() <= Instant::now() + Duration::from_secs(10));
        assert_eq!(limits.timeout_reason(), "no answer within 30 s");
        tokio::time::advance(Duration::from_secs(11)).await;
        assert_eq!(
            limits.admit(),
            Err("not asked: the host's deadline had passed".to_string())
        );
        assert_eq!(
            limits.timeout_reason(),
            "the host's deadline passed before it answered"
        );
    }

    #[test]
    fn excerpts_are_short_single_lines_without_control_characters() {
        let flood = format!("\n\nfirst \u{1b}[31m{}\0\nsecond", "x".repeat(100_000));
        let one = excerpt(flood.lines(), 1);
        assert!(one.starts_with("first \\u{1b}[31mxxx"), "{one}");
        assert!(one.len() <= EXCERPT_BYTES + '…'.len_utf8() && one.ends_with('…'));
        assert_eq!(excerpt("a\n\n b \nc".lines(), 2), "a; b");
        assert_eq!(excerpt("".lines(), 3), "");
    }
}

//! Captures: the exact record of what a host answered, to parse again later.
//!
//! A [`Recorder`] wraps the live transport during collection and keeps, for every question
//! the collector asked, the answer as it came: a command's argv, exit status, stdout and
//! stderr (bytes, and where they were cut), a file's content, a stat, a link target, a
//! folder listing, or the error, with how long it took. Nothing derived, and nothing secret:
//! the collector never reads /etc/shadow (only its attributes), and a `sudo -S` password
//! goes to the command's stdin, which is not recorded.
//!
//! [`Replay`] answers the same questions from a capture, exactly as the host did, so
//! `facts::collect` over a replay gives the facts of the live scan (the second collection
//! round asks what the first round's answers call for, and gets the same answers again).
//! A question the capture does not hold is an error that says so.
//!
//! The file is gzip-compressed JSON lines: a header line (format, version, host, time), then
//! one line per answer. The recorder keeps a host's answers as they are until they pass
//! [`RAW_LIMIT`], then compresses each one as it arrives, so a host that sends 16 MB of fstab
//! costs its compressed size while the scan goes on, not a copy, and the usual host, whose
//! answers are a few dozen KiB, costs no deflate state (some 300 KiB) while it is in flight.
//! Either way the file's bytes are the same: one gzip member of the same lines.

use std::collections::HashMap;
use std::io::{BufRead, Read, Write};
use std::path::Path;
use std::sync::Mutex;

use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};

use crate::transport::{
    Command, CommandOutput, FileContents, FileStat, ReadError, Transport, TransportError,
};

/// The `format` of the captures this build writes and reads.
pub const FORMAT: &str = "image_check capture 1";

/// File name of a host's capture in a run folder.
pub const FILE_NAME: &str = "capture.json.gz";

/// The first line of a capture file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub format: String,
    /// The image_check version that recorded it.
    pub tool_version: String,
    pub host: String,
    pub address: String,
    /// When the collection ran, as the report prints it.
    pub time: String,
}

impl Header {
    /// A header for a capture this build records now.
    pub fn new(host: &str, address: &str, time: &str) -> Self {
        Header {
            format: FORMAT.to_string(),
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            host: host.to_string(),
            address: address.to_string(),
            time: time.to_string(),
        }
    }
}

/// Everything one host answered during one collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capture {
    pub header: Header,
    /// In the order the answers arrived.
    pub answers: Vec<Answer>,
}

/// One question and the host's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Answer {
    Exec {
        command: Command,
        millis: u64,
        result: Result<CommandOutput, TransportError>,
    },
    Read {
        path: String,
        millis: u64,
        result: Result<FileContents, ReadError>,
    },
    Stat {
        path: String,
        millis: u64,
        result: Result<FileStat, ReadError>,
    },
    ReadLink {
        path: String,
        millis: u64,
        result: Result<Option<String>, ReadError>,
    },
    ListDir {
        path: String,
        millis: u64,
        result: Result<Vec<String>, ReadError>,
    },
    ReadHead {
        path: String,
        len: usize,
        millis: u64,
        result: Result<FileContents, ReadError>,
    },
}

/// What was asked: the key an answer is found by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Question {
    Exec(Command),
    Read(String),
    Stat(String),
    ReadLink(String),
    ListDir(String),
    ReadHead(String, usize),
}

impl Answer {
    fn question(&self) -> Question {
        match self {
            Answer::Exec { command, .. } => Question::Exec(command.clone()),
            Answer::Read { path, .. } => Question::Read(path.clone()),
            Answer::Stat { path, .. } => Question::Stat(path.clone()),
            Answer::ReadLink { path, .. } => Question::ReadLink(path.clone()),
            Answer::ListDir { path, .. } => Question::ListDir(path.clone()),
            Answer::ReadHead { path, len, .. } => Question::ReadHead(path.clone(), *len),
        }
    }
}

/// One gzip member of JSON lines.
fn gzip_lines<T: Serialize>(items: impl Iterator<Item = T>) -> std::io::Result<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::default());
    for item in items {
        serde_json::to_writer(&mut encoder, &item).map_err(std::io::Error::other)?;
        encoder.write_all(b"\n")?;
    }
    encoder.finish()
}

/// The bytes of a capture file: the header's member, then the answers' (gzip members
/// concatenate).
fn file_bytes(header: &Header, answers_gz: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut bytes = gzip_lines(std::iter::once(header))?;
    bytes.extend_from_slice(answers_gz);
    Ok(bytes)
}

impl Capture {
    /// The bytes of its capture file.
    pub fn to_gzip(&self) -> std::io::Result<Vec<u8>> {
        file_bytes(&self.header, &gzip_lines(self.answers.iter())?)
    }

    /// Reads a capture file; the error says what is wrong with it.
    pub fn load(path: &Path) -> Result<Capture, String> {
        // A capture of one host is well under this; more is not a capture.
        const MAX_JSON: u64 = 512 << 20;
        let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
        let lines = std::io::BufReader::new(MultiGzDecoder::new(file).take(MAX_JSON + 1));
        let mut header = None;
        let mut answers = Vec::new();
        let mut size = 0u64;
        for (index, line) in lines.lines().enumerate() {
            let line =
                line.map_err(|e| format!("not a capture (gzip-compressed JSON lines): {e}"))?;
            size += line.len() as u64 + 1;
            if size > MAX_JSON {
                return Err(format!("larger than {} MiB: not a capture", MAX_JSON >> 20));
            }
            let bad = |e: serde_json::Error| format!("not a capture: line {}: {e}", index + 1);
            match &header {
                None => {
                    let first: Header = serde_json::from_str(&line).map_err(bad)?;
                    if first.format != FORMAT {
                        return Err(format!(
                            "a capture of format {:?}; this image_check reads {FORMAT:?}",
                            first.format
                        ));
                    }
                    header = Some(first);
                }
                Some(_) => answers.push(serde_json::from_str(&line).map_err(bad)?),
            }
        }
        let header = header.ok_or("empty: not a capture")?;
        Ok(Capture { header, answers })
    }
}

/// Bytes of JSON lines a [`Recorder`] keeps uncompressed before it starts a deflate state.
pub const RAW_LIMIT: usize = 64 << 10;

/// A transport that records every answer of the one it wraps.
pub struct Recorder<'a, T> {
    inner: &'a T,
    answers: Mutex<Result<Kept, String>>,
}

/// The answers so far: JSON lines, then, past [`RAW_LIMIT`], their compression.
enum Kept {
    Lines(Vec<u8>),
    Compressed(GzEncoder<Vec<u8>>),
}

impl Kept {
    fn write(&mut self, answer: &Answer) -> std::io::Result<()> {
        match self {
            Kept::Lines(lines) => {
                serde_json::to_writer(&mut *lines, answer).map_err(std::io::Error::other)?;
                lines.push(b'\n');
                if lines.len() > RAW_LIMIT {
                    let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::default());
                    encoder.write_all(lines)?;
                    *self = Kept::Compressed(encoder);
                }
                Ok(())
            }
            Kept::Compressed(encoder) => {
                serde_json::to_writer(&mut *encoder, answer).map_err(std::io::Error::other)?;
                encoder.write_all(b"\n")
            }
        }
    }

    fn finish(self) -> std::io::Result<Vec<u8>> {
        let encoder = match self {
            Kept::Lines(lines) => {
                let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::default());
                encoder.write_all(&lines)?;
                encoder
            }
            Kept::Compressed(encoder) => encoder,
        };
        encoder.finish()
    }
}

/// What a [`Recorder`] kept: its answers, compressed.
#[derive(Debug)]
pub struct Recording {
    answers_gz: Vec<u8>,
}

impl Recording {
    /// The bytes of the capture file, under `header`.
    pub fn file_bytes(&self, header: &Header) -> std::io::Result<Vec<u8>> {
        file_bytes(header, &self.answers_gz)
    }
}

impl<'a, T: Transport> Recorder<'a, T> {
    pub fn new(inner: &'a T) -> Self {
        Recorder {
            inner,
            answers: Mutex::new(Ok(Kept::Lines(Vec::new()))),
        }
    }

    /// The answers, in the order they arrived; Err if they could not be kept.
    pub fn into_recording(self) -> Result<Recording, String> {
        let kept = self
            .answers
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())?;
        let answers_gz = kept
            .finish()
            .map_err(|e| format!("cannot compress the capture: {e}"))?;
        Ok(Recording { answers_gz })
    }

    /// Writes `answer` into the recording; by reference, so that a 16 MB answer is never
    /// copied on its way to the collector.
    fn keep(&self, answer: &Answer) {
        let mut answers = self.answers.lock().unwrap_or_else(|e| e.into_inner());
        if let Ok(kept) = answers.as_mut() {
            if let Err(e) = kept.write(answer) {
                *answers = Err(format!("cannot compress the capture: {e}"));
            }
        }
    }
}

fn millis_since(start: std::time::Instant) -> u64 {
    start.elapsed().as_millis().try_into().unwrap_or(u64::MAX)
}

/// Asks the inner transport, keeps the answer, and gives its result back out of it (so a
/// large output is never copied): `record!(self, QUESTION => Variant { fields })`.
macro_rules! record {
    ($recorder:ident, $question:expr => $variant:ident { $($field:ident: $value:expr),* }) => {{
        let start = std::time::Instant::now();
        let result = $question.await;
        let answer = Answer::$variant {
            $($field: $value,)*
            millis: millis_since(start),
            result,
        };
        $recorder.keep(&answer);
        let Answer::$variant { result, .. } = answer else {
            unreachable!(concat!("built as ", stringify!($variant), " above"))
        };
        result
    }};
}

impl<T: Transport> Transport for Recorder<'_, T> {
    async fn exec(&self, cmd: &Command) -> Result<CommandOutput, TransportError> {
        record!(self, self.inner.exec(cmd) => Exec { command: cmd.clone() })
    }

    async fn read_file(&self, path: &str) -> Result<FileContents, ReadError> {
        record!(self, self.inner.read_file(path) => Read { path: path.to_string() })
    }

    async fn stat(&self, path: &str) -> Result<FileStat, ReadError> {
        record!(self, self.inner.stat(path) => Stat { path: path.to_string() })
    }

    async fn read_link(&self, path: &str) -> Result<Option<String>, ReadError> {
        record!(self, self.inner.read_link(path) => ReadLink { path: path.to_string() })
    }

    async fn list_dir(&self, path: &str) -> Result<Vec<String>, ReadError> {
        record!(self, self.inner.list_dir(path) => ListDir { path: path.to_string() })
    }

    async fn read_head(&self, path: &str, len: usize) -> Result<FileContents, ReadError> {
        record!(self, self.inner.read_head(path, len) => ReadHead { path: path.to_string(), len: len })
    }
}

/// A transport that answers from a capture. A question asked more than once gets the
/// answers in the order they were recorded, the last one again after that.
pub struct Replay {
    answers: Mutex<HashMap<Question, (Vec<Answer>, usize)>>,
}

impl Replay {
    pub fn new(answers: &[Answer]) -> Self {
        let mut by_question: HashMap<Question, (Vec<Answer>, usize)> = HashMap::new();
        for answer in answers {
            by_question
                .entry(answer.question())
                .or_default()
                .0
                .push(answer.clone());
        }
        Replay {
            answers: Mutex::new(by_question),
        }
    }

    fn answer(&self, question: Question) -> Option<Answer> {
        let mut answers = self.answers.lock().unwrap_or_else(|e| e.into_inner());
        let (recorded, next) = answers.get_mut(&question)?;
        let answer = recorded.get(*next).or(recorded.last())?.clone();
        *next += 1;
        Some(answer)
    }
}

fn not_captured(path: &str) -> ReadError {
    ReadError::Other {
        path: path.to_string(),
        reason: "the capture holds no answer for this path (recorded by another version?)"
            .to_string(),
    }
}

impl Transport for Replay {
    async fn exec(&self, cmd: &Command) -> Result<CommandOutput, TransportError> {
        match self.answer(Question::Exec(cmd.clone())) {
            Some(Answer::Exec { result, .. }) => result,
            _ => Err(TransportError::Other(format!(
                "the capture holds no answer for `{}` (recorded by another version?)",
                cmd.display()
            ))),
        }
    }

    async fn read_file(&self, path: &str) -> Result<FileContents, ReadError> {
        match self.answer(Question::Read(path.to_string())) {
            Some(Answer::Read { result, .. }) => result,
            _ => Err(not_captured(path)),
        }
    }

    async fn stat(&self, path: &str) -> Result<FileStat, ReadError> {
        match self.answer(Question::Stat(path.to_string())) {
            Some(Answer::Stat { result, .. }) => result,
            _ => Err(not_captured(path)),
        }
    }

    async fn read_link(&self, path: &str) -> Result<Option<String>, ReadError> {
        match self.answer(Question::ReadLink(path.to_string())) {
            Some(Answer::ReadLink { result, .. }) => result,
            _ => Err(not_captured(path)),
        }
    }

    async fn list_dir(&self, path: &str) -> Result<Vec<String>, ReadError> {
        match self.answer(Question::ListDir(path.to_string())) {
            Some(Answer::ListDir { result, .. }) => result,
            _ => Err(not_captured(path)),
        }
    }

    async fn read_head(&self, path: &str, len: usize) -> Result<FileContents, ReadError> {
        match self.answer(Question::ReadHead(path.to_string(), len)) {
            Some(Answer::ReadHead { result, .. }) => result,
            _ => Err(not_captured(path)),
        }
    }
}

/// The fixture hosts' kept captures (tests/data/captures/HOST.json.gz) for unit tests: the
/// parsers, the checks and the fleet tests read one copy of each host's outputs, and
/// tests/checks_fleet.rs keeps these copies equal to what the fleet's hosts answer.
#[cfg(test)]
pub(crate) mod fixtures {
    use std::collections::BTreeMap;
    use std::sync::{Mutex, OnceLock};

    use super::*;
    use crate::facts::Facts;

    type Cache<T> = OnceLock<Mutex<BTreeMap<String, T>>>;

    /// `cache`'s value for HOST, made by `make` the first time it is asked for.
    fn cached<T: Clone>(cache: &'static Cache<T>, host: &str, make: impl FnOnce() -> T) -> T {
        let mut values = cache
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        values.entry(host.to_string()).or_insert_with(make).clone()
    }

    /// HOST's capture, loaded once per test binary.
    pub(crate) fn capture(host: &str) -> Capture {
        static LOADED: Cache<Capture> = OnceLock::new();
        cached(&LOADED, host, || {
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(format!("tests/data/captures/{host}.json.gz"));
            Capture::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        })
    }

    /// What `argv` printed on HOST.
    pub(crate) fn stdout(host: &str, argv: &[&str]) -> String {
        let asked = Command::new(argv);
        capture(host)
            .answers
            .iter()
            .find_map(|answer| match answer {
                Answer::Exec {
                    command,
                    result: Ok(output),
                    ..
                } if command.argv == asked.argv => {
                    Some(String::from_utf8_lossy(&output.stdout).into_owned())
                }
                _ => None,
            })
            .unwrap_or_else(|| panic!("{host}'s capture holds no output of {argv:?}"))
    }

    /// HOST's facts, as its capture parses: parsed once per test binary.
    pub(crate) fn facts(host: &str) -> Facts {
        static PARSED: Cache<Facts> = OnceLock::new();
        cached(&PARSED, host, || {
            let capture = capture(host);
            tokio::runtime::Builder::new_current_thread()
                .build()
                .expect("a tokio runtime")
                .block_on(crate::facts::collect(&Replay::new(&capture.answers)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::local::LocalTransport;

    #[tokio::test]
    async fn replay_answers_as_the_host_did_and_says_what_it_lacks() {
        let local = LocalTransport::default();
        let recorder = Recorder::new(&local);
        let echo = Command::new(&["sh", "-c", "printf 'a\\377b'; echo err >&2; exit 3"]);
        let live = recorder.exec(&echo).await.unwrap();
        let missing = recorder.read_file("/nonexistent/image-check").await;
        let header = Header::new("h", "a", "t");
        let recorded = recorder
            .into_recording()
            .unwrap()
            .file_bytes(&header)
            .unwrap();
        let dir = std::env::temp_dir().join(format!("ic-capture-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join(FILE_NAME);
        std::fs::write(&file, &recorded).unwrap();
        let loaded = Capture::load(&file).unwrap();
        assert_eq!(loaded.header, header);
        assert_eq!(
            loaded.answers.len(),
            2,
            "binary stdout survives the JSON round trip"
        );
        assert_eq!(
            loaded.to_gzip().unwrap(),
            recorded,
            "written again, the same bytes"
        );

        let replay = Replay::new(&loaded.answers);
        assert_eq!(replay.exec(&echo).await.unwrap(), live);
        assert_eq!(live.stdout, b"a\xffb");
        assert_eq!(replay.read_file("/nonexistent/image-check").await, missing);
        let other = replay
            .exec(&Command::new(&["uname", "-r"]))
            .await
            .unwrap_err();
        assert_eq!(
            other.to_string(),
            "the capture holds no answer for `uname -r` (recorded by another version?)"
        );
        std::fs::write(&file, b"{\"format\": \"something else\"}").unwrap();
        assert!(Capture::load(&file)
            .unwrap_err()
            .starts_with("not a capture"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn answers_past_the_raw_limit_make_the_same_file_bytes() {
        let dir = std::env::temp_dir().join(format!("ic-capture-big-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let big = dir.join("big.txt");
        let text: String = (0..40_000).map(|i| format!("line {i}\n")).collect();
        assert!(text.len() > 3 * RAW_LIMIT);
        std::fs::write(&big, &text).unwrap();
        let local = LocalTransport::default();
        let recorder = Recorder::new(&local);
        let uname = Command::new(&["uname", "-s"]);
        recorder.exec(&uname).await.unwrap();
        let read = recorder.read_file(big.to_str().unwrap()).await.unwrap();
        recorder.exec(&uname).await.unwrap();
        let header = Header::new("h", "a", "t");
        let recorded = recorder
            .into_recording()
            .unwrap()
            .file_bytes(&header)
            .unwrap();
        assert!(
            recorded.len() < text.len() / 2,
            "compressed: {}",
            recorded.len()
        );
        let file = dir.join(FILE_NAME);
        std::fs::write(&file, &recorded).unwrap();
        let loaded = Capture::load(&file).unwrap();
        assert_eq!(loaded.answers.len(), 3);
        assert_eq!(read.bytes, text.as_bytes());
        assert_eq!(
            loaded.to_gzip().unwrap(),
            recorded,
            "compressed from the limit on, the bytes of one member written line by line"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

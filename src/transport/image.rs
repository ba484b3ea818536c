//! The image transport: a disk image file answers the collector's reads, as the running
//! system would have, from its root file system (ext2/3/4 or XFS, on a partition, a whole
//! disk or a linear LVM volume). Commands cannot run in a file: each one is an error that
//! says so, so the facts it feeds are WARNING x099 ("not knowable from a disk image").
//!
//! The file system readers are not thread-safe (ext4-view keeps `Rc`s), so one thread owns
//! the root file system and answers requests in turn.

use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};

use super::{
    Command, CommandOutput, Cut, FileContents, FileKind, FileStat, ReadError, Transport,
    TransportError, OUTPUT_CAP,
};
use crate::image::ext::{ExtFs, FileType};
use crate::image::volumes::{self, Content};
use crate::image::xfs::{self, Xfs};
use crate::image::{self, lvm, VirtualDisk};

/// The files a root file system has, one of which tells it from /boot or /home.
const ROOT_MARKS: [&str; 2] = ["/etc/os-release", "/etc/fstab"];

enum Request {
    Read(String),
    Stat(String),
    ReadLink(String),
    ListDir(String),
}

enum Answer {
    Read(Result<FileContents, ReadError>),
    Stat(Result<FileStat, ReadError>),
    ReadLink(Result<Option<String>, ReadError>),
    ListDir(Result<Vec<String>, ReadError>),
}

/// A disk image opened for reading, its root file system found.
pub struct ImageTransport {
    requests: Mutex<mpsc::Sender<(Request, tokio::sync::oneshot::Sender<Answer>)>>,
    /// Where the root file system was found, e.g. "partition 2 (LVM centos-root), ext4".
    pub root: String,
}

/// One file system, as both readers answer.
enum Fs<'d> {
    Ext(ExtFs),
    Xfs(Xfs<'d>),
}

fn other(path: &str, reason: impl std::fmt::Display) -> ReadError {
    ReadError::Other {
        path: path.to_string(),
        reason: reason.to_string(),
    }
}

fn from_image(path: &str, e: image::Error) -> ReadError {
    match e {
        image::Error::NotFound { .. } => ReadError::NotFound(path.to_string()),
        other_error => other(path, other_error),
    }
}

impl Fs<'_> {
    fn answer(&self, request: Request) -> Answer {
        match request {
            Request::Read(path) => Answer::Read(self.read(&path)),
            Request::Stat(path) => Answer::Stat(self.stat(&path)),
            Request::ReadLink(path) => Answer::ReadLink(self.read_link(&path)),
            Request::ListDir(path) => Answer::ListDir(self.list_dir(&path)),
        }
    }

    fn read(&self, path: &str) -> Result<FileContents, ReadError> {
        let kind = self.stat(path)?.kind;
        if kind != FileKind::File {
            return Err(super::not_regular(path));
        }
        let (bytes, cut) = match self {
            Fs::Ext(fs) => {
                let contents = fs
                    .read_file(path, OUTPUT_CAP)
                    .map_err(|e| from_image(path, e))?;
                (contents.bytes, contents.cut)
            }
            Fs::Xfs(fs) => fs
                .read_file(path, OUTPUT_CAP as u64)
                .map_err(|e| other(path, e))?
                .ok_or_else(|| ReadError::NotFound(path.to_string()))?,
        };
        Ok(FileContents {
            bytes,
            cut: cut.then_some(Cut::Cap(OUTPUT_CAP)),
        })
    }

    fn stat(&self, path: &str) -> Result<FileStat, ReadError> {
        match self {
            Fs::Ext(fs) => {
                let stat = fs.stat(path).map_err(|e| from_image(path, e))?;
                let kind = match stat.file_type {
                    FileType::Regular => FileKind::File,
                    FileType::Directory => FileKind::Directory,
                    FileType::Symlink => FileKind::Symlink,
                    _ => FileKind::Other,
                };
                Ok(FileStat {
                    kind,
                    mode: u32::from(stat.mode),
                    size: stat.size,
                })
            }
            Fs::Xfs(fs) => {
                let stat = fs
                    .stat(path)
                    .map_err(|e| other(path, e))?
                    .ok_or_else(|| ReadError::NotFound(path.to_string()))?;
                let kind = match stat.kind {
                    xfs::Kind::File => FileKind::File,
                    xfs::Kind::Directory => FileKind::Directory,
                    xfs::Kind::Symlink => FileKind::Symlink,
                    xfs::Kind::Other => FileKind::Other,
                };
                Ok(FileStat {
                    kind,
                    mode: stat.mode,
                    size: stat.size,
                })
            }
        }
    }

    fn read_link(&self, path: &str) -> Result<Option<String>, ReadError> {
        match self {
            Fs::Ext(fs) => fs
                .readlink(path)
                .map(|t| t.map(|t| String::from_utf8_lossy(&t).into_owned()))
                .map_err(|e| from_image(path, e)),
            Fs::Xfs(fs) => fs.read_link(path).map_err(|e| other(path, e)),
        }
    }

    fn list_dir(&self, path: &str) -> Result<Vec<String>, ReadError> {
        match self {
            Fs::Ext(fs) => Ok(fs
                .list_dir(path)
                .map_err(|e| from_image(path, e))?
                .into_iter()
                .map(|e| String::from_utf8_lossy(&e.name).into_owned())
                .collect()),
            Fs::Xfs(fs) => fs
                .list_dir(path)
                .map_err(|e| other(path, e))?
                .ok_or_else(|| ReadError::NotFound(path.to_string())),
        }
    }

    fn is_root(&self) -> bool {
        ROOT_MARKS
            .iter()
            .any(|mark| matches!(self.stat(mark), Ok(s) if s.kind == FileKind::File))
    }
}

/// A volume that may hold a file system: where it is ("partition 2 (LVM root)"), its bytes
/// and what its magic numbers say.
type Candidate = (String, Arc<dyn VirtualDisk>, Content);

/// Every volume that may hold a file system: partitions and whole disks, and the logical
/// volumes of LVM physical volumes.
fn candidates(disk: &Arc<dyn VirtualDisk>) -> Result<Vec<Candidate>, image::Error> {
    let (_, found) = volumes::read(disk)?;
    let mut out: Vec<Candidate> = Vec::new();
    for volume in found {
        let (place, slice): (String, Arc<dyn VirtualDisk>) = match &volume.partition {
            Some(partition) => (
                format!("partition {}", partition.number),
                Arc::new(partition.open(Arc::clone(disk))?),
            ),
            None => ("the whole disk".to_string(), Arc::clone(disk)),
        };
        if volume.content == Content::LvmPhysicalVolume {
            for lv in lvm::logical_volumes(slice.as_ref())? {
                let Ok(linear) = lv.open(Arc::clone(&slice)) else {
                    continue;
                };
                let linear: Arc<dyn VirtualDisk> = Arc::new(linear);
                let content = volumes::probe(linear.as_ref())?;
                out.push((format!("{place} (LVM {})", lv.name), linear, content));
            }
        } else {
            out.push((place, slice, volume.content));
        }
    }
    Ok(out)
}

impl ImageTransport {
    /// Opens `path` (its container format detected, or `format`) and finds its root file
    /// system; the error is the one line the image's row shows.
    pub fn open(path: &Path, format: Option<image::Format>) -> Result<ImageTransport, String> {
        let disk = image::open(path, format).map_err(|e| e.to_string())?;
        let volumes = candidates(&disk).map_err(|e| e.to_string())?;
        let (tx, rx) = mpsc::channel::<(Request, tokio::sync::oneshot::Sender<Answer>)>();
        let (found_tx, found_rx) = mpsc::channel::<Result<String, String>>();
        let image_path: PathBuf = path.to_path_buf();
        std::thread::spawn(move || {
            let mut seen = Vec::new();
            let mut root = None;
            for (place, volume, content) in &volumes {
                let fs = match content {
                    Content::Ext(_) => ExtFs::open(Arc::clone(volume)).ok().map(Fs::Ext),
                    Content::Xfs => Xfs::open(volume.as_ref(), 0, &image_path)
                        .ok()
                        .flatten()
                        .map(Fs::Xfs),
                    _ => None,
                };
                seen.push(format!("{place}: {content:?}"));
                if let Some(fs) = fs.filter(Fs::is_root) {
                    let kind = match fs {
                        Fs::Ext(_) => "ext",
                        Fs::Xfs(_) => "XFS",
                    };
                    root = Some((format!("{place}, {kind}"), fs));
                    break;
                }
            }
            let Some((place, fs)) = root else {
                let _ = found_tx.send(Err(format!(
                    "no root file system (ext2/3/4 or XFS with /etc/os-release or /etc/fstab) \
                     in the image; volumes: {}",
                    if seen.is_empty() {
                        "none".to_string()
                    } else {
                        seen.join(", ")
                    }
                )));
                return;
            };
            let _ = found_tx.send(Ok(place));
            for (request, reply) in rx {
                let _ = reply.send(fs.answer(request));
            }
        });
        let root = found_rx
            .recv()
            .map_err(|_| "the image reader stopped".to_string())??;
        Ok(ImageTransport {
            requests: Mutex::new(tx),
            root,
        })
    }

    async fn ask(&self, request: Request) -> Option<Answer> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let sent = self
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send((request, reply));
        sent.ok()?;
        answer.await.ok()
    }
}

fn stopped(path: &str) -> ReadError {
    other(path, "the image reader stopped")
}

impl Transport for ImageTransport {
    async fn exec(&self, cmd: &Command) -> Result<CommandOutput, TransportError> {
        Err(TransportError::Other(format!(
            "`{}` cannot run in a disk image: not knowable offline",
            cmd.display()
        )))
    }

    async fn read_file(&self, path: &str) -> Result<FileContents, ReadError> {
        match self.ask(Request::Read(path.to_string())).await {
            Some(Answer::Read(result)) => result,
            _ => Err(stopped(path)),
        }
    }

    async fn stat(&self, path: &str) -> Result<FileStat, ReadError> {
        match self.ask(Request::Stat(path.to_string())).await {
            Some(Answer::Stat(result)) => result,
            _ => Err(stopped(path)),
        }
    }

    async fn read_link(&self, path: &str) -> Result<Option<String>, ReadError> {
        match self.ask(Request::ReadLink(path.to_string())).await {
            Some(Answer::ReadLink(result)) => result,
            _ => Err(stopped(path)),
        }
    }

    async fn list_dir(&self, path: &str) -> Result<Vec<String>, ReadError> {
        match self.ask(Request::ListDir(path.to_string())).await {
            Some(Answer::ListDir(result)) => result,
            _ => Err(stopped(path)),
        }
    }
}

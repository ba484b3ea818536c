//! The image transport: a disk image file answers the collector as the system in it would
//! have. Reads come from the file systems mounted as the image's fstab says ([`system`]:
//! ext2/3/4 or XFS, on partitions, a whole disk or linear LVM volumes). Commands whose
//! answer lives in on-disk structures are answered from them, printed as the real tool
//! prints ([`commands`]: uname, lsblk, blkid, df, tune2fs, lsattr, head of the disk,
//! systemctl is-enabled, chkconfig, ssh -V, the initramfs listing); what only a running
//! system knows (loaded modules, active units, getenforce, sshd -T) is an error that says
//! so, and the facts it feeds are WARNING x099.
//!
//! The file system readers are not thread-safe (ext4-view keeps `Rc`s), so one thread owns
//! the image and answers requests in turn.

mod boot_entry;
mod commands;
mod system;
mod units;

use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};

use super::{
    Command, CommandOutput, FileContents, FileStat, ReadError, Transport, TransportError,
    OUTPUT_CAP,
};
use crate::image::volumes::{self, Content};
use crate::image::{self, lvm, VirtualDisk};
use system::{Found, Place, System};

enum Request {
    Read(String),
    Stat(String),
    ReadLink(String),
    ListDir(String),
    Exec(Vec<String>),
}

enum Answer {
    Read(Result<FileContents, ReadError>),
    Stat(Result<FileStat, ReadError>),
    ReadLink(Result<Option<String>, ReadError>),
    ListDir(Result<Vec<String>, ReadError>),
    Exec(Result<CommandOutput, String>),
}

/// A disk image opened for reading, its root file system found.
pub struct ImageTransport {
    requests: Mutex<mpsc::Sender<(Request, tokio::sync::oneshot::Sender<Answer>)>>,
    /// Where the root file system was found, e.g. "partition 2 (LVM centos/root), XFS".
    pub root: String,
}

fn answer(system: &System, request: Request) -> Answer {
    match request {
        Request::Read(path) => Answer::Read(system.read(&path, OUTPUT_CAP)),
        Request::Stat(path) => Answer::Stat(system.stat(&path)),
        Request::ReadLink(path) => Answer::ReadLink(system.read_link(&path)),
        Request::ListDir(path) => Answer::ListDir(system.list_dir(&path)),
        Request::Exec(argv) => Answer::Exec(commands::answer(system, &argv)),
    }
}

/// Every volume that may hold a file system: partitions and whole disks, and the logical
/// volumes of LVM physical volumes.
fn candidates(disk: &Arc<dyn VirtualDisk>) -> Result<Vec<Found>, image::Error> {
    let (_, found) = volumes::read(disk)?;
    let mut out: Vec<Found> = Vec::new();
    for volume in found {
        let (place, slice): (Place, Arc<dyn VirtualDisk>) = match &volume.partition {
            Some(partition) => (
                Place::Partition(partition.number),
                Arc::new(partition.open(Arc::clone(disk))?),
            ),
            None => (Place::WholeDisk, Arc::clone(disk)),
        };
        let is_pv = volume.content == Content::LvmPhysicalVolume;
        let on = out.len();
        out.push(Found {
            place,
            disk: Arc::clone(&slice),
            content: volume.content,
        });
        if is_pv {
            for lv in lvm::logical_volumes(slice.as_ref())? {
                let Ok(linear) = lv.open(Arc::clone(&slice)) else {
                    continue;
                };
                let linear: Arc<dyn VirtualDisk> = Arc::new(linear);
                let content = volumes::probe(linear.as_ref())?;
                out.push(Found {
                    place: Place::Lv {
                        vg: lv.vg,
                        lv: lv.name,
                        on,
                    },
                    disk: linear,
                    content,
                });
            }
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
            let system = match System::assemble(disk, &volumes, &image_path) {
                Ok(system) => system,
                Err(reason) => {
                    let _ = found_tx.send(Err(reason));
                    return;
                }
            };
            let _ = found_tx.send(Ok(system.root_place.clone()));
            for (request, reply) in rx {
                let _ = reply.send(answer(&system, request));
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
    ReadError::Other {
        path: path.to_string(),
        reason: "the image reader stopped".to_string(),
    }
}

impl Transport for ImageTransport {
    async fn exec(&self, cmd: &Command) -> Result<CommandOutput, TransportError> {
        match self.ask(Request::Exec(cmd.argv.clone())).await {
            Some(Answer::Exec(result)) => result.map_err(TransportError::Other),
            _ => Err(TransportError::Other(
                "the image reader stopped".to_string(),
            )),
        }
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

    /// A device's first bytes as `head -c` answers them from the image; a file's as it is.
    async fn read_head(&self, path: &str, len: usize) -> Result<FileContents, ReadError> {
        if !path.starts_with("/dev/") {
            let mut contents = self.read_file(path).await?;
            contents.bytes.truncate(len);
            contents.cut = None;
            return Ok(contents);
        }
        let argv = ["head", "-c", &len.to_string(), path]
            .map(String::from)
            .to_vec();
        match self.ask(Request::Exec(argv)).await {
            Some(Answer::Exec(Ok(out))) if out.success() => Ok(FileContents {
                bytes: out.stdout,
                cut: None,
            }),
            Some(Answer::Exec(Ok(_))) => Err(ReadError::NotFound(path.to_string())),
            Some(Answer::Exec(Err(reason))) => Err(ReadError::Other {
                path: path.to_string(),
                reason,
            }),
            _ => Err(stopped(path)),
        }
    }
}

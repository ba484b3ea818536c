//! The system a disk image holds, laid out as the running system would mount it: the root
//! file system at `/`, the other file systems of its fstab at their mount points, and the
//! device names the kernel would give the disk, its partitions and its logical volumes.
//!
//! Paths are answered from the file system mounted there. What only a running kernel makes
//! (`/proc`, `/sys`, `/dev`, `/run`) is not read from the image, where those folders are
//! empty or hold leftovers: `/proc/partitions` and `/proc/mounts` are made from the disk's
//! layout and fstab, `/proc/cmdline` from the default boot entry, the rest is "not knowable
//! from a disk image".

use std::sync::Arc;

use crate::facts::fstab;
use crate::image::ext::{ExtFs, FileType};
use crate::image::volumes::Content;
use crate::image::xfs::{self, Xfs};
use crate::image::{self, VirtualDisk};
use crate::transport::{Cut, FileContents, FileKind, FileStat, ReadError, OUTPUT_CAP};

/// Files one of which a root file system has, which tells it from /boot or /home.
const ROOT_MARKS: [&str; 2] = ["/etc/os-release", "/etc/fstab"];
/// Folders that the running kernel or early boot fill, never the image.
const RUNTIME_TREES: [&str; 4] = ["/proc", "/sys", "/dev", "/run"];
/// The disk's name when the image's own fstab does not tell it: a cloud's virtio disk.
const DEFAULT_DISK: &str = "vda";

/// One file system, as both readers answer.
pub enum Fs<'d> {
    Ext(ExtFs),
    Xfs(Xfs<'d>),
}

/// Where a volume lies, which gives its device name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    WholeDisk,
    Partition(u32),
    /// A logical volume, on the partition (or whole disk) of index `on` among the volumes.
    Lv {
        vg: String,
        lv: String,
        on: usize,
    },
}

/// A volume as found in the image, before it is named.
pub struct Found {
    pub place: Place,
    pub disk: Arc<dyn VirtualDisk>,
    pub content: Content,
}

/// A volume of the image, named as the running system names it.
pub struct Volume<'d> {
    /// The device path: `/dev/vda1`, `/dev/mapper/centos-root`.
    pub device: String,
    /// lsblk's NAME: `vda1`, `centos-root`.
    pub name: String,
    /// Where it lies, its bytes and what they hold.
    pub found: &'d Found,
    pub tags: Tags,
    pub fs: Option<Fs<'d>>,
}

/// What blkid prints of a volume.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tags {
    pub uuid: String,
    pub label: String,
    /// blkid's TYPE: ext4, xfs, swap, vfat, LVM2_member, btrfs; empty when unknown.
    pub fstype: String,
}

/// The image's system: its disk, volumes and mounts.
pub struct System<'d> {
    pub disk: Arc<dyn VirtualDisk>,
    /// The disk's kernel name: `vda`, `sda`, `nvme0n1`.
    pub disk_name: String,
    pub volumes: Vec<Volume<'d>>,
    /// (mount point, volume index), `/` first, in fstab order after it.
    pub mounts: Vec<(String, usize)>,
    /// Where the root file system was found, e.g. "partition 2 (LVM centos-root), XFS".
    pub root_place: String,
    /// The default boot entry, found once ([`super::boot_entry::default_entry`]): uname -r,
    /// uname -m, /proc/cmdline and lsinitrd all ask for it.
    pub default_boot: std::cell::OnceCell<Result<super::boot_entry::BootEntry, String>>,
    /// The links of /etc/systemd/system, read once for every `systemctl is-enabled`.
    pub unit_links: std::cell::OnceCell<super::units::ConfigLinks>,
}

fn other(path: &str, reason: impl std::fmt::Display) -> ReadError {
    ReadError::Other {
        path: path.to_string(),
        reason: reason.to_string(),
    }
}

/// The error of a path that only a running system has.
pub fn not_knowable(path: &str) -> ReadError {
    other(
        path,
        "not knowable from a disk image (the running kernel makes it)",
    )
}

fn from_image(path: &str, e: image::Error) -> ReadError {
    match e {
        image::Error::NotFound { .. } => ReadError::NotFound(path.to_string()),
        // The reader's own message names the path already.
        image::Error::Fs { what, .. } => other(path, what),
        other_error => other(path, other_error),
    }
}

impl Fs<'_> {
    pub fn read(&self, path: &str, cap: usize) -> Result<FileContents, ReadError> {
        let kind = self.stat(path)?.kind;
        if kind != FileKind::File {
            return Err(super::super::not_regular(path));
        }
        let (bytes, cut) = match self {
            Fs::Ext(fs) => {
                let contents = fs.read_file(path, cap).map_err(|e| from_image(path, e))?;
                (contents.bytes, contents.cut)
            }
            Fs::Xfs(fs) => fs
                .read_file(path, cap as u64)
                .map_err(|e| other(path, e))?
                .ok_or_else(|| ReadError::NotFound(path.to_string()))?,
        };
        Ok(FileContents {
            bytes,
            cut: cut.then_some(Cut::Cap(cap)),
        })
    }

    /// The file at `path` as a reader, for files read in pieces.
    pub fn open_file(&self, path: &str) -> Result<Box<dyn std::io::Read + '_>, ReadError> {
        match self {
            Fs::Ext(fs) => Ok(Box::new(
                fs.open_file(path).map_err(|e| from_image(path, e))?,
            )),
            Fs::Xfs(fs) => Ok(Box::new(
                fs.open_file(path)
                    .map_err(|e| other(path, e))?
                    .ok_or_else(|| ReadError::NotFound(path.to_string()))?,
            )),
        }
    }

    pub fn stat(&self, path: &str) -> Result<FileStat, ReadError> {
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

    pub fn read_link(&self, path: &str) -> Result<Option<String>, ReadError> {
        match self {
            Fs::Ext(fs) => fs
                .readlink(path)
                .map(|t| t.map(|t| String::from_utf8_lossy(&t).into_owned()))
                .map_err(|e| from_image(path, e)),
            Fs::Xfs(fs) => fs.read_link(path).map_err(|e| other(path, e)),
        }
    }

    pub fn list_dir(&self, path: &str) -> Result<Vec<String>, ReadError> {
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

    fn kind(&self) -> &'static str {
        match self {
            Fs::Ext(_) => "ext",
            Fs::Xfs(_) => "XFS",
        }
    }
}

/// blkid's tags of a volume, from the superblock or header its content was known by.
fn tags_of(content: &Content, disk: &dyn VirtualDisk, fs: Option<&Fs>) -> Tags {
    match (content, fs) {
        (Content::Ext(sb), _) => Tags {
            uuid: sb.uuid.clone(),
            label: sb.label.clone(),
            fstype: sb.kind().to_string(),
        },
        (Content::Xfs, Some(Fs::Xfs(fs))) => Tags {
            uuid: fs.summary().uuid.clone(),
            label: fs.summary().label.clone(),
            fstype: "xfs".to_string(),
        },
        (Content::Xfs, _) => Tags {
            fstype: "xfs".to_string(),
            ..Tags::default()
        },
        (Content::Swap, _) => swap_tags(disk),
        (Content::Fat, _) => fat_tags(disk),
        (Content::LvmPhysicalVolume, _) => Tags {
            fstype: "LVM2_member".to_string(),
            ..Tags::default()
        },
        (Content::Btrfs, _) => Tags {
            fstype: "btrfs".to_string(),
            ..Tags::default()
        },
        (Content::Unknown, _) => Tags::default(),
    }
}

/// The UUID and label of a Linux swap area (`union swap_header`: UUID at byte 1036, label at
/// 1052, after the boot block and version fields).
fn swap_tags(disk: &dyn VirtualDisk) -> Tags {
    let mut header = [0u8; 32];
    let (uuid, label) = match disk.read_at(1036, &mut header) {
        Ok(()) => (
            xfs::hyphenated_uuid(&header[..16]),
            nul_terminated(&header[16..]),
        ),
        Err(_) => (String::new(), String::new()),
    };
    Tags {
        uuid,
        label,
        fstype: "swap".to_string(),
    }
}

/// The volume serial (`XXXX-XXXX`, as blkid prints it) and label of a FAT boot sector: at
/// byte 67 and 71 on FAT32, 39 and 43 on FAT12/16.
fn fat_tags(disk: &dyn VirtualDisk) -> Tags {
    let mut sector = [0u8; 512];
    if disk.read_at(0, &mut sector).is_err() {
        return Tags {
            fstype: "vfat".to_string(),
            ..Tags::default()
        };
    }
    let fat32 = u16::from_le_bytes([sector[22], sector[23]]) == 0;
    let (serial_at, label_at) = if fat32 { (67, 71) } else { (39, 43) };
    let serial = u32::from_le_bytes([
        sector[serial_at],
        sector[serial_at + 1],
        sector[serial_at + 2],
        sector[serial_at + 3],
    ]);
    let label = String::from_utf8_lossy(&sector[label_at..label_at + 11])
        .trim_end()
        .to_string();
    Tags {
        uuid: format!("{:04X}-{:04X}", serial >> 16, serial & 0xffff),
        label: if label == "NO NAME" {
            String::new()
        } else {
            label
        },
        fstype: "vfat".to_string(),
    }
}

fn nul_terminated(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// A device-mapper name: `vg-lv`, each dash inside a name doubled.
fn mapper_name(vg: &str, lv: &str) -> String {
    format!("{}-{}", vg.replace('-', "--"), lv.replace('-', "--"))
}

/// The disk name the image's fstab uses (`/dev/sda1` → `sda`, `/dev/nvme0n1p2` →
/// `nvme0n1`), so that the names made here are the ones its own files expect.
fn disk_name_in(fstab: &fstab::Fstab) -> Option<String> {
    fstab.entries.iter().find_map(|entry| {
        let name = entry.spec.strip_prefix("/dev/")?;
        if let Some(at) = name.rfind('p').filter(|_| name.starts_with("nvme")) {
            let (disk, number) = (&name[..at], &name[at + 1..]);
            return (number.bytes().all(|b| b.is_ascii_digit()) && !number.is_empty())
                .then(|| disk.to_string());
        }
        let disk = name.trim_end_matches(|c: char| c.is_ascii_digit());
        let kernel_disk = ["sd", "vd", "xvd", "hd"].iter().any(|prefix| {
            disk.strip_prefix(prefix).is_some_and(|letters| {
                !letters.is_empty() && letters.bytes().all(|b| b.is_ascii_lowercase())
            })
        });
        (kernel_disk && disk.len() < name.len()).then(|| disk.to_string())
    })
}

impl<'d> System<'d> {
    /// Names the volumes found, opens their file systems, finds the root file system and
    /// mounts the rest as its fstab says. Err when no volume holds a root file system.
    pub fn assemble(
        disk: Arc<dyn VirtualDisk>,
        found: &'d [Found],
        image_path: &std::path::Path,
    ) -> Result<System<'d>, String> {
        let mut problems = Vec::new();
        let mut opened: Vec<Option<Fs<'d>>> = found
            .iter()
            .map(|f| {
                let fs = match &f.content {
                    Content::Ext(_) => ExtFs::open(Arc::clone(&f.disk)).map(Fs::Ext),
                    Content::Xfs => match Xfs::open(f.disk.as_ref(), 0, image_path) {
                        Ok(Some(fs)) => Ok(Fs::Xfs(fs)),
                        Ok(None) => return None,
                        Err(e) => Err(e),
                    },
                    _ => return None,
                };
                fs.map_err(|e| problems.push(format!("{}: {e}", describe(&f.place, found))))
                    .ok()
            })
            .collect();
        let Some(root) = opened
            .iter()
            .position(|fs| fs.as_ref().is_some_and(Fs::is_root))
        else {
            let seen: Vec<String> = found
                .iter()
                .map(|f| format!("{} {}", describe(&f.place, found), content_name(&f.content)))
                .collect();
            let problems = if problems.is_empty() {
                String::new()
            } else {
                format!(" ({})", problems.join("; "))
            };
            return Err(format!(
                "no root file system (ext2/3/4 or XFS with /etc/os-release or /etc/fstab) in \
                 the image; volumes: {}{problems}",
                if seen.is_empty() {
                    "none".to_string()
                } else {
                    seen.join(", ")
                }
            ));
        };
        let fstab = opened[root]
            .as_ref()
            .and_then(|fs| fs.read("/etc/fstab", OUTPUT_CAP).ok())
            .map(|c| fstab::parse_fstab(&String::from_utf8_lossy(&c.bytes)))
            .unwrap_or_default();
        let disk_name = disk_name_in(&fstab).unwrap_or_else(|| DEFAULT_DISK.to_string());
        let separator = if disk_name.ends_with(|c: char| c.is_ascii_digit()) {
            "p"
        } else {
            ""
        };
        let root_place = format!(
            "{}, {}",
            describe(&found[root].place, found),
            opened[root].as_ref().map_or("", Fs::kind)
        );
        let volumes: Vec<Volume<'d>> = found
            .iter()
            .zip(opened.iter_mut())
            .map(|(f, fs)| {
                let (device, name) = match &f.place {
                    Place::WholeDisk => (format!("/dev/{disk_name}"), disk_name.clone()),
                    Place::Partition(n) => {
                        let name = format!("{disk_name}{separator}{n}");
                        (format!("/dev/{name}"), name)
                    }
                    Place::Lv { vg, lv, .. } => {
                        let name = mapper_name(vg, lv);
                        (format!("/dev/mapper/{name}"), name)
                    }
                };
                let fs = fs.take();
                Volume {
                    tags: tags_of(&f.content, f.disk.as_ref(), fs.as_ref()),
                    device,
                    name,
                    found: f,
                    fs,
                }
            })
            .collect();
        let mut mounts = vec![("/".to_string(), root)];
        for entry in &fstab.entries {
            let at = normalize(&entry.mountpoint);
            if !at.starts_with('/') || at == "/" || mounts.iter().any(|(m, _)| *m == at) {
                continue;
            }
            if let Some(index) = resolve(&entry.spec, &volumes) {
                mounts.push((at, index));
            }
        }
        Ok(System {
            disk,
            disk_name,
            volumes,
            mounts,
            root_place,
            default_boot: std::cell::OnceCell::new(),
            unit_links: std::cell::OnceCell::new(),
        })
    }

    /// The volume mounted where `path` lies, and the path inside that file system.
    fn locate(&self, path: &str) -> Option<(&Volume<'d>, String)> {
        let path = normalize(path);
        let (mountpoint, index) = self
            .mounts
            .iter()
            .filter(|(m, _)| {
                m == "/"
                    || path == *m
                    || path
                        .strip_prefix(m.as_str())
                        .is_some_and(|r| r.starts_with('/'))
            })
            .max_by_key(|(m, _)| m.len())?;
        let inner = if mountpoint == "/" {
            path.clone()
        } else {
            let rest = &path[mountpoint.len()..];
            if rest.is_empty() {
                "/".to_string()
            } else {
                rest.to_string()
            }
        };
        Some((&self.volumes[*index], inner))
    }

    /// The file system that holds `path`, and the path inside it; Err for a runtime tree or
    /// a mount whose file system is not read.
    pub fn fs_for(&self, path: &str) -> Result<(&Fs<'d>, String), ReadError> {
        if is_runtime(path) {
            return Err(not_knowable(path));
        }
        let (volume, inner) = self
            .locate(path)
            .ok_or_else(|| ReadError::NotFound(path.to_string()))?;
        match &volume.fs {
            Some(fs) => Ok((fs, inner)),
            None => Err(other(
                path,
                format!(
                    "on {} ({}), which is not read from images (ext2/3/4 and XFS are)",
                    volume.device,
                    content_name(&volume.found.content)
                ),
            )),
        }
    }

    pub fn read(&self, path: &str, cap: usize) -> Result<FileContents, ReadError> {
        match normalize(path).as_str() {
            "/proc/partitions" => return Ok(text_file(self.proc_partitions())),
            "/proc/mounts" | "/proc/self/mounts" => return Ok(text_file(self.proc_mounts())),
            "/proc/cmdline" => return super::boot_entry::proc_cmdline(self),
            "/proc/sys/kernel/ostype" => return Ok(text_file("Linux\n".to_string())),
            "/proc/sys/kernel/osrelease" => {
                return super::boot_entry::default_entry(self)
                    .map(|entry| text_file(entry.kernel + "\n"))
                    .map_err(|reason| ReadError::Other {
                        path: path.to_string(),
                        reason,
                    })
            }
            _ => {}
        }
        let (fs, inner) = self.fs_for(path)?;
        fs.read(&inner, cap).map_err(|e| renamed(e, path))
    }

    pub fn stat(&self, path: &str) -> Result<FileStat, ReadError> {
        let (fs, inner) = self.fs_for(path)?;
        fs.stat(&inner).map_err(|e| renamed(e, path))
    }

    pub fn read_link(&self, path: &str) -> Result<Option<String>, ReadError> {
        let (fs, inner) = self.fs_for(path)?;
        fs.read_link(&inner).map_err(|e| renamed(e, path))
    }

    pub fn list_dir(&self, path: &str) -> Result<Vec<String>, ReadError> {
        let (fs, inner) = self.fs_for(path)?;
        fs.list_dir(&inner).map_err(|e| renamed(e, path))
    }

    /// The volume mounted on `/`.
    pub fn root(&self) -> &Volume<'d> {
        &self.volumes[self.mounts[0].1]
    }

    /// The volume whose device path is `device`.
    pub fn volume(&self, device: &str) -> Option<&Volume<'d>> {
        self.volumes.iter().find(|v| v.device == device)
    }

    /// Where the volume of index `volume` is mounted, if it is.
    pub fn mountpoint_of(&self, volume: usize) -> Option<&str> {
        self.mounts
            .iter()
            .find(|(_, i)| *i == volume)
            .map(|(m, _)| m.as_str())
    }

    /// /proc/partitions as the kernel prints it: the disk, its partitions, then dm-N for
    /// each logical volume; sizes in KiB.
    fn proc_partitions(&self) -> String {
        let major = disk_major(&self.disk_name);
        let mut text = format!(
            "major minor  #blocks  name\n\n{major:4} {:7} {:10} {}\n",
            0,
            self.disk.size() / 1024,
            self.disk_name
        );
        let mut dm = 0;
        for volume in &self.volumes {
            let kib = volume.found.disk.size() / 1024;
            match &volume.found.place {
                Place::Partition(n) => {
                    text.push_str(&format!("{major:4} {n:7} {kib:10} {}\n", volume.name))
                }
                Place::Lv { .. } => {
                    text.push_str(&format!("{:4} {dm:7} {kib:10} dm-{dm}\n", 253));
                    dm += 1;
                }
                Place::WholeDisk => {}
            }
        }
        text
    }

    /// /proc/mounts: each mounted volume, `/` first.
    fn proc_mounts(&self) -> String {
        self.mounts
            .iter()
            .map(|(at, index)| {
                let volume = &self.volumes[*index];
                let fstype = if volume.tags.fstype.is_empty() {
                    "unknown"
                } else {
                    &volume.tags.fstype
                };
                format!(
                    "{} {} {fstype} rw,relatime 0 0\n",
                    volume.device,
                    at.replace(' ', "\\040")
                )
            })
            .collect()
    }
}

/// How a volume is named in messages: "partition 2", "partition 2 (LVM centos-root)".
fn describe(place: &Place, found: &[Found]) -> String {
    match place {
        Place::WholeDisk => "the whole disk".to_string(),
        Place::Partition(n) => format!("partition {n}"),
        Place::Lv { vg, lv, on } => format!(
            "{} (LVM {vg}/{lv})",
            found
                .get(*on)
                .map_or_else(|| "a volume".to_string(), |f| describe(&f.place, found))
        ),
    }
}

/// What a volume holds, in a word: "ext4", "XFS", "an LVM PV", "swap".
fn content_name(content: &Content) -> String {
    match content {
        Content::Ext(sb) => sb.kind().to_string(),
        Content::Xfs => "XFS".to_string(),
        Content::LvmPhysicalVolume => "LVM PV".to_string(),
        Content::Swap => "swap".to_string(),
        Content::Fat => "FAT".to_string(),
        Content::Btrfs => "btrfs".to_string(),
        Content::Unknown => "unknown content".to_string(),
    }
}

/// The block major number Linux gives disks of this name.
fn disk_major(name: &str) -> u32 {
    if name.starts_with("vd") {
        252
    } else if name.starts_with("nvme") {
        259
    } else if name.starts_with("xvd") {
        202
    } else if name.starts_with("hd") {
        3
    } else {
        8
    }
}

/// The volume an fstab spec names: by UUID or LABEL (tag or /dev/disk/by-* link), by
/// device-mapper or VG/LV path, or by device name.
fn resolve(spec: &str, volumes: &[Volume]) -> Option<usize> {
    let by_tag = |uuid: Option<&str>, label: Option<&str>| {
        volumes.iter().position(|v| {
            uuid.is_some_and(|u| !v.tags.uuid.is_empty() && v.tags.uuid.eq_ignore_ascii_case(u))
                || label.is_some_and(|l| !v.tags.label.is_empty() && v.tags.label == l)
        })
    };
    if let Some(uuid) = spec
        .strip_prefix("UUID=")
        .or_else(|| spec.strip_prefix("/dev/disk/by-uuid/"))
    {
        return by_tag(Some(uuid), None);
    }
    if let Some(label) = spec
        .strip_prefix("LABEL=")
        .or_else(|| spec.strip_prefix("/dev/disk/by-label/"))
    {
        return by_tag(None, Some(label));
    }
    volumes.iter().position(|v| {
        v.device == spec
            || matches!(&v.found.place, Place::Lv { vg, lv, .. } if spec == format!("/dev/{vg}/{lv}"))
    })
}

fn is_runtime(path: &str) -> bool {
    let path = normalize(path);
    RUNTIME_TREES
        .iter()
        .any(|tree| path == *tree || path.strip_prefix(tree).is_some_and(|r| r.starts_with('/')))
}

/// `path` with repeated and trailing slashes and `.` parts removed.
fn normalize(path: &str) -> String {
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    if path.starts_with('/') {
        format!("/{}", parts.join("/"))
    } else {
        parts.join("/")
    }
}

/// An error about the path inside a mounted file system, told with the system's path.
fn renamed(error: ReadError, path: &str) -> ReadError {
    match error {
        ReadError::NotFound(_) => ReadError::NotFound(path.to_string()),
        ReadError::PermissionDenied(_) => ReadError::PermissionDenied(path.to_string()),
        ReadError::Other { reason, .. } => ReadError::Other {
            path: path.to_string(),
            reason,
        },
    }
}

fn text_file(text: String) -> FileContents {
    FileContents {
        bytes: text.into_bytes(),
        cut: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fstab_of(text: &str) -> fstab::Fstab {
        fstab::parse_fstab(text)
    }

    #[test]
    fn the_disk_is_named_as_the_images_fstab_names_it() {
        assert_eq!(
            disk_name_in(&fstab_of("/dev/sda1 / ext4 defaults 0 1\n")).as_deref(),
            Some("sda")
        );
        assert_eq!(
            disk_name_in(&fstab_of("/dev/nvme0n1p2 / xfs defaults 0 0\n")).as_deref(),
            Some("nvme0n1")
        );
        assert_eq!(
            disk_name_in(&fstab_of(
                "/dev/mapper/centos-root / xfs defaults 0 0\nUUID=79fe7e14 /boot xfs defaults 0 0\n"
            )),
            None
        );
        assert_eq!(
            disk_name_in(&fstab_of("/dev/vda / ext4 defaults 0 0\n")),
            None
        );
    }

    #[test]
    fn device_mapper_names_double_the_dashes_inside_names() {
        assert_eq!(mapper_name("centos", "root"), "centos-root");
        assert_eq!(mapper_name("my-vg", "lv-root"), "my--vg-lv--root");
    }

    #[test]
    fn runtime_trees_are_told_apart_from_look_alike_names() {
        assert!(is_runtime("/proc/modules"));
        assert!(is_runtime("//sys/firmware/efi"));
        assert!(is_runtime("/dev"));
        assert!(!is_runtime("/devices"));
        assert!(!is_runtime("/etc/proc"));
    }
}

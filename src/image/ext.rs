//! ext2, ext3 and ext4 file systems inside a virtual disk: read a file, list a directory,
//! read a link, stat and lstat a path, and the superblock's facts (features, UUID, label, free blocks
//! and inodes).
//!
//! The tree is walked by the `ext4-view` crate (extents and block maps, linear and htree
//! directories, 64bit, journal replay, symlink resolution with a depth limit); this module
//! feeds it the disk's bytes, bounds what it reads into memory, and reads the superblock
//! fields that crate keeps private. It refuses with one clear error what `ext4-view`
//! refuses: inline data, meta_bg, large_dir, ea_inode, MMP, an external journal.
//!
//! An `ExtFs` is not `Send` (`ext4-view` shares its state through `Rc`): a `Transport` over
//! an image keeps it on one thread and sends it requests.

use std::io::Read;
use std::sync::Arc;

pub use ext4_view::FileType;

use super::{le_u16, le_u32, Error, VirtualDisk};

/// The superblock's magic number, at byte 56 of the superblock.
const MAGIC: u16 = 0xEF53;
const INCOMPAT_64BIT: u32 = 0x80;
const INCOMPAT_EXTENTS: u32 = 0x40;
const COMPAT_HAS_JOURNAL: u32 = 0x4;
const RO_COMPAT_SPARSE_SUPER: u32 = 0x1;

/// Whether `n` is a power of `base` (1 included).
fn is_power_of(mut n: u64, base: u64) -> bool {
    while n > 1 && n.is_multiple_of(base) {
        n /= base;
    }
    n == 1
}
/// What errors name when they concern the file system as a whole, not one path.
const FS: &str = "ext file system";

/// The superblock fields the checks use (Documentation/filesystems/ext4/super.rst).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Superblock {
    pub block_size: u64,
    pub blocks: u64,
    pub free_blocks: u64,
    pub inodes: u32,
    pub free_inodes: u32,
    pub feature_compat: u32,
    pub feature_incompat: u32,
    pub feature_ro_compat: u32,
    /// As `blkid` prints it: lower-case, hyphenated.
    pub uuid: String,
    /// The volume name, empty when none was set.
    pub label: String,
    /// Blocks kept for root (`s_r_blocks_count`).
    pub reserved_blocks: u64,
    /// The layout statfs computes the metadata overhead from.
    pub first_data_block: u32,
    pub blocks_per_group: u32,
    pub inodes_per_group: u32,
    pub inode_size: u16,
    pub reserved_gdt_blocks: u16,
    /// Group descriptor size: `s_desc_size` with 64bit, else 32.
    pub desc_size: u16,
    /// `s_overhead_clusters`, set by newer mke2fs; 0 when the kernel must compute it.
    pub overhead_blocks: u32,
    /// Bytes of the internal journal, from the superblock's backup of its inode; 0 when
    /// there is no backup.
    pub journal_bytes: u64,
}

/// e2fsprogs' feature names (lib/e2p/feature.c) by (compat, incompat, ro_compat) word and
/// bit, as `tune2fs -l` prints them.
const FEATURE_NAMES: [&[(u32, &str)]; 3] = [
    &[
        (0x1, "dir_prealloc"),
        (0x2, "imagic_inodes"),
        (0x4, "has_journal"),
        (0x8, "ext_attr"),
        (0x10, "resize_inode"),
        (0x20, "dir_index"),
        (0x40, "lazy_bg"),
        (0x80, "snapshot_bitmap"),
        (0x100, "sparse_super2"),
        (0x200, "fast_commit"),
        (0x400, "stable_inodes"),
        (0x800, "orphan_file"),
    ],
    &[
        (0x1, "compression"),
        (0x2, "filetype"),
        (0x4, "needs_recovery"),
        (0x8, "journal_dev"),
        (0x10, "meta_bg"),
        (0x40, "extent"),
        (0x80, "64bit"),
        (0x100, "mmp"),
        (0x200, "flex_bg"),
        (0x400, "ea_inode"),
        (0x1000, "dirdata"),
        (0x2000, "metadata_csum_seed"),
        (0x4000, "large_dir"),
        (0x8000, "inline_data"),
        (0x10000, "encrypt"),
        (0x20000, "casefold"),
    ],
    &[
        (0x1, "sparse_super"),
        (0x2, "large_file"),
        (0x4, "btree_dir"),
        (0x8, "huge_file"),
        (0x10, "uninit_bg"),
        (0x20, "dir_nlink"),
        (0x40, "extra_isize"),
        (0x80, "snapshot"),
        (0x100, "quota"),
        (0x200, "bigalloc"),
        (0x400, "metadata_csum"),
        (0x800, "replica"),
        (0x1000, "read-only"),
        (0x2000, "project"),
        (0x4000, "shared_blocks"),
        (0x8000, "verity"),
        (0x10000, "orphan_present"),
    ],
];

impl Superblock {
    /// Reads the superblock at byte 1024 of the file system.
    pub fn read(disk: &dyn VirtualDisk) -> Result<Superblock, Error> {
        let mut raw = [0u8; 1024];
        disk.read_at(1024, &mut raw)?;
        Superblock::parse(&raw)
    }

    /// The superblock in `raw`, the 1024 bytes at byte 1024 of the file system.
    pub fn parse(raw: &[u8; 1024]) -> Result<Superblock, Error> {
        if u16::from_le_bytes([raw[56], raw[57]]) != MAGIC {
            return Err(fs_error(
                FS,
                "no ext2/3/4 superblock (magic 0xEF53) at byte 1024",
            ));
        }
        let log_block = le_u32(raw, 24);
        if log_block > 6 {
            return Err(fs_error(
                FS,
                format!("a block size of 1024 << {log_block} bytes"),
            ));
        }
        let incompat = le_u32(raw, 96);
        let wide = incompat & INCOMPAT_64BIT != 0;
        let pair = |lo: usize, hi: usize| {
            let high = if wide { u64::from(le_u32(raw, hi)) } else { 0 };
            high << 32 | u64::from(le_u32(raw, lo))
        };
        let uuid: String = raw[104..120].iter().map(|b| format!("{b:02x}")).collect();
        let label = &raw[120..136];
        let label = &label[..label.iter().position(|b| *b == 0).unwrap_or(label.len())];
        Ok(Superblock {
            block_size: 1024 << log_block,
            blocks: pair(4, 0x150),
            free_blocks: pair(12, 0x158),
            inodes: le_u32(raw, 0),
            free_inodes: le_u32(raw, 16),
            feature_compat: le_u32(raw, 92),
            feature_incompat: incompat,
            feature_ro_compat: le_u32(raw, 100),
            uuid: format!(
                "{}-{}-{}-{}-{}",
                &uuid[0..8],
                &uuid[8..12],
                &uuid[12..16],
                &uuid[16..20],
                &uuid[20..32]
            ),
            label: String::from_utf8_lossy(label).into_owned(),
            reserved_blocks: pair(8, 0x154),
            first_data_block: le_u32(raw, 20),
            blocks_per_group: le_u32(raw, 32),
            inodes_per_group: le_u32(raw, 40),
            inode_size: le_u16(raw, 88),
            reserved_gdt_blocks: le_u16(raw, 0xCE),
            desc_size: if wide { le_u16(raw, 0xFE).max(32) } else { 32 },
            overhead_blocks: le_u32(raw, 0x248),
            // s_jnl_blocks[15] and [16] are i_size_high and i_size when s_jnl_backup_type
            // is EXT3_JNL_BACKUP_BLOCKS.
            journal_bytes: if raw[0xFD] == 1 {
                u64::from(le_u32(raw, 0x10C + 15 * 4)) << 32
                    | u64::from(le_u32(raw, 0x10C + 16 * 4))
            } else {
                0
            },
        })
    }

    /// The features set, named and ordered as `tune2fs -l` prints them: compat, incompat,
    /// then ro_compat bits, each from the lowest; unknown bits are `FEATURE_C12`-style.
    pub fn feature_names(&self) -> Vec<String> {
        let words = [
            (self.feature_compat, 'C'),
            (self.feature_incompat, 'I'),
            (self.feature_ro_compat, 'R'),
        ];
        let mut names = Vec::new();
        for ((word, letter), known) in words.into_iter().zip(FEATURE_NAMES) {
            for bit in 0..32 {
                let mask = 1u32 << bit;
                if word & mask == 0 {
                    continue;
                }
                match known.iter().find(|(m, _)| *m == mask) {
                    Some((_, name)) => names.push((*name).to_string()),
                    None => names.push(format!("FEATURE_{letter}{bit}")),
                }
            }
        }
        names
    }

    /// The number of block groups; a group size of 0, which [`ExtFs::open`] refuses, counts
    /// as 1 so that a hostile superblock cannot divide by zero here.
    pub fn groups(&self) -> u64 {
        self.blocks
            .saturating_sub(u64::from(self.first_data_block))
            .div_ceil(u64::from(self.blocks_per_group.max(1)))
    }

    /// Blocks statfs leaves out of the total (ext4_calculate_overhead): the superblock
    /// copies, group descriptors, bitmaps and inode tables of each group, and the journal.
    pub fn overhead(&self) -> u64 {
        if self.overhead_blocks != 0 {
            return u64::from(self.overhead_blocks);
        }
        let journal = self.journal_bytes / self.block_size;
        let groups = self.groups();
        let descriptor_blocks = (groups * u64::from(self.desc_size)).div_ceil(self.block_size);
        let inode_table = (u64::from(self.inodes_per_group) * u64::from(self.inode_size))
            .div_ceil(self.block_size);
        let sparse = self.feature_ro_compat & RO_COMPAT_SPARSE_SUPER != 0;
        let backups = (0..groups)
            .filter(|&g| !sparse || g <= 1 || [3, 5, 7].iter().any(|&b| is_power_of(g, b)))
            .count() as u64;
        u64::from(self.first_data_block)
            + backups * (1 + descriptor_blocks + u64::from(self.reserved_gdt_blocks))
            + groups * (2 + inode_table)
            + journal
    }

    /// The 64bit feature: block numbers above 2^32. Alibaba's import refuses it.
    pub fn is_64bit(&self) -> bool {
        self.feature_incompat & INCOMPAT_64BIT != 0
    }

    /// "ext4" with extents, "ext3" with a journal, else "ext2", as blkid names them.
    pub fn kind(&self) -> &'static str {
        if self.feature_incompat & (INCOMPAT_EXTENTS | INCOMPAT_64BIT) != 0 {
            "ext4"
        } else if self.feature_compat & COMPAT_HAS_JOURNAL != 0 {
            "ext3"
        } else {
            "ext2"
        }
    }
}

/// What `stat` or `lstat` says of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stat {
    pub file_type: FileType,
    /// Permission bits, with setuid, setgid and sticky (`st_mode & 0o7777`).
    pub mode: u16,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
    /// Seconds since the epoch.
    pub modified: i64,
}

/// One entry of a directory listing (without "." and "..").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The name's bytes, as stored: ext4 names need not be UTF-8.
    pub name: Vec<u8>,
    pub file_type: FileType,
}

/// A file's contents, at most the number of bytes asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contents {
    pub bytes: Vec<u8>,
    /// The file is longer than what was kept.
    pub cut: bool,
}

/// An ext2/3/4 file system, read-only.
pub struct ExtFs {
    fs: ext4_view::Ext4,
    superblock: Superblock,
}

/// Feeds `ext4-view` from a virtual disk.
struct Reader(Arc<dyn VirtualDisk>);

impl ext4_view::Ext4Read for Reader {
    fn read(
        &mut self,
        start_byte: u64,
        dst: &mut [u8],
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync + 'static>> {
        self.0.read_at(start_byte, dst).map_err(Box::from)
    }
}

impl ExtFs {
    /// Opens the file system that fills `disk` (a partition, or a whole unpartitioned disk).
    pub fn open(disk: Arc<dyn VirtualDisk>) -> Result<ExtFs, Error> {
        let superblock = Superblock::read(disk.as_ref())?;
        check_layout(disk.as_ref(), &superblock)?;
        let fs = ext4_view::Ext4::load(Box::new(Reader(disk))).map_err(|err| ext(FS, err))?;
        Ok(ExtFs { fs, superblock })
    }

    pub fn superblock(&self) -> &Superblock {
        &self.superblock
    }

    /// The first `limit` bytes of the file at `path` (symlinks followed); `cut` says that
    /// there was more. Directories and special files are errors, never opened.
    pub fn read_file(&self, path: &str, limit: usize) -> Result<Contents, Error> {
        let file = self.fs.open(path).map_err(|err| ext(path, err))?;
        let mut bytes = Vec::new();
        file.take(limit as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|err| fs_error(path, err.to_string()))?;
        let cut = bytes.len() > limit;
        bytes.truncate(limit);
        Ok(Contents { bytes, cut })
    }

    /// The file at `path` (symlinks followed) as a reader that fetches its blocks as they
    /// are read, for files too big to hold (an initramfs).
    pub fn open_file(&self, path: &str) -> Result<impl Read, Error> {
        self.fs.open(path).map_err(|err| ext(path, err))
    }

    /// The entries of the directory at `path`, sorted by name, without "." and "..".
    pub fn list_dir(&self, path: &str) -> Result<Vec<Entry>, Error> {
        let mut entries = Vec::new();
        for entry in self.fs.read_dir(path).map_err(|err| ext(path, err))? {
            let entry = entry.map_err(|err| ext(path, err))?;
            let name = entry.file_name().as_ref().to_vec();
            if name == b"." || name == b".." {
                continue;
            }
            let file_type = entry.file_type().map_err(|err| ext(path, err))?;
            entries.push(Entry { name, file_type });
        }
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(entries)
    }

    /// The target of the symlink at `path`, as stored; `None` when `path` is not a symlink.
    pub fn readlink(&self, path: &str) -> Result<Option<Vec<u8>>, Error> {
        match self.fs.read_link(path) {
            Ok(target) => Ok(Some(target.as_ref().to_vec())),
            Err(ext4_view::Ext4Error::NotASymlink) => Ok(None),
            Err(err) => Err(ext(path, err)),
        }
    }

    /// `stat`: the metadata of what `path` names, symlinks followed.
    pub fn stat(&self, path: &str) -> Result<Stat, Error> {
        let meta = self.fs.metadata(path).map_err(|err| ext(path, err))?;
        Ok(Stat::from(&meta))
    }

    /// `lstat`: the path's own metadata, a last symlink not followed.
    pub fn lstat(&self, path: &str) -> Result<Stat, Error> {
        let meta = self
            .fs
            .symlink_metadata(path)
            .map_err(|err| ext(path, err))?;
        Ok(Stat::from(&meta))
    }
}

/// Refuses a superblock whose group layout cannot be, before `ext4-view` sizes its table of
/// group descriptors by it (a `Vec` of one entry per group, allocated up front: a wild
/// block count or a tiny group size would ask for gigabytes). Without meta_bg, which is
/// refused, the descriptors of every group lie in the first group; and the file system lies
/// in its volume. Both hold for anything mke2fs makes.
fn check_layout(disk: &dyn VirtualDisk, superblock: &Superblock) -> Result<(), Error> {
    let blocks_per_group = u64::from(superblock.blocks_per_group);
    let inodes_per_group = u64::from(superblock.inodes_per_group);
    let descriptor = u64::from(superblock.desc_size);
    let block_size = superblock.block_size;
    let blocks = superblock.blocks;
    if blocks.saturating_mul(block_size) > disk.size() {
        return Err(fs_error(
            FS,
            format!(
                "{blocks} blocks of {block_size} bytes do not fit in the {}-byte volume",
                disk.size()
            ),
        ));
    }
    if blocks_per_group == 0 || inodes_per_group == 0 || inodes_per_group > 8 * block_size {
        return Err(fs_error(
            FS,
            format!("{blocks_per_group} blocks and {inodes_per_group} inodes per group"),
        ));
    }
    let groups = superblock.groups();
    if groups.saturating_mul(descriptor) > blocks_per_group * block_size {
        return Err(fs_error(
            FS,
            format!(
                "the descriptors of {groups} groups do not fit in a group of \
                 {blocks_per_group} blocks"
            ),
        ));
    }
    Ok(())
}

impl From<&ext4_view::Metadata> for Stat {
    fn from(meta: &ext4_view::Metadata) -> Stat {
        Stat {
            file_type: meta.file_type(),
            mode: meta.mode(),
            uid: meta.uid(),
            gid: meta.gid(),
            size: meta.len(),
            modified: meta.modified().seconds(),
        }
    }
}

fn ext(path: &str, err: ext4_view::Ext4Error) -> Error {
    match err {
        ext4_view::Ext4Error::NotFound => Error::NotFound {
            path: path.to_string(),
        },
        other => fs_error(path, other.to_string()),
    }
}

fn fs_error(path: &str, what: impl Into<String>) -> Error {
    Error::Fs {
        path: path.to_string(),
        what: what.into(),
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::image::tests::{run, Scratch};
    use crate::image::{open, partitions};

    const FLEET_HOST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fleet/hosts/centos7-ok");

    /// A copy of a fixture host's tree, plus what the fixtures lack: a directory of 600
    /// entries (several blocks: htree once e2fsck -D indexes it), a 300 KiB file (beyond
    /// the 12 direct blocks of ext2), and a symlink to itself.
    fn tree(scratch: &Scratch) -> PathBuf {
        let root = scratch.path("tree");
        run("cp", &["-a", FLEET_HOST, root.to_str().expect("utf-8")]);
        let many = root.join("etc/many");
        std::fs::create_dir(&many).expect("mkdir");
        for n in 0..600 {
            std::fs::write(many.join(format!("entry-{n:04}")), format!("{n}\n")).expect("write");
        }
        let big: Vec<u8> = (0..300 * 1024u32).map(|n| (n * 7 % 251) as u8).collect();
        std::fs::write(root.join("etc/big"), big).expect("write");
        std::os::unix::fs::symlink("/etc/loop", root.join("etc/loop")).expect("symlink");
        root
    }

    fn mke2fs(image: &Path, tree: &Path, options: &[&str], offset: Option<u64>) {
        let mut args: Vec<String> = vec!["-q".into(), "-F".into(), "-L".into(), "rootfs".into()];
        args.extend(options.iter().map(|o| o.to_string()));
        if let Some(offset) = offset {
            args.extend(["-E".into(), format!("offset={offset}")]);
        }
        args.extend([
            "-d".into(),
            tree.to_str().expect("utf-8").into(),
            image.to_str().expect("utf-8").into(),
            "32M".into(),
        ]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run("mke2fs", &args);
    }

    /// Every file, link and directory of `tree` as the image gives it back.
    fn assert_tree_equal(fs: &ExtFs, tree: &Path, at: &str) {
        let host = tree.join(at.trim_start_matches('/'));
        let meta = std::fs::symlink_metadata(&host).expect("lstat tree");
        let stat = fs.lstat(at).expect("lstat");
        use std::os::unix::fs::MetadataExt;
        assert_eq!(stat.mode, (meta.mode() & 0o7777) as u16, "mode of {at}");
        assert_eq!(
            (stat.uid, stat.gid),
            (meta.uid(), meta.gid()),
            "owner of {at}"
        );
        // mke2fs gives the root directory its own time (it adds lost+found to it).
        if at != "/" {
            assert_eq!(stat.modified, meta.mtime(), "mtime of {at}");
        }
        if meta.file_type().is_symlink() {
            assert_eq!(stat.file_type, FileType::Symlink);
            let target = std::fs::read_link(&host).expect("readlink");
            assert_eq!(
                fs.readlink(at).expect("readlink").as_deref(),
                Some(target.as_os_str().as_encoded_bytes()),
                "target of {at}"
            );
        } else if meta.is_dir() {
            assert_eq!(stat.file_type, FileType::Directory);
            let mut names: Vec<Vec<u8>> = std::fs::read_dir(&host)
                .expect("read_dir")
                .map(|e| e.expect("entry").file_name().as_encoded_bytes().to_vec())
                .collect();
            if at == "/" {
                names.push(b"lost+found".to_vec());
            }
            names.sort();
            let listed = fs.list_dir(at).expect("list_dir");
            let got: Vec<Vec<u8>> = listed.iter().map(|e| e.name.clone()).collect();
            assert_eq!(got, names, "entries of {at}");
            for name in names {
                let name = String::from_utf8(name).expect("fixture names are UTF-8");
                let child = if at == "/" {
                    format!("/{name}")
                } else {
                    format!("{at}/{name}")
                };
                if name != "lost+found" {
                    assert_tree_equal(fs, tree, &child);
                }
            }
        } else {
            assert_eq!(stat.file_type, FileType::Regular);
            assert_eq!(fs.readlink(at).expect("readlink"), None, "{at} is no link");
            assert_eq!(stat.size, meta.len(), "size of {at}");
            let contents = fs.read_file(at, 1 << 20).expect("read");
            assert!(!contents.cut);
            assert!(
                contents.bytes == std::fs::read(&host).expect("read tree"),
                "bytes of {at}"
            );
        }
    }

    /// `dumpe2fs -h`'s value for a field ("Block count", "Filesystem UUID", ...).
    fn dumpe2fs(image: &Path, field: &str) -> String {
        let out = std::process::Command::new("dumpe2fs")
            .arg("-h")
            .arg(image)
            .output()
            .expect("dumpe2fs");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.lines()
            .find_map(|line| line.strip_prefix(&format!("{field}:")))
            .unwrap_or_else(|| panic!("no {field} in dumpe2fs"))
            .trim()
            .to_string()
    }

    fn check_variant(name: &str, options: &[&str], kind: &str, wide: bool) {
        let scratch = Scratch::new(name);
        let tree = tree(&scratch);
        let image = scratch.path("fs.img");
        mke2fs(&image, &tree, options, None);
        let fs = ExtFs::open(open(&image, None).expect("open")).expect("ext");
        assert_tree_equal(&fs, &tree, "/");
        let sb = fs.superblock();
        assert_eq!(sb.kind(), kind);
        assert_eq!(sb.is_64bit(), wide);
        assert_eq!(sb.label, "rootfs");
        assert_eq!(sb.uuid, dumpe2fs(&image, "Filesystem UUID"));
        assert_eq!(sb.blocks.to_string(), dumpe2fs(&image, "Block count"));
        assert_eq!(sb.free_blocks.to_string(), dumpe2fs(&image, "Free blocks"));
        assert_eq!(sb.inodes.to_string(), dumpe2fs(&image, "Inode count"));
        assert_eq!(sb.free_inodes.to_string(), dumpe2fs(&image, "Free inodes"));
        assert_eq!(sb.block_size.to_string(), dumpe2fs(&image, "Block size"));
    }

    #[test]
    fn ext4_with_64bit_gives_back_the_fixture_tree() {
        check_variant("ext4-64", &["-t", "ext4", "-O", "64bit"], "ext4", true);
    }

    #[test]
    fn ext4_without_64bit_gives_back_the_fixture_tree() {
        check_variant("ext4-32", &["-t", "ext4", "-O", "^64bit"], "ext4", false);
    }

    #[test]
    fn ext3_gives_back_the_fixture_tree() {
        check_variant("ext3", &["-t", "ext3"], "ext3", false);
    }

    #[test]
    fn ext2_with_1k_blocks_gives_back_the_fixture_tree() {
        check_variant("ext2", &["-t", "ext2", "-b", "1024"], "ext2", false);
    }

    #[test]
    fn the_host_files_read_through_qcow2_and_an_mbr_partition() {
        let scratch = Scratch::new("ext-qcow2");
        let tree = tree(&scratch);
        let raw = scratch.path("disk.raw");
        crate::image::tests::partitioned(
            &raw,
            40 << 20,
            b"label: dos\nstart=2048,size=4096,type=83\n,,5\n,,83\n",
        );
        let disk = open(&raw, None).expect("open raw");
        let (_, parts) = partitions::read(disk.as_ref()).expect("partitions");
        let root = parts
            .iter()
            .find(|p| p.number == 5)
            .expect("logical 5")
            .clone();
        // mke2fs writes at -E offset= into the file; its size is the partition's.
        let root_blocks = format!("{}k", root.len / 1024);
        let args = [
            "-q",
            "-F",
            "-t",
            "ext4",
            "-E",
            &format!("offset={}", root.start),
            "-d",
            tree.to_str().expect("utf-8"),
            raw.to_str().expect("utf-8"),
            &root_blocks,
        ];
        run("mke2fs", &args);
        let qcow2 = scratch.path("disk.qcow2");
        run(
            "qemu-img",
            &[
                "convert",
                "-f",
                "raw",
                "-O",
                "qcow2",
                raw.to_str().expect("utf-8"),
                qcow2.to_str().expect("utf-8"),
            ],
        );
        let disk = open(&qcow2, None).expect("open qcow2");
        let (_, parts) = partitions::read(disk.as_ref()).expect("partitions");
        let root = parts.iter().find(|p| p.number == 5).expect("logical 5");
        let fs = ExtFs::open(Arc::new(root.open(disk).expect("slice"))).expect("ext");
        for file in [
            "/etc/os-release",
            "/etc/fstab",
            "/etc/ssh/sshd_config",
            "/etc/passwd",
            "/etc/selinux/config",
        ] {
            let want = std::fs::read(tree.join(&file[1..])).expect("fixture");
            assert_eq!(
                fs.read_file(file, 1 << 20).expect(file).bytes,
                want,
                "{file}"
            );
        }
        // /lib is a symlink to usr/lib in the fixture, as on CentOS 7.
        let kernels: Vec<Vec<u8>> = fs
            .list_dir("/lib/modules")
            .expect("modules")
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(kernels, [b"3.10.0-1160.el7.x86_64".to_vec()]);
        assert_eq!(
            fs.readlink("/lib").expect("readlink").as_deref(),
            Some(&b"usr/lib"[..])
        );
        let lib = fs.stat("/lib").expect("stat follows the link");
        assert_eq!(lib.file_type, FileType::Directory);
        assert_eq!(
            fs.lstat("/lib").expect("lstat").file_type,
            FileType::Symlink
        );
    }

    #[test]
    fn an_htree_directory_lists_and_finds_every_entry() {
        let scratch = Scratch::new("htree");
        let tree = tree(&scratch);
        let image = scratch.path("fs.img");
        mke2fs(&image, &tree, &["-t", "ext4"], None);
        // -D rebuilds every directory; those of more than one block get an htree index.
        let out = std::process::Command::new("e2fsck")
            .args(["-fyD"])
            .arg(&image)
            .output()
            .expect("e2fsck");
        assert!(
            out.status.code().is_some_and(|code| code <= 1),
            "e2fsck: {out:?}"
        );
        let out = std::process::Command::new("debugfs")
            .args(["-R", "htree_dump /etc/many"])
            .arg(&image)
            .output()
            .expect("debugfs");
        let dump = String::from_utf8_lossy(&out.stdout);
        assert!(dump.contains("Root node dump"), "not an htree: {dump}");
        let fs = ExtFs::open(open(&image, None).expect("open")).expect("ext");
        assert_eq!(fs.list_dir("/etc/many").expect("list").len(), 600);
        for n in [0, 299, 599] {
            let path = format!("/etc/many/entry-{n:04}");
            assert_eq!(
                fs.read_file(&path, 64).expect("read").bytes,
                format!("{n}\n").as_bytes()
            );
        }
        assert!(matches!(
            fs.read_file("/etc/many/entry-0600", 64),
            Err(Error::NotFound { .. })
        ));
    }

    #[test]
    fn limits_links_to_itself_and_missing_paths_are_clear_errors() {
        let scratch = Scratch::new("ext-errors");
        let tree = tree(&scratch);
        let image = scratch.path("fs.img");
        mke2fs(&image, &tree, &["-t", "ext4"], None);
        let fs = ExtFs::open(open(&image, None).expect("open")).expect("ext");
        let cut = fs.read_file("/etc/big", 1000).expect("read");
        assert!(cut.cut);
        assert_eq!(cut.bytes.len(), 1000);
        let err = fs.read_file("/etc/loop", 1000).expect_err("loop");
        assert!(err.to_string().starts_with("/etc/loop: "), "{err}");
        assert!(err.to_string().contains("symbolic links"), "{err}");
        assert_eq!(
            fs.readlink("/etc/loop").expect("readlink").as_deref(),
            Some(&b"/etc/loop"[..])
        );
        assert!(
            fs.stat("/etc/loop").is_err(),
            "stat follows the loop, and stops"
        );
        assert!(matches!(
            fs.stat("/etc/nothing"),
            Err(Error::NotFound { .. })
        ));
        assert!(
            fs.read_file("/etc", 10).is_err(),
            "a directory is not read as a file"
        );
        assert!(fs.list_dir("/etc/passwd").is_err());
    }

    #[test]
    fn inline_data_is_refused_with_one_clear_error() {
        let scratch = Scratch::new("inline");
        let tree = tree(&scratch);
        let image = scratch.path("fs.img");
        mke2fs(&image, &tree, &["-t", "ext4", "-O", "inline_data"], None);
        let err = ExtFs::open(open(&image, None).expect("open"))
            .err()
            .expect("refused");
        assert!(matches!(err, Error::Fs { .. }), "{err}");
        assert_eq!(
            err.to_string(),
            "ext file system: incompatible filesystem: unsupported features: \
             IncompatibleFeatures(DATA_IN_INODE)"
        );
    }

    #[test]
    fn a_disk_that_is_no_ext_file_system_is_one_error() {
        let scratch = Scratch::new("not-ext");
        let image = scratch.path("zeros.img");
        std::fs::write(&image, vec![0u8; 1 << 20]).expect("write");
        let err = ExtFs::open(open(&image, None).expect("open"))
            .err()
            .expect("not ext");
        assert!(err.to_string().contains("no ext2/3/4 superblock"), "{err}");
    }

    #[test]
    fn garbled_file_systems_give_errors_never_panics() {
        let scratch = Scratch::new("ext-garbled");
        let tree = tree(&scratch);
        let image = scratch.path("fs.img");
        mke2fs(&image, &tree, &["-t", "ext4"], None);
        let clean = std::fs::read(&image).expect("read");
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut opened = 0;
        for _ in 0..30 {
            let mut bytes = clean.clone();
            // Garble 64 bytes among the metadata at the start: group descriptors, bitmaps,
            // the inode table, the root and /etc directory blocks.
            for _ in 0..64 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let at = (state % (2 << 20)) as usize;
                bytes[at] = (state >> 40) as u8;
            }
            std::fs::write(&image, &bytes).expect("write");
            let Ok(fs) = ExtFs::open(open(&image, None).expect("open")) else {
                continue;
            };
            opened += 1;
            walk(&fs, "/", 0);
        }
        assert!(
            opened > 0,
            "no garbled image opened: the walk was never tried"
        );
    }

    /// Reads everything reachable, ignoring errors: only a panic or a hang fails.
    fn walk(fs: &ExtFs, at: &str, depth: usize) {
        let Ok(entries) = fs.list_dir(at) else {
            let _ = fs.read_file(at, 1 << 16);
            return;
        };
        if depth > 8 {
            return;
        }
        for entry in entries.into_iter().take(50) {
            let name = String::from_utf8_lossy(&entry.name);
            let child = format!("{}/{name}", at.trim_end_matches('/'));
            let _ = fs.stat(&child);
            let _ = fs.lstat(&child);
            let _ = fs.readlink(&child);
            walk(fs, &child, depth + 1);
        }
    }
}

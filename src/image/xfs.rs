//! XFS read in pure Rust: the file system of RHEL/CentOS 7+ images, v4 and v5 (CRC) formats.
//!
//! Enough to answer what the collector asks of a host: look a path up (symlinks followed as
//! the kernel would, inside the image), stat it, read a file, read a link, list a folder.
//! Directories in every form XFS writes (short form in the inode, single block, leaf and
//! node), files in extent and B+tree form, holes and unwritten extents read as zeros.
//!
//! Not here: writing, the log (a file system not cleanly unmounted is read as its blocks
//! are; the log is not replayed), realtime volumes, attributes. Every number read from the
//! image is checked before it is used: a damaged image is an [`Error::Corrupt`] naming the
//! structure, never a panic or an endless loop.

use std::path::{Path, PathBuf};

use super::{Error, VirtualDisk};

const SB_MAGIC: &[u8; 4] = b"XFSB";
const INODE_MAGIC: &[u8; 2] = b"IN";
/// Directory data blocks live below this byte offset of the directory; leaf and free-index
/// blocks above it.
const DIR_LEAF_OFFSET: u64 = 32 << 30;
/// Symlinks followed in one lookup, as Linux's MAXSYMLINKS.
const MAX_SYMLINKS: usize = 40;
/// Extents of one file or directory: far more than any real /etc file has.
const MAX_EXTENTS: usize = 1 << 20;
/// Largest B+tree depth XFS builds for a data fork.
const MAX_BTREE_LEVELS: u16 = 9;
/// B+tree blocks read for one data fork: enough for [`MAX_EXTENTS`] in full leaves of the
/// smallest block size, and a bound on a tree whose nodes share or repeat children.
const MAX_BTREE_BLOCKS: usize = 1 << 16;
/// Bytes of directory blocks read for one directory: a folder of a million long names fits.
const MAX_DIR_BYTES: u64 = 256 << 20;
/// Largest directory block XFS makes (mkfs.xfs -n size=64k).
const MAX_DIR_BLOCK_LOG: u32 = 16;

/// The kind of an inode, from its mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Directory,
    Symlink,
    Other,
}

/// What `stat` says of a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    pub kind: Kind,
    /// Permission bits (0o7777).
    pub mode: u32,
    pub size: u64,
    /// `di_flags`: [`FLAG_IMMUTABLE`], [`FLAG_APPEND`], ...
    pub flags: u16,
}

/// `XFS_DIFLAG_IMMUTABLE`: what `lsattr` shows as `i`.
pub const FLAG_IMMUTABLE: u16 = 0x0008;
/// `XFS_DIFLAG_APPEND`: what `lsattr` shows as `a`.
pub const FLAG_APPEND: u16 = 0x0010;

/// The superblock's identity and counters, as blkid and statfs report them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Lower-case, hyphenated, as blkid prints it.
    pub uuid: String,
    /// `sb_fname`; empty when none was set.
    pub label: String,
    pub block_size: u64,
    /// `sb_dblocks`.
    pub blocks: u64,
    /// Blocks of an internal log (`sb_logblocks` when `sb_logstart` is set), which statfs
    /// leaves out of the total.
    pub log_blocks: u64,
    /// `sb_fdblocks`: free data blocks.
    pub free_blocks: u64,
    /// `sb_icount` and `sb_ifree`: inodes allocated, and free among them.
    pub inodes_allocated: u64,
    pub inodes_free: u64,
    /// `sb_imax_pct`: the share of the space inodes may take (0: no limit).
    pub inode_max_percent: u8,
    pub inodes_per_block_log: u32,
}

#[derive(Debug, Clone, Copy)]
struct Superblock {
    block_size: u64,
    ag_blocks: u64,
    ag_count: u64,
    root: u64,
    inode_size: u64,
    inodes_per_block_log: u32,
    ag_block_log: u32,
    dir_block_size: u64,
    /// v5 (CRC) format: bigger inode core and block headers.
    v5: bool,
    /// Directory entries carry a file-type byte.
    ftype: bool,
}

/// One mapping of file offsets to disk blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Extent {
    /// First file block.
    offset: u64,
    /// First fs block (AG-relative encoding resolved later).
    block: u64,
    count: u64,
    /// Preallocated, never written: reads as zeros.
    unwritten: bool,
}

/// An inode, read.
#[derive(Debug, Clone)]
struct Inode {
    number: u64,
    mode: u16,
    size: u64,
    /// The data fork as it lies in the inode: local data, extent records, or a B+tree root.
    format: u8,
    fork: Vec<u8>,
    extents: u32,
    flags: u16,
}

impl Inode {
    fn kind(&self) -> Kind {
        match self.mode & 0o170_000 {
            0o100_000 => Kind::File,
            0o040_000 => Kind::Directory,
            0o120_000 => Kind::Symlink,
            _ => Kind::Other,
        }
    }
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn be64(b: &[u8], at: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[at..at + 8]);
    u64::from_be_bytes(x)
}

/// An XFS file system that starts at byte `start` of a virtual disk.
pub struct Xfs<'d> {
    disk: &'d dyn VirtualDisk,
    start: u64,
    image: PathBuf,
    sb: Superblock,
    summary: Summary,
}

impl<'d> Xfs<'d> {
    /// Reads the superblock; Ok(None) when there is no XFS at `start`.
    pub fn open(
        disk: &'d dyn VirtualDisk,
        start: u64,
        image: &Path,
    ) -> Result<Option<Xfs<'d>>, Error> {
        let mut raw = [0u8; 512];
        disk.read_at(start, &mut raw)?;
        if &raw[0..4] != SB_MAGIC {
            return Ok(None);
        }
        let corrupt = |what: &str| Error::Corrupt {
            path: image.to_path_buf(),
            what: format!("XFS superblock: {what}"),
        };
        let block_log = u32::from(raw[120]);
        let inode_log = u32::from(raw[122]);
        let inodes_per_block_log = u32::from(raw[123]);
        let ag_block_log = u32::from(raw[124]);
        let dir_block_log = u32::from(raw[192]);
        let version = be16(&raw, 100) & 0x000f;
        if !(9..=16).contains(&block_log)
            || !(8..=11).contains(&inode_log)
            || block_log < inode_log
            || inodes_per_block_log != block_log - inode_log
            || ag_block_log == 0
            || ag_block_log > 31
            || block_log + dir_block_log > MAX_DIR_BLOCK_LOG
        {
            return Err(corrupt("block, inode or AG sizes out of range"));
        }
        let v5 = version == 5;
        if !(4..=5).contains(&version) {
            return Err(Error::Unsupported {
                path: image.to_path_buf(),
                what: format!("XFS version {version} (v4 and v5 are read)"),
            });
        }
        let blocks = be64(&raw, 8);
        let features2 = be32(&raw, 200);
        let incompat = if v5 { be32(&raw, 216) } else { 0 };
        let ftype = if v5 {
            incompat & 0x1 != 0
        } else {
            features2 & 0x200 != 0
        };
        let sb = Superblock {
            block_size: 1 << block_log,
            ag_blocks: u64::from(be32(&raw, 84)),
            ag_count: u64::from(be32(&raw, 88)),
            root: be64(&raw, 56),
            inode_size: 1 << inode_log,
            inodes_per_block_log,
            ag_block_log,
            dir_block_size: 1 << (block_log + dir_block_log),
            v5,
            ftype,
        };
        if sb.ag_blocks == 0 || sb.ag_blocks > 1 << ag_block_log || sb.ag_count == 0 {
            return Err(corrupt("AG size or count out of range"));
        }
        // The AGs hold the file system's blocks, the last one may be short; and all of them
        // lie in the volume, so that a wild AG count is caught here, not at some read.
        if blocks == 0
            || blocks > sb.ag_count * sb.ag_blocks
            || blocks <= (sb.ag_count - 1) * sb.ag_blocks
        {
            return Err(corrupt(&format!(
                "{} AGs of {} blocks do not make its {blocks} blocks",
                sb.ag_count, sb.ag_blocks
            )));
        }
        let room = disk.size().saturating_sub(start);
        if blocks.saturating_mul(sb.block_size) > room {
            return Err(corrupt(&format!(
                "its {blocks} blocks of {} bytes do not fit in the {room}-byte volume",
                sb.block_size
            )));
        }
        let summary = Summary {
            uuid: hyphenated_uuid(&raw[32..48]),
            label: {
                let name = &raw[108..120];
                let end = name.iter().position(|b| *b == 0).unwrap_or(name.len());
                String::from_utf8_lossy(&name[..end]).into_owned()
            },
            block_size: sb.block_size,
            blocks,
            log_blocks: if be64(&raw, 48) != 0 {
                u64::from(be32(&raw, 96))
            } else {
                0
            },
            free_blocks: be64(&raw, 144),
            inodes_allocated: be64(&raw, 128),
            inodes_free: be64(&raw, 136),
            inode_max_percent: raw[127],
            inodes_per_block_log,
        };
        Ok(Some(Xfs {
            disk,
            start,
            image: image.to_path_buf(),
            sb,
            summary,
        }))
    }

    /// The superblock's UUID, label and counters.
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    fn corrupt(&self, what: String) -> Error {
        Error::Corrupt {
            path: self.image.clone(),
            what: format!("XFS: {what}"),
        }
    }

    /// The disk byte of fs block `fsb` (AG number in the high bits).
    fn block_byte(&self, fsb: u64) -> Result<u64, Error> {
        let ag = fsb >> self.sb.ag_block_log;
        let in_ag = fsb & ((1 << self.sb.ag_block_log) - 1);
        if ag >= self.sb.ag_count || in_ag >= self.sb.ag_blocks {
            return Err(self.corrupt(format!("block {fsb} is outside the file system")));
        }
        Ok(self.start + (ag * self.sb.ag_blocks + in_ag) * self.sb.block_size)
    }

    fn read_blocks(&self, fsb: u64, count: u64) -> Result<Vec<u8>, Error> {
        let len = count
            .checked_mul(self.sb.block_size)
            .filter(|l| *l <= 64 << 20)
            .ok_or_else(|| self.corrupt(format!("a read of {count} blocks")))?;
        let mut buf = vec![0u8; len as usize];
        self.disk.read_at(self.block_byte(fsb)?, &mut buf)?;
        Ok(buf)
    }

    fn inode(&self, number: u64) -> Result<Inode, Error> {
        let per_block_log = self.sb.inodes_per_block_log;
        let fsb = number >> per_block_log;
        let index = number & ((1 << per_block_log) - 1);
        let byte = self.block_byte(fsb)? + index * self.sb.inode_size;
        let mut raw = vec![0u8; self.sb.inode_size as usize];
        self.disk.read_at(byte, &mut raw)?;
        if &raw[0..2] != INODE_MAGIC {
            return Err(self.corrupt(format!("inode {number} has no inode magic")));
        }
        let version = raw[4];
        let core = if version >= 3 { 176 } else { 100 };
        let fork_offset = usize::from(raw[82]) * 8;
        let fork_end = if fork_offset == 0 {
            raw.len()
        } else {
            (core + fork_offset).min(raw.len())
        };
        if core > fork_end {
            return Err(self.corrupt(format!("inode {number}: fork offset out of range")));
        }
        Ok(Inode {
            number,
            mode: be16(&raw, 2),
            size: be64(&raw, 56),
            format: raw[5],
            fork: raw[core..fork_end].to_vec(),
            extents: be32(&raw, 76),
            flags: be16(&raw, 90),
        })
    }

    fn decode_extent(record: &[u8]) -> Extent {
        let hi = be64(record, 0);
        let lo = be64(record, 8);
        Extent {
            unwritten: hi >> 63 != 0,
            offset: (hi >> 9) & ((1 << 54) - 1),
            block: ((hi & 0x1ff) << 43) | (lo >> 21),
            count: lo & ((1 << 21) - 1),
        }
    }

    /// The data fork's extents, in file order.
    fn extents(&self, inode: &Inode) -> Result<Vec<Extent>, Error> {
        match inode.format {
            2 => {
                let count = inode.extents as usize;
                if count * 16 > inode.fork.len() {
                    return Err(self.corrupt(format!(
                        "inode {}: {count} extents do not fit in the inode",
                        inode.number
                    )));
                }
                let extents: Vec<Extent> = inode
                    .fork
                    .chunks_exact(16)
                    .take(count)
                    .map(Self::decode_extent)
                    .collect();
                self.in_file_order(inode, extents)
            }
            3 => {
                let fork = &inode.fork;
                if fork.len() < 4 {
                    return Err(self.corrupt(format!("inode {}: B+tree root", inode.number)));
                }
                let level = be16(fork, 0);
                let records = usize::from(be16(fork, 2));
                let max = (fork.len() - 4) / 16;
                if level == 0 || level > MAX_BTREE_LEVELS || records > max {
                    return Err(self.corrupt(format!("inode {}: B+tree root", inode.number)));
                }
                let pointers: Vec<u64> = (0..records)
                    .map(|i| be64(fork, 4 + max * 8 + i * 8))
                    .collect();
                let mut out = Vec::new();
                let mut seen = std::collections::HashSet::new();
                for pointer in pointers {
                    self.btree_block(pointer, level - 1, &mut out, &mut seen)?;
                }
                self.in_file_order(inode, out)
            }
            _ => Err(self.corrupt(format!(
                "inode {}: data fork format {} has no extents",
                inode.number, inode.format
            ))),
        }
    }

    /// The extents as XFS keeps them: by file offset, none overlapping the one before. A
    /// fork that breaks this is corrupt, and every reader of extents may count on it (a file
    /// read is then never more bytes than the file's length).
    fn in_file_order(&self, inode: &Inode, extents: Vec<Extent>) -> Result<Vec<Extent>, Error> {
        let mut next = 0u64;
        for extent in &extents {
            if extent.offset < next {
                return Err(self.corrupt(format!(
                    "inode {}: extent at file block {} overlaps the one before",
                    inode.number, extent.offset
                )));
            }
            next = extent.offset + extent.count;
        }
        Ok(extents)
    }

    /// Adds the extents under B+tree block `fsb` to `out`. `seen` holds the blocks already
    /// read for this fork: a block reached twice is a cycle or a shared child, corrupt.
    fn btree_block(
        &self,
        fsb: u64,
        level: u16,
        out: &mut Vec<Extent>,
        seen: &mut std::collections::HashSet<u64>,
    ) -> Result<(), Error> {
        if !seen.insert(fsb) {
            return Err(self.corrupt(format!("B+tree block {fsb} is reached twice (a cycle)")));
        }
        if seen.len() > MAX_BTREE_BLOCKS {
            return Err(self.corrupt(format!("a B+tree of more than {MAX_BTREE_BLOCKS} blocks")));
        }
        let block = self.read_blocks(fsb, 1)?;
        let (magic, header): (&[u8], usize) = if self.sb.v5 {
            (b"BMA3", 72)
        } else {
            (b"BMAP", 24)
        };
        if &block[0..4] != magic || be16(&block, 4) != level {
            return Err(self.corrupt(format!("B+tree block {fsb}: bad magic or level")));
        }
        let records = usize::from(be16(&block, 6));
        if level == 0 {
            let max = (block.len() - header) / 16;
            if records > max || out.len() + records > MAX_EXTENTS {
                return Err(self.corrupt(format!("B+tree leaf {fsb}: {records} records")));
            }
            out.extend(
                block[header..header + records * 16]
                    .chunks_exact(16)
                    .map(Self::decode_extent),
            );
            return Ok(());
        }
        let max = (block.len() - header) / 16;
        if records > max {
            return Err(self.corrupt(format!("B+tree node {fsb}: {records} records")));
        }
        for i in 0..records {
            let pointer = be64(&block, header + max * 8 + i * 8);
            self.btree_block(pointer, level - 1, out, seen)?;
        }
        Ok(())
    }

    /// Bytes `[0, len)` of a file whose data is in extents; holes and unwritten extents are
    /// zeros.
    fn read_extents(&self, inode: &Inode, len: u64) -> Result<Vec<u8>, Error> {
        let mut data = vec![0u8; len as usize];
        let bs = self.sb.block_size;
        for extent in self.extents(inode)? {
            let from = extent.offset.saturating_mul(bs);
            if from >= len || extent.unwritten {
                continue;
            }
            let blocks = extent.count.min((len - from).div_ceil(bs));
            let bytes = self.read_blocks(extent.block, blocks)?;
            let end = (from + bytes.len() as u64).min(len);
            data[from as usize..end as usize].copy_from_slice(&bytes[..(end - from) as usize]);
        }
        Ok(data)
    }

    /// The entries of a directory: (name, inode number).
    fn entries(&self, dir: &Inode) -> Result<Vec<(Vec<u8>, u64)>, Error> {
        match dir.format {
            1 => self.short_form(dir),
            2 | 3 => {
                let mut found = Vec::new();
                let bs = self.sb.block_size;
                let per_dir_block = self.sb.dir_block_size / bs;
                let mut budget = MAX_DIR_BYTES / bs;
                for extent in self.extents(dir)? {
                    if extent.offset.saturating_mul(bs) >= DIR_LEAF_OFFSET {
                        continue;
                    }
                    budget = budget.checked_sub(extent.count).ok_or_else(|| {
                        self.corrupt(format!(
                            "directory inode {}: more than {} MiB of blocks",
                            dir.number,
                            MAX_DIR_BYTES >> 20
                        ))
                    })?;
                    let mut done = 0;
                    while done < extent.count {
                        let blocks = per_dir_block.min(extent.count - done);
                        let block = self.read_blocks(extent.block + done, blocks)?;
                        self.data_block(&block, &mut found)?;
                        done += blocks;
                    }
                }
                Ok(found)
            }
            other => Err(self.corrupt(format!(
                "directory inode {}: data fork format {other}",
                dir.number
            ))),
        }
    }

    fn short_form(&self, dir: &Inode) -> Result<Vec<(Vec<u8>, u64)>, Error> {
        let fork = &dir.fork;
        let bad = || self.corrupt(format!("short-form directory inode {}", dir.number));
        if fork.len() < 6 {
            return Err(bad());
        }
        let count = usize::from(fork[0]);
        let wide = fork[1] > 0;
        let number_len = if wide { 8 } else { 4 };
        let mut at = 2 + number_len;
        let mut out = Vec::new();
        for _ in 0..count {
            let name_len = usize::from(*fork.get(at).ok_or_else(bad)?);
            let name_at = at + 3;
            let number_at = name_at + name_len + usize::from(self.sb.ftype);
            let end = number_at + number_len;
            if end > fork.len() {
                return Err(bad());
            }
            let number = if wide {
                be64(fork, number_at)
            } else {
                u64::from(be32(fork, number_at))
            };
            out.push((fork[name_at..name_at + name_len].to_vec(), number));
            at = end;
        }
        Ok(out)
    }

    fn data_block(&self, block: &[u8], out: &mut Vec<(Vec<u8>, u64)>) -> Result<(), Error> {
        let magic = &block[0..4];
        let (header, single) = match magic {
            b"XD2B" => (16, true),
            b"XD2D" => (16, false),
            b"XDB3" => (64, true),
            b"XDD3" => (64, false),
            // A free or leaf block mapped below the leaf offset would be corrupt; skip it.
            _ => return Err(self.corrupt("directory data block without its magic".into())),
        };
        let mut end = block.len();
        if single {
            // A single-block directory ends with its leaf entries and a tail.
            let count = be32(block, block.len() - 8) as usize;
            end = block
                .len()
                .checked_sub(8 + count * 8)
                .filter(|e| *e >= header)
                .ok_or_else(|| self.corrupt("directory block tail".into()))?;
        }
        let mut at = header;
        while at + 8 <= end {
            if be16(block, at) == 0xffff {
                let len = usize::from(be16(block, at + 2));
                if len < 8 || len % 8 != 0 {
                    return Err(self.corrupt("directory free space entry".into()));
                }
                at += len;
                continue;
            }
            let number = be64(block, at);
            let name_len = usize::from(block[at + 8]);
            let name_at = at + 9;
            // inode, length, name, [ftype], tag (2), padded to 8 bytes
            let len = (8 + 1 + name_len + usize::from(self.sb.ftype) + 2).div_ceil(8) * 8;
            if name_len == 0 || at + len > end {
                return Err(self.corrupt("directory entry".into()));
            }
            out.push((block[name_at..name_at + name_len].to_vec(), number));
            at += len;
        }
        Ok(())
    }

    /// The target of a symlink inode.
    fn link_target(&self, inode: &Inode) -> Result<Vec<u8>, Error> {
        let len = inode.size;
        if len == 0 || len > 1024 {
            return Err(self.corrupt(format!("symlink inode {}: length {len}", inode.number)));
        }
        match inode.format {
            1 => inode
                .fork
                .get(..len as usize)
                .map(<[u8]>::to_vec)
                .ok_or_else(|| self.corrupt(format!("symlink inode {}", inode.number))),
            2 if self.sb.v5 => {
                // Remote symlink blocks start with a 56-byte "XSLM" header; a target of at
                // most 1024 bytes needs few of them.
                let mut target = Vec::new();
                let mut budget = len.div_ceil(self.sb.block_size - 56);
                for extent in self.extents(inode)? {
                    budget = budget.checked_sub(extent.count).ok_or_else(|| {
                        self.corrupt(format!(
                            "symlink inode {}: more blocks than its {len} bytes need",
                            inode.number
                        ))
                    })?;
                    for n in 0..extent.count {
                        let block = self.read_blocks(extent.block + n, 1)?;
                        if &block[0..4] != b"XSLM" {
                            return Err(self.corrupt("remote symlink block".into()));
                        }
                        let bytes = be32(&block, 8) as usize;
                        target.extend_from_slice(block.get(56..56 + bytes).unwrap_or_default());
                    }
                }
                target.truncate(len as usize);
                Ok(target)
            }
            2 => self.read_extents(inode, len),
            other => Err(self.corrupt(format!("symlink format {other}"))),
        }
    }

    /// The inode at `path` (absolute inside the image), symlinks in it followed (the last
    /// one too when `follow`); None when a component does not exist.
    fn lookup(&self, path: &str, follow: bool) -> Result<Option<Inode>, Error> {
        let mut pending: Vec<Vec<u8>> = components(path.as_bytes());
        pending.reverse();
        let mut stack = vec![self.inode(self.sb.root)?];
        let mut hops = 0;
        while let Some(name) = pending.pop() {
            let current = stack
                .last()
                .cloned()
                .ok_or_else(|| self.corrupt("lookup".into()))?;
            if name == b".." {
                if stack.len() > 1 {
                    stack.pop();
                }
                continue;
            }
            if current.kind() != Kind::Directory {
                return Ok(None);
            }
            let Some(number) = self
                .entries(&current)?
                .into_iter()
                .find(|(n, _)| *n == name)
                .map(|(_, number)| number)
            else {
                return Ok(None);
            };
            let inode = self.inode(number)?;
            let last = pending.is_empty();
            if inode.kind() == Kind::Symlink && (follow || !last) {
                hops += 1;
                if hops > MAX_SYMLINKS {
                    return Err(self.corrupt(format!("too many symlinks in {path}")));
                }
                let target = self.link_target(&inode)?;
                if target.first() == Some(&b'/') {
                    stack.truncate(1);
                }
                let mut more = components(&target);
                more.reverse();
                pending.extend(more);
                continue;
            }
            stack.push(inode);
        }
        Ok(stack.pop())
    }

    /// `stat` of `path`, following symlinks; None when it does not exist.
    pub fn stat(&self, path: &str) -> Result<Option<Stat>, Error> {
        Ok(self.lookup(path, true)?.map(|inode| Stat {
            kind: inode.kind(),
            mode: u32::from(inode.mode) & 0o7777,
            size: inode.size,
            flags: inode.flags,
        }))
    }

    /// The content of the file at `path`, at most `cap` bytes (and whether it was longer);
    /// None when it does not exist.
    pub fn read_file(&self, path: &str, cap: u64) -> Result<Option<(Vec<u8>, bool)>, Error> {
        let Some(inode) = self.lookup(path, true)? else {
            return Ok(None);
        };
        if inode.kind() != Kind::File {
            return Err(self.corrupt(format!("{path} is not a regular file")));
        }
        let len = inode.size.min(cap);
        let data = match inode.format {
            1 => inode.fork.iter().copied().take(len as usize).collect(),
            _ => self.read_extents(&inode, len)?,
        };
        Ok(Some((data, inode.size > cap)))
    }

    /// The file at `path` as a reader that fetches its blocks as they are read, for files
    /// too big to hold (an initramfs); None when it does not exist.
    pub fn open_file(&self, path: &str) -> Result<Option<FileReader<'_, 'd>>, Error> {
        let Some(inode) = self.lookup(path, true)? else {
            return Ok(None);
        };
        if inode.kind() != Kind::File {
            return Err(self.corrupt(format!("{path} is not a regular file")));
        }
        let (extents, local) = match inode.format {
            1 => (Vec::new(), Some(inode.fork.clone())),
            _ => (self.extents(&inode)?, None),
        };
        Ok(Some(FileReader {
            fs: self,
            extents,
            local,
            size: inode.size,
            position: 0,
        }))
    }

    /// The target of the symlink at `path`; Ok(None) when `path` is not a symlink or does not
    /// exist.
    pub fn read_link(&self, path: &str) -> Result<Option<String>, Error> {
        match self.lookup(path, false)? {
            Some(inode) if inode.kind() == Kind::Symlink => Ok(Some(
                String::from_utf8_lossy(&self.link_target(&inode)?).into_owned(),
            )),
            _ => Ok(None),
        }
    }

    /// The names in the folder at `path` (no `.` or `..`), sorted; None when it does not exist.
    pub fn list_dir(&self, path: &str) -> Result<Option<Vec<String>>, Error> {
        let Some(inode) = self.lookup(path, true)? else {
            return Ok(None);
        };
        if inode.kind() != Kind::Directory {
            return Err(self.corrupt(format!("{path} is not a folder")));
        }
        let mut names: Vec<String> = self
            .entries(&inode)?
            .into_iter()
            .map(|(name, _)| String::from_utf8_lossy(&name).into_owned())
            .filter(|n| n != "." && n != "..")
            .collect();
        names.sort();
        Ok(Some(names))
    }
}

/// A file being read: its extents, fetched a piece at a time ([`Xfs::open_file`]).
pub struct FileReader<'x, 'd> {
    fs: &'x Xfs<'d>,
    extents: Vec<Extent>,
    /// The data of a file kept inside its inode.
    local: Option<Vec<u8>>,
    size: u64,
    position: u64,
}

/// The most one `read` fetches from the disk.
const READ_PIECE: u64 = 1 << 20;

impl std::io::Read for FileReader<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.position >= self.size || buf.is_empty() {
            return Ok(0);
        }
        let left = (self.size - self.position)
            .min(buf.len() as u64)
            .min(READ_PIECE);
        if let Some(local) = &self.local {
            // Bytes past the inline data (a size that claims more) read as zeros, as a hole.
            let n = left as usize;
            let piece = local.get(self.position as usize..).unwrap_or_default();
            let copied = piece.len().min(n);
            buf[..copied].copy_from_slice(&piece[..copied]);
            buf[copied..n].fill(0);
            self.position += n as u64;
            return Ok(n);
        }
        let bs = self.fs.sb.block_size;
        let block = self.position / bs;
        let within = self
            .extents
            .iter()
            .find(|e| block >= e.offset && block - e.offset < e.count);
        let n = match within {
            Some(extent) if !extent.unwritten => {
                let extent_end = (extent.offset + extent.count).saturating_mul(bs);
                let n = left.min(extent_end - self.position);
                let byte = self
                    .fs
                    .block_byte(extent.block + (block - extent.offset))
                    .map_err(std::io::Error::other)?
                    + self.position % bs;
                self.fs
                    .disk
                    .read_at(byte, &mut buf[..n as usize])
                    .map_err(std::io::Error::other)?;
                n
            }
            Some(extent) => {
                let extent_end = (extent.offset + extent.count).saturating_mul(bs);
                let n = left.min(extent_end - self.position);
                buf[..n as usize].fill(0);
                n
            }
            None => {
                // A hole: zeros up to the next extent.
                let next = self
                    .extents
                    .iter()
                    .filter(|e| e.offset > block)
                    .map(|e| e.offset.saturating_mul(bs))
                    .min()
                    .unwrap_or(u64::MAX);
                let n = left.min(next - self.position);
                buf[..n as usize].fill(0);
                n
            }
        };
        self.position += n;
        Ok(n as usize)
    }
}

/// A UUID as blkid prints it: lower-case hex in 8-4-4-4-12 groups.
pub fn hyphenated_uuid(bytes: &[u8]) -> String {
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    [0..8, 8..12, 12..16, 16..20, 20..32]
        .into_iter()
        .filter_map(|r| hex.get(r))
        .collect::<Vec<_>>()
        .join("-")
}

/// The non-empty components of a path, `.` dropped.
fn components(path: &[u8]) -> Vec<Vec<u8>> {
    path.split(|b| *b == b'/')
        .filter(|c| !c.is_empty() && *c != b".")
        .map(<[u8]>::to_vec)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::raw::Raw;
    use std::process::Command;

    /// An XFS image made by mkfs.xfs from a prototype file (no mount): a small tree with a
    /// short-form folder, a single-block one, a node folder of 3,000 entries (its data fork a
    /// B+tree of 53 extents), a 3 MiB file, local and remote symlinks.
    fn make(dir: &Path, v5: bool) -> PathBuf {
        assert!(
            Command::new("mkfs.xfs").arg("-V").output().is_ok(),
            "mkfs.xfs is missing: apt-get install xfsprogs (.ci/run does)"
        );
        let src = dir.join("src");
        std::fs::create_dir_all(&src).unwrap();
        std::fs::write(
            src.join("os-release"),
            "NAME=\"Rocky Linux\"\nVERSION_ID=\"9.3\"\n",
        )
        .unwrap();
        let big: Vec<u8> = (0..3 << 20).map(|i: u32| (i % 251) as u8).collect();
        std::fs::write(src.join("big"), &big).unwrap();
        let long_target = format!("/{}", "t".repeat(300));
        let mut proto = String::from("/dev/null\n0 0\nd--755 0 0\n");
        proto.push_str("etc d--755 0 0\n");
        proto.push_str(&format!(
            "os-release ---644 0 0 {}\n",
            src.join("os-release").display()
        ));
        proto.push_str("ssh d--700 0 0\n$\n");
        proto.push_str("$\n");
        proto.push_str("lib l--777 0 0 usr/lib\n");
        proto.push_str(&format!("far l--777 0 0 {long_target}\n"));
        proto.push_str("usr d--755 0 0\nlib d--755 0 0\n");
        proto.push_str(&format!("big ---600 0 0 {}\n", src.join("big").display()));
        proto.push_str("$\n$\n");
        proto.push_str("medium d--755 0 0\n");
        for n in 0..40 {
            proto.push_str(&format!(
                "entry-{n:03} ---644 0 0 {}\n",
                src.join("os-release").display()
            ));
        }
        proto.push_str("$\n");
        proto.push_str("many d--755 0 0\n");
        for n in 0..3000 {
            proto.push_str(&format!(
                "a-rather-long-file-name-to-fill-blocks-{n:05} ---644 0 0 {}\n",
                src.join("os-release").display()
            ));
        }
        proto.push_str("$\n$\n");
        let proto_file = dir.join("proto");
        std::fs::write(&proto_file, proto).unwrap();
        let image = dir.join(if v5 { "v5.img" } else { "v4.img" });
        let _ = std::fs::remove_file(&image);
        let file = std::fs::File::create(&image).unwrap();
        file.set_len(320 << 20).unwrap();
        let crc = if v5 { "crc=1" } else { "crc=0" };
        let made = Command::new("mkfs.xfs")
            .args(["-q", "-f", "-m", crc, "-p"])
            .arg(&proto_file)
            .arg(&image)
            .output()
            .unwrap();
        assert!(
            made.status.success(),
            "{}",
            String::from_utf8_lossy(&made.stderr)
        );
        image
    }

    fn check(image: &Path) {
        let disk = Raw::new(std::fs::File::open(image).unwrap(), image).unwrap();
        let xfs = Xfs::open(&disk, 0, image)
            .unwrap()
            .expect("an XFS superblock");
        let (text, cut) = xfs.read_file("/etc/os-release", 1 << 20).unwrap().unwrap();
        assert_eq!(text, b"NAME=\"Rocky Linux\"\nVERSION_ID=\"9.3\"\n");
        assert!(!cut);
        let big: Vec<u8> = (0..3 << 20).map(|i: u32| (i % 251) as u8).collect();
        let (data, _) = xfs.read_file("/lib/big", 16 << 20).unwrap().unwrap();
        assert!(data == big, "3 MiB read back through /lib -> usr/lib");
        assert_eq!(
            xfs.read_file("/usr/lib/big", 10).unwrap().unwrap(),
            (big[..10].to_vec(), true)
        );
        assert_eq!(xfs.read_link("/lib").unwrap().as_deref(), Some("usr/lib"));
        assert_eq!(
            xfs.read_link("/far").unwrap().unwrap().len(),
            301,
            "a remote symlink"
        );
        assert_eq!(xfs.read_link("/etc").unwrap(), None);
        assert_eq!(
            xfs.list_dir("/etc").unwrap().unwrap(),
            ["os-release", "ssh"]
        );
        let medium = xfs.list_dir("/medium").unwrap().unwrap();
        assert_eq!((medium.len(), medium[39].as_str()), (40, "entry-039"));
        let many = xfs.list_dir("/many").unwrap().unwrap();
        assert_eq!(many.len(), 3000, "leaf/node directory");
        assert_eq!(many[2999], "a-rather-long-file-name-to-fill-blocks-02999");
        let stat = xfs.stat("/usr/lib/../lib/big").unwrap().unwrap();
        assert_eq!(
            (stat.kind, stat.mode, stat.size),
            (Kind::File, 0o600, 3 << 20)
        );
        assert_eq!(xfs.stat("/etc/ssh").unwrap().unwrap().mode, 0o700);
        assert_eq!(xfs.stat("/nope").unwrap(), None);
        assert_eq!(xfs.stat("/etc/os-release/x").unwrap(), None);
        assert!(xfs
            .stat("/many/a-rather-long-file-name-to-fill-blocks-01234")
            .unwrap()
            .is_some());
    }

    #[test]
    fn v5_and_v4_file_systems_made_by_mkfs_read_back() {
        let dir = std::env::temp_dir().join(format!("ic-xfs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for v5 in [true, false] {
            check(&make(&dir, v5));
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

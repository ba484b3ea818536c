//! LVM2 physical volumes: find the logical volumes whose extents lie on one PV, and read a
//! linear logical volume as a disk of its own (CentOS and RHEL installs put / there).
//!
//! The PV label ("LABELONE", in one of the first four sectors) gives the PV's UUID and its
//! metadata area; the metadata area's header points at the current copy of the volume
//! group's text metadata, which names each LV's segments: a run of logical extents mapped
//! to a run of physical extents of one PV ("striped" with one stripe, what `lvs` calls
//! linear). Striped-over-several, mirrored, RAID, thin and cached LVs, and LVs with extents
//! on another PV, are refused by name. Layout: LVM2's lib/format_text/layout.h and
//! lib/format_text/format-text.c.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use super::{corrupt, le_u32, le_u64, unsupported, Error, Slice, VirtualDisk};

const SECTOR: u64 = 512;
const MDA_MAGIC: &[u8] = b" LVM2 x[5A%r0N*>";
/// Text metadata larger than this is refused (LVM's own default area is 1 MiB).
const METADATA_MAX: u64 = 16 << 20;
/// Nesting deeper than this is not LVM metadata.
const DEPTH_MAX: usize = 16;

/// A logical volume of the PV's volume group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogicalVolume {
    pub vg: String,
    pub name: String,
    /// In order of logical extent: where each run lies on this PV, in bytes.
    pub segments: Vec<Segment>,
}

/// `len` bytes of the LV at byte `lv_offset`, stored at byte `pv_offset` of the PV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub lv_offset: u64,
    pub pv_offset: u64,
    pub len: u64,
}

/// The logical volumes of the volume group whose metadata this PV carries, by name.
pub fn logical_volumes(pv: &dyn VirtualDisk) -> Result<Vec<LogicalVolume>, Error> {
    let path = Path::new("LVM physical volume");
    let (uuid, metadata) = read_metadata(pv, path)?;
    let text = std::str::from_utf8(&metadata)
        .map_err(|_| corrupt(path, "the LVM metadata is not UTF-8 text"))?;
    let root = parse(text).map_err(|what| corrupt(path, format!("LVM metadata: {what}")))?;
    let (vg, group) = root
        .iter()
        .find_map(|(name, value)| match value {
            Value::Section(section) => Some((name.clone(), section)),
            _ => None,
        })
        .ok_or_else(|| corrupt(path, "the LVM metadata names no volume group"))?;
    let extent = int(group, "extent_size", path)?
        .checked_mul(SECTOR)
        .ok_or_else(|| corrupt(path, "the LVM extent size overflows"))?;
    // Which pvN of the metadata this disk is: the one with the label's UUID.
    let pvs = section(group, "physical_volumes", path)?;
    let (this_pv, pe_start) = pvs
        .iter()
        .find_map(|(name, value)| match value {
            Value::Section(pv) => match pv.get("id") {
                Some(Value::Str(id)) if id.replace('-', "") == uuid => Some((name.clone(), pv)),
                _ => None,
            },
            _ => None,
        })
        .ok_or_else(|| corrupt(path, "the LVM metadata does not list this PV's UUID"))?;
    let pe_start = int(pe_start, "pe_start", path)?.saturating_mul(SECTOR);
    let mut volumes = Vec::new();
    let Some(Value::Section(lvs)) = group.get("logical_volumes") else {
        return Ok(volumes);
    };
    for (name, lv) in lvs {
        let Value::Section(lv) = lv else { continue };
        let mut segments = Vec::new();
        for (key, segment) in lv {
            let Value::Section(segment) = segment else {
                continue;
            };
            if !key.starts_with("segment") {
                continue;
            }
            let kind = match segment.get("type") {
                Some(Value::Str(kind)) => kind.as_str(),
                _ => "",
            };
            let stripes = int(segment, "stripe_count", path).unwrap_or(0);
            if kind != "striped" || stripes != 1 {
                return Err(unsupported(
                    path,
                    format!("LV {vg}/{name} has a {kind:?} segment of {stripes} stripes: only linear LVs are read"),
                ));
            }
            let (pv_name, pv_extent) = match segment.get("stripes") {
                Some(Value::Array(items)) => match items.as_slice() {
                    [Value::Str(pv), Value::Int(at)] => (pv.clone(), *at),
                    _ => return Err(corrupt(path, format!("LV {vg}/{name}: bad stripes"))),
                },
                _ => return Err(corrupt(path, format!("LV {vg}/{name}: no stripes"))),
            };
            if pv_name != this_pv {
                return Err(unsupported(
                    path,
                    format!("LV {vg}/{name} has extents on {pv_name}, another PV than this disk"),
                ));
            }
            let bytes = |extents: u64| {
                extents
                    .checked_mul(extent)
                    .ok_or_else(|| corrupt(path, format!("LV {vg}/{name}: extents overflow")))
            };
            segments.push(Segment {
                lv_offset: bytes(int(segment, "start_extent", path)?)?,
                pv_offset: bytes(pv_extent)?
                    .checked_add(pe_start)
                    .ok_or_else(|| corrupt(path, "extent overflow"))?,
                len: bytes(int(segment, "extent_count", path)?)?,
            });
        }
        segments.sort_by_key(|s| s.lv_offset);
        volumes.push(LogicalVolume {
            vg: vg.clone(),
            name: name.clone(),
            segments,
        });
    }
    Ok(volumes)
}

impl LogicalVolume {
    /// The LV's bytes as a disk: its segments, one after another. They must follow each
    /// other without gaps and lie on the PV.
    pub fn open(&self, pv: Arc<dyn VirtualDisk>) -> Result<Linear, Error> {
        let mut parts = Vec::new();
        let mut size = 0u64;
        for segment in &self.segments {
            if segment.lv_offset != size {
                return Err(corrupt(
                    Path::new("LVM physical volume"),
                    format!(
                        "LV {}/{} has a gap or overlap at byte {size}",
                        self.vg, self.name
                    ),
                ));
            }
            let name = format!("LV {}/{}", self.vg, self.name);
            parts.push((
                size,
                Slice::new(Arc::clone(&pv), name, segment.pv_offset, segment.len)?,
            ));
            size += segment.len;
        }
        Ok(Linear { parts, size })
    }
}

/// A linear LV: slices of the PV end to end.
pub struct Linear {
    /// Each slice with the LV offset it starts at.
    parts: Vec<(u64, Slice)>,
    size: u64,
}

impl VirtualDisk for Linear {
    fn size(&self) -> u64 {
        self.size
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), Error> {
        super::check_range(Path::new("LV"), offset, buf.len(), self.size)?;
        let mut done = 0;
        while done < buf.len() {
            let at = offset + done as u64;
            let index = self.parts.partition_point(|(start, _)| *start <= at) - 1;
            let (start, slice) = &self.parts[index];
            let within = at - start;
            let n = ((slice.size() - within) as usize).min(buf.len() - done);
            slice.read_at(within, &mut buf[done..done + n])?;
            done += n;
        }
        Ok(())
    }
}

/// The PV's UUID (32 characters, no hyphens) and the current text metadata.
fn read_metadata(pv: &dyn VirtualDisk, path: &Path) -> Result<(String, Vec<u8>), Error> {
    let mut head = [0u8; 4 * SECTOR as usize];
    pv.read_at(0, &mut head)?;
    let label = (0..4)
        .map(|s| s * SECTOR as usize)
        .find(|at| &head[*at..at + 8] == b"LABELONE" && &head[at + 24..at + 32] == b"LVM2 001")
        .ok_or_else(|| corrupt(path, "no LVM2 label (\"LABELONE\") in the first 4 sectors"))?;
    let header_at = label + le_u32(&head, label + 20) as usize;
    // The PV header: the UUID, the device size, then two zero-terminated lists of
    // (offset, size): data areas, then metadata areas.
    let mut header = [0u8; SECTOR as usize];
    pv.read_at(header_at as u64, &mut header)?;
    let uuid = String::from_utf8_lossy(&header[..32]).into_owned();
    let mut at = 40;
    let mut lists = [Vec::new(), Vec::new()];
    for list in &mut lists {
        loop {
            if at + 16 > header.len() {
                return Err(corrupt(path, "the LVM PV header's area lists do not end"));
            }
            let (offset, size) = (le_u64(&header, at), le_u64(&header, at + 8));
            at += 16;
            if offset == 0 {
                break;
            }
            list.push((offset, size));
        }
    }
    let &(mda, mda_size) = lists[1]
        .first()
        .ok_or_else(|| corrupt(path, "this LVM PV keeps no metadata area"))?;
    let mut mda_header = [0u8; SECTOR as usize];
    pv.read_at(mda, &mut mda_header)?;
    if &mda_header[4..20] != MDA_MAGIC {
        return Err(corrupt(
            path,
            format!("no LVM metadata area header at byte {mda}"),
        ));
    }
    // The first raw location is the committed metadata, its offset relative to the area.
    let (offset, size) = (le_u64(&mda_header, 40), le_u64(&mda_header, 48));
    if size == 0 || size > METADATA_MAX || offset >= mda_size || mda_size < SECTOR {
        return Err(corrupt(
            path,
            format!("LVM metadata of {size} bytes at {offset}"),
        ));
    }
    // The area is a ring after its 512-byte header: metadata may wrap to its start.
    let first = size.min(mda_size - offset);
    let mut text = vec![0u8; size as usize];
    pv.read_at(mda.saturating_add(offset), &mut text[..first as usize])?;
    if first < size {
        pv.read_at(mda.saturating_add(SECTOR), &mut text[first as usize..])?;
    }
    if let Some(end) = text.iter().position(|b| *b == 0) {
        text.truncate(end);
    }
    Ok((uuid, text))
}

/// A value of LVM's text metadata: `key = value` and `name { ... }`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    Int(u64),
    Str(String),
    Array(Vec<Value>),
    Section(BTreeMap<String, Value>),
}

fn section<'a>(
    map: &'a BTreeMap<String, Value>,
    key: &str,
    path: &Path,
) -> Result<&'a BTreeMap<String, Value>, Error> {
    match map.get(key) {
        Some(Value::Section(section)) => Ok(section),
        _ => Err(corrupt(
            path,
            format!("the LVM metadata has no {key} section"),
        )),
    }
}

fn int(map: &BTreeMap<String, Value>, key: &str, path: &Path) -> Result<u64, Error> {
    match map.get(key) {
        Some(Value::Int(value)) => Ok(*value),
        _ => Err(corrupt(
            path,
            format!("the LVM metadata has no number {key}"),
        )),
    }
}

/// Parses LVM's text metadata (the config syntax of lib/config/config.c): `#` comments,
/// quoted strings with `\` escapes, decimal numbers, `[a, b]` arrays, nested sections.
fn parse(text: &str) -> Result<BTreeMap<String, Value>, String> {
    let mut tokens = Tokens {
        bytes: text.as_bytes(),
        at: 0,
    };
    let map = tokens.section(0)?;
    match tokens.next()? {
        None => Ok(map),
        Some(token) => Err(format!("unexpected {token:?} at the top level")),
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Token {
    Word(String),
    Str(String),
    Punct(u8),
}

struct Tokens<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Tokens<'_> {
    fn next(&mut self) -> Result<Option<Token>, String> {
        loop {
            match self.bytes.get(self.at) {
                None => return Ok(None),
                Some(b'#') => {
                    while self.bytes.get(self.at).is_some_and(|b| *b != b'\n') {
                        self.at += 1;
                    }
                }
                Some(b) if b.is_ascii_whitespace() => self.at += 1,
                Some(b'"') => {
                    self.at += 1;
                    let mut value = Vec::new();
                    loop {
                        match self.bytes.get(self.at) {
                            None => return Err("a string does not end".into()),
                            Some(b'"') => break,
                            Some(b'\\') => {
                                self.at += 1;
                                value.extend(self.bytes.get(self.at));
                            }
                            Some(b) => value.push(*b),
                        }
                        self.at += 1;
                    }
                    self.at += 1;
                    return Ok(Some(Token::Str(
                        String::from_utf8_lossy(&value).into_owned(),
                    )));
                }
                Some(&b @ (b'{' | b'}' | b'[' | b']' | b'=' | b',')) => {
                    self.at += 1;
                    return Ok(Some(Token::Punct(b)));
                }
                Some(_) => {
                    let start = self.at;
                    while self
                        .bytes
                        .get(self.at)
                        .is_some_and(|b| !b.is_ascii_whitespace() && !b"{}[]=,\"#".contains(b))
                    {
                        self.at += 1;
                    }
                    let word = String::from_utf8_lossy(&self.bytes[start..self.at]);
                    return Ok(Some(Token::Word(word.into_owned())));
                }
            }
        }
    }

    /// `key = value` and `name { ... }` until `}` (nested) or the end (top level).
    fn section(&mut self, depth: usize) -> Result<BTreeMap<String, Value>, String> {
        if depth > DEPTH_MAX {
            return Err("sections nest too deep".into());
        }
        let mut map = BTreeMap::new();
        loop {
            let key = match self.peek()? {
                None if depth == 0 => return Ok(map),
                None => return Err("a section does not end".into()),
                Some(Token::Punct(b'}')) if depth > 0 => {
                    self.next()?;
                    return Ok(map);
                }
                Some(Token::Word(key)) => {
                    self.next()?;
                    key
                }
                Some(other) => return Err(format!("unexpected {other:?}")),
            };
            match self.next()? {
                Some(Token::Punct(b'{')) => {
                    map.insert(key, Value::Section(self.section(depth + 1)?));
                }
                Some(Token::Punct(b'=')) => {
                    let value = self.value()?;
                    map.insert(key, value);
                }
                other => return Err(format!("after {key}: unexpected {other:?}")),
            }
        }
    }

    fn value(&mut self) -> Result<Value, String> {
        match self.next()? {
            Some(Token::Str(text)) => Ok(Value::Str(text)),
            Some(Token::Word(word)) => word
                .parse()
                .map(Value::Int)
                .or_else(|_| word.parse::<f64>().map(|_| Value::Str(word.clone())))
                .map_err(|_| format!("{word:?} is not a value")),
            Some(Token::Punct(b'[')) => {
                let mut items = Vec::new();
                loop {
                    if self.peek()? == Some(Token::Punct(b']')) {
                        self.next()?;
                        return Ok(Value::Array(items));
                    }
                    match self.value()? {
                        Value::Array(_) | Value::Section(_) => {
                            return Err("arrays hold numbers and strings only".into())
                        }
                        item => items.push(item),
                    }
                    match self.next()? {
                        Some(Token::Punct(b',')) => {}
                        Some(Token::Punct(b']')) => return Ok(Value::Array(items)),
                        other => return Err(format!("in an array: unexpected {other:?}")),
                    }
                }
            }
            other => Err(format!("unexpected {other:?} for a value")),
        }
    }

    fn peek(&mut self) -> Result<Option<Token>, String> {
        let at = self.at;
        let token = self.next();
        self.at = at;
        token
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;
    use crate::image::open;
    use crate::image::tests::Scratch;

    const FIXTURE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/image/lvm-pv-linear.img.gz"
    );
    const MIB: u64 = 1 << 20;

    /// The PV of tests/data/image, each of its 15 physical extents filled with its number.
    fn pv(scratch: &Scratch) -> Arc<dyn VirtualDisk> {
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(std::fs::File::open(FIXTURE).expect("fixture"))
            .read_to_end(&mut bytes)
            .expect("gunzip");
        for extent in 0..15u64 {
            let at = (MIB + extent * 4 * MIB) as usize;
            bytes[at..at + 4 * MIB as usize].fill(extent as u8 + 1);
        }
        let path = scratch.path("pv.img");
        std::fs::write(&path, &bytes).expect("write");
        open(&path, None).expect("open")
    }

    #[test]
    fn linear_lvs_are_where_lvs_says() {
        let scratch = Scratch::new("lvm");
        let pv = pv(&scratch);
        let lvs = logical_volumes(pv.as_ref()).expect("lvs");
        let seg = |lv: u64, pe: u64, extents: u64| Segment {
            lv_offset: lv * 4 * MIB,
            pv_offset: MIB + pe * 4 * MIB,
            len: extents * 4 * MIB,
        };
        assert_eq!(
            lvs,
            [
                LogicalVolume {
                    vg: "icimgtest".into(),
                    name: "root".into(),
                    segments: vec![seg(0, 0, 2), seg(2, 3, 2)],
                },
                LogicalVolume {
                    vg: "icimgtest".into(),
                    name: "swap".into(),
                    segments: vec![seg(0, 2, 1)],
                },
            ]
        );
        let root = lvs[0].open(Arc::clone(&pv)).expect("open root");
        assert_eq!(root.size(), 16 * MIB);
        // Logical extents 0-3 are physical extents 0, 1, 3, 4: filled with 1, 2, 4, 5.
        let mut buf = vec![0u8; 16 * MIB as usize];
        root.read_at(0, &mut buf).expect("read");
        for (extent, fill) in [1u8, 2, 4, 5].into_iter().enumerate() {
            let at = extent * 4 * MIB as usize;
            assert!(
                buf[at..at + 4 * MIB as usize].iter().all(|b| *b == fill),
                "extent {extent}"
            );
        }
        let mut straddle = [0u8; 2];
        root.read_at(8 * MIB - 1, &mut straddle)
            .expect("read across segments");
        assert_eq!(straddle, [2, 4]);
        assert!(root.read_at(16 * MIB - 1, &mut straddle).is_err());
    }

    #[test]
    fn an_ext4_root_on_a_two_segment_lv_reads_back() {
        let scratch = Scratch::new("lvm-ext4");
        let tree = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fleet/hosts/centos7-ok");
        let fs_image = scratch.path("root.ext4");
        crate::image::tests::run(
            "mke2fs",
            &[
                "-q",
                "-F",
                "-t",
                "ext4",
                "-d",
                tree,
                fs_image.to_str().expect("utf-8"),
                "16M",
            ],
        );
        let fs_bytes = std::fs::read(&fs_image).expect("read fs");
        // Lay the file system where lvs says root's extents are: PE 0-1, then PE 3-4.
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(std::fs::File::open(FIXTURE).expect("fixture"))
            .read_to_end(&mut bytes)
            .expect("gunzip");
        let extent = 4 * MIB as usize;
        for (lv_extent, pe) in [(0, 0), (1, 1), (2, 3), (3, 4)] {
            let at = MIB as usize + pe * extent;
            bytes[at..at + extent]
                .copy_from_slice(&fs_bytes[lv_extent * extent..(lv_extent + 1) * extent]);
        }
        let path = scratch.path("pv.img");
        std::fs::write(&path, &bytes).expect("write");
        let pv = open(&path, None).expect("open");
        let lvs = logical_volumes(pv.as_ref()).expect("lvs");
        let root = lvs.iter().find(|lv| lv.name == "root").expect("root");
        let disk = Arc::new(root.open(Arc::clone(&pv)).expect("open root"));
        let fs = crate::image::ext::ExtFs::open(disk).expect("ext4 on the LV");
        let want = std::fs::read(format!("{tree}/etc/os-release")).expect("fixture");
        assert_eq!(
            fs.read_file("/etc/os-release", 1 << 20)
                .expect("read")
                .bytes,
            want
        );
    }

    #[test]
    fn metadata_parses_comments_arrays_and_nested_sections() {
        let map = parse(
            "vg {\n id = \"a\\\"b\" # comment\n status = [\"READ\", \"WRITE\"]\n n = 7\n \
             sub { x = 1 }\n}\ncontents = \"Text\"\nversion = 1\n",
        )
        .expect("parse");
        let Some(Value::Section(vg)) = map.get("vg") else {
            panic!("no vg: {map:?}")
        };
        assert_eq!(vg.get("id"), Some(&Value::Str("a\"b".into())));
        assert_eq!(
            vg.get("status"),
            Some(&Value::Array(vec![
                Value::Str("READ".into()),
                Value::Str("WRITE".into())
            ]))
        );
        assert_eq!(vg.get("n"), Some(&Value::Int(7)));
        assert!(parse("vg { x = 1").is_err());
        assert!(parse(&"a { ".repeat(100)).is_err());
        assert!(parse("x = [1, [2]]").is_err());
    }

    /// Bytes at the start of the PV that the garbling test changes: label, PV header,
    /// metadata area header and text.
    const HEAD: usize = 16 << 10;

    /// A PV in memory whose first [`HEAD`] bytes are replaced: copying or rewriting 64 MiB
    /// 200 times would take seconds.
    struct Memory {
        base: Arc<Vec<u8>>,
        head: Vec<u8>,
    }

    impl VirtualDisk for Memory {
        fn size(&self) -> u64 {
            self.base.len() as u64
        }

        fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), Error> {
            crate::image::check_range(Path::new("memory"), offset, buf.len(), self.size())?;
            let at = offset as usize;
            buf.copy_from_slice(&self.base[at..at + buf.len()]);
            for (i, byte) in buf.iter_mut().enumerate() {
                if let Some(patched) = self.head.get(at + i) {
                    *byte = *patched;
                } else {
                    break;
                }
            }
            Ok(())
        }
    }

    #[test]
    fn garbled_labels_headers_and_metadata_give_errors_never_panics() {
        let mut clean = Vec::new();
        flate2::read::GzDecoder::new(std::fs::File::open(FIXTURE).expect("fixture"))
            .read_to_end(&mut clean)
            .expect("gunzip");
        let clean = Arc::new(clean);
        let mut state = 0x0123_4567_89ab_cdefu64;
        for round in 0..200 {
            let mut head = clean[..HEAD].to_vec();
            for _ in 0..4 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                // The label and PV header (first 4 KiB), or the metadata text after 8 KiB.
                let at = if round % 2 == 0 {
                    state % 4096
                } else {
                    8704 + state % 1524
                };
                head[at as usize] = (state >> 32) as u8;
            }
            let pv: Arc<dyn VirtualDisk> = Arc::new(Memory {
                base: Arc::clone(&clean),
                head,
            });
            for lv in logical_volumes(pv.as_ref()).unwrap_or_default() {
                if let Ok(disk) = lv.open(Arc::clone(&pv)) {
                    let mut buf = vec![0u8; disk.size().min(1 << 20) as usize];
                    let _ = disk.read_at(0, &mut buf);
                }
            }
        }
    }

    #[test]
    fn a_disk_without_an_lvm_label_is_one_error() {
        let scratch = Scratch::new("no-lvm");
        let path = scratch.path("zeros.img");
        std::fs::write(&path, vec![0u8; 1 << 20]).expect("write");
        let err = logical_volumes(open(&path, None).expect("open").as_ref()).expect_err("no PV");
        assert!(err.to_string().contains("no LVM2 label"), "{err}");
    }
}

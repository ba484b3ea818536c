//! The file list of a Linux initramfs, read from the file itself: what `lsinitramfs` or
//! `lsinitrd` print on a live host, for a disk image where no command can run.
//!
//! An initramfs is what the kernel's `unpack_to_rootfs` reads: cpio "newc" (070701) or "crc"
//! (070702) archives, each ending with `TRAILER!!!`, with zero bytes between them; the first
//! ones are often uncompressed (early microcode, dracut's early cpio), then comes the main
//! archive compressed with gzip, bzip2, legacy lzma, xz, legacy lz4 (`lz4 -l`) or zstd, whose
//! decompressed bytes may again hold several archives. Consecutive compressed segments with
//! nothing between them form one stream, as for the kernel, so an archive may run across them.
//! The reader goes once through the file and skips file data without keeping it.
//!
//! Not here: finding the initramfs of the default kernel in an image, or what its paths mean
//! (that is `facts`).
//!
//! The file is hostile: every header field is checked, the number of entries, the length of a
//! name, all the names together and the decompressed bytes are capped ([`paths`] says how), a
//! decoder's window is capped, and a damaged file is one [`InitramfsError`] naming the
//! structure and the byte where reading stopped, never a panic.

use std::io::{self, BufRead, Read};

/// At most this many entries (the trailers not counted) in the whole initramfs.
const MAX_ENTRIES: usize = 200_000;
/// The longest name a header may declare, its terminating NUL included (the kernel's PATH_MAX).
const MAX_NAME_SIZE: usize = 4096;
/// At most this many bytes of names in the whole listing.
const MAX_NAME_BYTES: usize = 32 << 20;
/// At most this many cpio bytes in the whole initramfs, counted after decompression.
const MAX_CPIO_BYTES: u64 = 2 << 30;
/// The largest window (zstd) or dictionary (xz, lzma) a decoder may ask for: the kernel's own
/// limit for zstd; mkinitramfs and dracut use 8 MiB or less.
const MAX_WINDOW_BYTES: u64 = 128 << 20;
/// How much of the archive file is read at a time.
const INPUT_BUFFER_BYTES: usize = 64 << 10;
/// How much decompressed data is handed to the cpio parser at a time.
const OUTPUT_BUFFER_BYTES: usize = 64 << 10;
/// An error message is cut to this many bytes, whatever the file holds.
const MAX_MESSAGE_BYTES: usize = 400;

/// Why the file list of an initramfs could not be read.
#[derive(Debug, thiserror::Error)]
#[error("initramfs: {what}")]
pub struct InitramfsError {
    what: String,
}

impl InitramfsError {
    fn new(mut what: String) -> Self {
        if what.len() > MAX_MESSAGE_BYTES {
            let mut end = MAX_MESSAGE_BYTES;
            while !what.is_char_boundary(end) {
                end -= 1;
            }
            what.truncate(end);
            what.push_str("...");
        }
        InitramfsError { what }
    }
}

/// Every path in the initramfs read from `archive`, in archive order, as `lsinitramfs`
/// prints them: leading `./` and `/` stripped (the root itself is `.`), bytes that are not
/// UTF-8 replaced by U+FFFD, trailers left out.
///
/// Limits: at most 200,000 entries, a name of at most 4096 bytes with its NUL, 32 MiB of
/// names in all, 2 GiB of cpio bytes counted after decompression, and a decoder window or
/// dictionary of at most 128 MiB. Memory stays under 1 MiB of buffers plus the decoder's
/// window (8 MiB and its input for legacy lz4). Old-format (070707) cpio, lzo, lz4 frames and
/// anything after the last archive that is neither zero padding nor another segment are
/// errors, as they are for the kernel. A legacy lz4 segment runs to the end of the file or to
/// a zero chunk size.
pub fn paths(archive: impl Read) -> Result<Vec<String>, InitramfsError> {
    paths_within(archive, &Limits::KERNEL)
}

/// The caps of one listing; tests lower them.
struct Limits {
    entries: usize,
    name_bytes: usize,
    cpio_bytes: u64,
}

impl Limits {
    const KERNEL: Limits = Limits {
        entries: MAX_ENTRIES,
        name_bytes: MAX_NAME_BYTES,
        cpio_bytes: MAX_CPIO_BYTES,
    };
}

fn paths_within(archive: impl Read, limits: &Limits) -> Result<Vec<String>, InitramfsError> {
    let mut listing = Listing {
        paths: Vec::new(),
        name_bytes: 0,
        cpio_bytes: 0,
        limits,
    };
    let mut input = Input::new(Box::new(archive));
    loop {
        input.skip_zeros()?;
        let at = input.offset;
        let magic = input.peek(6)?;
        if magic.is_empty() {
            return Ok(listing.paths);
        }
        if magic[0] == b'0' {
            if !at.is_multiple_of(4) {
                return Err(InitramfsError::new(format!(
                    "cpio archive at byte {at} does not start on a 4-byte boundary"
                )));
            }
            let mut parser = Parser {
                bytes: &mut input,
                offset: at,
                origin: Origin::File,
                listing: &mut listing,
            };
            parser.archive()?;
        } else if let Some(compression) = Compression::detect(magic) {
            let decoder = Decoder::start(compression, input)?;
            let mut parser = Parser {
                bytes: Decompressed::new(decoder),
                offset: 0,
                origin: Origin::Segment { compression, at },
                listing: &mut listing,
            };
            parser.archives()?;
            input = parser.bytes.into_input(compression, at)?;
        } else {
            return Err(InitramfsError::new(format!(
                "byte {at}: {}",
                unknown_magic(magic)
            )));
        }
    }
}

/// What a segment that is neither cpio nor a supported compression starts with.
fn unknown_magic(magic: &[u8]) -> String {
    let named = if magic.starts_with(&[0x89, b'L', b'Z']) {
        "lzo compression, which this reader does not support"
    } else if magic.starts_with(&[0x04, 0x22, 0x4d, 0x18]) {
        "an lz4 frame; the kernel reads only legacy lz4 (lz4 -l)"
    } else {
        "neither a cpio archive nor a known compression"
    };
    format!("{named} (starts with {})", hex_bytes(magic))
}

fn hex_bytes(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The paths found so far and what they used of the limits.
struct Listing<'l> {
    paths: Vec<String>,
    name_bytes: usize,
    cpio_bytes: u64,
    limits: &'l Limits,
}

impl Listing<'_> {
    /// Counts `len` cpio bytes about to be read, refusing past the cap.
    fn spend(&mut self, len: u64) -> Result<(), InitramfsError> {
        self.cpio_bytes = self.cpio_bytes.saturating_add(len);
        if self.cpio_bytes > self.limits.cpio_bytes {
            return Err(InitramfsError::new(format!(
                "more than {} bytes of cpio data (after decompression)",
                self.limits.cpio_bytes
            )));
        }
        Ok(())
    }

    fn add(&mut self, name: &[u8]) -> Result<(), InitramfsError> {
        if self.paths.len() >= self.limits.entries {
            return Err(InitramfsError::new(format!(
                "more than {} entries",
                self.limits.entries
            )));
        }
        self.name_bytes += name.len();
        if self.name_bytes > self.limits.name_bytes {
            return Err(InitramfsError::new(format!(
                "more than {} bytes of names",
                self.limits.name_bytes
            )));
        }
        self.paths.push(listed_path(name));
        Ok(())
    }
}

/// A stored name as lsinitramfs prints it.
fn listed_path(mut name: &[u8]) -> String {
    loop {
        if let Some(rest) = name.strip_prefix(b"./") {
            name = rest;
        } else if let Some(rest) = name.strip_prefix(b"/") {
            name = rest;
        } else {
            break;
        }
    }
    if name.is_empty() {
        return ".".to_string();
    }
    String::from_utf8_lossy(name).into_owned()
}

/// Where the bytes a parser reads come from, for error messages.
#[derive(Clone, Copy)]
enum Origin {
    File,
    Segment { compression: Compression, at: u64 },
}

/// The cpio parser over one stream of cpio bytes: the file itself, or what a segment
/// decompresses to.
struct Parser<'l, 'm, B> {
    bytes: B,
    /// Bytes consumed from `bytes`, counted from the start of the file or of the segment's
    /// decompressed data: cpio pads to 4 bytes from there.
    offset: u64,
    origin: Origin,
    listing: &'l mut Listing<'m>,
}

impl<B: BufRead> Parser<'_, '_, B> {
    fn at(&self, offset: u64) -> String {
        match self.origin {
            Origin::File => format!("byte {offset}"),
            Origin::Segment { compression, at } => format!(
                "byte {offset} of the data decompressed from the {} segment at byte {at}",
                compression.name()
            ),
        }
    }

    fn fail(&self, what: &str, offset: u64, why: impl std::fmt::Display) -> InitramfsError {
        InitramfsError::new(format!("{what} at {}: {why}", self.at(offset)))
    }

    /// The bytes available next, empty at the end of the stream.
    fn available(&mut self, what: &str, start: u64) -> Result<&[u8], InitramfsError> {
        if let Err(error) = self.bytes.fill_buf() {
            return Err(self.fail(what, start, error));
        }
        self.bytes
            .fill_buf()
            .map_err(|error| InitramfsError::new(format!("{what}: {error}")))
    }

    fn consume(&mut self, len: usize) {
        self.bytes.consume(len);
        self.offset += len as u64;
    }

    /// Fills `out` with the next bytes of `what`, which starts at byte `start`.
    fn read_exact(&mut self, out: &mut [u8], what: &str, start: u64) -> Result<(), InitramfsError> {
        self.listing.spend(out.len() as u64)?;
        let mut filled = 0;
        while filled < out.len() {
            let buf = self.available(what, start)?;
            let len = buf.len().min(out.len() - filled);
            if len == 0 {
                return Err(self.fail(
                    what,
                    start,
                    format!(
                        "truncated, the data ends after {filled} of {} bytes",
                        out.len()
                    ),
                ));
            }
            out[filled..filled + len].copy_from_slice(&buf[..len]);
            self.consume(len);
            filled += len;
        }
        Ok(())
    }

    /// Skips `len` bytes of `what`, which starts at byte `start`.
    fn skip(&mut self, len: u64, what: &str, start: u64) -> Result<(), InitramfsError> {
        self.listing.spend(len)?;
        let mut left = len;
        while left > 0 {
            let available = self.available(what, start)?.len();
            if available == 0 {
                return Err(self.fail(
                    what,
                    start,
                    format!("truncated, {left} of {len} bytes missing"),
                ));
            }
            let step = left.min(available as u64) as usize;
            self.consume(step);
            left -= step as u64;
        }
        Ok(())
    }

    /// Skips to the next multiple of 4 bytes.
    fn pad(&mut self, what: &str, start: u64) -> Result<(), InitramfsError> {
        self.skip(self.offset.wrapping_neg() % 4, what, start)
    }

    /// Reads cpio archives with zero padding between them up to the end of the stream.
    fn archives(&mut self) -> Result<(), InitramfsError> {
        loop {
            let start = self.offset;
            let (zeros, next) = {
                let buf = self.available("padding", start)?;
                let zeros = buf.iter().take_while(|&&byte| byte == 0).count();
                (zeros, buf.get(zeros).copied())
            };
            if zeros > 0 {
                self.listing.spend(zeros as u64)?;
                self.consume(zeros);
                continue;
            }
            match next {
                None => return Ok(()),
                Some(b'0') if start.is_multiple_of(4) => self.archive()?,
                Some(b'0') => {
                    return Err(self.fail(
                        "cpio archive",
                        start,
                        "does not start on a 4-byte boundary",
                    ))
                }
                Some(byte) => {
                    return Err(self.fail(
                        "data after a cpio trailer",
                        start,
                        format!("byte {byte:02x} is neither zero padding nor a cpio header"),
                    ))
                }
            }
        }
    }

    /// Reads one cpio archive, up to and with its trailer.
    fn archive(&mut self) -> Result<(), InitramfsError> {
        loop {
            let start = self.offset;
            let mut header = [0u8; 110];
            self.read_exact(&mut header, "cpio header", start)?;
            match &header[..6] {
                b"070701" | b"070702" => {}
                b"070707" => {
                    return Err(self.fail(
                        "cpio header",
                        start,
                        "old portable format (070707); the kernel reads only newc (070701, 070702)",
                    ))
                }
                magic => {
                    return Err(self.fail(
                        "cpio header",
                        start,
                        format!("bad magic \"{}\"", magic.escape_ascii()),
                    ))
                }
            }
            let filesize = header_field(&header, 6, "filesize")
                .map_err(|why| self.fail("cpio header", start, why))?;
            let namesize = header_field(&header, 11, "namesize")
                .map_err(|why| self.fail("cpio header", start, why))?;
            let namesize = namesize as usize;
            if namesize == 0 || namesize > MAX_NAME_SIZE {
                return Err(self.fail(
                    "cpio header",
                    start,
                    format!("namesize {namesize} is not between 1 and {MAX_NAME_SIZE}"),
                ));
            }
            let mut name = vec![0u8; namesize];
            self.read_exact(&mut name, "cpio name", start)?;
            if name.last() != Some(&0) {
                return Err(self.fail("cpio name", start, "not terminated by a NUL byte"));
            }
            let end = name.iter().position(|&byte| byte == 0).unwrap_or(namesize);
            let name = &name[..end];
            self.pad("cpio name", start)?;
            let trailer = name == b"TRAILER!!!";
            if !trailer {
                self.listing.add(name)?;
            }
            let data_start = self.offset;
            self.skip(u64::from(filesize), "cpio file data", data_start)?;
            self.pad("cpio file data", data_start)?;
            if trailer {
                return Ok(());
            }
        }
    }
}

/// The value of the `index`th 8-digit hexadecimal field after the magic of a newc header.
fn header_field(header: &[u8; 110], index: usize, name: &str) -> Result<u32, String> {
    let digits = &header[6 + 8 * index..14 + 8 * index];
    std::str::from_utf8(digits)
        .ok()
        .filter(|text| text.bytes().all(|byte| byte.is_ascii_hexdigit()))
        .and_then(|text| u32::from_str_radix(text, 16).ok())
        .ok_or_else(|| format!("{name} \"{}\" is not 8 hex digits", digits.escape_ascii()))
}

/// The archive file, read through a buffer that counts what was consumed and can peek a
/// few bytes ahead across refills.
struct Input<'a> {
    reader: Box<dyn Read + 'a>,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Bytes of the file consumed so far.
    offset: u64,
}

impl<'a> Input<'a> {
    fn new(reader: Box<dyn Read + 'a>) -> Self {
        Input {
            reader,
            buf: vec![0; INPUT_BUFFER_BYTES],
            start: 0,
            end: 0,
            offset: 0,
        }
    }

    fn read_error(&self, error: io::Error) -> InitramfsError {
        InitramfsError::new(format!("reading at byte {}: {error}", self.offset))
    }

    /// Up to `len` next bytes (fewer only at the end of the file), not consumed.
    fn peek(&mut self, len: usize) -> Result<&[u8], InitramfsError> {
        if self.end - self.start < len {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            while self.end < len {
                match self.reader.read(&mut self.buf[self.end..]) {
                    Ok(0) => break,
                    Ok(read) => self.end += read,
                    Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                    Err(error) => return Err(self.read_error(error)),
                }
            }
        }
        let end = self.end.min(self.start + len);
        Ok(&self.buf[self.start..end])
    }

    fn skip_zeros(&mut self) -> Result<(), InitramfsError> {
        loop {
            let zeros = match self.fill_buf() {
                Ok(buf) => buf.iter().take_while(|&&byte| byte == 0).count(),
                Err(error) => return Err(self.read_error(error)),
            };
            if zeros == 0 {
                return Ok(());
            }
            self.consume(zeros);
        }
    }

    /// Puts back `bytes` that a decoder read ahead but did not use.
    fn unread(&mut self, bytes: Vec<u8>) {
        let mut buf = bytes;
        self.offset -= buf.len() as u64;
        buf.extend_from_slice(&self.buf[self.start..self.end]);
        self.end = buf.len();
        self.start = 0;
        if buf.len() < INPUT_BUFFER_BYTES {
            buf.resize(INPUT_BUFFER_BYTES, 0);
        }
        self.buf = buf;
    }
}

/// `Read::read` of a reader whose buffer is the truth: what `fill_buf` holds, copied.
fn read_buffered(reader: &mut impl BufRead, out: &mut [u8]) -> io::Result<usize> {
    let buf = reader.fill_buf()?;
    let len = buf.len().min(out.len());
    out[..len].copy_from_slice(&buf[..len]);
    reader.consume(len);
    Ok(len)
}

impl Read for Input<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        read_buffered(self, out)
    }
}

impl BufRead for Input<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.start == self.end {
            self.start = 0;
            self.end = loop {
                match self.reader.read(&mut self.buf) {
                    Ok(read) => break read,
                    Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                    Err(error) => return Err(error),
                }
            };
        }
        Ok(&self.buf[self.start..self.end])
    }

    fn consume(&mut self, len: usize) {
        let len = len.min(self.end - self.start);
        self.start += len;
        self.offset += len as u64;
    }
}

/// A compression the kernel can unpack an initramfs segment from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compression {
    Gzip,
    Bzip2,
    Lzma,
    Xz,
    Lz4Legacy,
    Zstd,
}

impl Compression {
    /// The compression whose magic `magic` starts with (the kernel's `decompress_method`).
    fn detect(magic: &[u8]) -> Option<Compression> {
        const MAGICS: [(&[u8], Compression); 6] = [
            (&[0x1f, 0x8b], Compression::Gzip),
            (b"BZh", Compression::Bzip2),
            (&[0x5d, 0x00], Compression::Lzma),
            (&[0xfd, b'7', b'z', b'X', b'Z', 0x00], Compression::Xz),
            (&LZ4_LEGACY_MAGIC, Compression::Lz4Legacy),
            (&[0x28, 0xb5, 0x2f, 0xfd], Compression::Zstd),
        ];
        MAGICS
            .iter()
            .find(|(prefix, _)| magic.starts_with(prefix))
            .map(|&(_, compression)| compression)
    }

    fn name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Bzip2 => "bzip2",
            Compression::Lzma => "lzma",
            Compression::Xz => "xz",
            Compression::Lz4Legacy => "legacy lz4",
            Compression::Zstd => "zstd",
        }
    }
}

/// A decoder of one compressed segment, reading from the archive file.
enum Decoder<'a> {
    Gzip(flate2::bufread::GzDecoder<Input<'a>>),
    Bzip2(bzip2::bufread::BzDecoder<Input<'a>>),
    Lzma(lzma_rust2::LzmaReader<Input<'a>>),
    Xz(lzma_rust2::XzReader<Input<'a>>),
    Lz4Legacy(Lz4Legacy<'a>),
    Zstd(ruzstd::decoding::StreamingDecoder<Input<'a>, ruzstd::decoding::FrameDecoder>),
}

impl<'a> Decoder<'a> {
    fn start(compression: Compression, input: Input<'a>) -> Result<Self, InitramfsError> {
        let at = input.offset;
        let fail = |why: String| {
            InitramfsError::new(format!(
                "{} segment at byte {at}: {why}",
                compression.name()
            ))
        };
        let window_kib = (MAX_WINDOW_BYTES >> 10) as u32;
        Ok(match compression {
            Compression::Gzip => Decoder::Gzip(flate2::bufread::GzDecoder::new(input)),
            Compression::Bzip2 => Decoder::Bzip2(bzip2::bufread::BzDecoder::new(input)),
            Compression::Lzma => Decoder::Lzma(
                lzma_rust2::LzmaReader::new_mem_limit(input, window_kib, None)
                    .map_err(|error| fail(error.to_string()))?,
            ),
            Compression::Xz => Decoder::Xz(lzma_rust2::XzReader::new_mem_limit(
                input, false, window_kib,
            )),
            Compression::Lz4Legacy => Decoder::Lz4Legacy(Lz4Legacy::new(input)),
            Compression::Zstd => Decoder::Zstd(
                ruzstd::decoding::StreamingDecoder::new_with_max_window_size(
                    input,
                    MAX_WINDOW_BYTES,
                )
                .map_err(|error| fail(error.to_string()))?,
            ),
        })
    }

    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        match self {
            Decoder::Gzip(decoder) => decoder.read(out),
            Decoder::Bzip2(decoder) => decoder.read(out),
            Decoder::Lzma(decoder) => decoder.read(out),
            Decoder::Xz(decoder) => decoder.read(out),
            Decoder::Lz4Legacy(decoder) => decoder.read(out),
            Decoder::Zstd(decoder) => decoder.read(out),
        }
    }

    /// The archive file, positioned just after the segment.
    fn into_input(self) -> Input<'a> {
        match self {
            Decoder::Gzip(decoder) => decoder.into_inner(),
            Decoder::Bzip2(decoder) => decoder.into_inner(),
            Decoder::Lzma(decoder) => {
                let (mut input, unused) = decoder.into_parts();
                input.unread(unused);
                input
            }
            Decoder::Xz(decoder) => decoder.into_inner(),
            Decoder::Lz4Legacy(decoder) => decoder.input,
            Decoder::Zstd(decoder) => decoder.into_inner(),
        }
    }
}

/// The decompressed bytes of a compressed segment and of the compressed segments that follow
/// it directly, buffered for the cpio parser.
struct Decompressed<'a> {
    state: DecompressedState<'a>,
    out: Vec<u8>,
    start: usize,
    end: usize,
}

enum DecompressedState<'a> {
    Decoding(Box<Decoder<'a>>),
    /// The segments ended; the archive file goes on after them.
    Ended(Input<'a>),
    /// Starting the next segment failed; the error was returned.
    Failed,
}

impl<'a> Decompressed<'a> {
    fn new(decoder: Decoder<'a>) -> Self {
        Decompressed {
            state: DecompressedState::Decoding(Box::new(decoder)),
            out: vec![0; OUTPUT_BUFFER_BYTES],
            start: 0,
            end: 0,
        }
    }

    /// The archive file after the segments, once they have been read to their end.
    fn into_input(self, compression: Compression, at: u64) -> Result<Input<'a>, InitramfsError> {
        match self.state {
            DecompressedState::Ended(input) => Ok(input),
            DecompressedState::Decoding(decoder) => Ok(decoder.into_input()),
            DecompressedState::Failed => Err(InitramfsError::new(format!(
                "{} segment at byte {at}: the segment after it could not be started",
                compression.name()
            ))),
        }
    }
}

impl Read for Decompressed<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        read_buffered(self, out)
    }
}

impl BufRead for Decompressed<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.start == self.end {
            let decoder = match &mut self.state {
                DecompressedState::Decoding(decoder) => decoder,
                DecompressedState::Ended(_) | DecompressedState::Failed => break,
            };
            let read = decoder.read(&mut self.out)?;
            if read > 0 {
                self.start = 0;
                self.end = read;
                break;
            }
            let DecompressedState::Decoding(decoder) =
                std::mem::replace(&mut self.state, DecompressedState::Failed)
            else {
                break;
            };
            let mut input = decoder.into_input();
            let next = input
                .peek(6)
                .map_err(|error| io::Error::other(error.what))?;
            self.state = match Compression::detect(next) {
                Some(compression) => DecompressedState::Decoding(Box::new(
                    Decoder::start(compression, input)
                        .map_err(|error| io::Error::other(error.what))?,
                )),
                None => DecompressedState::Ended(input),
            };
        }
        Ok(&self.out[self.start..self.end])
    }

    fn consume(&mut self, len: usize) {
        self.start += len.min(self.end - self.start);
    }
}

/// The first four bytes of a legacy lz4 stream, and of each stream concatenated to it.
const LZ4_LEGACY_MAGIC: [u8; 4] = [0x02, 0x21, 0x4c, 0x18];
/// Each legacy lz4 chunk decompresses to at most 8 MiB.
const LZ4_LEGACY_CHUNK_BYTES: usize = 8 << 20;
/// The largest compressed chunk: LZ4_COMPRESSBOUND of 8 MiB.
const LZ4_LEGACY_MAX_COMPRESSED: usize = LZ4_LEGACY_CHUNK_BYTES + LZ4_LEGACY_CHUNK_BYTES / 255 + 16;

/// The kernel's legacy lz4 format (`lz4 -l`): the magic, then chunks of a 4-byte
/// little-endian compressed size and an lz4 block, up to the end of the file or a zero size.
struct Lz4Legacy<'a> {
    input: Input<'a>,
    chunk: Vec<u8>,
    out: Vec<u8>,
    start: usize,
    end: usize,
    ended: bool,
}

impl<'a> Lz4Legacy<'a> {
    fn new(mut input: Input<'a>) -> Self {
        // Detected by its magic, which is in the buffer.
        input.consume(LZ4_LEGACY_MAGIC.len());
        Lz4Legacy {
            input,
            chunk: Vec::new(),
            out: Vec::new(),
            start: 0,
            end: 0,
            ended: false,
        }
    }

    /// Decompresses the next chunk into `out`, or sets `ended`.
    fn next_chunk(&mut self) -> io::Result<()> {
        loop {
            let chunk_at = self.input.offset;
            let size = match self
                .input
                .peek(4)
                .map_err(|error| io::Error::other(error.what))?
            {
                [] => {
                    self.ended = true;
                    return Ok(());
                }
                &[a, b, c, d] => [a, b, c, d],
                _ => {
                    return Err(io::Error::other(format!(
                        "chunk size at byte {chunk_at} is truncated"
                    )))
                }
            };
            self.input.consume(4);
            if size == LZ4_LEGACY_MAGIC {
                continue;
            }
            let size = u32::from_le_bytes(size) as usize;
            if size == 0 {
                self.ended = true;
                return Ok(());
            }
            if size > LZ4_LEGACY_MAX_COMPRESSED {
                return Err(io::Error::other(format!(
                    "chunk at byte {chunk_at}: compressed size {size} is over {LZ4_LEGACY_MAX_COMPRESSED}"
                )));
            }
            self.chunk.resize(size, 0);
            self.input.read_exact(&mut self.chunk).map_err(|error| {
                io::Error::other(format!("chunk at byte {chunk_at} of {size} bytes: {error}"))
            })?;
            self.out.resize(LZ4_LEGACY_CHUNK_BYTES, 0);
            let len = lz4_flex::block::decompress_into(&self.chunk, &mut self.out)
                .map_err(|error| io::Error::other(format!("chunk at byte {chunk_at}: {error}")))?;
            self.start = 0;
            self.end = len;
            if len > 0 {
                return Ok(());
            }
        }
    }
}

impl Read for Lz4Legacy<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.start == self.end && !self.ended {
            self.next_chunk()?;
        }
        let len = (self.end - self.start).min(out.len());
        out[..len].copy_from_slice(&self.out[self.start..self.start + len]);
        self.start += len;
        Ok(len)
    }
}

#[cfg(test)]
mod tests;

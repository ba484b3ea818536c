//! The initramfs lister against archives made by the real tools: `busybox cpio -o -H newc`
//! and the compressors the kernel can unpack (gzip, bzip2, lzma, xz, lz4 -l, zstd), and
//! against damaged copies of them.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use super::*;
use crate::image::tests::Scratch;

/// What `program args` writes for `input` on its standard input (.ci/run installs it).
fn pipe(program: &str, args: &[&str], input: &[u8], dir: &Path) -> Vec<u8> {
    let mut child = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| panic!("{program} could not start ({err}): .ci/run installs it"));
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().expect("tool output");
    writer.join().expect("writer thread").expect("tool input");
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A tree of files under a scratch folder, for cpio to archive.
struct Tree(Scratch);

impl Tree {
    fn new(name: &str, files: &[(&str, &[u8])]) -> Tree {
        // Tests run in parallel: each tree has a folder of its own.
        static TREES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let count = TREES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let scratch = Scratch::new(&format!("initramfs-{name}-{count}"));
        for (path, data) in files {
            let path = scratch.path(path);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("folder");
            std::fs::write(path, data).expect("file");
        }
        Tree(scratch)
    }

    /// A newc archive of `names` (relative to the tree) by busybox cpio.
    fn cpio(&self, names: &[&str]) -> Vec<u8> {
        let list: String = names.iter().map(|name| format!("{name}\n")).collect();
        pipe(
            "busybox",
            &["cpio", "-o", "-H", "newc"],
            list.as_bytes(),
            &self.0 .0,
        )
    }

    /// What busybox cpio -t lists for `archive` (one uncompressed archive).
    fn listed_by_busybox(&self, archive: &[u8]) -> Vec<String> {
        let out = pipe("busybox", &["cpio", "-t"], archive, &self.0 .0);
        String::from_utf8(out)
            .expect("utf-8 listing")
            .lines()
            .map(str::to_string)
            .collect()
    }
}

const MICROCODE: &[(&str, &[u8])] = &[(
    "kernel/x86/microcode/GenuineIntel.bin",
    b"microcode bytes, not real ones",
)];
const EARLY_NAMES: &[&str] = &[
    "kernel",
    "kernel/x86",
    "kernel/x86/microcode",
    "kernel/x86/microcode/GenuineIntel.bin",
];

const MAIN: &[(&str, &[u8])] = &[
    ("init", b"#!/bin/sh\nexec /sbin/init\n"),
    (
        "usr/lib/modules/6.1.0-18-amd64/kernel/drivers/block/virtio_blk.ko.xz",
        b"not really a module",
    ),
    (
        "usr/lib/modules/6.1.0-18-amd64/kernel/drivers/net/virtio_net.ko.xz",
        b"nor this one",
    ),
    ("usr/lib/modules/6.1.0-18-amd64/modules.dep", b""),
];
const MAIN_NAMES: &[&str] = &[
    ".",
    "init",
    "usr",
    "usr/lib",
    "usr/lib/modules",
    "usr/lib/modules/6.1.0-18-amd64",
    "usr/lib/modules/6.1.0-18-amd64/kernel",
    "usr/lib/modules/6.1.0-18-amd64/kernel/drivers",
    "usr/lib/modules/6.1.0-18-amd64/kernel/drivers/block",
    "usr/lib/modules/6.1.0-18-amd64/kernel/drivers/block/virtio_blk.ko.xz",
    "usr/lib/modules/6.1.0-18-amd64/kernel/drivers/net",
    "usr/lib/modules/6.1.0-18-amd64/kernel/drivers/net/virtio_net.ko.xz",
    "usr/lib/modules/6.1.0-18-amd64/modules.dep",
];

/// The compressors as mkinitramfs and dracut call them, each with the kernel's options.
const COMPRESSORS: &[(&str, &[&str])] = &[
    ("gzip", &["-n", "-9", "-c"]),
    ("bzip2", &["-9", "-c"]),
    ("lzma", &["-9", "-c"]),
    ("xz", &["--check=crc32", "-c"]),
    ("lz4", &["-l", "-9", "-c"]),
    ("zstd", &["-q", "-19", "-c"]),
];

fn strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| name.to_string()).collect()
}

fn listed(archive: &[u8]) -> Vec<String> {
    match paths(archive) {
        Ok(paths) => paths,
        Err(err) => panic!("{err}"),
    }
}

fn refused(archive: &[u8]) -> String {
    match paths(archive) {
        Ok(paths) => panic!("read {} paths from a damaged archive", paths.len()),
        Err(err) => err.to_string(),
    }
}

fn early_and_main() -> (Tree, Vec<u8>, Vec<u8>) {
    let early_tree = Tree::new("early", MICROCODE);
    let early = early_tree.cpio(EARLY_NAMES);
    let main_tree = Tree::new("main", MAIN);
    let main = main_tree.cpio(MAIN_NAMES);
    assert_eq!(early_tree.listed_by_busybox(&early), strings(EARLY_NAMES));
    assert_eq!(main_tree.listed_by_busybox(&main), strings(MAIN_NAMES));
    (main_tree, early, main)
}

#[test]
fn uncompressed_archive_lists_what_busybox_lists() {
    let (_tree, early, _main) = early_and_main();
    assert_eq!(listed(&early), strings(EARLY_NAMES));
}

#[test]
fn early_microcode_then_each_compressed_main_lists_both() {
    let (tree, early, main) = early_and_main();
    let expected = strings(&[EARLY_NAMES, MAIN_NAMES].concat());
    for (program, args) in COMPRESSORS {
        let compressed = pipe(program, args, &main, &tree.0 .0);
        let initramfs = [early.as_slice(), &compressed].concat();
        match paths(initramfs.as_slice()) {
            Ok(paths) => assert_eq!(paths, expected, "{program}"),
            Err(err) => panic!("{program}: {err}"),
        }
    }
}

#[test]
fn zero_padding_between_segments_is_skipped() {
    let (tree, early, main) = early_and_main();
    let gzip = pipe("gzip", &["-n", "-c"], &main, &tree.0 .0);
    let mut initramfs = early.clone();
    initramfs.extend_from_slice(&[0; 13]);
    initramfs.extend_from_slice(&gzip);
    // The second uncompressed archive must start on a 4-byte boundary, as for the kernel.
    let pad = 512 - initramfs.len() % 512;
    initramfs.extend(std::iter::repeat_n(0, pad));
    initramfs.extend_from_slice(&early);
    initramfs.extend_from_slice(&[0; 100]);
    assert_eq!(
        listed(&initramfs),
        strings(&[EARLY_NAMES, MAIN_NAMES, EARLY_NAMES].concat())
    );
}

#[test]
fn uncompressed_archive_off_a_4_byte_boundary_is_refused() {
    let (_tree, early, _main) = early_and_main();
    let initramfs = [early.as_slice(), &[0; 2], &early].concat();
    assert_eq!(
        refused(&initramfs),
        format!(
            "initramfs: cpio archive at byte {} does not start on a 4-byte boundary",
            early.len() + 2
        )
    );
}

#[test]
fn several_archives_inside_one_compressed_segment_are_all_listed() {
    let (tree, early, main) = early_and_main();
    let both = [main.as_slice(), &[0; 512], &early].concat();
    for (program, args) in COMPRESSORS {
        let compressed = pipe(program, args, &both, &tree.0 .0);
        match paths(compressed.as_slice()) {
            Ok(paths) => assert_eq!(
                paths,
                strings(&[MAIN_NAMES, EARLY_NAMES].concat()),
                "{program}"
            ),
            Err(err) => panic!("{program}: {err}"),
        }
    }
}

#[test]
fn archive_split_across_compressed_segments_is_one_stream() {
    let (tree, _early, main) = early_and_main();
    let (first, second) = main.split_at(main.len() / 2 + 3);
    for (program, args) in COMPRESSORS.iter().filter(|(program, _)| *program != "lz4") {
        let initramfs = [
            pipe(program, args, first, &tree.0 .0),
            pipe(program, args, second, &tree.0 .0),
        ]
        .concat();
        match paths(initramfs.as_slice()) {
            Ok(paths) => assert_eq!(paths, strings(MAIN_NAMES), "{program}"),
            Err(err) => panic!("{program}: {err}"),
        }
    }
}

#[test]
fn large_file_data_is_skipped_across_lz4_chunks() {
    // 9 MiB of data: two legacy lz4 chunks, and many decoder reads for the others.
    let big: Vec<u8> = (0..9u32 << 20)
        .map(|index| (index.wrapping_mul(2_654_435_761) >> 24) as u8 & 0x0f)
        .collect();
    let tree = Tree::new("big", &[("lib/firmware/big.bin", &big), ("init", b"x")]);
    let names = ["lib", "lib/firmware", "lib/firmware/big.bin", "init"];
    let main = tree.cpio(&names);
    for (program, args) in [
        ("lz4", &["-l", "-c"][..]),
        ("zstd", &["-q", "-3", "-c"]),
        ("gzip", &["-1", "-c"]),
    ] {
        let compressed = pipe(program, args, &main, &tree.0 .0);
        match paths(compressed.as_slice()) {
            Ok(paths) => assert_eq!(paths, strings(&names), "{program}"),
            Err(err) => panic!("{program}: {err}"),
        }
    }
}

#[test]
fn truncated_archive_is_refused_wherever_it_is_cut() {
    let (tree, early, main) = early_and_main();
    for cut in [1, 50, 109, 110, 115, early.len() - 4] {
        let message = refused(&early[..cut]);
        assert!(message.starts_with("initramfs: cpio "), "{cut}: {message}");
        assert!(message.contains("truncated"), "{cut}: {message}");
    }
    // "kernel" and its NUL are 7 bytes after the 110-byte header.
    assert_eq!(
        refused(&early[..115]),
        "initramfs: cpio name at byte 0: truncated, the data ends after 5 of 7 bytes"
    );
    assert_eq!(
        refused(&early[..120]),
        "initramfs: cpio header at byte 120: truncated, the data ends after 0 of 110 bytes"
    );
    for (program, args) in COMPRESSORS {
        let compressed = pipe(program, args, &main, &tree.0 .0);
        let initramfs = [early.as_slice(), &compressed[..compressed.len() * 2 / 3]].concat();
        let message = refused(&initramfs);
        assert!(
            message.contains(&format!("segment at byte {}", early.len())),
            "{program}: {message}"
        );
    }
}

#[test]
fn garbage_after_the_trailer_is_refused_with_its_byte() {
    let (tree, early, main) = early_and_main();
    let initramfs = [early.as_slice(), b"garbage!"].concat();
    assert_eq!(
        refused(&initramfs),
        format!(
            "initramfs: byte {}: neither a cpio archive nor a known compression \
             (starts with 67 61 72 62 61 67)",
            early.len()
        )
    );
    let inside = [main.as_slice(), b"junk"].concat();
    let gzip = pipe("gzip", &["-n", "-c"], &inside, &tree.0 .0);
    assert_eq!(
        refused(&gzip),
        format!(
            "initramfs: data after a cpio trailer at byte {} of the data decompressed from the \
             gzip segment at byte 0: byte 6a is neither zero padding nor a cpio header",
            main.len()
        )
    );
}

#[test]
fn bad_magic_is_named() {
    let (_tree, early, _main) = early_and_main();
    let mut damaged = early.clone();
    damaged[3] = b'8';
    assert_eq!(
        refused(&damaged),
        "initramfs: cpio header at byte 0: bad magic \"070801\""
    );
    damaged[3..6].copy_from_slice(b"707");
    assert_eq!(
        refused(&damaged),
        "initramfs: cpio header at byte 0: old portable format (070707); the kernel reads \
         only newc (070701, 070702)"
    );
}

#[test]
fn crc_format_lists_like_newc() {
    let (_tree, early, _main) = early_and_main();
    let mut crc = early.clone();
    crc[5] = b'2';
    assert_eq!(listed(&crc), strings(EARLY_NAMES));
}

/// Offset of the namesize field in a newc header.
const NAMESIZE: std::ops::Range<usize> = 94..102;

#[test]
fn huge_namesize_is_refused_before_reading_the_name() {
    let (_tree, early, _main) = early_and_main();
    let mut damaged = early.clone();
    damaged[NAMESIZE].copy_from_slice(b"FFFFFFFF");
    assert_eq!(
        refused(&damaged),
        "initramfs: cpio header at byte 0: namesize 4294967295 is not between 1 and 4096"
    );
    damaged[NAMESIZE].copy_from_slice(b"0000000G");
    assert_eq!(
        refused(&damaged),
        "initramfs: cpio header at byte 0: namesize \"0000000G\" is not 8 hex digits"
    );
    damaged[NAMESIZE].copy_from_slice(b"00000000");
    assert_eq!(
        refused(&damaged),
        "initramfs: cpio header at byte 0: namesize 0 is not between 1 and 4096"
    );
}

#[test]
fn unsupported_compressions_are_named() {
    let (tree, early, main) = early_and_main();
    let frame = pipe("lz4", &["-c"], &main, &tree.0 .0);
    let message = refused(&[early.as_slice(), &frame].concat());
    assert!(
        message.contains("an lz4 frame; the kernel reads only legacy lz4 (lz4 -l)"),
        "{message}"
    );
}

/// One newc entry with `name` as stored, for names the real tools would not write.
fn newc_entry(name: &[u8], data: &[u8]) -> Vec<u8> {
    let mut entry = format!(
        "070701{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}",
        1,
        0o100644,
        0,
        0,
        1,
        0,
        data.len(),
        0,
        0,
        0,
        0,
        name.len() + 1,
        0
    )
    .into_bytes();
    entry.extend_from_slice(name);
    entry.push(0);
    while entry.len() % 4 != 0 {
        entry.push(0);
    }
    entry.extend_from_slice(data);
    while entry.len() % 4 != 0 {
        entry.push(0);
    }
    entry
}

fn newc(names: &[&[u8]]) -> Vec<u8> {
    let mut archive: Vec<u8> = names
        .iter()
        .flat_map(|name| newc_entry(name, b"data"))
        .collect();
    archive.extend(newc_entry(b"TRAILER!!!", b""));
    archive
}

#[test]
fn names_are_listed_as_lsinitramfs_prints_them() {
    let archive = newc(&[b".", b"./usr", b"/usr/lib", b"././/etc/x", b"bad\xffbyte"]);
    assert_eq!(
        listed(&archive),
        strings(&[".", "usr", "usr/lib", "etc/x", "bad\u{fffd}byte"])
    );
}

#[test]
fn name_without_its_nul_is_refused() {
    let mut archive = newc(&[b"init"]);
    // "init" + NUL: make the NUL a letter.
    archive[114] = b'x';
    assert_eq!(
        refused(&archive),
        "initramfs: cpio name at byte 0: not terminated by a NUL byte"
    );
}

#[test]
fn entry_count_is_capped_at_200000() {
    let names: Vec<Vec<u8>> = (0..=MAX_ENTRIES)
        .map(|index| format!("f{index}").into_bytes())
        .collect();
    let refs: Vec<&[u8]> = names.iter().map(Vec::as_slice).collect();
    let at_cap = newc(&refs[..MAX_ENTRIES]);
    assert_eq!(listed(&at_cap).len(), MAX_ENTRIES);
    assert_eq!(refused(&newc(&refs)), "initramfs: more than 200000 entries");
}

#[test]
fn decompressed_bytes_and_names_are_capped() {
    let (tree, _early, main) = early_and_main();
    let gzip = pipe("gzip", &["-n", "-c"], &main, &tree.0 .0);
    let small = Limits {
        cpio_bytes: 1000,
        ..Limits::KERNEL
    };
    match paths_within(gzip.as_slice(), &small) {
        Ok(paths) => panic!("read {} paths past the cap", paths.len()),
        Err(err) => assert_eq!(
            err.to_string(),
            "initramfs: more than 1000 bytes of cpio data (after decompression)"
        ),
    }
    let few_names = Limits {
        name_bytes: 20,
        ..Limits::KERNEL
    };
    match paths_within(main.as_slice(), &few_names) {
        Ok(paths) => panic!("read {} paths past the cap", paths.len()),
        Err(err) => assert_eq!(err.to_string(), "initramfs: more than 20 bytes of names"),
    }
}

/// xorshift64*: a tiny seeded generator, so a failing mutation can be replayed.
struct Prng(u64);

impl Prng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }
}

/// Mutates `archive` with a few random edits: byte flips, hex digits, cuts, insertions.
fn mutate(archive: &[u8], prng: &mut Prng) -> Vec<u8> {
    let mut mutated = archive.to_vec();
    for _ in 0..1 + prng.below(4) {
        if mutated.is_empty() {
            break;
        }
        let at = prng.below(mutated.len());
        match prng.below(5) {
            0 => mutated[at] ^= 1 << prng.below(8),
            1 => mutated[at] = b"0123456789ABCDEFfx"[prng.below(18)],
            2 => mutated[at] = prng.next() as u8,
            3 => mutated.truncate(at),
            _ => mutated.insert(at, prng.next() as u8),
        }
    }
    mutated
}

#[test]
fn random_mutations_never_panic() {
    let (tree, early, main) = early_and_main();
    let mut seeds: Vec<Vec<u8>> = vec![[early.as_slice(), &main].concat()];
    for (program, args) in COMPRESSORS {
        let compressed = pipe(program, args, &main, &tree.0 .0);
        seeds.push([early.as_slice(), &compressed].concat());
    }
    let mut prng = Prng(0x1217_2026_0000_0001);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    let mut runs = 0;
    let mut refusals = 0;
    while std::time::Instant::now() < deadline {
        for seed in &seeds {
            let mutated = mutate(seed, &mut prng);
            if paths(mutated.as_slice()).is_err() {
                refusals += 1;
            }
            runs += 1;
        }
    }
    assert!(runs > 500, "only {runs} mutations in 2 s");
    assert!(
        refusals > runs / 10,
        "{refusals} of {runs} mutations refused"
    );
}

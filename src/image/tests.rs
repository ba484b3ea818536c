//! The container readers against the real tools: a raw disk with known bytes is converted
//! by `qemu-img` to each format, and every reader must give back the raw bytes exactly.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::*;

/// A scratch folder removed when the test ends.
pub(crate) struct Scratch(pub(crate) PathBuf);

impl Scratch {
    pub(crate) fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("ic-image-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch folder");
        Scratch(dir)
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs a tool the tests take as the oracle (.ci/run installs it), failing on its error.
pub(crate) fn run(program: &str, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|err| panic!("{program} could not start ({err}): .ci/run installs it"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A disk file of `size` bytes partitioned by sfdisk from `script` (sfdisk's own syntax).
pub(crate) fn partitioned(path: &Path, size: u64, script: &[u8]) {
    use std::io::Write;
    std::fs::File::create(path)
        .and_then(|file| file.set_len(size))
        .expect("disk file");
    let mut sfdisk = Command::new("sfdisk")
        .args(["-q", "--no-reread", "--no-tell-kernel"])
        .arg(path)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("sfdisk (.ci/run installs fdisk)");
    sfdisk
        .stdin
        .take()
        .expect("stdin")
        .write_all(script)
        .expect("script");
    assert!(sfdisk.wait().expect("sfdisk").success());
}

/// 6 MiB + 512 bytes (not a whole number of clusters): data at the start, across a 1 MiB
/// boundary at an odd offset, a run of explicit zeros, a hole, and data in the last sector.
fn sample_disk() -> Vec<u8> {
    let mut disk = vec![0u8; 6 * 1024 * 1024 + 512];
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut fill = |range: std::ops::Range<usize>, disk: &mut Vec<u8>| {
        for byte in &mut disk[range] {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *byte = state as u8;
        }
    };
    fill(0..70_000, &mut disk);
    fill(1024 * 1024 - 333..1024 * 1024 + 200_001, &mut disk);
    let len = disk.len();
    fill(len - 512..len, &mut disk);
    disk
}

fn write_sample(scratch: &Scratch) -> (Vec<u8>, PathBuf) {
    let disk = sample_disk();
    let raw = scratch.path("disk.raw");
    std::fs::write(&raw, &disk).expect("write the raw disk");
    (disk, raw)
}

fn convert(raw: &Path, out: &Path, format: &str, options: &[&str]) {
    let (raw, out) = (raw.to_str().expect("utf-8"), out.to_str().expect("utf-8"));
    let mut args = vec!["convert", "-f", "raw", "-O", format];
    args.extend_from_slice(options);
    args.extend_from_slice(&[raw, out]);
    run("qemu-img", &args);
}

/// The virtual size `qemu-img info` gives for an image.
fn qemu_size(image: &Path) -> u64 {
    let out = Command::new("qemu-img")
        .args(["info", "--output=json"])
        .arg(image)
        .output()
        .expect("qemu-img info");
    let info: serde_json::Value = serde_json::from_slice(&out.stdout).expect("qemu-img json");
    info["virtual-size"].as_u64().expect("virtual-size")
}

/// Reads the whole disk in uneven pieces (so that reads straddle clusters and grains) and
/// checks every byte against the raw disk.
fn assert_reads_back(disk: &dyn VirtualDisk, expected: &[u8]) {
    let mut got = vec![0u8; expected.len().min(disk.size() as usize)];
    let mut at = 0;
    let mut step = 4093;
    while at < got.len() {
        let n = step.min(got.len() - at);
        disk.read_at(at as u64, &mut got[at..at + n]).expect("read");
        at += n;
        step = step * 7 % 300_007 + 1;
    }
    assert!(
        got == expected[..got.len()],
        "bytes differ from the raw disk"
    );
    assert!(
        expected[got.len()..].iter().all(|b| *b == 0),
        "the image is shorter than the data written"
    );
}

/// `footer`: bytes qemu-img counts in the virtual size beyond the disk (it gives a fixed
/// VHD's file length, footer included; the footer's own current size is the disk's).
fn check_format(name: &str, format: &str, options: &[&str], detected: Format, footer: u64) {
    let scratch = Scratch::new(name);
    let (expected, raw) = write_sample(&scratch);
    let image = scratch.path("disk.img");
    convert(&raw, &image, format, options);
    let file = File::open(&image).expect("open image");
    assert_eq!(detect(&file, &image).expect("detect"), detected);
    let disk = open(&image, None).expect("open");
    assert_eq!(
        disk.size() + footer,
        qemu_size(&image),
        "virtual size as qemu-img says"
    );
    assert!(disk.size() >= expected.len() as u64);
    assert_reads_back(disk.as_ref(), &expected);
    let err = disk
        .read_at(disk.size() - 1, &mut [0u8; 2])
        .expect_err("a read past the end");
    assert!(matches!(err, Error::OutOfRange { .. }), "{err}");
}

#[test]
fn raw_reads_back_the_file() {
    let scratch = Scratch::new("raw");
    let (expected, raw) = write_sample(&scratch);
    let disk = open(&raw, None).expect("open");
    assert_eq!(disk.size(), expected.len() as u64);
    assert_reads_back(disk.as_ref(), &expected);
}

#[test]
fn qcow2_v3_reads_back_the_raw_disk() {
    check_format("qcow2v3", "qcow2", &["-o", "compat=1.1"], Format::Qcow2, 0);
}

#[test]
fn qcow2_v2_with_small_clusters_reads_back_the_raw_disk() {
    check_format(
        "qcow2v2",
        "qcow2",
        &["-o", "compat=0.10,cluster_size=4096"],
        Format::Qcow2,
        0,
    );
}

#[test]
fn vmdk_monolithic_sparse_reads_back_the_raw_disk() {
    check_format(
        "vmdk",
        "vmdk",
        &["-o", "subformat=monolithicSparse"],
        Format::Vmdk,
        0,
    );
}

#[test]
fn vmdk_stream_optimized_reads_back_the_raw_disk() {
    check_format(
        "vmdk-stream",
        "vmdk",
        &["-o", "subformat=streamOptimized"],
        Format::Vmdk,
        0,
    );
}

#[test]
fn vhd_dynamic_reads_back_the_raw_disk() {
    check_format(
        "vhd-dyn",
        "vpc",
        &["-o", "subformat=dynamic"],
        Format::Vhd,
        0,
    );
}

#[test]
fn vhd_fixed_reads_back_the_raw_disk() {
    check_format(
        "vhd-fixed",
        "vpc",
        &["-o", "subformat=fixed"],
        Format::Vhd,
        512,
    );
}

#[test]
fn qcow2_zero_clusters_read_as_zeros() {
    let scratch = Scratch::new("qcow2-zero");
    let (mut expected, raw) = write_sample(&scratch);
    let image = scratch.path("disk.qcow2");
    convert(&raw, &image, "qcow2", &["-o", "compat=1.1"]);
    // write -z marks the clusters zero in their L2 entries without touching the data.
    run(
        "qemu-io",
        &[
            "-f",
            "qcow2",
            "-c",
            "write -z 0 65536",
            image.to_str().expect("utf-8"),
        ],
    );
    expected[..65536].fill(0);
    let disk = open(&image, None).expect("open");
    assert_reads_back(disk.as_ref(), &expected);
}

#[test]
fn qcow2_compressed_clusters_are_refused_clearly() {
    let scratch = Scratch::new("qcow2-compressed");
    // Random bytes do not shrink, and qemu-img stores such clusters uncompressed.
    let raw = scratch.path("disk.raw");
    std::fs::write(&raw, b"image_check ".repeat(100_000)).expect("write the raw disk");
    let image = scratch.path("disk.qcow2");
    convert(&raw, &image, "qcow2", &["-c"]);
    let disk = open(&image, None).expect("open");
    let err = disk.read_at(0, &mut [0u8; 512]).expect_err("compressed");
    assert!(matches!(err, Error::Unsupported { .. }));
    assert!(err.to_string().contains("compressed clusters"), "{err}");
}

#[test]
fn qcow2_backing_file_is_refused_at_open() {
    let scratch = Scratch::new("qcow2-backing");
    let (_, raw) = write_sample(&scratch);
    let overlay = scratch.path("overlay.qcow2");
    run(
        "qemu-img",
        &[
            "create",
            "-f",
            "qcow2",
            "-F",
            "raw",
            "-b",
            raw.to_str().expect("utf-8"),
            overlay.to_str().expect("utf-8"),
        ],
    );
    let err = open(&overlay, None).err().expect("backing file");
    assert!(err.to_string().contains("backing file"), "{err}");
}

#[test]
fn qcow2_l2_table_past_the_end_of_the_file_is_corrupt() {
    let scratch = Scratch::new("qcow2-l2");
    let (_, raw) = write_sample(&scratch);
    let image = scratch.path("disk.qcow2");
    convert(&raw, &image, "qcow2", &[]);
    let mut bytes = std::fs::read(&image).expect("read image");
    let l1_at = be_u64(&bytes, 40) as usize;
    bytes[l1_at..l1_at + 8].copy_from_slice(&(0x8000_00ff_ffff_0000u64).to_be_bytes());
    std::fs::write(&image, &bytes).expect("write image");
    let disk = open(&image, None).expect("open");
    let err = disk
        .read_at(0, &mut [0u8; 512])
        .expect_err("L2 past the end");
    assert!(matches!(err, Error::Corrupt { .. }));
    assert!(err.to_string().contains("L2 table"), "{err}");
}

#[test]
fn truncated_images_are_errors_not_panics() {
    let scratch = Scratch::new("truncated");
    let (_, raw) = write_sample(&scratch);
    for (format, options) in [
        ("qcow2", &[][..]),
        ("vmdk", &[][..]),
        ("vmdk", &["-o", "subformat=streamOptimized"][..]),
        ("vpc", &[][..]),
    ] {
        let image = scratch.path("disk.img");
        convert(&raw, &image, format, options);
        let bytes = std::fs::read(&image).expect("read image");
        for cut in [40, 600, bytes.len() / 2] {
            std::fs::write(&image, &bytes[..cut]).expect("write image");
            if let Ok(disk) = open(&image, None) {
                let mut buf = vec![0u8; disk.size().min(8 << 20) as usize];
                // Either an error or zeros where the file ended; never a panic.
                let _ = disk.read_at(0, &mut buf);
            }
        }
    }
}

#[test]
fn vmdk_stream_optimized_with_its_directory_in_the_footer_reads_back() {
    let scratch = Scratch::new("vmdk-footer");
    let (expected, raw) = write_sample(&scratch);
    let image = scratch.path("disk.vmdk");
    convert(&raw, &image, "vmdk", &["-o", "subformat=streamOptimized"]);
    // qemu-img writes the directory's place in the header; VMware's exports say "at end"
    // there and put it in a footer: a footer marker, a copy of the header, end of stream.
    let mut bytes = std::fs::read(&image).expect("read image");
    let header = bytes[..512].to_vec();
    let mut marker = [0u8; 512];
    marker[..8].copy_from_slice(&1u64.to_le_bytes());
    marker[12..16].copy_from_slice(&3u32.to_le_bytes());
    bytes.extend_from_slice(&marker);
    bytes.extend_from_slice(&header);
    bytes.extend_from_slice(&[0u8; 512]);
    bytes[56..64].copy_from_slice(&u64::MAX.to_le_bytes());
    std::fs::write(&image, &bytes).expect("write image");
    let disk = open(&image, None).expect("open");
    assert_reads_back(disk.as_ref(), &expected);
}

/// Converts the sample disk, patches the image's bytes, and returns the error `open` gives.
fn open_patched(name: &str, format: &str, patch: impl FnOnce(&mut Vec<u8>)) -> Error {
    let scratch = Scratch::new(name);
    let (_, raw) = write_sample(&scratch);
    let image = scratch.path("disk.img");
    convert(&raw, &image, format, &[]);
    let mut bytes = std::fs::read(&image).expect("read image");
    patch(&mut bytes);
    std::fs::write(&image, &bytes).expect("write image");
    open(&image, None)
        .err()
        .expect("the patched image is refused")
}

#[test]
fn huge_virtual_sizes_are_refused_without_allocating() {
    // qcow2: an L1 table too small for the size it claims, then one too big to read.
    let err = open_patched("huge-qcow2", "qcow2", |bytes| {
        bytes[24..32].copy_from_slice(&(1u64 << 62).to_be_bytes());
    });
    assert!(
        err.to_string().contains("too few for a virtual size"),
        "{err}"
    );
    let err = open_patched("huge-qcow2-l1", "qcow2", |bytes| {
        bytes[24..32].copy_from_slice(&(1u64 << 60).to_be_bytes());
        bytes[36..40].copy_from_slice(&u32::MAX.to_be_bytes());
    });
    assert!(
        err.to_string().contains("more than this reader takes"),
        "{err}"
    );
    // VMDK: 2^50 sectors would need a grain directory of 2^27 entries.
    let err = open_patched("huge-vmdk", "vmdk", |bytes| {
        bytes[12..20].copy_from_slice(&(1u64 << 50).to_le_bytes());
    });
    assert!(
        err.to_string().contains("more than this reader takes"),
        "{err}"
    );
    // VHD: a block table of 2^32-1 entries.
    let err = open_patched("huge-vhd", "vpc", |bytes| {
        let header = be_u64(&bytes[..512], 16) as usize;
        bytes[header + 28..header + 32].copy_from_slice(&u32::MAX.to_be_bytes());
    });
    assert!(
        err.to_string().contains("more than this reader takes"),
        "{err}"
    );
}

#[test]
fn a_differencing_vhd_and_a_vhdx_are_refused_by_name() {
    let err = open_patched("vhd-diff", "vpc", |bytes| {
        let end = bytes.len();
        bytes[end - 512 + 60..end - 512 + 64].copy_from_slice(&4u32.to_be_bytes());
    });
    assert!(err.to_string().contains("differencing VHD"), "{err}");
    let scratch = Scratch::new("vhdx");
    let (_, raw) = write_sample(&scratch);
    let image = scratch.path("disk.vhdx");
    convert(&raw, &image, "vhdx", &[]);
    let err = open(&image, None).err().expect("vhdx");
    assert!(err.to_string().contains("VHDX"), "{err}");
}

#[test]
fn garbled_container_headers_and_tables_give_errors_never_panics() {
    let scratch = Scratch::new("garbled");
    let (_, raw) = write_sample(&scratch);
    let mut state = 0x1234_5678_9abc_def1u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for (format, options) in [
        ("qcow2", &[][..]),
        ("qcow2", &["-o", "compat=0.10"][..]),
        ("vmdk", &[][..]),
        ("vmdk", &["-o", "subformat=streamOptimized"][..]),
        ("vpc", &[][..]),
    ] {
        let image = scratch.path("clean.img");
        convert(&raw, &image, format, options);
        let clean = std::fs::read(&image).expect("read image");
        let garbled = scratch.path("garbled.img");
        for _ in 0..100 {
            let mut bytes = clean.clone();
            // The header and the tables that follow it, where every offset and size is.
            let span = clean.len().min(1 << 16) as u64;
            for _ in 0..1 + next() % 8 {
                let at = (next() % span) as usize;
                bytes[at] = next() as u8;
            }
            std::fs::write(&garbled, &bytes).expect("write image");
            if let Ok(disk) = open(&garbled, None) {
                let mut buf = vec![0u8; disk.size().min(8 << 20) as usize];
                let _ = disk.read_at(0, &mut buf);
            }
        }
    }
}

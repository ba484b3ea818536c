//! `image_check image FILE...`: disk image files checked with no mount, no root and no qemu
//! process. Images are made from the fixture hosts' trees by the real tools (sfdisk for the
//! table, `mke2fs -d` or `mkfs.xfs -p` for the file system, `qemu-img convert` for qcow2,
//! VMDK and VHD). What only a running system can say is WARNING x099 "not knowable from a
//! disk image"; the rest is read from the disk and must agree with a live scan.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use common::{
    disk_with, ext_disk, ext_fs, image_check, out_dir, partitioned_disk, read_summary,
    rows_by_host, tool,
};

/// The root file system of fixture host `host`, laid out once per test process.
fn tree_of(host: &str) -> PathBuf {
    let tree = std::env::temp_dir()
        .join(format!("image_check-trees-{}", std::process::id()))
        .join(host);
    // Tests run on threads of one process: each lays its own copy and renames it into place.
    if !tree.is_dir() {
        let laying = tree.with_extension(format!("{:?}", std::thread::current().id()));
        common::lay_fixture(host, &laying);
        if std::fs::rename(&laying, &tree).is_err() {
            std::fs::remove_dir_all(&laying).unwrap();
        }
    }
    tree
}

/// A 200 MiB disk: an MBR, partition 1 an ext4 (with `options`) made from `host`'s tree.
fn ext4_disk_of(host: &str, dir: &Path, name: &str, options: &[&str]) -> PathBuf {
    let mut all = vec!["-t", "ext4"];
    all.extend_from_slice(options);
    ext_disk(&tree_of(host), dir, name, &all, "150M", 200 << 20)
}

/// The same as [`ext4_disk_of`] with XFS, through a protofile of the tree (files, folders
/// and symlinks; the stand-in scripts keep their modes).
fn xfs_disk_of(host: &str, dir: &Path, name: &str) -> PathBuf {
    fn walk(dir: &Path, depth: usize, out: &mut String) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap())
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name().into_string().unwrap();
            let meta = std::fs::symlink_metadata(entry.path()).unwrap();
            let mode = std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o777;
            let indent = " ".repeat(depth);
            if meta.file_type().is_symlink() {
                let target = std::fs::read_link(entry.path()).unwrap();
                out.push_str(&format!("{indent}{name} l--777 0 0 {}\n", target.display()));
            } else if meta.is_dir() {
                out.push_str(&format!("{indent}{name} d--{mode:o} 0 0\n"));
                walk(&entry.path(), depth + 1, out);
                out.push_str(&format!("{indent}$\n"));
            } else if meta.is_file() {
                out.push_str(&format!(
                    "{indent}{name} ---{mode:03o} 0 0 {}\n",
                    entry.path().display()
                ));
            }
        }
    }
    let mut proto = String::from("image\n0 0\nd--755 0 0\n");
    walk(&tree_of(host), 1, &mut proto);
    proto.push_str("$\n");
    let proto_file = dir.join(format!("{name}.proto"));
    std::fs::write(&proto_file, proto).unwrap();
    let fs = dir.join(format!("{name}.xfs"));
    std::fs::File::create(&fs)
        .unwrap()
        .set_len(300 << 20)
        .unwrap();
    tool(
        "mkfs.xfs",
        &[
            "-q",
            "-f",
            "-p",
            proto_file.to_str().unwrap(),
            fs.to_str().unwrap(),
        ],
        None,
    );
    let raw = dir.join(format!("{name}.raw"));
    disk_with(&raw, 400 << 20, &fs);
    raw
}

fn convert(raw: &Path, out: &Path, format: &str, options: &[&str]) -> PathBuf {
    let mut args = vec!["convert", "-O", format];
    args.extend_from_slice(options);
    args.extend([raw.to_str().unwrap(), out.to_str().unwrap()]);
    tool("qemu-img", &args, None);
    out.to_path_buf()
}

/// The summary rows of `image_check image FILES -o DIR`, by file name.
fn image_rows(files: &[PathBuf], dir: &Path) -> HashMap<String, HashMap<String, String>> {
    let mut args = vec!["image", "-o", dir.to_str().unwrap(), "-q"];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    let run = image_check(&args);
    assert!(
        matches!(run.status.code(), Some(0..=1)),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    rows_by_host(dir)
}

#[test]
fn every_container_format_gives_the_same_report_as_the_raw_disk() {
    let out = out_dir("image-formats");
    let ext4 = ext4_disk_of("centos7-ok", &out, "ext4", &["-O", "^64bit"]);
    let xfs = xfs_disk_of("rocky9-ok", &out, "xfs");
    let mut files = vec![ext4.clone(), xfs.clone()];
    for (raw, stem) in [(&ext4, "ext4"), (&xfs, "xfs")] {
        let conversions: [(&str, &str, &[&str]); 6] = [
            ("qcow2", "qcow2", &[]),
            (
                "-v2.qcow2",
                "qcow2",
                &["-o", "compat=0.10,cluster_size=4096"],
            ),
            ("vmdk", "vmdk", &[]),
            ("-stream.vmdk", "vmdk", &["-o", "subformat=streamOptimized"]),
            ("vhd", "vpc", &[]),
            ("-fixed.vhd", "vpc", &["-o", "subformat=fixed"]),
        ];
        for (suffix, format, options) in conversions {
            let name = match suffix.strip_prefix('-') {
                Some(rest) => format!("{stem}-{rest}"),
                None => format!("{stem}.{suffix}"),
            };
            files.push(convert(raw, &out.join(name), format, options));
        }
    }
    let rows = image_rows(&files, &out.join("reports"));
    let columns = |row: &HashMap<String, String>| -> Vec<String> {
        ["platform", "os_version", "architecture", "reason"]
            .into_iter()
            .chain(image_check::checks::names())
            .map(|c| row[c].clone())
            .collect()
    };
    for file in &files {
        let name = file.file_name().unwrap().to_str().unwrap();
        let base = if name.starts_with("ext4") {
            "ext4.raw"
        } else {
            "xfs.raw"
        };
        assert_eq!(
            columns(&rows[name]),
            columns(&rows[base]),
            "{name} vs {base}"
        );
    }
    let ext4 = &rows["ext4.raw"];
    assert_eq!(
        (
            ext4["platform"].as_str(),
            ext4["os_version"].as_str(),
            ext4["architecture"].as_str()
        ),
        ("CentOS", "7.9", "x86_64")
    );
    assert_eq!(ext4["filesystem"], "OK", "mke2fs -O ^64bit");
    assert_eq!(ext4["partition_table"], "OK", "sfdisk's MBR");
    let xfs = &rows["xfs.raw"];
    assert_eq!(
        (xfs["platform"].as_str(), xfs["os_version"].as_str()),
        ("Rocky Linux", "9.3")
    );
    assert_eq!(xfs["filesystem"], "OK", "XFS");
    // The JSON says what an image cannot know, and what it was read from.
    let json =
        std::fs::read_to_string(out.join("reports/ext4.qcow2/image_check_report.json")).unwrap();
    assert!(json.contains("not knowable from a disk image"), "{json}");
    assert!(json.contains("\"boot_mode\": \"BIOS\""), "{json}");
}

/// For every fixture host, what an image answers from the same files as the live host
/// (release files, SELinux config, qemu-ga files, passwd, /lib links) gives the verdicts
/// of the live scan, replayed from the kept captures. The other checks read what the
/// fixture's stand-in commands make up (a 40 GiB disk, blkid UUIDs, unit states), where
/// the image gives the truth of the tree; those are pinned in the other tests.
#[test]
fn file_answered_checks_of_every_fixture_image_equal_the_live_scan() {
    let out = out_dir("image-fleet");
    let captures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/captures");
    let mut hosts: Vec<String> = std::fs::read_dir(&captures)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter_map(|n| n.strip_suffix(".json.gz").map(str::to_string))
        .collect();
    hosts.sort();
    assert!(hosts.len() >= 19, "{hosts:?}");
    let disks: Vec<PathBuf> = hosts
        .iter()
        .map(|host| ext4_disk_of(host, &out, host, &[]))
        .collect();
    let images = image_rows(&disks, &out.join("images"));

    let live_dir = out.join("live");
    let mut args = vec!["evaluate", "-o", live_dir.to_str().unwrap(), "-q"];
    let files: Vec<String> = hosts
        .iter()
        .map(|h| captures.join(format!("{h}.json.gz")).display().to_string())
        .collect();
    args.extend(files.iter().map(String::as_str));
    image_check(&args);
    let live = read_summary(&live_dir);
    for host in &hosts {
        let image = &images[&format!("{host}.raw")];
        let live = live.iter().find(|r| r["host"] == *host).unwrap();
        for column in [
            "platform",
            "os_version",
            "selinux",
            "qemu_ga",
            "root",
            "passwd",
            "lib",
        ] {
            assert_eq!(image[column], live[column], "{host}: {column}");
        }
    }
}

#[test]
fn a_file_with_no_root_file_system_is_a_row_with_its_reason() {
    let out = out_dir("image-garbage");
    let garbage = out.join("garbage.img");
    std::fs::write(&garbage, vec![0x5a; 1 << 20]).unwrap();
    let reports = out.join("reports");
    let run = image_check(&[
        "image",
        garbage.to_str().unwrap(),
        "-o",
        reports.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(run.status.code(), Some(1));
    let rows = rows_by_host(&reports);
    let bad = &rows["garbage.img"];
    assert_eq!(bad["status"], "unreachable");
    assert!(
        bad["reason"].starts_with("cannot read the image: no root file system"),
        "{}",
        bad["reason"]
    );
}

/// An initramfs made by the real cpio from the listing the host's `lsinitrd` stand-in
/// prints: an uncompressed early cpio (microcode) and the gzip-compressed main archive.
fn initramfs_from_listing(host: &str, dir: &Path) -> Vec<u8> {
    let script = std::fs::read_to_string(tree_of(host).join("usr/bin/lsinitrd")).unwrap();
    let (early, main) = (dir.join("early"), dir.join("main"));
    for root in [&early, &main] {
        std::fs::create_dir_all(root).unwrap();
    }
    for line in script.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [mode, _, _, _, _, _, _, _, path] = fields.as_slice() else {
            continue;
        };
        let root = if path.starts_with("kernel") || *path == "early_cpio" {
            &early
        } else {
            &main
        };
        let at = root.join(path);
        match mode.chars().next() {
            Some('d') => std::fs::create_dir_all(&at).unwrap(),
            Some('-') => {
                std::fs::create_dir_all(at.parent().unwrap()).unwrap();
                std::fs::write(&at, path.as_bytes()).unwrap();
            }
            _ => {}
        }
    }
    let cpio = |root: &Path| -> Vec<u8> {
        let listing = tool(
            "sh",
            &[
                "-c",
                "cd \"$0\" && find . | busybox cpio -o -H newc 2>/dev/null",
                root.to_str().unwrap(),
            ],
            None,
        );
        listing.stdout
    };
    let mut image = cpio(&early);
    let main_cpio = dir.join("main.cpio");
    std::fs::write(&main_cpio, cpio(&main)).unwrap();
    image.extend(tool("gzip", &["-c", main_cpio.to_str().unwrap()], None).stdout);
    image
}

/// CentOS's default layout: /boot on partition 1, partition 2 an LVM physical volume whose
/// root LV lies in two runs of extents (the PV of tests/data/image, made by LVM 2.03.16),
/// swap on another LV. The collector reads the kernel's config and initramfs from /boot
/// and the rest from the root LV, as the booted system would.
#[test]
fn an_lvm_root_with_boot_on_its_own_partition_is_read_as_the_system_mounts_it() {
    use std::io::Read;
    let out = out_dir("image-lvm");
    let kernel = "3.10.0-1160.el7.x86_64";
    // The root tree, with the fstab this layout needs; /boot moves to its own file system.
    let root = out.join("root");
    tool(
        "cp",
        &[
            "-a",
            tree_of("centos7-ok").to_str().unwrap(),
            root.to_str().unwrap(),
        ],
        None,
    );
    let boot = out.join("boot");
    tool(
        "mv",
        &[root.join("boot").to_str().unwrap(), boot.to_str().unwrap()],
        None,
    );
    std::fs::create_dir(root.join("boot")).unwrap();
    std::fs::write(
        boot.join(format!("initramfs-{kernel}.img")),
        initramfs_from_listing("centos7-ok", &out),
    )
    .unwrap();
    std::fs::write(
        boot.join("grub2/grub.cfg"),
        format!(
            "set default=\"0\"\nmenuentry 'CentOS Linux ({kernel}) 7 (Core)' {{\n\tlinux16 /vmlinuz-{kernel} root=/dev/mapper/icimgtest-root ro console=ttyS0,115200n8\n\tinitrd16 /initramfs-{kernel}.img\n}}\n"
        ),
    )
    .unwrap();
    let boot_uuid = "5f1c4c3e-2b0a-4c1e-9a51-3d7c6b2a1e90";
    std::fs::write(
        root.join("etc/fstab"),
        format!(
            "/dev/mapper/icimgtest-root / ext4 defaults 0 0\nUUID={boot_uuid} /boot ext4 defaults 0 0\n/dev/mapper/icimgtest-swap swap swap defaults 0 0\n"
        ),
    )
    .unwrap();
    let (boot_fs, root_fs, swap) = (
        out.join("boot.ext4"),
        out.join("root.ext4"),
        out.join("swap"),
    );
    ext_fs(
        &boot,
        &boot_fs,
        &["-t", "ext4", "-O", "^64bit", "-U", boot_uuid],
        "16M",
    );
    ext_fs(&root, &root_fs, &["-t", "ext4", "-O", "^64bit"], "16M");
    std::fs::File::create(&swap)
        .unwrap()
        .set_len(4 << 20)
        .unwrap();
    tool("mkswap", &["-q", swap.to_str().unwrap()], None);

    // The PV: root's extents 0-1 are PE 0-1 and its 2-3 are PE 3-4; swap is PE 2.
    let mut pv = Vec::new();
    flate2::read::GzDecoder::new(
        std::fs::File::open(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/image/lvm-pv-linear.img.gz"),
        )
        .unwrap(),
    )
    .read_to_end(&mut pv)
    .unwrap();
    const MIB: usize = 1 << 20;
    let pe = |n: usize| MIB + n * 4 * MIB;
    let root_bytes = std::fs::read(&root_fs).unwrap();
    pv[pe(0)..pe(0) + 8 * MIB].copy_from_slice(&root_bytes[..8 * MIB]);
    pv[pe(3)..pe(3) + 8 * MIB].copy_from_slice(&root_bytes[8 * MIB..]);
    pv[pe(2)..pe(2) + 4 * MIB].copy_from_slice(&std::fs::read(&swap).unwrap());

    let pv_file = out.join("pv");
    std::fs::write(&pv_file, &pv).unwrap();
    let raw = out.join("centos-lvm.raw");
    partitioned_disk(
        &raw,
        100 << 20,
        "label: dos\nstart=2048,size=32768,type=83\nstart=34816,size=131072,type=8e\n",
        &[(2048, &boot_fs), (34816, &pv_file)],
    );
    let vmdk = convert(
        &raw,
        &out.join("centos-lvm.vmdk"),
        "vmdk",
        &["-o", "subformat=streamOptimized"],
    );

    let rows = image_rows(&[vmdk], &out.join("reports"));
    let row = &rows["centos-lvm.vmdk"];
    let live = {
        let live_dir = out.join("live");
        let capture =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/captures/centos7-ok.json.gz");
        image_check(&[
            "evaluate",
            "-o",
            live_dir.to_str().unwrap(),
            "-q",
            capture.to_str().unwrap(),
        ]);
        read_summary(&live_dir).remove(0)
    };
    // The kernel's initramfs on /boot holds the virtio modules, as the live host's does.
    assert_eq!(row["driver"], live["driver"], "{row:?}");
    assert_eq!(row["driver"], "OK");
    // fstab's mapper names and /boot's UUID are all found, and / is ext4 without 64bit.
    assert_eq!(row["device_id"], "OK", "{row:?}");
    assert_eq!(row["filesystem"], "OK", "{row:?}");
    assert_eq!(row["partition_table"], "OK");
    let json = std::fs::read_to_string(out.join("reports/centos-lvm.vmdk/image_check_report.json"))
        .unwrap();
    assert!(json.contains("/dev/mapper/icimgtest-root"), "{json}");
    assert!(json.contains("\"boot_mode\": \"BIOS\""), "{json}");
}

/// A GPT disk with an EFI System Partition (FAT, made by mkfs.vfat) mounted by its serial
/// in fstab: the image boots by UEFI, so GPT is WARNING 12003 (import with BootMode=UEFI),
/// and blkid finds the ESP's UUID as blkid prints a FAT serial.
#[test]
fn a_gpt_image_with_an_esp_boots_by_uefi_and_its_fat_serial_is_found() {
    let out = out_dir("image-uefi");
    let root = out.join("root");
    tool(
        "cp",
        &[
            "-a",
            tree_of("debian12-ok").to_str().unwrap(),
            root.to_str().unwrap(),
        ],
        None,
    );
    let esp = out.join("esp.fat");
    let _ = std::fs::remove_file(&esp);
    tool(
        "mkfs.vfat",
        &["-C", "-i", "1a2b3c4d", esp.to_str().unwrap(), "32768"],
        None,
    );
    std::fs::write(
        root.join("etc/fstab"),
        "UUID=0f3e7b1c-5d2a-4e6f-8a9b-1c2d3e4f5a6b / ext4 errors=remount-ro 0 1\nUUID=1A2B-3C4D /boot/efi vfat umask=0077 0 1\n",
    )
    .unwrap();
    let root_fs = out.join("root.ext4");
    ext_fs(
        &root,
        &root_fs,
        &[
            "-t",
            "ext4",
            "-O",
            "^64bit",
            "-U",
            "0f3e7b1c-5d2a-4e6f-8a9b-1c2d3e4f5a6b",
        ],
        "100M",
    );
    let raw = out.join("uefi.raw");
    partitioned_disk(
        &raw,
        200 << 20,
        "label: gpt\nstart=2048,size=65536,type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B\nstart=67584,size=204800,type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n",
        &[(2048, &esp), (67584, &root_fs)],
    );
    let qcow2 = convert(&raw, &out.join("uefi.qcow2"), "qcow2", &[]);
    let rows = image_rows(&[qcow2], &out.join("reports"));
    let row = &rows["uefi.qcow2"];
    assert_eq!(row["partition_table"], "WARNING", "{row:?}");
    assert_eq!(row["device_id"], "OK", "{row:?}");
    let json =
        std::fs::read_to_string(out.join("reports/uefi.qcow2/image_check_report.json")).unwrap();
    assert!(json.contains("\"boot_mode\": \"UEFI\""), "{json}");
    assert!(json.contains("12003"), "{json}");
}

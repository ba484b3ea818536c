//! The commands an image answers from its structures, against the real tools on the same
//! bytes: `tune2fs -l` and `blkid -p` for ext2/3/4 made with many mke2fs option sets,
//! `xfs_db` for XFS, and `systemctl --root=TREE is-enabled` for generated unit trees. The
//! image's answer goes through the same parser as a live host's, and the parsed values
//! must be equal.

mod common;

use std::path::{Path, PathBuf};

use common::{disk_with, ext_disk, out_dir, systemctl_is_enabled, tool, Lcg};
use image_check::facts::{blkid, df, services, tune2fs};
use image_check::image::ext::Superblock;
use image_check::transport::image::ImageTransport;
use image_check::transport::local::LocalTransport;
use image_check::transport::{Command, HostLimits, Transport};

/// A minimal root tree: what makes a file system the root one.
fn root_tree(dir: &Path) -> PathBuf {
    let tree = dir.join("tree");
    std::fs::create_dir_all(tree.join("etc")).unwrap();
    std::fs::write(
        tree.join("etc/os-release"),
        "NAME=\"Debian GNU/Linux\"\nID=debian\nVERSION_ID=\"12\"\n",
    )
    .unwrap();
    std::fs::write(tree.join("etc/fstab"), "/dev/vda1 / ext4 defaults 0 1\n").unwrap();
    tree
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn ask(image: &ImageTransport, argv: &[&str]) -> (String, String) {
    let out = runtime()
        .block_on(image.exec(&Command::new(argv)))
        .unwrap_or_else(|e| panic!("{argv:?}: {e}"));
    (
        out.stdout_text(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn text(out: std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `KEY=value` lines of `blkid -o export`, which escapes a space as `\ `.
fn export_tags(text: &str) -> Vec<(String, String)> {
    let mut tags: Vec<(String, String)> = text
        .lines()
        .filter_map(|l| l.split_once('='))
        .filter(|(k, _)| matches!(*k, "UUID" | "LABEL" | "TYPE"))
        .map(|(k, v)| (k.to_string(), v.replace("\\ ", " ")))
        .collect();
    tags.sort();
    tags
}

#[test]
fn ext_superblocks_answer_tune2fs_blkid_and_df_as_the_real_tools_read_them() {
    let variants: &[&[&str]] = &[
        &["-t", "ext4"],
        &["-t", "ext4", "-O", "^64bit"],
        &["-t", "ext4", "-O", "^has_journal,^metadata_csum"],
        &["-t", "ext4", "-b", "1024", "-L", "root"],
        &["-t", "ext4", "-O", "quota,project", "-N", "5000"],
        &["-t", "ext4", "-O", "bigalloc", "-C", "16384"],
        &["-t", "ext4", "-m", "0", "-L", "a label!"],
        &["-t", "ext3"],
        &["-t", "ext2", "-O", "^resize_inode"],
        &[
            "-t",
            "ext4",
            "-T",
            "small",
            "-O",
            "^flex_bg,^sparse_super,^resize_inode",
        ],
    ];
    let dir = out_dir("image-oracle-ext");
    let tree = root_tree(&dir);
    for (index, options) in variants.iter().enumerate() {
        let raw = ext_disk(
            &tree,
            &dir,
            &format!("disk{index}"),
            options,
            "40M",
            64 << 20,
        );
        let fs = dir.join(format!("disk{index}.ext"));
        let image = ImageTransport::open(&raw, None).unwrap();

        let real =
            tune2fs::parse_tune2fs(&text(tool("tune2fs", &["-l", fs.to_str().unwrap()], None)))
                .unwrap();
        let (ours, _) = ask(&image, &["tune2fs", "-l", "/dev/vda1"]);
        assert_eq!(
            tune2fs::parse_tune2fs(&ours).unwrap(),
            real,
            "mke2fs {options:?}"
        );
        // A live host's root superblock, read as bytes where the device is readable.
        let local = LocalTransport::new(HostLimits::default());
        let head = runtime()
            .block_on(local.read_head(fs.to_str().unwrap(), 2048))
            .unwrap();
        let superblock = Superblock::parse(head.bytes[1024..2048].try_into().unwrap()).unwrap();
        assert_eq!(
            tune2fs::Ext4Info::from_superblock(&superblock),
            real,
            "mke2fs {options:?}"
        );

        let real_tags = export_tags(&text(tool(
            "blkid",
            &["-p", "-o", "export", fs.to_str().unwrap()],
            None,
        )));
        let (ours, _) = ask(&image, &["blkid"]);
        let entries = blkid::parse_blkid(&ours);
        let entry = entries.iter().find(|e| e.device == "/dev/vda1").unwrap();
        let mut our_tags: Vec<(String, String)> = entry
            .tags
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        our_tags.sort();
        assert_eq!(our_tags, real_tags, "mke2fs {options:?}");

        // df's available space is the free blocks less root's reserve, in KiB.
        let dumped = text(tool("dumpe2fs", &["-h", fs.to_str().unwrap()], None));
        let field = |name: &str| -> u64 {
            dumped
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .map(|v| v.trim_start_matches(':').trim().parse().unwrap())
                .unwrap()
        };
        let block_kib = field("Block size") / 1024;
        let (ours, _) = ask(&image, &["df", "-P", "-k", "/"]);
        let row = df::parse_df(&ours).unwrap().remove(0);
        assert_eq!(
            row.available,
            (field("Free blocks") - field("Reserved block count")) * block_kib,
            "mke2fs {options:?}"
        );
        let (ours, _) = ask(&image, &["df", "-P", "-i", "/"]);
        let row = df::parse_df(&ours).unwrap().remove(0);
        assert_eq!(
            (row.total, row.available),
            (field("Inode count"), field("Free inodes")),
            "mke2fs {options:?}"
        );
    }
}

#[test]
fn an_ext4_with_inline_data_is_refused_in_one_line_that_names_the_feature() {
    let dir = out_dir("image-oracle-inline");
    let tree = root_tree(&dir);
    let raw = ext_disk(
        &tree,
        &dir,
        "disk",
        &["-t", "ext4", "-O", "inline_data"],
        "16M",
        24 << 20,
    );
    let error = ImageTransport::open(&raw, None).err().unwrap();
    assert!(!error.contains('\n'), "{error}");
    assert!(error.starts_with("no root file system"), "{error}");
    assert!(error.contains("partition 1 ext4"), "{error}");
    assert!(error.contains("DATA_IN_INODE"), "{error}");
}

#[test]
fn xfs_superblocks_answer_blkid_df_and_lsattr_as_xfs_db_reads_them() {
    let dir = out_dir("image-oracle-xfs");
    let tree = root_tree(&dir);
    std::fs::write(tree.join("etc/shadow"), "root:*:19000:0:99999:7:::\n").unwrap();
    for (index, options) in [&["-m", "crc=1"][..], &["-m", "crc=0", "-L", "boot"][..]]
        .iter()
        .enumerate()
    {
        let fs = dir.join(format!("xfs{index}.img"));
        std::fs::File::create(&fs)
            .unwrap()
            .set_len(300 << 20)
            .unwrap();
        let proto = dir.join("proto");
        std::fs::write(
            &proto,
            format!(
                "boot\n0 0\nd--755 0 0\netc d--755 0 0\nos-release ---644 0 0 {}\nfstab ---644 0 0 {}\nshadow ---000 0 0 {}\n$\n$\n",
                tree.join("etc/os-release").display(),
                tree.join("etc/fstab").display(),
                tree.join("etc/shadow").display()
            ),
        )
        .unwrap();
        let mut args = vec!["-q", "-f", "-p", proto.to_str().unwrap()];
        args.extend_from_slice(options);
        args.push(fs.to_str().unwrap());
        tool("mkfs.xfs", &args, None);
        if index == 0 {
            // Immutable, as `chattr +i` would make it.
            tool(
                "xfs_db",
                &[
                    "-x",
                    "-c",
                    "path /etc/shadow",
                    "-c",
                    "write core.immutable 1",
                    fs.to_str().unwrap(),
                ],
                None,
            );
        }
        let raw = dir.join(format!("xfs{index}.raw"));
        disk_with(&raw, 400 << 20, &fs);
        let image = ImageTransport::open(&raw, None).unwrap();

        let sb = text(tool(
            "xfs_db",
            &[
                "-r",
                "-c",
                "sb 0",
                "-c",
                "print uuid fname fdblocks blocksize",
                fs.to_str().unwrap(),
            ],
            None,
        ));
        let field = |name: &str| -> String {
            sb.lines()
                .find_map(|l| l.strip_prefix(&format!("{name} = ")))
                .unwrap()
                .trim()
                .trim_matches('"')
                .to_string()
        };
        let (ours, _) = ask(&image, &["blkid"]);
        let entry = blkid::parse_blkid(&ours).remove(0);
        assert_eq!(entry.tag("UUID"), Some(field("uuid").as_str()));
        assert_eq!(entry.tag("TYPE"), Some("xfs"));
        let label = field("fname").replace("\\000", "");
        assert_eq!(entry.tag("LABEL").unwrap_or(""), label);
        let (ours, _) = ask(&image, &["df", "-P", "-k", "/"]);
        let row = df::parse_df(&ours).unwrap().remove(0);
        let free: u64 = field("fdblocks").parse().unwrap();
        let block: u64 = field("blocksize").parse().unwrap();
        assert_eq!(row.available, free * block / 1024);

        let (ours, _) = ask(&image, &["lsattr", "/etc/shadow"]);
        let attributes = image_check::facts::lsattr::parse_lsattr(&ours).unwrap();
        assert_eq!(attributes.immutable, index == 0, "{ours}");
        assert!(!attributes.append_only);
    }
}

#[test]
fn unit_states_equal_systemctl_root_is_enabled_on_generated_trees() {
    let dir = out_dir("image-oracle-units");
    let units = [
        "sshd.service",
        "ssh.service",
        "firewalld.service",
        "nftables.service",
        "cloud-init.service",
        "NetworkManager.service",
    ];
    let installs = [
        "[Install]\nWantedBy=multi-user.target\n",
        "[Install]\nWantedBy=multi-user.target\nAlias=sshd.service\n",
        "[Install]\nAlso=sshd.socket\n",
        "",
        "[Install]\nRequiredBy=network.target\n",
    ];
    let vendor_dirs = ["usr/lib/systemd/system", "lib/systemd/system"];
    let mut compared = 0;
    for case in 0..24u64 {
        let mut rng = Lcg(case + 1);
        let tree = dir.join(format!("tree{case}"));
        let _ = std::fs::remove_dir_all(&tree);
        let root = root_tree(&tree.join("t"));
        // The image must have systemctl for the question to have an answer there.
        std::fs::create_dir_all(root.join("usr/bin")).unwrap();
        std::fs::write(root.join("usr/bin/systemctl"), "\x7fELF").unwrap();
        std::fs::set_permissions(
            root.join("usr/bin/systemctl"),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();
        let etc_units = root.join("etc/systemd/system");
        std::fs::create_dir_all(etc_units.join("multi-user.target.wants")).unwrap();
        std::fs::create_dir_all(etc_units.join("network.target.requires")).unwrap();
        for unit in &units {
            let vendor = vendor_dirs[rng.next(2) as usize];
            match rng.next(6) {
                0 => continue, // not installed
                1 => {
                    // masked
                    std::os::unix::fs::symlink("/dev/null", etc_units.join(unit)).unwrap();
                    continue;
                }
                _ => {}
            }
            let dir = root.join(vendor);
            std::fs::create_dir_all(&dir).unwrap();
            let install = installs[rng.next(installs.len() as u64) as usize];
            std::fs::write(
                dir.join(unit),
                format!("[Unit]\nDescription={unit}\n[Service]\nExecStart=/bin/true\n{install}"),
            )
            .unwrap();
            if install.contains("WantedBy") && rng.next(2) == 0 {
                std::os::unix::fs::symlink(
                    format!("/{vendor}/{unit}"),
                    etc_units.join("multi-user.target.wants").join(unit),
                )
                .unwrap();
            }
            if install.contains("RequiredBy") && rng.next(2) == 0 {
                std::os::unix::fs::symlink(
                    format!("/{vendor}/{unit}"),
                    etc_units.join("network.target.requires").join(unit),
                )
                .unwrap();
            }
            if install.contains("Alias=sshd.service")
                && *unit != "sshd.service"
                && !etc_units.join("sshd.service").exists()
                && rng.next(2) == 0
            {
                std::os::unix::fs::symlink(
                    format!("/{vendor}/{unit}"),
                    etc_units.join("sshd.service"),
                )
                .unwrap();
            }
        }
        let raw = ext_disk(&root, &tree, "disk", &["-t", "ext4"], "16M", 24 << 20);
        let image = ImageTransport::open(&raw, None).unwrap();
        for unit in &units {
            let expected = systemctl_is_enabled(&root, unit);
            let out = runtime()
                .block_on(image.exec(&Command::new(&["systemctl", "is-enabled", unit])))
                .unwrap();
            let ours = services::parse_is_enabled(
                &out.stdout_text(),
                &String::from_utf8_lossy(&out.stderr),
                out.exit_status,
            );
            assert_eq!(
                ours,
                expected,
                "case {case}, {unit}: tree {}",
                root.display()
            );
            compared += 1;
        }
    }
    assert_eq!(compared, 24 * units.len());
}

//! Block devices and their filesystem tags, from `blkid` run as root without arguments, and
//! whether an fstab spec names one of them.
//!
//! Each line is `DEVICE: TAG="value" TAG="value" ...`. What differs between releases, from
//! util-linux's misc-utils/blkid.c and captures of 2.38:
//!
//! * util-linux up to the 2.2x series (CentOS 6's util-linux-ng 2.17, CentOS 7's 2.23)
//!   end every tag with `" ` (a trailing space); later ones put the space before each tag.
//! * Since about 2.2x a `"` or `\` in a value is printed as `\"` or `\\`; 2.17 printed
//!   them raw, so a quote inside an old value is taken literally unless it is followed by
//!   the end of the line or by ` TAG="`.
//! * `BLOCK_SIZE` appears with 2.36; `PARTUUID`/`PARTLABEL` come from the partition
//!   table; a device with no filesystem may have only `PARTUUID`, or `PTUUID`/`PTTYPE`.
//! * Non-ASCII bytes are printed raw by current versions (as `M-` and `^` escapes by 2.17,
//!   which are kept as printed).
//!
//! This module only reads text; what a device is (disk, partition, LVM) is
//! `facts::disks`' job.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One device line of blkid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlkidEntry {
    /// As printed: `/dev/vda1`, `/dev/mapper/centos-root`, `/dev/nvme0n1p1`, `/dev/sr0`.
    pub device: String,
    /// Tag name → unescaped value: UUID, LABEL, TYPE, PARTUUID, PARTLABEL, BLOCK_SIZE,
    /// UUID_SUB, LABEL_FATBOOT, PTUUID, PTTYPE, ...
    pub tags: BTreeMap<String, String>,
}

impl BlkidEntry {
    pub fn tag(&self, name: &str) -> Option<&str> {
        self.tags.get(name).map(String::as_str)
    }
}

/// Parses blkid's output. Lines that are not `DEVICE: TAG="value"...` are skipped; a line
/// cut off inside a value keeps the tags before it.
pub fn parse_blkid(text: &str) -> Vec<BlkidEntry> {
    text.lines().filter_map(parse_line).collect()
}

fn parse_line(raw: &str) -> Option<BlkidEntry> {
    let line = raw.trim_end_matches(['\r', ' ']);
    let (device, rest) = line.split_once(": ")?;
    if device.is_empty() || device.contains(char::is_whitespace) {
        return None;
    }
    let tags = parse_tags(rest);
    if tags.is_empty() {
        return None;
    }
    Some(BlkidEntry {
        device: device.to_string(),
        tags,
    })
}

fn parse_tags(text: &str) -> BTreeMap<String, String> {
    let mut tags = BTreeMap::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        let Some((name, after)) = tag_start(rest) else {
            break;
        };
        let Some((value, after_value)) = quoted_value(after) else {
            break;
        };
        tags.entry(name.to_string()).or_insert(value);
        rest = after_value.trim_start();
    }
    tags
}

/// `NAME="` at the start of `text`: the name and what follows the opening quote.
fn tag_start(text: &str) -> Option<(&str, &str)> {
    let (name, after) = text.split_once("=\"")?;
    let is_name = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    is_name.then_some((name, after))
}

/// The value up to its closing quote, and the text after that quote. A quote closes the
/// value only at the end of the line or before blanks and the next `NAME="`, so the raw
/// quotes of old blkid stay in the value.
fn quoted_value(text: &str) -> Option<(String, &str)> {
    let mut value = String::new();
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match text[i + 1..].chars().next() {
                Some(next @ ('"' | '\\')) => {
                    value.push(next);
                    chars.next();
                }
                _ => value.push('\\'),
            },
            '"' => {
                let after = &text[i + 1..];
                let next = after.trim_start();
                let closes =
                    next.is_empty() || (next.len() < after.len() && tag_start(next).is_some());
                if closes {
                    return Some((value, after));
                }
                value.push('"');
            }
            _ => value.push(c),
        }
    }
    None
}

/// Whether `spec` (an fstab first field) names a device that blkid listed.
///
/// * `UUID=`, `LABEL=`, `PARTUUID=`, `PARTLABEL=` compare with that tag; quotes around the
///   value are ignored; UUIDs and PARTUUIDs compare case-insensitively (mkfs.vfat prints
///   `9263-3C00`, an fstab may say `9263-3c00`), labels exactly.
/// * `/dev/disk/by-uuid/X`, `by-label/X`, `by-partuuid/X`, `by-partlabel/X` are those tags,
///   with udev's `\xHH` escapes decoded (`backup\x2fdaily` is the label `backup/daily`).
/// * Other `/dev/` paths compare with the device names, with `/dev/mapper/VG-LV` and
///   `/dev/VG/LV` the same device (`--` in a mapper name is a `-` inside VG or LV).
///
/// Names blkid does not print and that cannot be mapped to a tag (`/dev/disk/by-id/`,
/// `/dev/disk/by-path/`, `ID=`, `/dev/root`, `/dev/cdrom`) are never listed: a caller must
/// treat them as unknown rather than missing.
pub fn lists(entries: &[BlkidEntry], spec: &str) -> bool {
    let spec = spec.trim();
    if let Some((tag, value)) = tag_spec(spec) {
        return lists_tag(entries, tag, &value);
    }
    for (dir, tag) in [
        ("/dev/disk/by-uuid/", "UUID"),
        ("/dev/disk/by-label/", "LABEL"),
        ("/dev/disk/by-partuuid/", "PARTUUID"),
        ("/dev/disk/by-partlabel/", "PARTLABEL"),
    ] {
        if let Some(name) = spec.strip_prefix(dir) {
            return lists_tag(entries, tag, &super::escapes::unescape_hex(name));
        }
    }
    if !spec.starts_with("/dev/") {
        return false;
    }
    let wanted = canonical_device(spec);
    entries
        .iter()
        .any(|entry| canonical_device(&entry.device) == wanted)
}

/// `TAG=value` with one of the tags blkid resolves, quotes stripped.
fn tag_spec(spec: &str) -> Option<(&str, String)> {
    let (tag, value) = spec.split_once('=')?;
    if !["UUID", "LABEL", "PARTUUID", "PARTLABEL"].contains(&tag) {
        return None;
    }
    let unquoted = ['"', '\'']
        .iter()
        .find_map(|&q| value.strip_prefix(q).and_then(|v| v.strip_suffix(q)))
        .unwrap_or(value);
    Some((tag, unquoted.to_string()))
}

fn lists_tag(entries: &[BlkidEntry], tag: &str, value: &str) -> bool {
    if value.is_empty() {
        return false;
    }
    let case_insensitive = tag == "UUID" || tag == "PARTUUID";
    entries.iter().filter_map(|e| e.tag(tag)).any(|listed| {
        if case_insensitive {
            listed.eq_ignore_ascii_case(value)
        } else {
            listed == value
        }
    })
}

/// `/dev/mapper/VG-LV` → `/dev/VG/LV` (device-mapper doubles a `-` inside VG and LV
/// names); any other path is returned as is.
fn canonical_device(path: &str) -> String {
    let Some(name) = path.strip_prefix("/dev/mapper/") else {
        return path.to_string();
    };
    let mut vg = String::new();
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '-' {
            vg.push(c);
        } else if chars.peek() == Some(&'-') {
            vg.push('-');
            chars.next();
        } else {
            let lv = chars.collect::<String>().replace("--", "-");
            if vg.is_empty() || lv.is_empty() {
                break;
            }
            return format!("/dev/{vg}/{lv}");
        }
    }
    path.to_string()
}

#[cfg(test)]
mod tests {
    //! Fixtures under tests/data/blkid.
    //!
    //! Real capture: `blkid-util-linux-2.38-image-files.txt` (util-linux 2.38.1 on Debian
    //! 12, run on image files made with mkfs.vfat -n UEFI, mkfs.ext4 -L cloudimg-rootfs,
    //! mkfs.xfs, mkfs.btrfs, mkswap, labels with a quote and a backslash, mksquashfs and
    //! genisoimage -V config-2). It pins tag order and escaping.
    //!
    //! Reconstructed from it (same tag order, escaping and values where the filesystem is
    //! the same) with each release's differences: CentOS 6 (2.17, trailing space, raw
    //! quotes, no BLOCK_SIZE), CentOS 7 (2.23, trailing space, no BLOCK_SIZE), Amazon
    //! Linux 2 (2.30, no BLOCK_SIZE, GPT labels), Ubuntu 22.04, Debian 12 and SLES 15
    //! (BLOCK_SIZE, PARTUUID from the partition table, which this host's kernel could not
    //! expose). UUIDs match the fstab fixtures of the same release.

    use super::*;

    macro_rules! fixture {
        ($name:literal) => {
            include_str!(concat!("../../tests/data/blkid/", $name))
        };
    }

    const REAL_238: &str = fixture!("blkid-util-linux-2.38-image-files.txt");
    const CENTOS6: &str = fixture!("blkid-centos6-unescaped.txt");
    const CENTOS7: &str = fixture!("blkid-centos7-lvm.txt");
    const UBUNTU2204: &str = fixture!("blkid-ubuntu2204.txt");
    const DEBIAN12: &str = fixture!("blkid-debian12.txt");
    const SLES15: &str = fixture!("blkid-sles15-btrfs.txt");
    const AMZN2: &str = fixture!("blkid-amzn2-nvme.txt");

    const ALL: [&str; 7] = [
        REAL_238, CENTOS6, CENTOS7, UBUNTU2204, DEBIAN12, SLES15, AMZN2,
    ];

    const CENTOS7_FSTAB: &str = include_str!("../../tests/data/fstab/fstab-centos7-lvm.txt");
    const CENTOS6_FSTAB: &str = include_str!("../../tests/data/fstab/fstab-centos6-lvm.txt");
    const UBUNTU_FSTAB: &str = include_str!("../../tests/data/fstab/fstab-ubuntu2204-cloudimg.txt");
    const DEBIAN_FSTAB: &str = include_str!("../../tests/data/fstab/fstab-debian12-installer.txt");
    const SLES_FSTAB: &str = include_str!("../../tests/data/fstab/fstab-sles15-btrfs.txt");
    const AMZN2_FSTAB: &str = include_str!("../../tests/data/fstab/fstab-amzn2.txt");

    fn find<'a>(entries: &'a [BlkidEntry], device: &str) -> &'a BlkidEntry {
        match entries.iter().find(|e| e.device == device) {
            Some(e) => e,
            None => panic!("{device} not in {entries:?}"),
        }
    }

    fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// Specs of the fstab entries boot waits for that blkid does not list.
    fn unlisted(fstab: &str, blkid: &str) -> Vec<String> {
        let entries = parse_blkid(blkid);
        crate::facts::fstab::parse_fstab(fstab)
            .entries
            .into_iter()
            .filter(|e| crate::facts::fstab::boot_needs(e) && !lists(&entries, &e.spec))
            .map(|e| e.spec)
            .collect()
    }

    #[test]
    fn real_capture_tags_and_escapes() {
        let entries = parse_blkid(REAL_238);
        assert_eq!(entries.len(), 9);
        assert_eq!(
            find(&entries, "efi.img").tags,
            tags(&[
                ("LABEL_FATBOOT", "UEFI"),
                ("LABEL", "UEFI"),
                ("UUID", "9263-3C00"),
                ("BLOCK_SIZE", "512"),
                ("TYPE", "vfat"),
            ])
        );
        assert_eq!(
            find(&entries, "lbl.img").tag("LABEL"),
            Some("my \"data\" disk")
        );
        assert_eq!(find(&entries, "bs.img").tag("LABEL"), Some("back\\slash"));
        assert_eq!(
            find(&entries, "btr.img").tag("UUID_SUB"),
            Some("6e8ca816-a5cb-497f-8c89-432e1de2709a")
        );
        assert_eq!(
            find(&entries, "snap.sqfs").tags,
            tags(&[("TYPE", "squashfs")])
        );
        assert_eq!(find(&entries, "cfg.iso").tag("LABEL"), Some("config-2"));
    }

    #[test]
    fn centos7_trailing_spaces_and_lvm_names() {
        let entries = parse_blkid(CENTOS7);
        assert_eq!(entries.len(), 5);
        assert_eq!(
            find(&entries, "/dev/mapper/centos-root").tags,
            tags(&[
                ("UUID", "f3c1b7e2-6a0d-4c5e-9d7b-2a8e4f1c0b93"),
                ("TYPE", "xfs")
            ])
        );
        assert_eq!(find(&entries, "/dev/vda2").tag("TYPE"), Some("LVM2_member"));
    }

    #[test]
    fn centos6_raw_quote_inside_label_is_kept() {
        let entries = parse_blkid(CENTOS6);
        let vdb = find(&entries, "/dev/vdb");
        assert_eq!(vdb.tag("LABEL"), Some("my \"old\" disk"));
        assert_eq!(vdb.tag("TYPE"), Some("ext3"));
    }

    #[test]
    fn ubuntu_labels_partuuids_and_snap_loops() {
        let entries = parse_blkid(UBUNTU2204);
        assert_eq!(entries.len(), 7);
        let root = find(&entries, "/dev/vda1");
        assert_eq!(root.tag("LABEL"), Some("cloudimg-rootfs"));
        assert_eq!(
            root.tag("PARTUUID"),
            Some("7491203d-8f59-a747-8387-f2d58c2ba1b2")
        );
        assert_eq!(find(&entries, "/dev/vda14").tags.len(), 1);
        assert_eq!(find(&entries, "/dev/sr0").tag("TYPE"), Some("iso9660"));
        let loops = entries.iter().filter(|e| e.tag("TYPE") == Some("squashfs"));
        assert_eq!(loops.count(), 3);
    }

    #[test]
    fn debian_iso_label_with_spaces_and_escaped_label() {
        let entries = parse_blkid(DEBIAN12);
        assert_eq!(
            find(&entries, "/dev/sr0").tag("LABEL"),
            Some("Debian 12.0.0 amd64 n")
        );
        assert_eq!(
            find(&entries, "/dev/vdb1").tag("LABEL"),
            Some("my \"data\" disk")
        );
        assert_eq!(
            find(&entries, "/dev/vdb2").tag("LABEL"),
            Some("back\\slash")
        );
        assert_eq!(
            find(&entries, "/dev/vda2").tags,
            tags(&[("PTTYPE", "dos"), ("PARTUUID", "3c9e5b1a-02")])
        );
    }

    #[test]
    fn amazon_linux_partlabel_with_spaces_and_slash_label() {
        let entries = parse_blkid(AMZN2);
        let root = find(&entries, "/dev/nvme0n1p1");
        assert_eq!(root.tag("LABEL"), Some("/"));
        assert_eq!(root.tag("PARTLABEL"), Some("Linux"));
        assert_eq!(
            find(&entries, "/dev/nvme0n1p128").tag("PARTLABEL"),
            Some("BIOS Boot Partition")
        );
        assert_eq!(find(&entries, "/dev/nvme0n1").tag("PTTYPE"), Some("gpt"));
    }

    #[test]
    fn every_distribution_fstab_names_only_listed_devices() {
        assert_eq!(unlisted(CENTOS7_FSTAB, CENTOS7), Vec::<String>::new());
        assert_eq!(unlisted(UBUNTU_FSTAB, UBUNTU2204), Vec::<String>::new());
        assert_eq!(unlisted(DEBIAN_FSTAB, DEBIAN12), Vec::<String>::new());
        assert_eq!(unlisted(SLES_FSTAB, SLES15), Vec::<String>::new());
        assert_eq!(unlisted(AMZN2_FSTAB, AMZN2), Vec::<String>::new());
    }

    #[test]
    fn fstab_of_another_host_names_missing_devices() {
        assert_eq!(
            unlisted(CENTOS7_FSTAB, UBUNTU2204),
            vec![
                "/dev/mapper/centos-root".to_string(),
                "UUID=79fe7e14-93eb-43aa-a339-460e9e97b3d6".to_string(),
                "/dev/mapper/centos-swap".to_string(),
            ]
        );
        // Old blkid's trailing spaces and raw quotes do not hide CentOS 6's devices.
        assert_eq!(unlisted(CENTOS6_FSTAB, CENTOS6), Vec::<String>::new());
        let without_boot: String = CENTOS6.lines().skip(1).map(|l| format!("{l}\n")).collect();
        assert_eq!(
            unlisted(CENTOS6_FSTAB, &without_boot),
            vec!["UUID=3e6be9de-8139-4a3a-bd3e-2f8a6a0a5c1d".to_string()]
        );
    }

    #[test]
    fn tag_specs_match_case_and_quotes_as_mount_does() {
        let entries = parse_blkid(UBUNTU2204);
        assert!(lists(&entries, "UUID=33ABE052-A8F2-4BF9-B4F5-64B00193FCED"));
        assert!(lists(
            &entries,
            "UUID=\"33abe052-a8f2-4bf9-b4f5-64b00193fced\""
        ));
        assert!(lists(&entries, "UUID=9263-3c00"));
        assert!(lists(
            &entries,
            "PARTUUID=BE400D24-A445-FA48-91FD-C7F73BE99D25"
        ));
        assert!(lists(&entries, "LABEL=UEFI"));
        assert!(!lists(&entries, "LABEL=uefi"));
        assert!(!lists(&entries, "LABEL="));
        assert!(!lists(
            &entries,
            "UUID=00000000-0000-0000-0000-000000000000"
        ));
    }

    #[test]
    fn partlabel_and_by_partlabel_links_match() {
        let entries = parse_blkid(AMZN2);
        assert!(lists(&entries, "PARTLABEL=BIOS Boot Partition"));
        assert!(lists(
            &entries,
            "/dev/disk/by-partlabel/BIOS\\x20Boot\\x20Partition"
        ));
        assert!(lists(&entries, "LABEL=/"));
        assert!(lists(&entries, "/dev/disk/by-label/\\x2f"));
    }

    #[test]
    fn by_uuid_and_by_label_links_are_tags() {
        let entries = parse_blkid(UBUNTU2204);
        assert!(lists(
            &entries,
            "/dev/disk/by-uuid/33abe052-a8f2-4bf9-b4f5-64b00193fced"
        ));
        assert!(lists(&entries, "/dev/disk/by-label/cloudimg-rootfs"));
        assert!(lists(
            &entries,
            "/dev/disk/by-partuuid/c30f6296-ac78-f74b-b6e6-b07088d1f1f4"
        ));
        assert!(!lists(&entries, "/dev/disk/by-label/missing"));
        let mut slash = parse_blkid(DEBIAN12);
        slash[0].tags.insert("LABEL".into(), "backup/daily".into());
        assert!(lists(&slash, "/dev/disk/by-label/backup\\x2fdaily"));
    }

    #[test]
    fn mapper_and_vg_lv_paths_are_the_same_device() {
        let entries = parse_blkid(CENTOS7);
        assert!(lists(&entries, "/dev/mapper/centos-root"));
        assert!(lists(&entries, "/dev/centos/root"));
        assert!(lists(&entries, "/dev/vda1"));
        assert!(!lists(&entries, "/dev/centos/home"));
        assert!(!lists(&entries, "/dev/vda3"));
        let dashed = parse_blkid("/dev/mapper/vg--data-lv--logs: UUID=\"1\" TYPE=\"ext4\"\n");
        assert!(lists(&dashed, "/dev/vg-data/lv-logs"));
        assert!(!lists(&dashed, "/dev/vg/data-lv-logs"));
    }

    #[test]
    fn names_blkid_cannot_resolve_are_not_listed() {
        let entries = parse_blkid(AMZN2);
        for spec in [
            "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0123-part1",
            "/dev/root",
            "ID=nvme-foo",
            "tmpfs",
            "",
            "server:/export",
        ] {
            assert!(!lists(&entries, spec), "{spec}");
        }
    }

    #[test]
    fn lines_that_are_not_device_lines_are_skipped() {
        let text = "blkid: unknown option\n\n/dev/vda1: nonsense\n/dev/vda2:\nfoo bar: X=\"1\"\n\
                    /dev/vda3: TYPE=\"swap\"\n";
        let entries = parse_blkid(text);
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].device, "/dev/vda3");
    }

    #[test]
    fn truncated_line_keeps_the_complete_tags() {
        let entries = parse_blkid("/dev/vda1: LABEL=\"cloudimg-rootfs\" UUID=\"33abe0");
        assert_eq!(entries[0].tags, tags(&[("LABEL", "cloudimg-rootfs")]));
    }

    #[test]
    fn garbage_and_truncated_input_never_panic() {
        for fixture in ALL {
            for end in 0..=fixture.len() {
                if let Some(prefix) = fixture.get(..end) {
                    let entries = parse_blkid(prefix);
                    let _ = lists(&entries, "UUID=x");
                }
            }
        }
        for garbage in [
            ": ",
            "x: =\"\"",
            "x: A=\"\\",
            "x: A=\"\"\"\"",
            "/dev/mapper/-: A=\"1\"",
            "/dev/mapper/a-: A=\"1\"",
            "é: É=\"é\"",
        ] {
            let entries = parse_blkid(garbage);
            for spec in [
                "/dev/mapper/-",
                "/dev/mapper/a-",
                "/dev/disk/by-label/\\x",
                "/dev/disk/by-label/\\xé1",
            ] {
                let _ = lists(&entries, spec);
            }
        }
    }

    #[test]
    fn entries_round_trip_through_json() {
        let entries = parse_blkid(DEBIAN12);
        let json = serde_json::to_string(&entries).unwrap();
        let back: Vec<BlkidEntry> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, entries);
    }
}

//! `/etc/fstab`: what the host mounts at boot, by which name, and whether boot waits for it.
//!
//! The text is read the way util-linux's libmount reads it (libmount is what `mount -a` and
//! systemd-fstab-generator use), so an entry here is an entry the host acts on:
//!
//! * fields are separated by any run of blanks (spaces or tabs); leading blanks are allowed;
//! * a line whose first non-blank character is `#` is a comment, blank lines are skipped;
//! * `\NNN` octal escapes are decoded in every field (`\040` is a space, `\011` a tab);
//! * spec, mount point and type are required; options, dump (freq) and pass default to
//!   none, 0 and 0;
//! * a tag spec may be quoted (`UUID="..."`, `LABEL='...'`); libmount strips the quotes
//!   (blkid_parse_tag_string), and so does [`parse_fstab`];
//! * a line libmount cannot parse (fewer than three fields, a dump or pass that is not a
//!   number) is skipped by the host with a warning, so it is skipped here too and reported
//!   in [`Fstab::problems`].
//!
//! It does not look at devices: whether a spec names a disk that exists is
//! `facts::blkid::lists`' question.

use serde::{Deserialize, Serialize};

/// One mount line of `/etc/fstab`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FstabEntry {
    /// 1-based line number in the file, for messages.
    pub line: usize,
    /// First field, unescaped: `UUID=...`, `LABEL=...`, `PARTUUID=...`, `PARTLABEL=...`,
    /// `/dev/sda1`, `/dev/mapper/vg-lv`, `/dev/disk/by-uuid/...`, `tmpfs`, `none`,
    /// `host:/export`, `//server/share`. Quotes around a tag value are removed.
    pub spec: String,
    /// Second field, unescaped (`/`, `/mnt/data disk`, `none` or `swap` for swap).
    pub mountpoint: String,
    /// Third field (`ext4`, `xfs`, `swap`, `nfs`, `udf,iso9660`, ...).
    pub fstype: String,
    /// Fourth field split at commas that are not inside double quotes; empty when the
    /// line has no options field (mount then uses its defaults).
    pub options: Vec<String>,
    /// Fifth field (dump frequency), 0 when absent.
    pub freq: u32,
    /// Sixth field (fsck pass), 0 when absent.
    pub passno: u32,
}

/// Everything [`parse_fstab`] found: the entries the host uses and the lines it skips.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fstab {
    /// At most [`MAX_ENTRIES`].
    pub entries: Vec<FstabEntry>,
    /// One message per line that is skipped or only partly understood, with its number; at
    /// most [`MAX_PROBLEMS`], the last one saying how many more there were.
    pub problems: Vec<String>,
    /// Entry lines past [`MAX_ENTRIES`], counted and not kept.
    #[serde(default)]
    pub omitted: usize,
}

/// Entries kept from one fstab: real ones have tens; a million-line file must not cost
/// gigabytes of parsed data.
pub const MAX_ENTRIES: usize = 1_000;

/// Problems kept from one fstab.
pub const MAX_PROBLEMS: usize = 50;

/// Tags libmount resolves through libblkid (`ID=` is util-linux 2.39+).
const TAGS: [&str; 5] = ["UUID", "LABEL", "PARTUUID", "PARTLABEL", "ID"];

/// Filesystem types with no backing device: nothing to wait for.
const VIRTUAL_TYPES: [&str; 24] = [
    "proc",
    "sysfs",
    "tmpfs",
    "ramfs",
    "devtmpfs",
    "devpts",
    "securityfs",
    "cgroup",
    "cgroup2",
    "debugfs",
    "tracefs",
    "hugetlbfs",
    "mqueue",
    "configfs",
    "pstore",
    "bpf",
    "efivarfs",
    "binfmt_misc",
    "fusectl",
    "autofs",
    "usbfs",
    "rpc_pipefs",
    "selinuxfs",
    "nfsd",
];

/// systemd's list of network filesystems (`fstype_is_network`): their mounts belong to
/// remote-fs.target, which boot does not wait for.
const NETWORK_TYPES: [&str; 17] = [
    "afs",
    "ceph",
    "cifs",
    "smb3",
    "smbfs",
    "sshfs",
    "ncpfs",
    "ncp",
    "nfs",
    "nfs4",
    "gfs",
    "gfs2",
    "glusterfs",
    "pvfs2",
    "ocfs2",
    "lustre",
    "davfs",
];

/// Parses the text of `/etc/fstab`. Never fails: lines the host would skip are reported in
/// [`Fstab::problems`] instead.
pub fn parse_fstab(text: &str) -> Fstab {
    let mut fstab = Fstab::default();
    let mut problems = 0usize;
    let mut problem = |fstab: &mut Fstab, message: String| {
        problems += 1;
        if problems <= MAX_PROBLEMS {
            fstab.problems.push(message);
        }
    };
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let content = raw.trim();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        if fstab.entries.len() == MAX_ENTRIES {
            fstab.omitted += 1;
            continue;
        }
        let fields: Vec<&str> = content.split_ascii_whitespace().collect();
        let shown = crate::transport::excerpt(std::iter::once(content), 1);
        match entry_from_fields(line, &fields) {
            Ok(entry) => {
                if fields.len() > 6 {
                    let message = format!(
                        "line {line}: {} fields, fstab has 6; the rest is ignored \
                         (an unescaped space in a path?): \"{shown}\"",
                        fields.len()
                    );
                    problem(&mut fstab, message);
                }
                fstab.entries.push(entry);
            }
            Err(reason) => problem(
                &mut fstab,
                format!("line {line}: {reason}, skipped: \"{shown}\""),
            ),
        }
    }
    if problems > MAX_PROBLEMS {
        fstab.problems.push(format!(
            "… and {} more lines with problems",
            problems - MAX_PROBLEMS
        ));
    }
    fstab
}

fn entry_from_fields(line: usize, fields: &[&str]) -> Result<FstabEntry, String> {
    let [spec, mountpoint, fstype, rest @ ..] = fields else {
        return Err(format!(
            "{} field(s), needs at least a device, a mount point and a type",
            fields.len()
        ));
    };
    let number = |position: usize, name: &str| -> Result<u32, String> {
        match rest.get(position) {
            None => Ok(0),
            Some(raw) => raw
                .parse()
                .map_err(|_| format!("{name} {raw:?} is not a number")),
        }
    };
    Ok(FstabEntry {
        line,
        spec: strip_tag_quotes(&super::escapes::unescape_octal(spec)),
        mountpoint: super::escapes::unescape_octal(mountpoint),
        fstype: super::escapes::unescape_octal(fstype),
        options: rest
            .first()
            .map(|raw| split_options(&super::escapes::unescape_octal(raw)))
            .unwrap_or_default(),
        freq: number(1, "dump")?,
        passno: number(2, "pass")?,
    })
}

/// `UUID="abc"` → `UUID=abc`; anything else is returned unchanged.
fn strip_tag_quotes(spec: &str) -> String {
    if let Some((tag, value)) = spec.split_once('=') {
        if TAGS.contains(&tag) && value.len() >= 2 {
            for quote in ['"', '\''] {
                if let Some(inner) = value
                    .strip_prefix(quote)
                    .and_then(|v| v.strip_suffix(quote))
                {
                    return format!("{tag}={inner}");
                }
            }
        }
    }
    spec.to_string()
}

/// Splits an options field at commas, except inside double quotes: SELinux contexts such
/// as `context="system_u:object_r:tmp_t:s0:c127,c456"` contain commas.
fn split_options(field: &str) -> Vec<String> {
    let mut options = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in field.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            ',' if !quoted => {
                if !current.is_empty() {
                    options.push(std::mem::take(&mut current));
                }
            }
            _ => current.push(c),
        }
    }
    if !current.is_empty() {
        options.push(current);
    }
    options
}

impl FstabEntry {
    /// Whether the options field holds exactly `name` (`nofail`, not `nofail=x`).
    pub fn has_option(&self, name: &str) -> bool {
        self.options.iter().any(|o| o == name)
    }

    /// Whether `spec` names a block device: a libblkid tag or a path under `/dev/`.
    fn spec_is_device(&self) -> bool {
        let is_tag = self
            .spec
            .split_once('=')
            .is_some_and(|(tag, value)| TAGS.contains(&tag) && !value.is_empty());
        is_tag || self.spec.starts_with("/dev/")
    }

    fn is_network(&self) -> bool {
        // `fuse.sshfs`, `fuse.glusterfs`: systemd looks at the part after "fuse.".
        let base = self.fstype.strip_prefix("fuse.").unwrap_or(&self.fstype);
        NETWORK_TYPES.contains(&base) || self.has_option("_netdev")
    }
}

/// Whether boot waits for the block device that this entry names.
///
/// True only for an entry that boot mounts (or swaps on) by itself, from a device that must
/// appear first. With systemd, such a device gets a job with a 90 s timeout: a missing one
/// drops a mount into emergency mode, and delays boot by 90 s for swap (swap.target is only
/// wanted, so boot then goes on). Under SysV init (CentOS 6) a missing device with a
/// non-zero pass stops boot at fsck. Callers that need to tell "stops" from "delays" look
/// at `fstype == "swap"`.
///
/// False for:
/// * `noauto` (not mounted at boot), `nofail` (mounted, but boot neither waits nor fails),
///   `x-systemd.automount` (mounted on first access);
/// * network filesystems (`nfs`, `cifs`, `fuse.sshfs`, ... or `_netdev`): they belong to
///   remote-fs.target, which boot does not wait for;
/// * bind mounts: the source is a directory, there is no device to wait for;
/// * virtual filesystems (`proc`, `sysfs`, `tmpfs`, `devpts`, ...) and any spec that is
///   neither a `TAG=value` nor a `/dev/` path (`none`, swap files, loop images).
pub fn boot_needs(entry: &FstabEntry) -> bool {
    let skipped = ["noauto", "nofail", "x-systemd.automount", "bind", "rbind"]
        .iter()
        .any(|option| entry.has_option(option));
    !skipped
        && !entry.is_network()
        && !VIRTUAL_TYPES.contains(&entry.fstype.as_str())
        && entry.spec_is_device()
}

#[cfg(test)]
mod tests {
    //! Fixtures under tests/data/fstab, all reconstructed (no host of these releases was at
    //! hand): the CentOS 6/7 files follow anaconda's writer (`%-23s %-23s %-7s %-15s %d %d`,
    //! leading blank line), Debian 12 follows partman's writer and comments, Ubuntu 22.04 is
    //! the cloud image's two tab-separated lines, SLES 15 follows YaST's aligned columns,
    //! Amazon Linux 2 is the AMI's two lines. `fstab-handmade.txt` collects the odd cases
    //! (raw names, escapes, quotes, network, bind, malformed lines). UUIDs match the blkid
    //! fixtures of the same release.

    use super::*;

    const CENTOS6: &str = include_str!("../../tests/data/fstab/fstab-centos6-lvm.txt");
    const CENTOS7: &str = include_str!("../../tests/data/fstab/fstab-centos7-lvm.txt");
    const UBUNTU2204: &str = include_str!("../../tests/data/fstab/fstab-ubuntu2204-cloudimg.txt");
    const DEBIAN12: &str = include_str!("../../tests/data/fstab/fstab-debian12-installer.txt");
    const SLES15: &str = include_str!("../../tests/data/fstab/fstab-sles15-btrfs.txt");
    const AMZN2: &str = include_str!("../../tests/data/fstab/fstab-amzn2.txt");
    const HANDMADE: &str = include_str!("../../tests/data/fstab/fstab-handmade.txt");

    const ALL: [&str; 7] = [
        CENTOS6, CENTOS7, UBUNTU2204, DEBIAN12, SLES15, AMZN2, HANDMADE,
    ];

    fn entry<'a>(fstab: &'a Fstab, mountpoint: &str) -> &'a FstabEntry {
        match fstab.entries.iter().find(|e| e.mountpoint == mountpoint) {
            Some(e) => e,
            None => panic!("no entry for {mountpoint} in {:?}", fstab.entries),
        }
    }

    fn needed(fstab: &Fstab) -> Vec<&str> {
        fstab
            .entries
            .iter()
            .filter(|e| boot_needs(e))
            .map(|e| e.mountpoint.as_str())
            .collect()
    }

    #[test]
    fn centos6_anaconda_file_parses_all_seven_lines() {
        let fstab = parse_fstab(CENTOS6);
        assert!(fstab.problems.is_empty(), "{:?}", fstab.problems);
        assert_eq!(fstab.entries.len(), 7);
        let root = entry(&fstab, "/");
        assert_eq!(
            root,
            &FstabEntry {
                line: 9,
                spec: "/dev/mapper/VolGroup-lv_root".into(),
                mountpoint: "/".into(),
                fstype: "ext4".into(),
                options: vec!["defaults".into()],
                freq: 1,
                passno: 1,
            }
        );
        assert_eq!(
            entry(&fstab, "/boot").spec,
            "UUID=3e6be9de-8139-4a3a-bd3e-2f8a6a0a5c1d"
        );
        assert_eq!(entry(&fstab, "/boot").passno, 2);
        assert_eq!(
            entry(&fstab, "/dev/pts").options,
            vec!["gid=5".to_string(), "mode=620".to_string()]
        );
    }

    #[test]
    fn centos6_boot_waits_for_root_boot_and_swap_but_not_pseudo_filesystems() {
        assert_eq!(needed(&parse_fstab(CENTOS6)), vec!["/", "/boot", "swap"]);
    }

    #[test]
    fn centos7_lvm_root_and_swap_are_device_paths() {
        let fstab = parse_fstab(CENTOS7);
        assert!(fstab.problems.is_empty());
        let specs: Vec<&str> = fstab.entries.iter().map(|e| e.spec.as_str()).collect();
        assert_eq!(
            specs,
            vec![
                "/dev/mapper/centos-root",
                "UUID=79fe7e14-93eb-43aa-a339-460e9e97b3d6",
                "/dev/mapper/centos-swap",
            ]
        );
        assert_eq!(entry(&fstab, "/").passno, 0);
        assert_eq!(needed(&fstab), vec!["/", "/boot", "swap"]);
    }

    #[test]
    fn ubuntu_cloud_image_tab_separated_labels() {
        let fstab = parse_fstab(UBUNTU2204);
        assert!(fstab.problems.is_empty());
        let root = entry(&fstab, "/");
        assert_eq!(root.spec, "LABEL=cloudimg-rootfs");
        assert_eq!(root.fstype, "ext4");
        assert_eq!(
            root.options,
            vec!["discard".to_string(), "errors=remount-ro".to_string()]
        );
        assert_eq!((root.freq, root.passno), (0, 1));
        assert_eq!(entry(&fstab, "/boot/efi").spec, "LABEL=UEFI");
        assert_eq!(needed(&fstab), vec!["/", "/boot/efi"]);
    }

    #[test]
    fn debian12_comments_are_skipped_and_cdrom_is_noauto() {
        let fstab = parse_fstab(DEBIAN12);
        assert!(fstab.problems.is_empty());
        assert_eq!(fstab.entries.len(), 3);
        let root = entry(&fstab, "/");
        assert_eq!(root.line, 12);
        assert_eq!(root.spec, "UUID=0f6d6c3b-5d4f-4b52-9a3e-6c1f2b8a7d90");
        let swap = entry(&fstab, "none");
        assert_eq!(swap.fstype, "swap");
        assert_eq!(swap.options, vec!["sw".to_string()]);
        let cdrom = entry(&fstab, "/media/cdrom0");
        assert_eq!(cdrom.fstype, "udf,iso9660");
        assert!(cdrom.has_option("noauto"));
        assert_eq!(needed(&fstab), vec!["/", "none"]);
    }

    #[test]
    fn sles15_btrfs_subvolumes_share_one_uuid() {
        let fstab = parse_fstab(SLES15);
        assert!(fstab.problems.is_empty());
        assert_eq!(fstab.entries.len(), 12);
        let var = entry(&fstab, "/var");
        assert_eq!(var.spec, "UUID=a8b3c5d1-7e2f-4a96-b0c4-5d8e1f2a3b67");
        assert_eq!(var.options, vec!["subvol=/@/var".to_string()]);
        assert_eq!(
            entry(&fstab, "/boot/grub2/x86_64-efi").options,
            vec!["subvol=/@/boot/grub2/x86_64-efi".to_string()]
        );
        assert_eq!(needed(&fstab).len(), 12);
    }

    #[test]
    fn amazon_linux2_single_root_line_with_noatime() {
        let fstab = parse_fstab(AMZN2);
        assert!(fstab.problems.is_empty());
        assert_eq!(fstab.entries.len(), 1);
        let root = &fstab.entries[0];
        assert_eq!(root.line, 2);
        assert_eq!(root.spec, "UUID=a1e1011e-e38f-408e-878b-fed395b47ad6");
        assert_eq!(
            root.options,
            vec!["defaults".to_string(), "noatime".to_string()]
        );
        assert_eq!((root.freq, root.passno), (1, 1));
    }

    #[test]
    fn handmade_quoted_uuid_loses_its_quotes() {
        let fstab = parse_fstab(HANDMADE);
        assert_eq!(
            entry(&fstab, "/data").spec,
            "UUID=5c2b8e3a-9f1d-4e7b-a6c0-3d2e1f4b5a69"
        );
    }

    #[test]
    fn handmade_octal_escapes_are_decoded_but_udev_escapes_are_not() {
        let fstab = parse_fstab(HANDMADE);
        assert_eq!(entry(&fstab, "/mnt/data disk").spec, "LABEL=Data Disk");
        // `\x2f` is udev's escape inside a /dev/disk/by-label name, not fstab's: it stays.
        assert_eq!(
            entry(&fstab, "/backup").spec,
            "/dev/disk/by-label/backup\\x2fdaily"
        );
    }

    #[test]
    fn handmade_missing_dump_and_pass_default_to_zero() {
        let fstab = parse_fstab(HANDMADE);
        let tmp = entry(&fstab, "/tmp");
        assert_eq!(
            tmp.options,
            vec!["defaults".to_string(), "size=2G".to_string()]
        );
        assert_eq!((tmp.freq, tmp.passno), (0, 0));
        let logs = entry(&fstab, "/var/log");
        assert_eq!((logs.freq, logs.passno), (0, 0));
    }

    #[test]
    fn handmade_malformed_lines_are_skipped_and_reported_with_their_number() {
        let fstab = parse_fstab(HANDMADE);
        assert!(fstab.entries.iter().all(|e| e.mountpoint != "/mnt/broken"));
        // "/dev/sde1 /mnt/my disk ext4 defaults 0 2": the unescaped space shifts the
        // fields, so the dump field is "defaults"; libmount skips the line.
        assert!(fstab.entries.iter().all(|e| e.spec != "/dev/sde1"));
        assert_eq!(fstab.problems.len(), 2, "{:?}", fstab.problems);
        assert!(fstab.problems[0].starts_with("line 18: 2 field(s)"));
        assert!(fstab.problems[1].starts_with("line 19: dump \"defaults\" is not a number"));
        assert_eq!(fstab.entries.len(), 17);
    }

    #[test]
    fn extra_fields_after_pass_keep_the_entry_but_are_reported() {
        let fstab = parse_fstab("/dev/sdf1 /mnt/x ext4 defaults 0 2 leftover\n");
        assert_eq!(fstab.entries.len(), 1);
        assert_eq!(fstab.entries[0].passno, 2);
        assert_eq!(fstab.problems.len(), 1);
        assert!(fstab.problems[0].starts_with("line 1: 7 fields"));
    }

    #[test]
    fn handmade_boot_needs_only_local_devices_without_nofail_or_noauto() {
        let fstab = parse_fstab(HANDMADE);
        assert_eq!(
            needed(&fstab),
            vec![
                "/",
                "none",
                "/srv",
                "/backup",
                "/mnt/data disk",
                "/var/log",
                "/home2"
            ]
        );
        let not_needed = |mountpoint: &str| !boot_needs(entry(&fstab, mountpoint));
        assert!(not_needed("/data"), "nofail");
        assert!(not_needed("/mnt/alias"), "noauto");
        assert!(not_needed("/home"), "nfs");
        assert!(not_needed("/mnt/share"), "_netdev");
        assert!(not_needed("/var/www"), "bind");
        assert!(not_needed("/tmp"), "tmpfs");
        assert!(not_needed("/opt"), "automount");
        assert!(not_needed("/proc"), "proc");
        let swapfile = fstab.entries.iter().find(|e| e.spec == "/swapfile");
        assert!(swapfile.is_some_and(|e| !boot_needs(e)), "swap file");
    }

    #[test]
    fn fuse_network_filesystem_is_not_waited_for() {
        let fstab = parse_fstab("user@host:/srv /mnt/remote fuse.sshfs defaults 0 0\n");
        assert_eq!(fstab.entries.len(), 1);
        assert!(!boot_needs(&fstab.entries[0]));
    }

    #[test]
    fn quoted_selinux_context_keeps_its_comma() {
        let fstab = parse_fstab(
            "tmpfs /tmp tmpfs context=\"system_u:object_r:tmp_t:s0:c127,c456\",noexec 0 0\n",
        );
        assert_eq!(
            fstab.entries[0].options,
            vec![
                "context=\"system_u:object_r:tmp_t:s0:c127,c456\"".to_string(),
                "noexec".to_string()
            ]
        );
    }

    #[test]
    fn crlf_line_endings_and_single_quoted_label_are_understood() {
        let fstab = parse_fstab("LABEL='root' / ext4 defaults 0 1\r\n");
        assert!(fstab.problems.is_empty());
        assert_eq!(fstab.entries[0].spec, "LABEL=root");
        assert_eq!(fstab.entries[0].passno, 1);
    }

    #[test]
    fn quotes_do_not_protect_a_space_only_octal_escapes_do() {
        // libmount splits before it strips quotes, so this line has 7 fields and a
        // non-numeric dump: the host skips it, and so does the parser.
        let fstab = parse_fstab("LABEL='root fs' / ext4 defaults 0 1\n");
        assert!(fstab.entries.is_empty());
        assert_eq!(fstab.problems.len(), 1);
        let fstab = parse_fstab("LABEL=root\\040fs / ext4 defaults 0 1\n");
        assert_eq!(fstab.entries[0].spec, "LABEL=root fs");
    }

    #[test]
    fn incomplete_escape_stays_literal() {
        let fstab = parse_fstab("/dev/sda1 /mnt/a\\04 ext4 defaults 0 0\n");
        assert_eq!(fstab.entries[0].mountpoint, "/mnt/a\\04");
        let fstab = parse_fstab("/dev/sda1 /mnt/a\\9999 ext4\n");
        assert_eq!(fstab.entries[0].mountpoint, "/mnt/a\\9999");
    }

    #[test]
    fn a_million_line_fstab_keeps_a_bounded_part_and_counts_the_rest() {
        let mut text = String::from("UUID=1 / ext4 defaults 0 1\n");
        for n in 0..1_000_000 {
            text.push_str(&format!("/dev/sd{n} /m{n} ext4 defaults 0 2\n"));
        }
        text.push_str(&"garbage\n".repeat(200));
        let fstab = parse_fstab(&text);
        assert_eq!(fstab.entries.len(), MAX_ENTRIES);
        assert_eq!(fstab.omitted, 1_000_001 + 200 - MAX_ENTRIES);
        assert_eq!(fstab.entries[0].spec, "UUID=1");
        assert!(
            fstab.problems.is_empty(),
            "lines past the bound are not parsed"
        );

        let bad = parse_fstab(&format!("{}{}", "x\n".repeat(80), "y".repeat(100_000)));
        assert_eq!(bad.problems.len(), MAX_PROBLEMS + 1);
        assert_eq!(
            bad.problems[MAX_PROBLEMS],
            "… and 31 more lines with problems"
        );
        assert!(
            bad.problems.iter().all(|p| p.len() < 500),
            "long lines are excerpts"
        );
    }

    #[test]
    fn garbage_and_truncated_input_never_panic() {
        for fixture in ALL {
            for end in 0..=fixture.len() {
                if let Some(prefix) = fixture.get(..end) {
                    let _ = parse_fstab(prefix);
                }
            }
        }
        for garbage in [
            "",
            "\0\0\0",
            "#",
            "\\",
            "a b c \\",
            "UUID=\" / x",
            "= = =",
            "\u{feff}x",
        ] {
            let fstab = parse_fstab(garbage);
            for e in &fstab.entries {
                let _ = boot_needs(e);
            }
        }
    }

    #[test]
    fn truncated_last_line_is_reported_not_guessed() {
        let cut = &CENTOS7[..CENTOS7.len() - 30];
        let fstab = parse_fstab(cut);
        assert_eq!(fstab.entries.len(), 2);
        assert_eq!(fstab.problems.len(), 1);
        assert!(fstab.problems[0].starts_with("line 11: 2 field(s)"));
    }

    #[test]
    fn entries_round_trip_through_json() {
        let fstab = parse_fstab(HANDMADE);
        let json = serde_json::to_string(&fstab).unwrap();
        let back: Fstab = serde_json::from_str(&json).unwrap();
        assert_eq!(back, fstab);
    }
}

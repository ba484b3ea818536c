//! Space and inode use of a filesystem, from `df -P -k PATH` and `df -P -i PATH`.
//!
//! Both print a header line and one row per filesystem: device, total, used, available,
//! percentage, mount point. This module reads the rows of GNU coreutils (6.x to 9.x) and
//! BusyBox df; it does not run df or decide how full is too full.
//!
//! What the printers do, from coreutils' and BusyBox's df.c, checked against coreutils 9.1
//! and BusyBox 1.35 on a live system:
//!
//! * A device name longer than 20 columns is printed alone on its line, with the numbers
//!   on the next line indented by 20 spaces, by coreutils before 8.21 *without* `-P`
//!   (CentOS 6's `df`, `df -i`) and by every BusyBox without `-P`. With `-P` neither
//!   wraps, but a collector that falls back to plain `df`, or a df that ignores `-P`,
//!   still produces it, so wrapped rows are joined here.
//! * The percentage is `N%` rounded up by coreutils, rounded to nearest by BusyBox, and
//!   `-` when coreutils cannot compute it (inode counts of btrfs are 0 0 0; BusyBox prints
//!   `0%` there instead).
//! * The mount point is the last column and is printed raw, so it may hold spaces; a
//!   device name may too (a tmpfs mounted with `-t tmpfs "my tmp"`). A row is therefore
//!   found by its four numeric columns, not by counting words.
//! * coreutils prints `-` for a count it does not know; that is read as 0.

use serde::{Deserialize, Serialize};

/// One filesystem row of df. Counts are 1024-byte blocks for `df -P -k` and inodes for
/// `df -P -i`; which one is the caller's to know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DfRow {
    pub filesystem: String,
    pub total: u64,
    pub used: u64,
    pub available: u64,
    /// The Capacity / Use% / IUse% column; `None` when df printed `-` (no total, e.g.
    /// inodes on btrfs). A value with `total == 0` (BusyBox on btrfs) means nothing either.
    pub use_percent: Option<u8>,
    pub mountpoint: String,
}

/// Parses df output into its rows, in order.
///
/// The first non-blank line is the header unless it already is a complete row (a
/// caller that stripped it); later lines starting with `Filesystem` are headers too, so
/// the outputs of `df -P -k /` and `df -P -i /` may be passed concatenated. Fails when a
/// line is neither a header nor a row, when a wrapped device name has no numbers after
/// it, or when there is no row at all.
pub fn parse_df(text: &str) -> Result<Vec<DfRow>, String> {
    let mut rows = Vec::new();
    // A device name printed alone on its line, waiting for its numbers.
    let mut wrapped: Option<(usize, String)> = None;
    let mut first = true;
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let was_first = std::mem::replace(&mut first, false);
        if let Some((device_line, device)) = wrapped.take() {
            match parse_numbers(line) {
                Some(row) => {
                    rows.push(row.into_row(device));
                    continue;
                }
                None => {
                    return Err(format!(
                        "df line {device_line}: device {device:?} is not followed by its \
                         numbers (line {number}: {line:?})"
                    ))
                }
            }
        }
        if line.starts_with("Filesystem") {
            continue;
        }
        if let Some(row) = parse_row(line) {
            rows.push(row);
            continue;
        }
        if was_first {
            // A header in another language (df run without LC_ALL=C).
            continue;
        }
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some(device), None) => wrapped = Some((number, device.to_string())),
            _ => return Err(format!("df line {number} is not a df row: {line:?}")),
        }
    }
    if let Some((device_line, device)) = wrapped {
        return Err(format!(
            "df line {device_line}: device {device:?} is the last line, its numbers are \
             missing (truncated output?)"
        ));
    }
    if rows.is_empty() {
        return Err(format!("df printed no filesystem row: {:?}", excerpt(text)));
    }
    Ok(rows)
}

/// The row df printed for `path`: the one mounted exactly there, else the only row.
///
/// `df -P -k /var/log` prints the filesystem *containing* the path, whose mount point may
/// be `/`; so with a single row that row is the answer whatever its mount point.
pub fn row_for<'a>(rows: &'a [DfRow], path: &str) -> Option<&'a DfRow> {
    match rows.iter().find(|row| row.mountpoint == path) {
        Some(row) => Some(row),
        None if rows.len() == 1 => rows.first(),
        None => None,
    }
}

/// The four numeric columns of a row and what follows them.
struct Numbers {
    total: u64,
    used: u64,
    available: u64,
    use_percent: Option<u8>,
    mountpoint: String,
}

impl Numbers {
    fn into_row(self, filesystem: String) -> DfRow {
        DfRow {
            filesystem,
            total: self.total,
            used: self.used,
            available: self.available,
            use_percent: self.use_percent,
            mountpoint: self.mountpoint,
        }
    }
}

/// A full row: a device (one or more words), then the numbers and the mount point. The
/// device ends at the first word after which the four numeric columns follow.
fn parse_row(line: &str) -> Option<DfRow> {
    let words = word_spans(line);
    (1..words.len()).find_map(|start| {
        let (offset, _) = words[start];
        let numbers = parse_numbers(&line[offset..])?;
        let device = line[..offset].trim_end();
        Some(numbers.into_row(device.to_string()))
    })
}

/// `total used available percent mountpoint...`, as on the second line of a wrapped row.
fn parse_numbers(text: &str) -> Option<Numbers> {
    let words = word_spans(text);
    let [(_, total), (_, used), (_, available), (_, percent), (mount_at, _), ..] = words.as_slice()
    else {
        return None;
    };
    Some(Numbers {
        total: count(total)?,
        used: count(used)?,
        available: count(available)?,
        use_percent: percent_value(percent)?,
        mountpoint: text[*mount_at..].to_string(),
    })
}

/// A count column: digits, or `-` for unknown (read as 0).
fn count(word: &str) -> Option<u64> {
    if word == "-" {
        Some(0)
    } else {
        word.parse().ok()
    }
}

/// `42%` → Some(Some(42)), `-` → Some(None), anything else → None (not a percent column).
fn percent_value(word: &str) -> Option<Option<u8>> {
    if word == "-" {
        return Some(None);
    }
    word.strip_suffix('%')?.parse().ok().map(Some)
}

/// Byte offset and text of each whitespace-separated word.
fn word_spans(text: &str) -> Vec<(usize, &str)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                spans.push((s, &text[s..i]));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, &text[s..]));
    }
    spans
}

fn excerpt(text: &str) -> String {
    text.chars().take(120).collect()
}

#[cfg(test)]
mod tests {
    //! The `df -P` outputs of CentOS 6, CentOS 7 and SLES 15 are the fixture hosts' (their
    //! kept captures, tests/data/captures): one copy of each host's outputs. Under
    //! tests/data/df, the other cases:
    //!
    //! Real captures (coreutils 9.1 and BusyBox 1.35 of Debian 12, each filesystem made with
    //! the release's tools, loop-mounted as `/` of a chroot with a device node named as on
    //! that release): ubuntu2204-dev-root, debian12-97pct, inodes-92pct,
    //! mountpoint-with-space, and all busybox-* files. coreutils 8.21+ (CentOS 7's 8.22,
    //! Ubuntu 22.04's 8.32) size columns the same way 9.1 does.
    //!
    //! Reconstructed: centos6-coreutils-8.4-wrapped-*, `df` without -P, printed by hand from
    //! coreutils 8.4's `show_dev` format strings (`%-20s`, ` %9s %9s %9s `, `%3.0f%%`; ` %7s`
    //! and `%4.0f%%` for inodes) with the numbers of centos6-ok's `df -P`.

    use super::*;

    const CENTOS6_WRAPPED_K: &str =
        include_str!("../../tests/data/df/df-centos6-coreutils-8.4-wrapped-k.txt");
    const CENTOS6_WRAPPED_I: &str =
        include_str!("../../tests/data/df/df-centos6-coreutils-8.4-wrapped-i.txt");
    const UBUNTU_K: &str = include_str!("../../tests/data/df/df-ubuntu2204-dev-root-P-k.txt");
    const UBUNTU_I: &str = include_str!("../../tests/data/df/df-ubuntu2204-dev-root-P-i.txt");
    const FULL_K: &str = include_str!("../../tests/data/df/df-debian12-97pct-P-k.txt");
    const INODES_92: &str = include_str!("../../tests/data/df/df-inodes-92pct-P-i.txt");
    const SPACE: &str = include_str!("../../tests/data/df/df-mountpoint-with-space-P-k.txt");
    const BUSYBOX_P_K: &str = include_str!("../../tests/data/df/df-busybox-lvm-P-k.txt");
    const BUSYBOX_WRAPPED_K: &str =
        include_str!("../../tests/data/df/df-busybox-lvm-wrapped-k.txt");
    const BUSYBOX_WRAPPED_I: &str =
        include_str!("../../tests/data/df/df-busybox-lvm-wrapped-i.txt");
    const BUSYBOX_BTRFS_I: &str = include_str!("../../tests/data/df/df-busybox-btrfs-P-i.txt");

    /// `df -P -k /` and `df -P -i /` of a fixture host.
    fn df_of(host: &str) -> (String, String) {
        let df = |option| crate::capture::fixtures::stdout(host, &["df", "-P", option, "/"]);
        (df("-k"), df("-i"))
    }

    /// Every output of the fixtures, the hosts' first.
    fn all() -> Vec<String> {
        let mut all = Vec::new();
        for host in ["centos6-ok", "centos7-ok", "sles15-ok"] {
            let (k, i) = df_of(host);
            all.extend([k, i]);
        }
        all.extend(OTHERS.map(str::to_string));
        all
    }

    const OTHERS: [&str; 11] = [
        CENTOS6_WRAPPED_K,
        CENTOS6_WRAPPED_I,
        UBUNTU_K,
        UBUNTU_I,
        FULL_K,
        INODES_92,
        SPACE,
        BUSYBOX_P_K,
        BUSYBOX_WRAPPED_K,
        BUSYBOX_WRAPPED_I,
        BUSYBOX_BTRFS_I,
    ];

    fn only_row(text: &str) -> DfRow {
        match parse_df(text) {
            Ok(rows) if rows.len() == 1 => rows[0].clone(),
            other => panic!("expected one row, got {other:?}"),
        }
    }

    fn row(fs: &str, total: u64, used: u64, avail: u64, pct: Option<u8>, mp: &str) -> DfRow {
        DfRow {
            filesystem: fs.into(),
            total,
            used,
            available: avail,
            use_percent: pct,
            mountpoint: mp.into(),
        }
    }

    const VG_ROOT: &str = "/dev/mapper/VolGroup-lv_root";

    #[test]
    fn centos6_posix_long_device_name_stays_on_its_line() {
        let (k, i) = df_of("centos6-ok");
        assert_eq!(
            only_row(&k),
            row(VG_ROOT, 36629336, 6207340, 28552172, Some(18), "/")
        );
        assert_eq!(
            only_row(&i),
            row(VG_ROOT, 2338336, 78214, 2260122, Some(4), "/")
        );
    }

    #[test]
    fn centos6_wrapped_device_name_is_joined_with_its_numbers() {
        let (k, i) = df_of("centos6-ok");
        assert_eq!(only_row(CENTOS6_WRAPPED_K), only_row(&k));
        assert_eq!(only_row(CENTOS6_WRAPPED_I), only_row(&i));
    }

    #[test]
    fn busybox_wrapped_and_posix_rows_agree() {
        let expected = row(VG_ROOT, 36336476, 1485884, 32972576, Some(4), "/");
        assert_eq!(only_row(BUSYBOX_WRAPPED_K), expected);
        assert_eq!(only_row(BUSYBOX_P_K), expected);
        assert_eq!(
            only_row(BUSYBOX_WRAPPED_I),
            row(VG_ROOT, 2330160, 50411, 2279749, Some(2), "/")
        );
    }

    #[test]
    fn centos7_xfs_root_on_lvm() {
        let (k, i) = df_of("centos7-ok");
        assert_eq!(
            only_row(&k),
            row(
                "/dev/mapper/centos-root",
                38770180,
                2341208,
                36428972,
                Some(7),
                "/"
            )
        );
        assert_eq!(
            only_row(&i),
            row(
                "/dev/mapper/centos-root",
                19394560,
                58311,
                19336249,
                Some(1),
                "/"
            )
        );
    }

    #[test]
    fn ubuntu_dev_root_device_name_is_kept_as_printed() {
        assert_eq!(
            only_row(UBUNTU_K),
            row("/dev/root", 40768724, 1947304, 36718228, Some(6), "/")
        );
        assert_eq!(only_row(UBUNTU_I).use_percent, Some(3));
    }

    #[test]
    fn btrfs_inodes_have_no_percentage() {
        let (k, i) = df_of("sles15-ok");
        assert_eq!(only_row(&i), row("/dev/vda1", 0, 0, 0, None, "/"));
        assert_eq!(only_row(&k).use_percent, Some(12));
        // BusyBox prints 0% where coreutils prints "-".
        assert_eq!(
            only_row(BUSYBOX_BTRFS_I),
            row("/dev/vda2", 0, 0, 0, Some(0), "/")
        );
    }

    #[test]
    fn nearly_full_disk_and_inodes() {
        assert_eq!(
            only_row(FULL_K),
            row("/dev/xvda1", 8026128, 7363564, 233308, Some(97), "/")
        );
        assert_eq!(
            only_row(INODES_92),
            row("/dev/vda1", 81920, 75019, 6901, Some(92), "/")
        );
    }

    #[test]
    fn mount_point_with_space_takes_the_rest_of_the_line() {
        let parsed = only_row(SPACE);
        assert_eq!(parsed.mountpoint, "/mnt/data disk");
        assert_eq!(parsed.total, 102625188);
    }

    #[test]
    fn device_name_with_space_is_found_by_the_numbers_after_it() {
        let text = "Filesystem     1024-blocks  Used Available Capacity Mounted on\n\
                    my tmp              65536     0     65536       0% /mnt/my tmp\n";
        assert_eq!(
            only_row(text),
            row("my tmp", 65536, 0, 65536, Some(0), "/mnt/my tmp")
        );
    }

    #[test]
    fn block_and_inode_outputs_concatenated_give_two_rows() {
        let (k, i) = df_of("centos7-ok");
        let rows = parse_df(&format!("{k}{i}")).unwrap_or_default();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].total, 38770180);
        assert_eq!(rows[1].total, 19394560);
    }

    #[test]
    fn row_for_prefers_the_exact_mount_point_then_the_only_row() {
        let rows = parse_df(&format!("{UBUNTU_K}{SPACE}")).unwrap_or_default();
        assert_eq!(row_for(&rows, "/").map(|r| r.total), Some(40768724));
        assert_eq!(
            row_for(&rows, "/mnt/data disk").map(|r| r.total),
            Some(102625188)
        );
        assert_eq!(row_for(&rows, "/var/log"), None);
        let single = parse_df(UBUNTU_K).unwrap_or_default();
        assert_eq!(
            row_for(&single, "/var/log").map(|r| r.total),
            Some(40768724)
        );
    }

    #[test]
    fn header_less_output_and_localized_header_are_accepted() {
        let no_header = "/dev/vda1 41152736 2134548 37131028 6% /\n";
        assert_eq!(only_row(no_header).used, 2134548);
        let german = "Dateisystem    1024-Blöcke Benutzt Verfügbar Kapazität Eingehängt auf\n\
                      /dev/vda1        41152736 2134548  37131028        6% /\n";
        assert_eq!(only_row(german).available, 37131028);
    }

    #[test]
    fn unknown_counts_read_as_zero() {
        let text = "Filesystem 1024-blocks Used Available Capacity Mounted on\n\
                    server:/export - - - - /mnt/nfs\n";
        assert_eq!(
            only_row(text),
            row("server:/export", 0, 0, 0, None, "/mnt/nfs")
        );
    }

    #[test]
    fn wrapped_device_at_the_end_is_an_error_naming_it() {
        let cut = "Filesystem           1K-blocks      Used Available Use% Mounted on\n\
                   /dev/mapper/VolGroup-lv_root\n";
        let err = parse_df(cut).err().unwrap_or_default();
        assert!(err.contains("VolGroup-lv_root"), "{err}");
        assert!(err.contains("truncated"), "{err}");
    }

    #[test]
    fn header_only_and_empty_output_are_errors() {
        assert!(parse_df("").is_err());
        assert!(parse_df("Filesystem 1024-blocks Used Available Capacity Mounted on\n").is_err());
    }

    #[test]
    fn a_line_that_is_not_a_row_is_an_error_with_its_number() {
        let text = format!("{UBUNTU_K}df: /mnt/gone: No such file or directory\n");
        let err = parse_df(&text).err().unwrap_or_default();
        assert!(err.starts_with("df line 3"), "{err}");
    }

    #[test]
    fn percent_over_255_is_not_a_row() {
        assert!(parse_df("/dev/x 1 2 3 300% /\n").is_err());
    }

    #[test]
    fn garbage_and_truncated_input_never_panic() {
        for fixture in all() {
            let fixture = fixture.as_str();
            assert!(parse_df(fixture).is_ok(), "{fixture}");
            for end in 0..=fixture.len() {
                if let Some(prefix) = fixture.get(..end) {
                    let _ = parse_df(prefix);
                }
            }
        }
        for garbage in [
            "\0",
            "%",
            "- - - - -",
            "a\n\n\nb",
            "Filesystem\n1 2 3 4% \n",
            "é ü 1 2 3 4% /",
        ] {
            let _ = parse_df(garbage);
        }
    }

    #[test]
    fn truncated_numbers_line_is_an_error_not_a_wrong_row() {
        let cut = &CENTOS6_WRAPPED_K[..CENTOS6_WRAPPED_K.len() - 10];
        assert!(parse_df(cut).is_err());
    }
}

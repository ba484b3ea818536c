//! Label, UUID, feature flags and sizes of an ext2/3/4 filesystem, from `tune2fs -l DEV` or
//! `dumpe2fs -h DEV`.
//!
//! Both print e2fsprogs' `list_super2` (lib/e2p/ls.c): one `Name:   value` line per
//! superblock field, the name padded to column 26. tune2fs prints its
//! `tune2fs 1.46.5 (30-Dec-2021)` banner on stdout, dumpe2fs its banner on stderr and a
//! journal section after the superblock. Facts the parser relies on, from ls.c and the
//! releases 1.41 to 1.47:
//!
//! * `Filesystem features:` is printed on one line however long; a feature list that
//!   arrives wrapped (copied from a terminal or a mail) is still joined, as a line without
//!   a colon continues the field before it.
//! * `Inode size:` is followed by a tab (`"Inode size:\t          %d"`), in every release.
//! * Fields come and go with the version and the features (`Overhead clusters` only when
//!   set, `Group descriptor size` only with 64bit, quota inodes only with quota): only the
//!   fields below are required.
//! * `Filesystem volume name:` is `<none>` when there is no label; that is read as "".
//!
//! On a device that is not ext2/3/4 tune2fs prints `Bad magic number in super-block` and,
//! since 1.43, `DEV contains a xfs file system`; that text comes back as the error.

use serde::{Deserialize, Serialize};

/// The superblock fields the checks use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ext4Info {
    /// `Filesystem volume name`, "" for `<none>`.
    pub volume_name: String,
    /// `Filesystem UUID`, as printed (lowercase).
    pub uuid: String,
    /// `Filesystem features`, in printed order (`has_journal`, `extent`, `64bit`,
    /// `metadata_csum`, `needs_recovery` while mounted, ...); empty for `(none)`.
    pub features: Vec<String>,
    pub block_count: u64,
    /// Bytes per block.
    pub block_size: u64,
    pub inode_count: u64,
    pub free_inodes: u64,
}

impl Ext4Info {
    pub fn has_feature(&self, name: &str) -> bool {
        self.features.iter().any(|f| f == name)
    }

    /// What `tune2fs -l` prints of `superblock`, read from the device's bytes: tune2fs
    /// reads the same on-disk superblock, mounted or not.
    pub fn from_superblock(superblock: &crate::image::ext::Superblock) -> Self {
        Ext4Info {
            volume_name: superblock.label.clone(),
            uuid: superblock.uuid.clone(),
            features: superblock.feature_names(),
            block_count: superblock.blocks,
            block_size: superblock.block_size,
            inode_count: u64::from(superblock.inodes),
            free_inodes: u64::from(superblock.free_inodes),
        }
    }
}

const VOLUME_NAME: &str = "Filesystem volume name";
const UUID: &str = "Filesystem UUID";
const FEATURES: &str = "Filesystem features";
const BLOCK_COUNT: &str = "Block count";
const BLOCK_SIZE: &str = "Block size";
const INODE_COUNT: &str = "Inode count";
const FREE_INODES: &str = "Free inodes";

/// Parses `tune2fs -l` or `dumpe2fs -h` output (with or without the version banner).
///
/// Fails with e2fsprogs' own message when the output is an error (not an ext
/// filesystem, no such device), and names the first missing or unreadable field otherwise.
pub fn parse_tune2fs(text: &str) -> Result<Ext4Info, String> {
    let fields = fields(text);
    let get = |name: &str| -> Result<&str, String> {
        fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .ok_or_else(|| missing(name, text))
    };
    let number = |name: &str| -> Result<u64, String> {
        let value = get(name)?;
        value
            .parse()
            .map_err(|_| format!("tune2fs field {name:?} is {value:?}, not a number"))
    };
    let volume_name = match get(VOLUME_NAME)? {
        "<none>" => String::new(),
        name => name.to_string(),
    };
    let features = match get(FEATURES)? {
        "(none)" => Vec::new(),
        list => list.split_whitespace().map(str::to_string).collect(),
    };
    Ok(Ext4Info {
        volume_name,
        uuid: get(UUID)?.to_string(),
        features,
        block_count: number(BLOCK_COUNT)?,
        block_size: number(BLOCK_SIZE)?,
        inode_count: number(INODE_COUNT)?,
        free_inodes: number(FREE_INODES)?,
    })
}

/// `(name, value)` of each `Name: value` line, in order; the first of a repeated name wins
/// when looked up. A line without a colon continues the previous field's value.
fn fields(text: &str) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = Vec::new();
    for raw in text.lines() {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        match line.split_once(':') {
            Some((name, value)) if !name.trim().is_empty() => {
                fields.push((name.trim().to_string(), value.trim().to_string()));
            }
            _ => {
                // The banner comes before any field and is not continued.
                if let Some((_, value)) = fields.last_mut() {
                    if !value.is_empty() {
                        value.push(' ');
                    }
                    value.push_str(line.trim());
                }
            }
        }
    }
    fields
}

/// Why a required field is missing: e2fsprogs' error if the text holds one.
fn missing(name: &str, text: &str) -> String {
    let errors: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| {
            l.starts_with("tune2fs: ")
                || l.starts_with("dumpe2fs: ")
                || l.contains(" contains a ")
                || l.starts_with("Couldn't find valid filesystem superblock")
        })
        .collect();
    if errors.is_empty() {
        let start: String = text.chars().take(120).collect();
        format!("tune2fs output has no {name:?} line: {start:?}")
    } else {
        errors.join("; ")
    }
}

#[cfg(test)]
mod tests {
    //! Fixtures under tests/data/tune2fs.
    //!
    //! Real captures (e2fsprogs 1.47.0 of Debian 12): `tune2fs-debian12-root.txt` (mounted,
    //! hence `needs_recovery`; "Last mounted on" changed from the chroot path to /),
    //! `tune2fs-project-quota.txt`, `dumpe2fs-project-quota-stdout.txt` (stdout only: the
    //! banner went to stderr) and `tune2fs-on-xfs-error.txt` (stderr and stdout, as
    //! written by `2>&1` into a file).
    //!
    //! Reconstructed: the other releases' files are 1.47.0 captures of filesystems made
    //! with that release's mke2fs feature set (CentOS 6: no 64bit, uninit_bg; CentOS 7:
    //! 64bit, uninit_bg; Ubuntu 22.04, Alinux 3: 64bit, metadata_csum) and sizes, with the
    //! release's banner, dates and extra isize (28 before 1.43) put back, and fields that
    //! release does not print removed (`Overhead clusters`, and `Fast commit length` of
    //! dumpe2fs before 1.46).

    use super::*;

    macro_rules! fixture {
        ($name:literal) => {
            include_str!(concat!("../../tests/data/tune2fs/", $name))
        };
    }

    const CENTOS6: &str = fixture!("tune2fs-centos6-lvroot.txt");
    const CENTOS7_DATA: &str = fixture!("tune2fs-centos7-datadisk.txt");
    const UBUNTU2204: &str = fixture!("tune2fs-ubuntu2204-root.txt");
    const DEBIAN12: &str = fixture!("tune2fs-debian12-root.txt");
    const ALINUX3: &str = fixture!("dumpe2fs-alinux3-root.txt");
    const QUOTA: &str = fixture!("tune2fs-project-quota.txt");
    const QUOTA_DUMPE2FS: &str = fixture!("dumpe2fs-project-quota-stdout.txt");
    const ON_XFS: &str = fixture!("tune2fs-on-xfs-error.txt");

    const ALL: [&str; 8] = [
        CENTOS6,
        CENTOS7_DATA,
        UBUNTU2204,
        DEBIAN12,
        ALINUX3,
        QUOTA,
        QUOTA_DUMPE2FS,
        ON_XFS,
    ];

    fn parsed(text: &str) -> Ext4Info {
        match parse_tune2fs(text) {
            Ok(info) => info,
            Err(reason) => panic!("fixture does not parse: {reason}"),
        }
    }

    fn words(list: &str) -> Vec<String> {
        list.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn centos6_ext4_root_has_no_64bit() {
        assert_eq!(
            parsed(CENTOS6),
            Ext4Info {
                volume_name: String::new(),
                uuid: "663cafca-11d1-4c68-a99f-3d3081c414c9".into(),
                features: words(
                    "has_journal ext_attr resize_inode dir_index filetype needs_recovery \
                     extent flex_bg sparse_super large_file huge_file uninit_bg dir_nlink \
                     extra_isize"
                ),
                block_count: 9308160,
                block_size: 4096,
                inode_count: 2330160,
                free_inodes: 2279751,
            }
        );
        assert!(!parsed(CENTOS6).has_feature("64bit"));
    }

    #[test]
    fn centos7_data_disk_has_64bit_without_metadata_csum() {
        let info = parsed(CENTOS7_DATA);
        assert!(info.has_feature("64bit"));
        assert!(info.has_feature("uninit_bg"));
        assert!(!info.has_feature("metadata_csum"));
        assert_eq!(info.uuid, "33a2d413-1a31-4394-bef7-6c8a031df998");
        assert_eq!(info.block_count, 26214139);
        assert_eq!(info.inode_count, 6553600);
    }

    #[test]
    fn ubuntu_cloud_root_keeps_its_label() {
        let info = parsed(UBUNTU2204);
        assert_eq!(info.volume_name, "cloudimg-rootfs");
        assert!(info.has_feature("64bit"));
        assert!(info.has_feature("metadata_csum"));
        assert_eq!(info.free_inodes, 2541729);
    }

    #[test]
    fn debian12_mounted_root_shows_needs_recovery() {
        let info = parsed(DEBIAN12);
        assert_eq!(info.volume_name, "");
        assert_eq!(info.features.len(), 15);
        assert_eq!(info.features[5], "needs_recovery");
        assert_eq!(
            (
                info.block_count,
                info.block_size,
                info.inode_count,
                info.free_inodes
            ),
            (2064379, 4096, 516096, 474877)
        );
    }

    #[test]
    fn dumpe2fs_banner_and_journal_section_are_ignored() {
        let info = parsed(ALINUX3);
        assert_eq!(info.uuid, "50b0beb3-f12c-44f7-a55c-350ac198e95c");
        assert!(info.has_feature("metadata_csum"));
        assert_eq!(info.block_count, 10434043);
    }

    #[test]
    fn project_quota_features_are_listed() {
        let info = parsed(QUOTA);
        assert!(info.has_feature("quota"));
        assert!(info.has_feature("project"));
        assert_eq!(info.features.last().map(String::as_str), Some("project"));
        assert_eq!(parsed(QUOTA_DUMPE2FS), info);
    }

    #[test]
    fn wrapped_feature_list_is_joined() {
        let wrapped = DEBIAN12.replace(" filetype needs_recovery", "\nfiletype needs_recovery");
        assert_eq!(parsed(&wrapped), parsed(DEBIAN12));
    }

    #[test]
    fn no_label_and_no_features_read_as_empty() {
        let text = "Filesystem volume name:   <none>\nFilesystem UUID:          x\n\
                    Filesystem features:      (none)\nInode count: 1\nBlock count: 2\n\
                    Free inodes: 0\nBlock size: 1024\n";
        let info = parsed(text);
        assert_eq!(info.volume_name, "");
        assert!(info.features.is_empty());
    }

    #[test]
    fn xfs_device_error_is_returned() {
        assert_eq!(
            parse_tune2fs(ON_XFS),
            Err(
                "tune2fs: Bad magic number in super-block while trying to open xfs.img; \
                 xfs.img contains a xfs file system"
                    .to_string()
            )
        );
    }

    #[test]
    fn missing_field_is_named() {
        let cut: String = DEBIAN12
            .lines()
            .filter(|l| !l.starts_with("Free inodes"))
            .map(|l| format!("{l}\n"))
            .collect();
        let err = parse_tune2fs(&cut).err().unwrap_or_default();
        assert!(err.contains("\"Free inodes\""), "{err}");
    }

    #[test]
    fn non_numeric_count_is_an_error() {
        let bad = DEBIAN12.replace("Block count:              2064379", "Block count: lots");
        let err = parse_tune2fs(&bad).err().unwrap_or_default();
        assert_eq!(
            err,
            "tune2fs field \"Block count\" is \"lots\", not a number"
        );
    }

    #[test]
    fn garbage_and_truncated_input_never_panic() {
        for fixture in ALL {
            for end in 0..=fixture.len() {
                if let Some(prefix) = fixture.get(..end) {
                    let _ = parse_tune2fs(prefix);
                }
            }
        }
        for garbage in ["", ":", "::::", "\n:\n", "Block count:", "\u{0}: \u{0}"] {
            assert!(parse_tune2fs(garbage).is_err());
        }
    }

    #[test]
    fn truncated_output_is_an_error() {
        let cut = &UBUNTU2204[..UBUNTU2204.len() / 3];
        assert!(parse_tune2fs(cut).is_err());
    }
}

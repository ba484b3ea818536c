//! Whether a file is immutable or append-only, from `lsattr FILE` (e2fsprogs or BusyBox).
//!
//! lsattr prints one letter or `-` per flag it knows, in the order of e2fsprogs'
//! `flags_array` (lib/e2p/pf.c), a space, then the path:
//!
//! ```text
//! ----i--------e-       e2fsprogs 1.41 (CentOS 6):  s u S D i a d A c j I t T e h
//! ----i--------e--      1.42 (CentOS 7):            ... e h C
//! --------------e-----  1.45 (Alinux 3, RHEL 8):    s u S D i a d A c E j I t T e C F N P V
//! --------------e------ 1.46 (Ubuntu 22.04):        ... e C x F N P V
//! --------------e------- 1.47 (Debian 12):          ... e C x F N P V m
//! ```
//!
//! The width and the column of each flag therefore depend on the version, so flags are
//! found by letter, not by position. In every version `i` is only Immutable and `a` only
//! Append_Only; the other letters are distinct and case matters (`I` is Indexed_directory,
//! `A` is No_Atime). XFS and btrfs answer the same ioctl for `i` and `a`, so the output
//! looks the same there.
//!
//! Errors go to stderr as `lsattr: <strerror> While reading flags on <path>` (open or
//! ioctl failed: permission, tmpfs/overlay/squashfs without flag support) or
//! `lsattr: <strerror> while trying to stat <path>`; such a line is returned as the error.

use serde::{Deserialize, Serialize};

/// Every short flag name any e2fsprogs (1.41-1.47, with or without compression support) or
/// BusyBox lsattr prints. A field with another letter is not lsattr output (`-rw-r-----`
/// from ls is).
const FLAG_LETTERS: &str = "suSDiadAcBZXEjItTehCxFNPVmW";

/// The attributes lsattr printed for one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileAttributes {
    pub path: String,
    /// The flag field as printed, e.g. `----i---------e-------`.
    pub flags: String,
    /// `i`: the file cannot be changed, renamed, linked to or deleted, even by root.
    pub immutable: bool,
    /// `a`: the file can only be opened for appending.
    pub append_only: bool,
}

/// Parses the output of `lsattr FILE` for a single file.
///
/// Accepts an `lsattr: ...` error line (stderr merged into stdout, or passed in on its
/// own) and returns it as the error. Fails on empty output, on more than one file line and
/// on a flag field holding anything but dashes and letters some lsattr prints.
pub fn parse_lsattr(stdout: &str) -> Result<FileAttributes, String> {
    let lines: Vec<&str> = stdout
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty())
        .collect();
    if let Some(error) = lines.iter().find(|l| l.starts_with("lsattr: ")) {
        return Err(error.to_string());
    }
    let line = match lines.as_slice() {
        [] => return Err("lsattr printed nothing".to_string()),
        [line] => *line,
        more => {
            return Err(format!(
                "lsattr printed {} lines, expected one file: {:?}",
                more.len(),
                more.first()
            ))
        }
    };
    // The path may contain spaces, the flag field never does.
    let Some((flags, path)) = line.split_once(' ') else {
        return Err(format!("lsattr line has no path after the flags: {line:?}"));
    };
    if flags.is_empty() || !flags.chars().all(|c| c == '-' || FLAG_LETTERS.contains(c)) {
        return Err(format!("not an lsattr flag field: {flags:?} in {line:?}"));
    }
    if path.is_empty() {
        return Err(format!("lsattr line has no path after the flags: {line:?}"));
    }
    Ok(FileAttributes {
        path: path.to_string(),
        flags: flags.to_string(),
        immutable: flags.contains('i'),
        append_only: flags.contains('a'),
    })
}

#[cfg(test)]
mod tests {
    //! Fixtures under tests/data/lsattr.
    //!
    //! Real captures (e2fsprogs 1.47.0, Debian 12, kernel 6.18): every
    //! `lsattr-e2fsprogs-1.47-*` file (ext4 and XFS on loop devices, flags set with chattr;
    //! the path printed was the test file's, replaced by /etc/shadow or /etc/big) and
    //! `lsattr-error-permission-denied.txt` (verbatim: /etc/shadow as user nobody).
    //! `lsattr-error-not-supported.txt` and `-no-such-file.txt` are real messages with the
    //! path replaced (squashfs, a missing path).
    //!
    //! Reconstructed from each release's pf.c flag table: the 1.41, 1.42, 1.45 and 1.46
    //! files, `lsattr-error-inappropriate-ioctl.txt` (ENOTTY, as older kernels answer for
    //! tmpfs and overlayfs) and `lsattr-path-with-space.txt`.

    use super::*;

    macro_rules! fixture {
        ($name:literal) => {
            include_str!(concat!("../../tests/data/lsattr/", $name))
        };
    }

    const PLAIN_147: &str = fixture!("lsattr-e2fsprogs-1.47-ext4-plain.txt");
    const IMMUTABLE_147: &str = fixture!("lsattr-e2fsprogs-1.47-ext4-immutable.txt");
    const APPEND_147: &str = fixture!("lsattr-e2fsprogs-1.47-ext4-append-only.txt");
    const BOTH_147: &str = fixture!("lsattr-e2fsprogs-1.47-ext4-immutable-append.txt");
    const NOATIME_147: &str = fixture!("lsattr-e2fsprogs-1.47-ext4-noatime.txt");
    const INDEXED_147: &str = fixture!("lsattr-e2fsprogs-1.47-ext4-indexed-dir.txt");
    const XFS_PLAIN: &str = fixture!("lsattr-e2fsprogs-1.47-xfs-plain.txt");
    const XFS_IMMUTABLE: &str = fixture!("lsattr-e2fsprogs-1.47-xfs-immutable.txt");
    const CENTOS6: &str = fixture!("lsattr-e2fsprogs-1.41-centos6-ext4-immutable.txt");
    const CENTOS7_EXT4: &str = fixture!("lsattr-e2fsprogs-1.42-centos7-ext4-plain.txt");
    const CENTOS7_XFS: &str = fixture!("lsattr-e2fsprogs-1.42-centos7-xfs-immutable.txt");
    const ALINUX3: &str = fixture!("lsattr-e2fsprogs-1.45-alinux3-ext4-plain.txt");
    const UBUNTU2204: &str = fixture!("lsattr-e2fsprogs-1.46-ubuntu2204-ext4-append-only.txt");
    const DENIED: &str = fixture!("lsattr-error-permission-denied.txt");
    const NOT_SUPPORTED: &str = fixture!("lsattr-error-not-supported.txt");
    const BAD_IOCTL: &str = fixture!("lsattr-error-inappropriate-ioctl.txt");
    const NO_FILE: &str = fixture!("lsattr-error-no-such-file.txt");
    const SPACE: &str = fixture!("lsattr-path-with-space.txt");

    const ALL: [&str; 18] = [
        PLAIN_147,
        IMMUTABLE_147,
        APPEND_147,
        BOTH_147,
        NOATIME_147,
        INDEXED_147,
        XFS_PLAIN,
        XFS_IMMUTABLE,
        CENTOS6,
        CENTOS7_EXT4,
        CENTOS7_XFS,
        ALINUX3,
        UBUNTU2204,
        DENIED,
        NOT_SUPPORTED,
        BAD_IOCTL,
        NO_FILE,
        SPACE,
    ];

    fn parsed(text: &str) -> FileAttributes {
        match parse_lsattr(text) {
            Ok(attributes) => attributes,
            Err(reason) => panic!("{text:?} does not parse: {reason}"),
        }
    }

    /// (immutable, append_only)
    fn bits(text: &str) -> (bool, bool) {
        let a = parsed(text);
        (a.immutable, a.append_only)
    }

    #[test]
    fn plain_file_is_neither_immutable_nor_append_only() {
        assert_eq!(
            parsed(PLAIN_147),
            FileAttributes {
                path: "/etc/shadow".into(),
                flags: "--------------e-------".into(),
                immutable: false,
                append_only: false,
            }
        );
        assert_eq!(bits(XFS_PLAIN), (false, false));
        assert_eq!(bits(CENTOS7_EXT4), (false, false));
        assert_eq!(bits(ALINUX3), (false, false));
    }

    #[test]
    fn immutable_flag_is_found_in_every_version_width() {
        for text in [IMMUTABLE_147, XFS_IMMUTABLE, CENTOS6, CENTOS7_XFS] {
            assert_eq!(bits(text), (true, false), "{text}");
        }
        assert_eq!(parsed(CENTOS6).flags.len(), 15);
        assert_eq!(parsed(CENTOS7_XFS).flags.len(), 16);
        assert_eq!(parsed(ALINUX3).flags.len(), 20);
        assert_eq!(parsed(UBUNTU2204).flags.len(), 21);
        assert_eq!(parsed(IMMUTABLE_147).flags.len(), 22);
    }

    #[test]
    fn append_only_and_both_flags() {
        assert_eq!(bits(APPEND_147), (false, true));
        assert_eq!(bits(UBUNTU2204), (false, true));
        assert_eq!(bits(BOTH_147), (true, true));
    }

    #[test]
    fn uppercase_a_and_i_are_other_flags() {
        assert_eq!(bits(NOATIME_147), (false, false));
        assert_eq!(bits(INDEXED_147), (false, false));
        assert_eq!(parsed(INDEXED_147).path, "/etc/big");
    }

    #[test]
    fn path_with_space_is_kept_whole() {
        let a = parsed(SPACE);
        assert_eq!(a.path, "/etc/my shadow copy");
        assert!(a.immutable);
    }

    #[test]
    fn error_lines_are_returned_as_the_reason() {
        assert_eq!(
            parse_lsattr(DENIED),
            Err("lsattr: Permission denied While reading flags on /etc/shadow".to_string())
        );
        for text in [NOT_SUPPORTED, BAD_IOCTL, NO_FILE] {
            let err = parse_lsattr(text).err().unwrap_or_default();
            assert!(err.starts_with("lsattr: "), "{err}");
            assert!(err.ends_with("/etc/shadow"), "{err}");
        }
    }

    #[test]
    fn error_mixed_with_output_wins() {
        let merged = format!("{PLAIN_147}{NOT_SUPPORTED}");
        assert!(parse_lsattr(&merged).is_err());
    }

    #[test]
    fn empty_and_multi_line_output_are_errors() {
        assert_eq!(
            parse_lsattr("\n"),
            Err("lsattr printed nothing".to_string())
        );
        let two = format!("{PLAIN_147}{XFS_PLAIN}");
        let err = parse_lsattr(&two).err().unwrap_or_default();
        assert!(err.starts_with("lsattr printed 2 lines"), "{err}");
    }

    #[test]
    fn output_that_is_not_lsattr_is_rejected() {
        for text in [
            "/etc/shadow",
            "---- ",
            "-rw-r----- 1 root shadow 1024 /etc/shadow",
            "----i---- ",
            "\u{0}\u{1} x",
        ] {
            assert!(parse_lsattr(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn garbage_and_truncated_input_never_panic() {
        for fixture in ALL {
            for end in 0..=fixture.len() {
                if let Some(prefix) = fixture.get(..end) {
                    let _ = parse_lsattr(prefix);
                }
            }
        }
    }

    #[test]
    fn truncated_flag_field_without_path_is_an_error() {
        assert!(parse_lsattr(&IMMUTABLE_147[..10]).is_err());
    }
}

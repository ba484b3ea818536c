//! Check 8, filesystem: the cloud grows the root file system when the disk is resized; it can
//! do so for XFS, ext3 and ext4 without the `64bit` feature (and without project quota).

use super::{Check, Code, Status, Verdict};
use crate::facts::{disks, Facts};
use crate::inventory::Thresholds;

pub const CHECK: Check = Check {
    name: "filesystem",
    number: 8,
    title: "Check filesystem",
    reads: "/proc/mounts (type of /); tune2fs -l ROOT-DEVICE (privileged) for ext file systems",
    thresholds: &[],
    failed_means: "never FAILED",
    warning_means: "ext4 with the 64bit feature or with project quota, ext2/UFS/UDF (allowed but not recommended), another type (btrfs, zfs, ...), or the type/features could not be read",
    suggestion: "The XFS, ext3 and ext4 file systems are recommended; ext2, UFS and UDF are allowed. Do not use the 64bit feature of ext4 (see man ext4).",
    codes: &[
        Code { code: 8001, status: Status::Warning, meaning: "ext4 with the 64bit feature" },
        Code { code: 8002, status: Status::Warning, meaning: "ext4 with both project and quota features" },
        Code { code: 8003, status: Status::Warning, meaning: "ext2, UFS or UDF: allowed, but cannot be resized by the cloud" },
        Code { code: 8004, status: Status::Warning, meaning: "a file system type the cloud cannot resize (btrfs, zfs, ...)" },
        Code { code: 8099, status: Status::Warning, meaning: "the type or the features of / could not be read" },
    ],
    evaluate,
};

fn evaluate(facts: &Facts, _: &Thresholds) -> Verdict {
    let root = match facts.mounts.get().map(|m| disks::root_mount(m)) {
        Ok(Some(root)) => root,
        Ok(None) => return Verdict::warning(8099, "/proc/mounts has no entry for /"),
        Err(reason) => {
            return Verdict::warning(8099, format!("could not read /proc/mounts: {reason}"))
        }
    };
    let what = format!("/ is {} on {}", root.fstype, root.device);
    match root.fstype.as_str() {
        "xfs" | "ext3" => Verdict::ok(what),
        "ext4" => match facts.root_ext.get() {
            Err(reason) => Verdict::warning(
                8099,
                format!("{what}; could not read its features: {reason}"),
            ),
            Ok(None) => Verdict::warning(8099, format!("{what}; its features were not read")),
            Ok(Some(info)) if info.has_feature("64bit") => {
                Verdict::warning(8001, format!("{what} with the 64bit feature"))
            }
            Ok(Some(info)) if info.has_feature("project") && info.has_feature("quota") => {
                Verdict::warning(8002, format!("{what} with the project and quota features"))
            }
            Ok(Some(_)) => Verdict::ok(format!("{what} without the 64bit feature")),
        },
        "ext2" | "ufs" | "udf" => Verdict::warning(
            8003,
            format!("{what}: allowed, but XFS, ext3 or ext4 are recommended"),
        ),
        _ => Verdict::warning(
            8004,
            format!("{what}: the cloud cannot resize it; use XFS, ext3 or ext4"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::tests::{compliant, verdict};
    use crate::facts::{tune2fs, Fact};

    fn root_fs(f: &mut Facts, fstype: &str) {
        if let Fact::Known(mounts) = &mut f.mounts {
            for m in mounts.iter_mut().filter(|m| m.mountpoint == "/") {
                m.fstype = fstype.to_string();
            }
        }
    }

    fn ext4(features: &str) -> Fact<Option<tune2fs::Ext4Info>> {
        let text = format!("tune2fs 1.47.0 (5-Feb-2023)\nFilesystem volume name:   <none>\nFilesystem UUID:          0b1c\nFilesystem features:      {features}\nInode count:              2621440\nBlock count:              10485504\nFree inodes:              2500000\nBlock size:               4096\n");
        Fact::Known(Some(tune2fs::parse_tune2fs(&text).unwrap()))
    }

    #[test]
    fn xfs_root_is_ok() {
        let v = verdict(&CHECK, &compliant());
        assert_eq!(
            (v.status, v.evidence.as_str()),
            (Status::Ok, "/ is xfs on /dev/mapper/centos-root")
        );
    }

    #[test]
    fn ext4_with_64bit_is_warning_8001() {
        let mut f = compliant();
        root_fs(&mut f, "ext4");
        f.root_ext = ext4("has_journal ext_attr resize_inode dir_index filetype extent 64bit flex_bg sparse_super large_file huge_file dir_nlink extra_isize metadata_csum");
        assert_eq!(verdict(&CHECK, &f).code, 8001);
        f.root_ext = ext4("has_journal ext_attr resize_inode dir_index filetype extent flex_bg sparse_super large_file huge_file dir_nlink extra_isize");
        assert_eq!(verdict(&CHECK, &f).status, Status::Ok);
        f.root_ext = ext4("has_journal extent flex_bg quota project");
        assert_eq!(verdict(&CHECK, &f).code, 8002);
    }

    #[test]
    fn ext4_with_unreadable_features_is_8099() {
        let mut f = compliant();
        root_fs(&mut f, "ext4");
        f.root_ext = Fact::unknown("`tune2fs -l /dev/vda1`: command not found");
        assert_eq!(verdict(&CHECK, &f).code, 8099);
    }

    #[test]
    fn btrfs_and_ext2_are_warnings() {
        let mut f = compliant();
        root_fs(&mut f, "btrfs");
        assert_eq!(verdict(&CHECK, &f).code, 8004);
        root_fs(&mut f, "ext2");
        assert_eq!(verdict(&CHECK, &f).code, 8003);
    }
}

//! Check 24, root_filesystem: AWS VM Import/Export reads and changes the root file system
//! during the import, and only knows some of them.

use super::profiles::ProfileCheck;
use super::{Check, Code, Source, Status, Verdict};
use crate::facts::Facts;

/// The file systems VM Import/Export supports for the root (and boot) partition.
const AWS_FILESYSTEMS: &[&str] = &["ext2", "ext3", "ext4", "btrfs", "jfs", "xfs"];

pub const AWS: ProfileCheck = ProfileCheck {
    check: Check {
        name: "root_filesystem",
        number: 24,
        title: "Check root file system",
        reads: "/proc/mounts",
        thresholds: &[],
        failed_means: "/ is on a file system that VM Import/Export does not support (ext2, ext3, ext4, Btrfs, JFS, XFS are)",
        warning_means: "the mounts could not be read, or / is not in them",
        suggestion: "Put the root file system on ext4 or XFS (ext2, ext3, Btrfs and JFS are also supported).",
        codes: &[
            Code { code: 24001, status: Status::Failed, meaning: "the root file system's type is not supported" },
            Code { code: 24099, status: Status::Warning, meaning: "the root file system's type could not be read" },
        ],
        evaluate: |facts, _| evaluate(facts, AWS_FILESYSTEMS),
    },
    sources: &[Source { title: "AWS VM Import/Export User Guide: Limitations (Linux: supported file systems ext2, ext3, ext4, Btrfs, JFS, XFS)", url: "https://docs.aws.amazon.com/vm-import/latest/userguide/limitations-image-importing.html" }],
};

fn evaluate(facts: &Facts, allowed: &[&str]) -> Verdict {
    let mounts = match facts.mounts.get() {
        Ok(mounts) => mounts,
        Err(reason) => {
            return Verdict::warning(24099, format!("could not read /proc/mounts: {reason}"))
        }
    };
    // The last mount on / is the one in effect (rootfs, then the real root, on old kernels).
    match mounts.iter().rev().find(|m| m.mountpoint == "/") {
        None => Verdict::warning(24099, "no file system is mounted on / in /proc/mounts"),
        Some(root) if allowed.contains(&root.fstype.as_str()) => {
            Verdict::ok(format!("/ is {} on {}", root.fstype, root.device))
        }
        Some(root) => Verdict::failed(
            24001,
            format!(
                "/ is {} on {}, not one of {}",
                root.fstype,
                root.device,
                allowed.join(", ")
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::tests::{compliant, verdict};
    use crate::facts::{disks, Fact};

    #[test]
    fn xfs_root_passes_and_zfs_fails() {
        assert_eq!(
            verdict(&AWS.check, &compliant()).evidence,
            "/ is xfs on /dev/mapper/centos-root"
        );
        let mut f = compliant();
        f.mounts = Fact::Known(disks::parse_proc_mounts("rpool/ROOT / zfs rw 0 0\n"));
        let v = verdict(&AWS.check, &f);
        assert_eq!((v.status, v.code), (Status::Failed, 24001));
    }
}

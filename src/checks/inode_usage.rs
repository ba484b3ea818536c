//! Check 16, inode_usage ("Check inode use rate"): files cannot be created when the root file
//! system runs out of inodes, whatever the free space.

use super::{Check, Code, Status, Verdict};
use crate::facts::Facts;
use crate::inventory::thresholds::INODE_USAGE_WARN;
use crate::inventory::Thresholds;

pub const CHECK: Check = Check {
    name: "inode_usage",
    number: 16,
    title: "Check inode use rate",
    reads: "df -P -i /",
    thresholds: &[&INODE_USAGE_WARN],
    failed_means: "never FAILED",
    warning_means: "IUse% of / is at or above inode_usage_warn (85 %), or df could not be read",
    suggestion: "Make sure that sufficient inode resources are allocated: delete small files or grow the file system.",
    codes: &[
        Code { code: 16001, status: Status::Warning, meaning: "IUse% of / at or above inode_usage_warn" },
        Code { code: 16099, status: Status::Warning, meaning: "df -P -i / could not be read" },
    ],
    evaluate,
};

fn evaluate(facts: &Facts, limits: &Thresholds) -> Verdict {
    let row = match facts.inode_usage.get() {
        Ok(row) => row,
        Err(reason) => {
            return Verdict::warning(16099, format!("could not read df -P -i /: {reason}"))
        }
    };
    match row.use_percent {
        // btrfs and some others allocate inodes on demand: df prints "-".
        None => Verdict::ok(format!(
            "/ ({}) has no fixed number of inodes",
            row.filesystem
        )),
        Some(percent) if percent >= limits.inode_usage_warn => Verdict::warning(
            16001,
            format!(
                "/ ({}) uses {percent}% of its inodes: at or above {}%",
                row.filesystem, limits.inode_usage_warn
            ),
        ),
        Some(percent) => Verdict::ok(format!(
            "/ ({}) uses {percent}% of its inodes",
            row.filesystem
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::tests::{compliant, verdict};
    use crate::facts::{df, Fact};

    fn with(text: &str) -> Verdict {
        let mut f = compliant();
        f.inode_usage = Fact::Known(df::parse_df(text).unwrap().remove(0));
        verdict(&CHECK, &f)
    }

    #[test]
    fn ninety_two_percent_is_warning_16001() {
        let v = with("Filesystem      Inodes  IUsed  IFree IUse% Mounted on\n/dev/vda1      2621440 2411725 209715   92% /\n");
        assert_eq!(
            (v.status, v.code, v.evidence.as_str()),
            (
                Status::Warning,
                16001,
                "/ (/dev/vda1) uses 92% of its inodes: at or above 85%"
            )
        );
    }

    #[test]
    fn btrfs_dash_is_ok() {
        let v = with("Filesystem     Inodes IUsed IFree IUse% Mounted on\n/dev/vda2           0     0     0     - /\n");
        assert_eq!(v.status, Status::Ok, "{v:?}");
    }
}

//! Check 15, disk_usage ("Check disk use rate"): the cloud installs drivers and agents on
//! first boot; a nearly full root file system makes that fail.

use super::{Check, Code, Status, Verdict};
use crate::facts::Facts;
use crate::inventory::thresholds::DISK_USAGE_WARN;
use crate::inventory::Thresholds;

pub const CHECK: Check = Check {
    name: "disk_usage",
    number: 15,
    title: "Check disk use rate",
    reads: "df -P -k /",
    thresholds: &[&DISK_USAGE_WARN],
    failed_means: "never FAILED",
    warning_means: "Use% of / is at or above disk_usage_warn (85 %), less than 1 GiB is free, or df could not be read",
    suggestion: "Make sure that sufficient disk space is allocated: free space on / or grow the disk.",
    codes: &[
        Code { code: 15001, status: Status::Warning, meaning: "Use% of / at or above disk_usage_warn" },
        Code { code: 15002, status: Status::Warning, meaning: "less than 1 GiB free on /" },
        Code { code: 15099, status: Status::Warning, meaning: "df -P -k / could not be read" },
    ],
    evaluate,
};

fn evaluate(facts: &Facts, limits: &Thresholds) -> Verdict {
    let row = match facts.disk_usage.get() {
        Ok(row) => row,
        Err(reason) => {
            return Verdict::warning(15099, format!("could not read df -P -k /: {reason}"))
        }
    };
    let free_mib = row.available / 1024;
    let Some(percent) = row.use_percent else {
        return Verdict::warning(
            15099,
            format!("df printed no use rate for / ({})", row.filesystem),
        );
    };
    let what = format!(
        "/ ({}) is {percent}% used, {free_mib} MiB free",
        row.filesystem
    );
    if percent >= limits.disk_usage_warn {
        Verdict::warning(
            15001,
            format!("{what}: at or above {}%", limits.disk_usage_warn),
        )
    } else if row.available < 1024 * 1024 {
        Verdict::warning(15002, format!("{what}: less than 1 GiB free"))
    } else {
        Verdict::ok(what)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::tests::{compliant, fixture_host, verdict};
    use crate::facts::{df, Fact};

    fn with(df_text: &str, limits: Thresholds) -> Verdict {
        let mut f = compliant();
        f.disk_usage = Fact::Known(df::parse_df(df_text).unwrap().remove(0));
        (CHECK.evaluate)(&f, &limits)
    }

    #[test]
    fn ninety_seven_percent_is_warning_15001() {
        // centos7-bad's root is 97 % full.
        let full = fixture_host("centos7-bad");
        let v = (CHECK.evaluate)(&full, &Thresholds::default());
        assert_eq!((v.status, v.code), (Status::Warning, 15001));
        assert_eq!(
            v.evidence,
            "/ (/dev/mapper/centos-root) is 97% used, 1172 MiB free: at or above 85%"
        );
        let limits = Thresholds {
            disk_usage_warn: 98,
            ..Thresholds::default()
        };
        assert_eq!((CHECK.evaluate)(&full, &limits).status, Status::Ok);
    }

    #[test]
    fn small_disk_with_little_free_space_is_15002() {
        let text = "Filesystem     1024-blocks    Used Available Capacity Mounted on\n/dev/vda1          5160576 4300000    600000      88% /\n";
        assert_eq!(
            with(
                text,
                Thresholds {
                    disk_usage_warn: 90,
                    ..Thresholds::default()
                }
            )
            .code,
            15002
        );
    }

    #[test]
    fn compliant_is_ok() {
        assert_eq!(verdict(&CHECK, &compliant()).status, Status::Ok);
    }
}

//! Console output: the seed's `Check driver ... [  OK  ]` screen for `local`, and the fleet
//! summary table for `scan`.

use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};

use super::diff::Change;
use super::summary::SummaryRow;
use super::{clean, HostReport};
use crate::checks::profiles::Profile;
use crate::checks::Status;

const RULE: &str = "---------------------------------------";
/// The column where the seed's `[  OK  ]` starts.
const VERDICT_COLUMN: usize = 59;

/// The verdict as the seed prints it: `[  OK  ]`, `[FAILED]`, `[WARNING]`.
fn bracketed(result: &str) -> String {
    format!("[{result:^6}]")
}

/// The header block the seed prints before the checks.
pub fn local_header(report: &HostReport) -> String {
    format!(
        "Begin check your system......\nThe report is generating.\n{RULE}\n\
         The information you need to input when you import your image to Alibaba Cloud website:\n\
         Current system: {}\nDistribution: {}\nArchitecture: {}\nSystem disk size: {} GB\nBoot mode: {}\n{RULE}\n",
        report.platform,
        report.distribution_and_version(),
        report.architecture,
        report.system_disk_size,
        report.boot_mode
    )
}

/// The check lines, the counts and the report path, as the seed prints them after the header.
pub fn local_results(report: &HostReport, txt_path: &str) -> String {
    let mut out = String::new();
    for item in &report.check_items {
        out.push_str(&format!(
            "{:<width$}{}\n",
            item.title,
            bracketed(&item.result),
            width = VERDICT_COLUMN
        ));
    }
    out.push_str(&format!(
        "{RULE}\n{} items are OK.\n{} items are failed.\n{} items are warning.\n{RULE}\n\
         The report is generated: {}\nPlease read the report to check the details.\n",
        report.count(Status::Ok),
        report.count(Status::Failed),
        report.count(Status::Warning),
        clean(txt_path)
    ));
    out
}

/// The fleet table printed after a scan: one line per host.
pub fn summary_table(rows: &[SummaryRow]) -> String {
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(["host", "status", "platform", "failed", "warning", "reason"]);
    for row in rows {
        let version = if row.os_version.is_empty() {
            String::new()
        } else {
            format!(" {}", row.os_version)
        };
        table.add_row([
            clean(&row.host),
            row.status.as_str().to_string(),
            clean(&format!("{}{version}", row.platform)),
            row.failed.to_string(),
            row.warning.to_string(),
            clean(&row.reason),
        ]);
    }
    table.to_string()
}

/// The changes since the baseline, one line each; "no changes" when there are none.
pub fn changes_table(changes: &[Change]) -> String {
    if changes.is_empty() {
        return "No changes since the baseline.".to_string();
    }
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(["host", "check", "change", "before", "after"]);
    for change in changes {
        table.add_row([
            clean(&change.host),
            change.check.clone().unwrap_or_default(),
            change.kind.as_str().replace('_', " "),
            change.before.clone(),
            change.after.clone(),
        ]);
    }
    table.to_string()
}

/// `image_check checks`: every check with what it reads, what its verdicts mean and its codes.
pub fn checks_text(profile: &Profile) -> String {
    let mut out = format!("Profile {} ({})\n\n", profile.name, profile.cloud);
    for entry in profile.checks {
        let check = &entry.check;
        out.push_str(&format!(
            "{:>2}. {} ({})\n",
            check.number, check.name, check.title
        ));
        out.push_str(&format!("    reads:      {}\n", check.reads));
        for (n, threshold) in check.thresholds.iter().enumerate() {
            let label = if n == 0 { "thresholds:" } else { "" };
            out.push_str(&format!(
                "    {label:<11} {} = {} ({}, {} in Ansible): {}\n",
                threshold.name,
                threshold.default,
                threshold.flag(),
                threshold.variable,
                threshold.meaning
            ));
        }
        out.push_str(&format!("    FAILED:     {}\n", check.failed_means));
        out.push_str(&format!("    WARNING:    {}\n", check.warning_means));
        out.push_str(&format!("    suggestion: {}\n", check.suggestion));
        out.push_str("    codes:      0 OK\n");
        for code in check.codes {
            out.push_str(&format!(
                "                {} {} {}\n",
                code.code,
                code.status.as_str(),
                code.meaning
            ));
        }
        for (n, source) in entry.sources.iter().enumerate() {
            let label = if n == 0 { "sources:" } else { "" };
            out.push_str(&format!(
                "    {label:<11} {} <{}>\n",
                source.title, source.url
            ));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::CheckItem;

    fn report() -> HostReport {
        let item = |name: &str, result: &str| CheckItem {
            title: format!("Check {}", name.replace('_', " ")),
            name: name.into(),
            result: result.into(),
            error_code: "0".into(),
            description: String::new(),
            comment: String::new(),
        };
        HostReport {
            platform: "CentOS".into(),
            os_big_version: "7".into(),
            os_small_version: "4".into(),
            architecture: "x86_64".into(),
            system_disk_size: "42".into(),
            version: "1.0.2".into(),
            time: "2019-05-10_13-28-21".into(),
            check_items: vec![item("driver", "OK"), item("inode_usage", "FAILED")],
            distribution: "CentOS Linux".into(),
            boot_mode: "BIOS".into(),
            profile: None,
            cloud: "Alibaba Cloud".into(),
        }
    }

    #[test]
    fn local_lines_align_like_the_seed() {
        let out = local_results(
            &report(),
            "/root/image_check_report_2019-05-10_13-28-21.txt",
        );
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[0],
            "Check driver                                               [  OK  ]"
        );
        assert_eq!(
            lines[1],
            "Check inode usage                                          [FAILED]"
        );
        assert_eq!(
            lines[3..6],
            [
                "1 items are OK.",
                "1 items are failed.",
                "0 items are warning."
            ]
        );
        assert_eq!(
            lines[7],
            "The report is generated: /root/image_check_report_2019-05-10_13-28-21.txt"
        );
    }

    #[test]
    fn local_header_names_the_system() {
        let out = local_header(&report());
        assert!(out.contains(
            "\nCurrent system: CentOS\nDistribution: CentOS Linux 7.4\nArchitecture: x86_64\nSystem disk size: 42 GB\nBoot mode: BIOS\n"
        ));
    }
}

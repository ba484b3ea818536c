//! Checks: is this host fit to become a cloud image? Each check is a pure function of the
//! [`Facts`] and the host's [`Thresholds`]: no I/O, no clock. One file per check; [`ALL`] lists
//! them in the console order of Alibaba's tool.
//!
//! Error codes: check number × 1000 + cause (`3001` SELinux enforcing); `×099` always means
//! "a source could not be read", which is a WARNING, never a silent OK.

mod boot_loader;
mod cloud_init;
mod device_id;
mod dhcp;
mod disk_size;
mod disk_usage;
mod driver;
mod encryption;
mod filesystem;
mod firewall;
mod inode_usage;
mod lib;
mod mac_binding;
mod network;
mod os_supported;
mod partition_table;
mod passwd;
pub mod profiles;
mod qemu_ga;
mod root;
mod root_filesystem;
mod selinux;
mod serial_console;
mod shadow;
mod ssh;
mod ssh_login;
mod swap;
mod virtual_machine;

use serde::{Deserialize, Serialize};

use crate::facts::services::UnitEnabled;
use crate::facts::{Fact, Facts};
use crate::inventory::{Threshold, Thresholds};

/// Alibaba's three verdicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    Ok,
    Warning,
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Warning => "WARNING",
            Status::Failed => "FAILED",
        }
    }

    /// The word the seed's descriptions start with ("Pass: kvm driver exists.").
    fn prefix(self) -> &'static str {
        match self {
            Status::Ok => "Pass",
            Status::Warning => "Warning",
            Status::Failed => "Failed",
        }
    }
}

/// What a check function decides: the verdict, its code and the evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub status: Status,
    pub code: u32,
    pub evidence: String,
}

/// Longest evidence a verdict keeps: a hostile host's data never makes a report large.
pub const MAX_EVIDENCE: usize = 4096;

/// Items shown by [`listed`] before "… and N more".
const LISTED_ITEMS: usize = 10;

/// `items` joined with `separator`, the first [`LISTED_ITEMS`] of them, then "… and N more".
pub fn listed(items: &[String], separator: &str) -> String {
    let shown = items[..items.len().min(LISTED_ITEMS)].join(separator);
    match items.len().saturating_sub(LISTED_ITEMS) {
        0 => shown,
        more => format!("{shown}{separator}… and {more} more"),
    }
}

impl Verdict {
    fn new(status: Status, code: u32, evidence: String) -> Self {
        let mut evidence = evidence;
        if evidence.len() > MAX_EVIDENCE {
            let mut cut = MAX_EVIDENCE;
            while !evidence.is_char_boundary(cut) {
                cut -= 1;
            }
            let dropped = evidence.len() - cut;
            evidence.truncate(cut);
            evidence.push_str(&format!("… ({dropped} bytes more)"));
        }
        Verdict {
            status,
            code,
            evidence,
        }
    }

    pub fn ok(evidence: impl Into<String>) -> Self {
        Verdict::new(Status::Ok, 0, evidence.into())
    }

    pub fn warning(code: u32, evidence: impl Into<String>) -> Self {
        Verdict::new(Status::Warning, code, evidence.into())
    }

    pub fn failed(code: u32, evidence: impl Into<String>) -> Self {
        Verdict::new(Status::Failed, code, evidence.into())
    }
}

/// A documented error code of a check.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Code {
    pub code: u32,
    pub status: Status,
    pub meaning: &'static str,
}

/// A published document a rule comes from: `image_check checks` prints it beside the rule.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Source {
    pub title: &'static str,
    pub url: &'static str,
}

/// Where Alibaba's 16 checks come from: its own image_check tool and the import guide.
pub const ALIBABA_SOURCES: &[Source] = &[
    Source {
        title: "Alibaba Cloud ECS: Check whether an image meets the import requirements (the image_check tool these checks follow, and the check items)",
        url: "https://www.alibabacloud.com/help/en/ecs/user-guide/check-whether-an-image-meets-the-import-requirements",
    },
    Source {
        title: "Alibaba Cloud ECS API: ImportImage (Platform, BootMode)",
        url: "https://www.alibabacloud.com/help/doc-detail/25542.htm",
    },
];

/// One check and its documentation (`image_check checks` prints it).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Check {
    /// JSON name, e.g. "selinux".
    pub name: &'static str,
    /// Its number: the thousands of its error codes (`3001`), the same in every profile.
    /// Alibaba's 16 are numbered in their console order; the clouds' own checks from 17.
    pub number: u32,
    /// Console label, e.g. "Check security".
    pub title: &'static str,
    /// The sources it reads.
    pub reads: &'static str,
    /// The thresholds it compares with, which a host's inventory entry may set.
    pub thresholds: &'static [&'static Threshold],
    pub failed_means: &'static str,
    pub warning_means: &'static str,
    /// The seed's suggestion: every report's `comment` for this check.
    pub suggestion: &'static str,
    pub codes: &'static [Code],
    #[serde(skip)]
    pub evaluate: fn(&Facts, &Thresholds) -> Verdict,
}

/// The verdict of one check on one host, as reports show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    pub name: String,
    pub title: String,
    pub status: Status,
    /// "0" for OK, otherwise one of the check's documented codes.
    pub error_code: String,
    /// "Pass: ..." / "Warning: ..." / "Failed: ..." with the evidence.
    pub description: String,
    pub comment: String,
}

/// Every check, in the console order of Alibaba's tool.
pub const ALL: &[Check] = &[
    driver::CHECK,
    shadow::CHECK,
    selinux::CHECK,
    qemu_ga::CHECK,
    network::CHECK,
    ssh::CHECK,
    firewall::CHECK,
    filesystem::CHECK,
    device_id::CHECK,
    root::CHECK,
    passwd::CHECK,
    partition_table::CHECK,
    lib::CHECK,
    disk_size::CHECK,
    disk_usage::CHECK,
    inode_usage::CHECK,
];

/// The JSON names of every check, in console order: the check columns of summary.csv.
pub fn names() -> Vec<&'static str> {
    ALL.iter().map(|c| c.name).collect()
}

/// Runs every check; every verdict carries one of the check's documented codes.
pub fn evaluate(facts: &Facts, thresholds: &Thresholds) -> Vec<CheckResult> {
    ALL.iter()
        .map(|check| result(check, facts, thresholds))
        .collect()
}

/// One check's verdict as reports show it.
fn result(check: &Check, facts: &Facts, thresholds: &Thresholds) -> CheckResult {
    let verdict = (check.evaluate)(facts, thresholds);
    CheckResult {
        name: check.name.to_string(),
        title: check.title.to_string(),
        status: verdict.status,
        error_code: verdict.code.to_string(),
        description: format!("{}: {}", verdict.status.prefix(), verdict.evidence),
        comment: check.suggestion.to_string(),
    }
}

/// Whether a service starts at boot, with the evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BootState {
    Enabled(String),
    Disabled(String),
    /// Neither systemd nor SysV init knows the service.
    Absent(String),
    /// Neither systemctl nor chkconfig could be asked.
    Unknown(String),
}

/// The boot-time state of a service known to systemd as any of `units` or to SysV init
/// (chkconfig) as `sysv`: enabled anywhere wins.
pub(crate) fn boot_state(facts: &Facts, units: &[&str], sysv: &str) -> BootState {
    let mut disabled = None;
    let mut unknown = None;
    let mut asked = false;
    for unit in units {
        match facts.units_enabled.get(*unit) {
            Some(Fact::Known(state)) => {
                asked = true;
                let word = match state {
                    UnitEnabled::Enabled | UnitEnabled::Generated => {
                        return BootState::Enabled(format!("{unit} is enabled"))
                    }
                    // An alias says nothing: its target is asked under its own name.
                    UnitEnabled::NotFound | UnitEnabled::Alias => continue,
                    UnitEnabled::Disabled => "disabled",
                    UnitEnabled::Static => "static (not started at boot by itself)",
                    UnitEnabled::Indirect => "indirect",
                    UnitEnabled::Masked => "masked",
                    UnitEnabled::Other => "in an unknown state",
                };
                disabled.get_or_insert(format!("{unit} is {word}"));
            }
            Some(Fact::Unknown { reason }) => {
                unknown.get_or_insert_with(|| reason.clone());
            }
            None => {}
        }
    }
    match facts.sysv_services.get() {
        Ok(Some(services)) => {
            asked = true;
            match services.get(sysv) {
                Some(true) => {
                    return BootState::Enabled(format!(
                        "{sysv} is on at boot (chkconfig, runlevel 3)"
                    ))
                }
                Some(false) => {
                    disabled
                        .get_or_insert(format!("{sysv} is off at boot (chkconfig, runlevel 3)"));
                }
                None => {}
            }
        }
        Ok(None) => {}
        Err(reason) => {
            unknown.get_or_insert_with(|| reason.to_string());
        }
    }
    match (disabled, asked) {
        (Some(evidence), _) => BootState::Disabled(evidence),
        (None, true) => BootState::Absent(format!(
            "{} does not exist",
            units.first().copied().unwrap_or(sysv)
        )),
        (None, false) => {
            BootState::Unknown(unknown.unwrap_or_else(|| "no service manager answered".to_string()))
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::facts::Fact;

    /// The facts of a fixture host of the test fleet, parsed from its kept capture.
    pub(crate) fn fixture_host(host: &str) -> Facts {
        crate::capture::fixtures::facts(host)
    }

    /// centos7-ok (CentOS 7.9 on KVM), on which every check of Alibaba's is OK: tests change
    /// one thing each.
    pub(crate) fn compliant() -> Facts {
        fixture_host("centos7-ok")
    }

    pub(crate) fn verdict(check: &Check, facts: &Facts) -> Verdict {
        (check.evaluate)(facts, &Thresholds::default())
    }

    pub(crate) fn set_unit(facts: &mut Facts, unit: &str, state: UnitEnabled) {
        facts
            .units_enabled
            .insert(unit.to_string(), Fact::Known(state));
    }

    #[test]
    fn compliant_host_passes_every_check_in_console_order() {
        let results = evaluate(&compliant(), &Thresholds::default());
        let names: Vec<&str> = results.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "driver",
                "shadow",
                "selinux",
                "qemu_ga",
                "network",
                "ssh",
                "firewall",
                "filesystem",
                "device_id",
                "root",
                "passwd",
                "partition_table",
                "lib",
                "disk_size",
                "disk_usage",
                "inode_usage"
            ]
        );
        for r in &results {
            assert_eq!(r.status, Status::Ok, "{r:?}");
            assert_eq!(r.error_code, "0");
            assert!(r.description.starts_with("Pass: "), "{r:?}");
        }
        assert_eq!(results[2].title, "Check security");
    }

    #[test]
    fn alibabas_checks_are_numbered_1_to_16_in_console_order() {
        let numbers: Vec<u32> = ALL.iter().map(|c| c.number).collect();
        assert_eq!(numbers, (1..=16).collect::<Vec<u32>>());
    }

    /// Every check of every profile, once.
    fn every_check() -> Vec<Check> {
        let mut checks: Vec<Check> = Vec::new();
        for check in profiles::PROFILES
            .iter()
            .flat_map(|p| p.checks.iter().map(|c| c.check))
        {
            if !checks.iter().any(|c| c.name == check.name) {
                checks.push(check);
            }
        }
        checks
    }

    #[test]
    fn a_check_declares_exactly_the_thresholds_that_change_its_verdict() {
        use crate::inventory::{Unit, THRESHOLDS};
        // Each threshold at the two ends of what it takes.
        let extremes = |threshold: &Threshold| match threshold.unit {
            Unit::Percent => [1, 100],
            Unit::Gigabytes => [0, 1 << 20],
        };
        let facts = compliant();
        for check in every_check() {
            let usual = (check.evaluate)(&facts, &Thresholds::default());
            for threshold in THRESHOLDS {
                let moves = extremes(threshold).into_iter().any(|value| {
                    let mut limits = Thresholds::default();
                    threshold.set(&mut limits, value);
                    (check.evaluate)(&facts, &limits) != usual
                });
                let declared = check.thresholds.contains(threshold);
                assert_eq!(moves, declared, "{} and {}", check.name, threshold.name);
            }
        }
    }

    #[test]
    fn a_checks_texts_name_its_thresholds_and_their_defaults() {
        for check in every_check() {
            let texts: Vec<&str> = [check.failed_means, check.warning_means, check.suggestion]
                .into_iter()
                .chain(check.codes.iter().map(|c| c.meaning))
                .collect();
            for threshold in check.thresholds {
                assert!(
                    texts.iter().any(|t| t.contains(threshold.name)),
                    "{} never names {}",
                    check.name,
                    threshold.name
                );
                // "disk_usage_warn (85 %)": the default written beside the name is the default.
                for text in &texts {
                    if let Some((_, after)) = text.split_once(&format!("{} (", threshold.name)) {
                        let written: String =
                            after.chars().take_while(char::is_ascii_digit).collect();
                        assert_eq!(
                            written,
                            threshold.default.to_string(),
                            "{}: {text}",
                            check.name
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn every_code_is_documented_and_unique_per_check() {
        for check in every_check() {
            let mut codes: Vec<u32> = check.codes.iter().map(|c| c.code).collect();
            codes.dedup();
            assert_eq!(codes.len(), check.codes.len(), "{}", check.name);
            for code in &codes {
                assert_eq!(code / 1000, check.number, "{}: {code}", check.name);
            }
        }
    }

    #[test]
    fn boot_state_prefers_enabled_and_falls_back_to_chkconfig() {
        let mut f = compliant();
        assert_eq!(
            boot_state(&f, &["sshd.service"], "sshd"),
            BootState::Enabled("sshd.service is enabled".into())
        );
        for unit in crate::facts::ENABLED_UNITS {
            f.units_enabled.insert(
                unit.to_string(),
                Fact::unknown("`systemctl is-enabled x`: command not found"),
            );
        }
        f.sysv_services = Fact::unknown("`chkconfig --list`: command not found");
        assert!(matches!(
            boot_state(&f, &["sshd.service"], "sshd"),
            BootState::Unknown(_)
        ));
        f.sysv_services = Fact::Known(Some(BTreeMap::from([
            ("sshd".to_string(), true),
            ("NetworkManager".to_string(), false),
        ])));
        assert_eq!(
            boot_state(&f, &["sshd.service"], "sshd"),
            BootState::Enabled("sshd is on at boot (chkconfig, runlevel 3)".into())
        );
        assert_eq!(
            boot_state(&f, &["NetworkManager.service"], "NetworkManager"),
            BootState::Disabled("NetworkManager is off at boot (chkconfig, runlevel 3)".into())
        );
        assert_eq!(
            boot_state(&f, &["network.service"], "network"),
            BootState::Absent("network.service does not exist".into())
        );
    }
}

//! What changed between two runs of the same fleet (a baseline summary.csv and tonight's rows),
//! as changes.csv / changes.json, and which changes make `--fail-on` exit 1. Compares verdicts
//! only; it does not decide them.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use serde::Serialize;

use super::summary::{cell, neutralise, HostStatus, SummaryRow};
use crate::checks::Status;

/// One kind of change. Check-level kinds carry the check's name; host-level ones do not.
///
/// A check whose baseline verdict is not known (the host was added or was unreachable, or the
/// baseline was written by a version of the tool without that check) is compared as if it had
/// been OK. WARNING in both runs is not reported: it is the steady state of many fleets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// FAILED now; OK, WARNING or not known before.
    NewFailed,
    /// WARNING now; OK or not known before.
    NewWarning,
    /// OK now; WARNING or FAILED before.
    Fixed,
    /// WARNING now; FAILED before.
    Improved,
    /// FAILED in both runs.
    StillFailing,
    /// Host level: reached in the baseline, unreachable now.
    BecameUnreachable,
    /// Host level: unreachable in the baseline, reached now (its non-OK checks follow as new).
    BecameReachable,
    /// Host level: unreachable in both runs.
    StillUnreachable,
    /// Host level: the scan was stopped before this host finished, so nothing is known of it in
    /// this run. (A host interrupted in the baseline is compared as not known, without a line.)
    Interrupted,
    /// Host level: not in the baseline (its non-OK checks follow as new).
    HostAdded,
    /// Host level: in the baseline, not in this run (left the inventory or `--limit`).
    HostRemoved,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::NewFailed => "new_failed",
            ChangeKind::NewWarning => "new_warning",
            ChangeKind::Fixed => "fixed",
            ChangeKind::Improved => "improved",
            ChangeKind::StillFailing => "still_failing",
            ChangeKind::BecameUnreachable => "became_unreachable",
            ChangeKind::BecameReachable => "became_reachable",
            ChangeKind::StillUnreachable => "still_unreachable",
            ChangeKind::Interrupted => "interrupted",
            ChangeKind::HostAdded => "host_added",
            ChangeKind::HostRemoved => "host_removed",
        }
    }
}

/// One change. `before`/`after` are verdicts (`OK`, `WARNING`, `FAILED`) for a check and host
/// statuses (`ok`, `warning`, `failed`, `unreachable`) for a host; empty where not known (a
/// check of an unreachable or absent host, the other side of an added or removed host).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub host: String,
    /// None for a host-level change.
    pub check: Option<String>,
    pub kind: ChangeKind,
    pub before: String,
    pub after: String,
}

/// The changes from `old` to `new`, both with check columns in the order of `check_names`. In
/// the new run's host order, then the removed hosts in the baseline's order; for each host its
/// host-level change first, then its checks in `check_names` order.
pub fn diff(old: &[SummaryRow], new: &[SummaryRow], check_names: &[&str]) -> Vec<Change> {
    let mut baseline: HashMap<&str, &SummaryRow> = HashMap::new();
    for row in old {
        baseline.entry(row.host.as_str()).or_insert(row);
    }
    let mut changes = Vec::new();
    let host_change = |row: &SummaryRow, kind, before: &str, after: &str| Change {
        host: row.host.clone(),
        check: None,
        kind,
        before: before.to_string(),
        after: after.to_string(),
    };
    for row in new {
        let after = row.status;
        let compared_to = match baseline.get(row.host.as_str()) {
            None => {
                changes.push(host_change(row, ChangeKind::HostAdded, "", after.as_str()));
                None
            }
            Some(old_row) => match (old_row.status, after) {
                (before, HostStatus::Interrupted) => {
                    let kind = ChangeKind::Interrupted;
                    changes.push(host_change(row, kind, before.as_str(), "interrupted"));
                    continue;
                }
                (HostStatus::Unreachable, HostStatus::Unreachable) => {
                    let kind = ChangeKind::StillUnreachable;
                    changes.push(host_change(row, kind, "unreachable", "unreachable"));
                    continue;
                }
                (before, HostStatus::Unreachable) => {
                    let kind = ChangeKind::BecameUnreachable;
                    changes.push(host_change(row, kind, before.as_str(), "unreachable"));
                    continue;
                }
                (HostStatus::Unreachable, _) => {
                    let kind = ChangeKind::BecameReachable;
                    changes.push(host_change(row, kind, "unreachable", after.as_str()));
                    None
                }
                (HostStatus::Interrupted, _) => None,
                _ => Some(*old_row),
            },
        };
        for (i, name) in check_names.iter().enumerate() {
            let before = compared_to.and_then(|old_row| old_row.verdict(i));
            let now = row.verdict(i);
            if let Some(kind) = check_change(before, now) {
                changes.push(Change {
                    host: row.host.clone(),
                    check: Some(name.to_string()),
                    kind,
                    before: cell(before).to_string(),
                    after: cell(now).to_string(),
                });
            }
        }
    }
    let in_new: HashSet<&str> = new.iter().map(|r| r.host.as_str()).collect();
    let mut removed = HashSet::new();
    for row in old {
        if !in_new.contains(row.host.as_str()) && removed.insert(row.host.as_str()) {
            changes.push(host_change(
                row,
                ChangeKind::HostRemoved,
                row.status.as_str(),
                "",
            ));
        }
    }
    changes
}

fn check_change(before: Option<Status>, after: Option<Status>) -> Option<ChangeKind> {
    match (before, after) {
        (Some(Status::Failed), Some(Status::Failed)) => Some(ChangeKind::StillFailing),
        (Some(Status::Failed), Some(Status::Warning)) => Some(ChangeKind::Improved),
        (Some(Status::Warning | Status::Failed), Some(Status::Ok)) => Some(ChangeKind::Fixed),
        (Some(Status::Warning), Some(Status::Warning)) => None,
        (_, Some(Status::Failed)) => Some(ChangeKind::NewFailed),
        (_, Some(Status::Warning)) => Some(ChangeKind::NewWarning),
        _ => None,
    }
}

/// changes.csv: `host,check,change,before,after`, one line per change.
pub fn to_csv(changes: &[Change]) -> Vec<u8> {
    // Records of one length written to memory cannot fail.
    write_csv(changes).expect("writing CSV to memory")
}

fn write_csv(changes: &[Change]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(["host", "check", "change", "before", "after"])?;
    for change in changes {
        writer.write_record([
            neutralise(&change.host),
            neutralise(change.check.as_deref().unwrap_or("")),
            change.kind.as_str().to_string(),
            neutralise(&change.before),
            neutralise(&change.after),
        ])?;
    }
    writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

/// changes.json: an array of `{host, check, kind, before, after}`, `check` null for a host.
pub fn to_json(changes: &[Change]) -> String {
    // Serialising plain strings cannot fail.
    serde_json::to_string_pretty(changes).unwrap_or_default() + "\n"
}

/// `--fail-on`: what makes the run exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    /// A check newly FAILED or a host newly unreachable (an added host counts as new).
    NewFailed,
    /// Any FAILED check or unreachable host in the new run, whatever the baseline said. (An
    /// interrupted scan has its own exit code.)
    AnyFailed,
    /// Like `NewFailed`, and also a check newly WARNING.
    NewAny,
    /// Nothing: exit code 0 whatever was found (a batch system that reads the reports, not the
    /// exit code). Bad usage still exits 2.
    Never,
}

impl FailOn {
    pub fn as_str(self) -> &'static str {
        match self {
            FailOn::NewFailed => "new-failed",
            FailOn::AnyFailed => "any-failed",
            FailOn::NewAny => "new-any",
            FailOn::Never => "never",
        }
    }
}

impl FromStr for FailOn {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        [
            FailOn::NewFailed,
            FailOn::AnyFailed,
            FailOn::NewAny,
            FailOn::Never,
        ]
        .into_iter()
        .find(|f| f.as_str() == text)
        .ok_or_else(|| {
            format!("--fail-on `{text}`: expected new-failed, any-failed, new-any or never")
        })
    }
}

/// Whether the run exits 1 under `fail_on`, given its changes since the baseline and its rows.
/// Without a baseline (`changes` None) every problem counts as new: new-failed is any-failed,
/// new-any also counts a WARNING, and never is never.
pub fn should_fail(fail_on: FailOn, changes: Option<&[Change]>, new: &[SummaryRow]) -> bool {
    let newly_unreachable = |c: &Change| {
        c.kind == ChangeKind::BecameUnreachable
            || (c.kind == ChangeKind::HostAdded && c.after == HostStatus::Unreachable.as_str())
    };
    // With several profiles, a check FAILED (or WARNING) for any cloud counts.
    let any = |status: HostStatus| {
        new.iter()
            .any(|r| r.status == status || r.profiles.iter().any(|(_, s)| *s == status))
    };
    let any_failed = any(HostStatus::Failed) || any(HostStatus::Unreachable);
    // An inventory entry that cannot be scanned needs someone, whatever changed.
    let invalid = any(HostStatus::Invalid);
    match (fail_on, changes) {
        (FailOn::Never, _) => false,
        _ if invalid => true,
        (FailOn::AnyFailed, _) | (FailOn::NewFailed, None) => any_failed,
        (FailOn::NewAny, None) => any_failed || any(HostStatus::Warning),
        (FailOn::NewFailed, Some(changes)) => changes
            .iter()
            .any(|c| c.kind == ChangeKind::NewFailed || newly_unreachable(c)),
        (FailOn::NewAny, Some(changes)) => changes.iter().any(|c| {
            matches!(c.kind, ChangeKind::NewFailed | ChangeKind::NewWarning) || newly_unreachable(c)
        }),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::report::summary;

    /// The nightly fixture: a baseline and the next night's run of 15 hosts.
    pub(crate) fn nightly() -> (Vec<SummaryRow>, Vec<SummaryRow>) {
        let names = crate::checks::names();
        let read = |name: &str| {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data/nightly")
                .join(name);
            summary::read(&path, &names).unwrap()
        };
        (read("before.csv"), read("after.csv"))
    }

    fn change(
        host: &str,
        check: Option<&str>,
        kind: ChangeKind,
        before: &str,
        after: &str,
    ) -> Change {
        Change {
            host: host.into(),
            check: check.map(String::from),
            kind,
            before: before.into(),
            after: after.into(),
        }
    }

    fn reachable(host: &str, checks: &[&str]) -> SummaryRow {
        let status = if checks.contains(&"FAILED") {
            HostStatus::Failed
        } else if checks.contains(&"WARNING") {
            HostStatus::Warning
        } else {
            HostStatus::Ok
        };
        SummaryRow {
            checks: checks
                .iter()
                .map(|c| crate::report::summary::from_cell(c).unwrap())
                .collect(),
            ..SummaryRow::bare(host, "", status, "")
        }
    }

    #[test]
    fn any_failed_counts_a_failure_under_any_profile() {
        let mut row = reachable("web", &["OK", "WARNING"]);
        assert!(!should_fail(
            FailOn::AnyFailed,
            Some(&[]),
            std::slice::from_ref(&row)
        ));
        row.profiles = vec![
            ("alibaba".into(), HostStatus::Warning),
            ("azure".into(), HostStatus::Failed),
        ];
        assert!(should_fail(FailOn::AnyFailed, Some(&[]), &[row]));
    }

    fn unreachable(host: &str) -> SummaryRow {
        SummaryRow {
            status: HostStatus::Unreachable,
            reason: "connection refused".into(),
            checks: Vec::new(),
            ..reachable(host, &[])
        }
    }

    #[test]
    fn nightly_fixture_gives_every_kind_in_host_then_check_order() {
        use ChangeKind::*;
        let (old, new) = nightly();
        let changes = diff(&old, &new, &crate::checks::names());
        assert_eq!(
            changes,
            [
                change("web-03", Some("selinux"), NewFailed, "OK", "FAILED"),
                change("web-04", Some("ssh"), Fixed, "WARNING", "OK"),
                change("db-01", Some("selinux"), StillFailing, "FAILED", "FAILED"),
                change("db-02", Some("disk_usage"), NewWarning, "OK", "WARNING"),
                change("db-03", None, BecameUnreachable, "warning", "unreachable"),
                change("db-04", None, BecameReachable, "unreachable", "warning"),
                change("db-04", Some("firewall"), NewWarning, "", "WARNING"),
                change("app-01", Some("device_id"), Improved, "FAILED", "WARNING"),
                change("app-02", Some("driver"), NewFailed, "WARNING", "FAILED"),
                change(
                    "app-03",
                    None,
                    StillUnreachable,
                    "unreachable",
                    "unreachable"
                ),
                change("new-01", None, HostAdded, "", "failed"),
                change("new-01", Some("selinux"), NewFailed, "", "FAILED"),
                change("new-01", Some("ssh"), NewWarning, "", "WARNING"),
                change("new-02", None, HostAdded, "", "ok"),
                change("new-03", None, HostAdded, "", "unreachable"),
                change("legacy-01", None, HostRemoved, "failed", ""),
            ]
        );
    }

    #[test]
    fn identical_runs_report_only_what_still_fails() {
        let rows = [
            reachable("a", &["OK", "WARNING"]),
            reachable("b", &["FAILED", "OK"]),
            unreachable("c"),
        ];
        let changes = diff(&rows, &rows, &["x", "y"]);
        assert_eq!(
            changes,
            [
                change("b", Some("x"), ChangeKind::StillFailing, "FAILED", "FAILED"),
                change(
                    "c",
                    None,
                    ChangeKind::StillUnreachable,
                    "unreachable",
                    "unreachable"
                ),
            ]
        );
    }

    #[test]
    fn interrupted_host_is_one_host_line_and_fails_no_mode() {
        let old = [reachable("a", &["FAILED"]), unreachable("b")];
        let mut new = [unreachable("a"), unreachable("b")];
        for row in &mut new {
            row.status = HostStatus::Interrupted;
        }
        let changes = diff(&old, &new, &["x"]);
        assert_eq!(
            changes,
            [
                change("a", None, ChangeKind::Interrupted, "failed", "interrupted"),
                change(
                    "b",
                    None,
                    ChangeKind::Interrupted,
                    "unreachable",
                    "interrupted"
                ),
            ]
        );
        for fail_on in [FailOn::NewFailed, FailOn::AnyFailed, FailOn::NewAny] {
            assert!(!should_fail(fail_on, Some(&changes), &new), "{fail_on:?}");
        }
    }

    #[test]
    fn host_interrupted_in_the_baseline_is_compared_as_not_known() {
        let mut old = unreachable("a");
        old.status = HostStatus::Interrupted;
        let new = [reachable("a", &["OK", "FAILED"])];
        assert_eq!(
            diff(&[old], &new, &["x", "y"]),
            [change("a", Some("y"), ChangeKind::NewFailed, "", "FAILED")]
        );
    }

    #[test]
    fn check_missing_from_an_older_baseline_counts_as_not_known() {
        let old = [reachable("a", &["OK"])];
        let new = [reachable("a", &["OK", "FAILED"])];
        assert_eq!(
            diff(&old, &new, &["x", "added_later"]),
            [change(
                "a",
                Some("added_later"),
                ChangeKind::NewFailed,
                "",
                "FAILED"
            )]
        );
    }

    #[test]
    fn every_host_is_added_without_a_baseline() {
        let new = [reachable("a", &["OK", "WARNING"]), unreachable("b")];
        assert_eq!(
            diff(&[], &new, &["x", "y"]),
            [
                change("a", None, ChangeKind::HostAdded, "", "warning"),
                change("a", Some("y"), ChangeKind::NewWarning, "", "WARNING"),
                change("b", None, ChangeKind::HostAdded, "", "unreachable"),
            ]
        );
    }

    #[test]
    fn changes_csv_has_one_line_per_change_and_neutralised_cells() {
        let changes = [
            change(
                "web-03",
                Some("selinux"),
                ChangeKind::NewFailed,
                "OK",
                "FAILED",
            ),
            change("=HYPERLINK(1)", None, ChangeKind::HostRemoved, "ok", ""),
        ];
        let text = String::from_utf8(to_csv(&changes)).unwrap();
        assert_eq!(
            text,
            "host,check,change,before,after\n\
             web-03,selinux,new_failed,OK,FAILED\n\
             '=HYPERLINK(1),,host_removed,ok,\n"
        );
    }

    #[test]
    fn changes_json_has_null_check_for_host_changes() {
        let changes = [
            change(
                "db-03",
                None,
                ChangeKind::BecameUnreachable,
                "ok",
                "unreachable",
            ),
            change(
                "web-03",
                Some("selinux"),
                ChangeKind::NewFailed,
                "OK",
                "FAILED",
            ),
        ];
        let value: serde_json::Value = serde_json::from_str(&to_json(&changes)).unwrap();
        assert_eq!(
            value,
            serde_json::json!([
                {"host": "db-03", "check": null, "kind": "became_unreachable", "before": "ok", "after": "unreachable"},
                {"host": "web-03", "check": "selinux", "kind": "new_failed", "before": "OK", "after": "FAILED"},
            ])
        );
    }

    #[test]
    fn fail_on_names_parse_and_unknown_names_say_what_is_expected() {
        assert_eq!("new-failed".parse(), Ok(FailOn::NewFailed));
        assert_eq!("any-failed".parse(), Ok(FailOn::AnyFailed));
        assert_eq!("new-any".parse(), Ok(FailOn::NewAny));
        assert_eq!("never".parse(), Ok(FailOn::Never));
        assert_eq!(
            "new".parse::<FailOn>(),
            Err("--fail-on `new`: expected new-failed, any-failed, new-any or never".to_string())
        );
    }

    /// Which of the three `--fail-on` modes fail, in the order new-failed, any-failed, new-any.
    fn verdicts(old: &[SummaryRow], new: &[SummaryRow]) -> [bool; 3] {
        let changes = diff(old, new, &["x"]);
        [FailOn::NewFailed, FailOn::AnyFailed, FailOn::NewAny]
            .map(|f| should_fail(f, Some(&changes), new))
    }

    #[test]
    fn without_a_baseline_every_problem_is_new_and_never_is_never() {
        let modes = [
            FailOn::NewFailed,
            FailOn::AnyFailed,
            FailOn::NewAny,
            FailOn::Never,
        ];
        let alone = |rows: &[SummaryRow]| modes.map(|f| should_fail(f, None, rows));
        assert_eq!(alone(&[reachable("a", &["OK"])]), [false; 4]);
        assert_eq!(
            alone(&[reachable("a", &["WARNING"])]),
            [false, false, true, false]
        );
        assert_eq!(
            alone(&[reachable("a", &["FAILED"])]),
            [true, true, true, false]
        );
        assert_eq!(alone(&[unreachable("a")]), [true, true, true, false]);
        let mut other_cloud = reachable("a", &["OK"]);
        other_cloud.profiles = vec![
            ("alibaba".to_string(), HostStatus::Ok),
            ("aws".to_string(), HostStatus::Warning),
        ];
        assert_eq!(alone(&[other_cloud]), [false, false, true, false]);
        let invalid = SummaryRow::bare("b", "", HostStatus::Invalid, "hosts.toml:3:1: ...");
        assert_eq!(alone(&[invalid]), [true, true, true, false]);
    }

    #[test]
    fn new_failed_check_fails_every_mode() {
        let old = [reachable("a", &["OK"])];
        assert_eq!(verdicts(&old, &[reachable("a", &["FAILED"])]), [true; 3]);
    }

    #[test]
    fn warning_turning_failed_is_new_failed() {
        let old = [reachable("a", &["WARNING"])];
        assert_eq!(verdicts(&old, &[reachable("a", &["FAILED"])]), [true; 3]);
    }

    #[test]
    fn new_warning_fails_only_new_any() {
        let old = [reachable("a", &["OK"])];
        assert_eq!(
            verdicts(&old, &[reachable("a", &["WARNING"])]),
            [false, false, true]
        );
    }

    #[test]
    fn still_failing_fails_only_any_failed() {
        let rows = [reachable("a", &["FAILED"])];
        assert_eq!(verdicts(&rows, &rows), [false, true, false]);
    }

    #[test]
    fn newly_unreachable_fails_every_mode() {
        let old = [reachable("a", &["OK"])];
        assert_eq!(verdicts(&old, &[unreachable("a")]), [true; 3]);
    }

    #[test]
    fn still_unreachable_fails_only_any_failed() {
        let rows = [unreachable("a")];
        assert_eq!(verdicts(&rows, &rows), [false, true, false]);
    }

    #[test]
    fn added_unreachable_host_is_newly_unreachable() {
        assert_eq!(verdicts(&[], &[unreachable("a")]), [true; 3]);
    }

    #[test]
    fn fixed_improved_and_removed_fail_no_new_mode() {
        let old = [
            reachable("a", &["FAILED"]),
            reachable("b", &["FAILED"]),
            reachable("c", &["FAILED"]),
        ];
        let new = [reachable("a", &["OK"]), reachable("b", &["WARNING"])];
        assert_eq!(verdicts(&old, &new), [false, false, false]);
    }

    #[test]
    fn nightly_fixture_fails_every_mode() {
        let (old, new) = nightly();
        let changes = diff(&old, &new, &crate::checks::names());
        for fail_on in [FailOn::NewFailed, FailOn::AnyFailed, FailOn::NewAny] {
            assert!(should_fail(fail_on, Some(&changes), &new), "{fail_on:?}");
        }
    }
}

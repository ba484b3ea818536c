//! What the fleet-wide reports (summary.md, report.html) show, computed once from the summary
//! rows, the changes since the baseline and the inventory's groups. The renderers in
//! `markdown.rs` and `html.rs` only format [`Aggregates`]; neither counts anything itself.

use std::cmp::Reverse;
use std::collections::HashMap;

use super::diff::{Change, ChangeKind};
use super::summary::{HostStatus, SummaryRow};
use crate::checks::Status;

/// Facts about the run, shown in the reports' headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunInfo {
    /// When the scan started, e.g. `2024-05-02 02:00:01`; its first word is the report's date.
    pub started: String,
    pub finished: String,
    pub tool_version: String,
    /// The inventory file, as given on the command line.
    pub inventory: String,
    /// Hosts in the inventory before `--limit`; the rows are the hosts scanned.
    pub inventory_hosts: usize,
    /// The baseline summary.csv the changes were computed against.
    pub baseline: Option<String>,
    /// Why the baseline asked for could not be used (the run went on without one).
    pub baseline_unusable: Option<String>,
}

impl RunInfo {
    /// The date part of `started`: what comes before a space, `T` or `_`.
    pub fn date(&self) -> &str {
        self.started
            .split([' ', 'T', '_'])
            .next()
            .unwrap_or_default()
    }
}

/// Everything a fleet report is made from.
#[derive(Debug, Clone)]
pub struct FleetView<'a> {
    /// In inventory order, check columns in the order of `check_names`.
    pub rows: &'a [SummaryRow],
    pub check_names: &'a [&'a str],
    /// None without a baseline; an empty slice when nothing changed.
    pub changes: Option<&'a [Change]>,
    /// Group name → its host names, from the inventory, in the inventory's group order.
    pub groups: &'a [(String, Vec<String>)],
    pub run: RunInfo,
    /// Host → file name of its TXT report (the name carries the time of the check); a host not
    /// in it gets no TXT link.
    pub txt_reports: Option<&'a HashMap<String, String>>,
}

/// Hosts by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub hosts: usize,
    pub ok: usize,
    pub warning: usize,
    pub failed: usize,
    pub unreachable: usize,
    pub interrupted: usize,
    pub invalid: usize,
}

impl Totals {
    fn add(&mut self, status: HostStatus) {
        self.hosts += 1;
        match status {
            HostStatus::Ok => self.ok += 1,
            HostStatus::Warning => self.warning += 1,
            HostStatus::Failed => self.failed += 1,
            HostStatus::Unreachable => self.unreachable += 1,
            HostStatus::Interrupted => self.interrupted += 1,
            HostStatus::Invalid => self.invalid += 1,
        }
    }

    pub fn count(&self, status: HostStatus) -> usize {
        match status {
            HostStatus::Ok => self.ok,
            HostStatus::Warning => self.warning,
            HostStatus::Failed => self.failed,
            HostStatus::Unreachable => self.unreachable,
            HostStatus::Interrupted => self.interrupted,
            HostStatus::Invalid => self.invalid,
        }
    }

    /// Hosts that have verdicts: neither unreachable nor interrupted.
    pub fn checked(&self) -> usize {
        self.ok + self.warning + self.failed
    }
}

/// How many reachable hosts a check is not OK on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckCount<'a> {
    pub check: &'a str,
    pub failed: usize,
    pub warning: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupTotals<'a> {
    pub group: &'a str,
    pub totals: Totals,
}

/// One change with its description in plain text (each renderer escapes it its own way).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeLine<'a> {
    pub change: &'a Change,
    /// E.g. `selinux: OK → FAILED`, `unreachable: connect timeout (was ok)`.
    pub text: String,
}

/// A heading of the "changes since the baseline" part and its changes, in diff order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeSection<'a> {
    /// A name for links and styles, e.g. `new-failures`.
    pub id: &'static str,
    pub title: &'static str,
    pub lines: Vec<ChangeLine<'a>>,
}

/// The sections in the order a reader wants them (bad news first), and the kinds in each.
const SECTIONS: [(&str, &str, &[ChangeKind]); 7] = [
    (
        "new-failures",
        "New failures",
        &[ChangeKind::NewFailed, ChangeKind::BecameUnreachable],
    ),
    ("new-warnings", "New warnings", &[ChangeKind::NewWarning]),
    (
        "fixed",
        "Fixed or improved",
        &[
            ChangeKind::Fixed,
            ChangeKind::Improved,
            ChangeKind::BecameReachable,
        ],
    ),
    (
        "still-failing",
        "Still failing",
        &[ChangeKind::StillFailing, ChangeKind::StillUnreachable],
    ),
    ("not-checked", "Not checked", &[ChangeKind::Interrupted]),
    ("hosts-added", "Hosts added", &[ChangeKind::HostAdded]),
    ("hosts-removed", "Hosts removed", &[ChangeKind::HostRemoved]),
];

/// What both renderers show, computed once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aggregates<'a> {
    pub totals: Totals,
    /// The host states the reports have a column for: ok, warning, failed, unreachable, and
    /// interrupted when a host was.
    pub statuses: Vec<HostStatus>,
    /// Checks not OK on at least one host: most FAILED first, then most WARNING, then in check
    /// order.
    pub failing_checks: Vec<CheckCount<'a>>,
    /// Groups with at least one host in this run, in the inventory's order.
    pub groups: Vec<GroupTotals<'a>>,
    /// None without a baseline; sections without changes are left out.
    pub changes: Option<Vec<ChangeSection<'a>>>,
    /// In row order.
    pub unreachable: Vec<&'a SummaryRow>,
    /// Hosts the scan was stopped before, in row order.
    pub interrupted: Vec<&'a SummaryRow>,
}

pub fn aggregate<'a>(view: &FleetView<'a>) -> Aggregates<'a> {
    let mut totals = Totals::default();
    let mut row_of: HashMap<&str, &SummaryRow> = HashMap::new();
    for row in view.rows {
        totals.add(row.status);
        row_of.entry(&row.host).or_insert(row);
    }

    let mut failing_checks: Vec<CheckCount> = view
        .check_names
        .iter()
        .enumerate()
        .map(|(i, check)| {
            let count = |verdict: Status| {
                view.rows
                    .iter()
                    .filter(|r| r.verdict(i) == Some(verdict))
                    .count()
            };
            CheckCount {
                check,
                failed: count(Status::Failed),
                warning: count(Status::Warning),
            }
        })
        .filter(|c| c.failed + c.warning > 0)
        .collect();
    // A stable sort keeps check order among equals.
    failing_checks.sort_by_key(|c| Reverse((c.failed, c.warning)));

    let groups = view
        .groups
        .iter()
        .filter_map(|(group, hosts)| {
            let mut totals = Totals::default();
            for row in hosts.iter().filter_map(|h| row_of.get(h.as_str())) {
                totals.add(row.status);
            }
            (totals.hosts > 0).then_some(GroupTotals { group, totals })
        })
        .collect();

    let changes = view.changes.map(|changes| {
        SECTIONS
            .iter()
            .map(|(id, title, kinds)| ChangeSection {
                id,
                title,
                lines: changes
                    .iter()
                    .filter(|c| kinds.contains(&c.kind))
                    .map(|change| ChangeLine {
                        change,
                        text: describe(change, row_of.get(change.host.as_str()).copied()),
                    })
                    .collect(),
            })
            .filter(|s| !s.lines.is_empty())
            .collect()
    });

    let mut statuses = vec![
        HostStatus::Ok,
        HostStatus::Warning,
        HostStatus::Failed,
        HostStatus::Unreachable,
    ];
    if totals.interrupted > 0 {
        statuses.push(HostStatus::Interrupted);
    }
    let with_status = |status| {
        view.rows
            .iter()
            .filter(|r| r.status == status)
            .collect::<Vec<_>>()
    };
    Aggregates {
        totals,
        statuses,
        failing_checks,
        groups,
        changes,
        unreachable: with_status(HostStatus::Unreachable),
        interrupted: with_status(HostStatus::Interrupted),
    }
}

/// A change in words, without its host. `row` is the host's row in the new run, if any.
fn describe(change: &Change, row: Option<&SummaryRow>) -> String {
    let reason = row.map_or("", |r| r.reason.as_str());
    let (before, after) = (change.before.as_str(), change.after.as_str());
    if let Some(check) = &change.check {
        return match (change.kind, before) {
            (ChangeKind::StillFailing, _) | (_, "") => format!("{check}: {after}"),
            _ => format!("{check}: {before} → {after}"),
        };
    }
    match change.kind {
        ChangeKind::BecameUnreachable => format!("unreachable: {reason} (was {before})"),
        ChangeKind::StillUnreachable => format!("unreachable: {reason}"),
        ChangeKind::Interrupted => format!("not checked: {reason} (was {before})"),
        ChangeKind::BecameReachable => format!("reachable again: {after}"),
        ChangeKind::HostAdded if after == HostStatus::Unreachable.as_str() => {
            format!("new host, unreachable: {reason}")
        }
        ChangeKind::HostAdded => format!("new host: {after}"),
        ChangeKind::HostRemoved => format!("not in this run (was {before})"),
        // Check-level kinds always name their check.
        _ => format!("{before} → {after}"),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::report::diff::{diff, tests::nightly};

    /// The groups of the nightly fixture's inventory.
    pub(crate) fn groups() -> Vec<(String, Vec<String>)> {
        let group = |name: &str, hosts: &[&str]| {
            (
                name.to_string(),
                hosts.iter().map(|h| h.to_string()).collect(),
            )
        };
        vec![
            group(
                "wave-1",
                &["web-01", "web-02", "web-03", "web-04", "lab_01"],
            ),
            group(
                "wave-2",
                &[
                    "db-01", "db-02", "db-03", "db-04", "app-01", "app-02", "app-03",
                ],
            ),
            group("retired", &["legacy-01"]),
            group("new", &["new-01", "new-02", "new-03"]),
        ]
    }

    pub(crate) fn run() -> RunInfo {
        RunInfo {
            started: "2024-05-02 02:00:01".into(),
            finished: "2024-05-02 02:04:13".into(),
            tool_version: "0.1.0".into(),
            inventory: "inventories/prod.toml".into(),
            inventory_hosts: 40,
            baseline: Some("nightly/2024-05-01/summary.csv".into()),
            baseline_unusable: None,
        }
    }

    #[test]
    fn date_is_the_first_word_of_the_start() {
        let mut run = run();
        assert_eq!(run.date(), "2024-05-02");
        run.started = "2024-05-02T02:00:01Z".into();
        assert_eq!(run.date(), "2024-05-02");
    }

    #[test]
    fn nightly_aggregates() {
        let (old, new) = nightly();
        let names = crate::checks::names();
        let changes = diff(&old, &new, &names);
        let groups = groups();
        let view = FleetView {
            rows: &new,
            check_names: &names,
            changes: Some(&changes),
            groups: &groups,
            run: run(),
            txt_reports: None,
        };
        let agg = aggregate(&view);
        assert_eq!(
            agg.totals,
            Totals {
                hosts: 15,
                ok: 3,
                warning: 5,
                failed: 4,
                unreachable: 3,
                interrupted: 0,
                invalid: 0
            }
        );
        let counts: Vec<(&str, usize, usize)> = agg
            .failing_checks
            .iter()
            .map(|c| (c.check, c.failed, c.warning))
            .collect();
        assert_eq!(
            counts,
            [
                ("selinux", 3, 0),
                ("driver", 1, 0),
                ("qemu_ga", 0, 3),
                ("firewall", 0, 2),
                ("network", 0, 1),
                ("ssh", 0, 1),
                ("device_id", 0, 1),
                ("disk_size", 0, 1),
                ("disk_usage", 0, 1),
            ]
        );
        let group_totals: Vec<(&str, Totals)> =
            agg.groups.iter().map(|g| (g.group, g.totals)).collect();
        assert_eq!(
            group_totals,
            [
                (
                    "wave-1",
                    Totals {
                        hosts: 5,
                        ok: 2,
                        warning: 2,
                        failed: 1,
                        unreachable: 0,
                        interrupted: 0,
                        invalid: 0
                    }
                ),
                (
                    "wave-2",
                    Totals {
                        hosts: 7,
                        ok: 0,
                        warning: 3,
                        failed: 2,
                        unreachable: 2,
                        interrupted: 0,
                        invalid: 0
                    }
                ),
                (
                    "new",
                    Totals {
                        hosts: 3,
                        ok: 1,
                        warning: 0,
                        failed: 1,
                        unreachable: 1,
                        interrupted: 0,
                        invalid: 0
                    }
                ),
            ]
        );
        let sections: Vec<(&str, Vec<(&str, &str)>)> = agg
            .changes
            .as_ref()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s.title,
                    s.lines
                        .iter()
                        .map(|l| (l.change.host.as_str(), l.text.as_str()))
                        .collect(),
                )
            })
            .collect();
        assert_eq!(
            sections,
            [
                (
                    "New failures",
                    vec![
                        ("web-03", "selinux: OK → FAILED"),
                        ("db-03", "unreachable: connect timeout after 10 s (was warning)"),
                        ("app-02", "driver: WARNING → FAILED"),
                        ("new-01", "selinux: FAILED"),
                    ]
                ),
                (
                    "New warnings",
                    vec![
                        ("db-02", "disk_usage: OK → WARNING"),
                        ("db-04", "firewall: WARNING"),
                        ("new-01", "ssh: WARNING"),
                    ]
                ),
                (
                    "Fixed or improved",
                    vec![
                        ("web-04", "ssh: WARNING → OK"),
                        ("db-04", "reachable again: warning"),
                        ("app-01", "device_id: FAILED → WARNING"),
                    ]
                ),
                (
                    "Still failing",
                    vec![
                        ("db-01", "selinux: FAILED"),
                        (
                            "app-03",
                            "unreachable: authentication failed for root (publickey)"
                        ),
                    ]
                ),
                (
                    "Hosts added",
                    vec![
                        ("new-01", "new host: failed"),
                        ("new-02", "new host: ok"),
                        (
                            "new-03",
                            "new host, unreachable: HOST KEY CHANGED: SHA256:3kq0... (was SHA256:Zx9...) see known_hosts line 12"
                        ),
                    ]
                ),
                ("Hosts removed", vec![("legacy-01", "not in this run (was failed)")]),
            ]
        );
        let unreachable: Vec<&str> = agg.unreachable.iter().map(|r| r.host.as_str()).collect();
        assert_eq!(unreachable, ["db-03", "app-03", "new-03"]);
    }

    #[test]
    fn no_baseline_means_no_change_sections() {
        let (_, new) = nightly();
        let names = crate::checks::names();
        let view = FleetView {
            rows: &new,
            check_names: &names,
            changes: None,
            groups: &[],
            run: run(),
            txt_reports: None,
        };
        let agg = aggregate(&view);
        assert_eq!(agg.changes, None);
        assert!(agg.groups.is_empty());
    }
}

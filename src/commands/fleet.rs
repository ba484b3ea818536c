//! The end every run-producing command shares (scan, evaluate, image, merge): the run's fleet
//! files (summary.csv, summary.md, report.html, run.json, changes), the tables on the console
//! and the exit code the rows and changes make.

use std::path::Path;

use super::{Baseline, BaselineArgs, WriteFailed};
use crate::inventory::Target;
use crate::report::console;
use crate::report::diff::{self, FailOn};
use crate::report::summary::{HostStatus, SummaryRow};
use crate::report::TOOL_VERSION;
use crate::run::{self, RunOutcome, RunRecord, RunTime};
use crate::scan;

/// What a run's fleet files need to know besides the rows.
pub struct Fleet<'a> {
    pub dir: &'a Path,
    /// run.json without the host counts, which come from the rows.
    pub record: RunRecord,
    pub groups: Vec<(String, Vec<String>)>,
    pub fail_on: FailOn,
    /// summary.csv's check columns: the first profile's checks.
    pub check_names: Vec<&'static str>,
}

/// The start of a run.json: when, which tool, which inventory, which baseline and shard.
pub fn run_record(
    started: chrono::DateTime<chrono::Local>,
    inventory: &Path,
    baseline: &BaselineArgs,
    shard: Option<String>,
) -> RunRecord {
    RunRecord {
        started: RunTime::from(started),
        tool_version: TOOL_VERSION.to_string(),
        inventory: inventory.display().to_string(),
        inventory_digest: run::digest(inventory),
        baseline: baseline.baseline.as_ref().map(|p| p.display().to_string()),
        shard,
        ..RunRecord::default()
    }
}

/// Group → its hosts, in the order groups first appear in the inventory.
pub fn groups_of(targets: &[Target]) -> Vec<(String, Vec<String>)> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    // Index by name: a search of the list per host would be quadratic in the group count.
    let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for target in targets {
        for group in &target.groups {
            let at = *index.entry(group).or_insert_with(|| {
                groups.push((group.clone(), Vec::new()));
                groups.len() - 1
            });
            groups[at].1.push(target.name.clone());
        }
    }
    groups
}

/// Writes the run's fleet files, prints the tables unless quiet, and turns the rows (and the
/// changes, with a baseline) into the exit code.
pub fn finish_fleet(
    rows: &[SummaryRow],
    fleet: &Fleet,
    baseline: &Baseline,
    quiet: bool,
) -> anyhow::Result<u8> {
    let check_names = &fleet.check_names;
    let baseline_rows = baseline.rows.as_deref();
    let count = |s: HostStatus| run::count(rows, s);
    let mut record = fleet.record.clone();
    record.finished.get_or_insert_with(RunTime::now);
    record.hosts = rows.len();
    record.ok = count(HostStatus::Ok);
    record.warning = count(HostStatus::Warning);
    record.failed = count(HostStatus::Failed);
    record.unreachable = count(HostStatus::Unreachable);
    record.interrupted = count(HostStatus::Interrupted);
    let outcome = RunOutcome {
        dir: fleet.dir,
        rows,
        check_names,
        groups: &fleet.groups,
        record,
        baseline: baseline_rows,
        baseline_unusable: baseline.unusable.as_deref(),
    };
    let written = run::write_fleet_files(&outcome);
    let unwritten: Vec<&SummaryRow> = rows
        .iter()
        .filter(|r| r.reason.starts_with(scan::REPORT_NOT_WRITTEN))
        .collect();
    let hosts_lost = match unwritten.as_slice() {
        [] => None,
        [one, ..] => Some(format!(
            "the reports of {} host(s) were not written ({}: {})",
            unwritten.len(),
            one.host,
            one.reason
        )),
    };
    let changes = match (written, hosts_lost) {
        (Ok(changes), None) => changes,
        (Ok(_), Some(lost)) => return Err(WriteFailed(lost).into()),
        (Err(e), None) => return Err(WriteFailed(e).into()),
        (Err(e), Some(lost)) => return Err(WriteFailed(format!("{e}; {lost}")).into()),
    };
    if !quiet {
        emitln!("{}", console::summary_table(rows));
        if baseline_rows.is_some() {
            emitln!("{}", console::changes_table(&changes));
        }
        emitln!(
            "{} hosts: {} ok, {} warning, {} failed, {} unreachable{}. Reports: {}",
            rows.len(),
            count(HostStatus::Ok),
            count(HostStatus::Warning),
            count(HostStatus::Failed),
            count(HostStatus::Unreachable),
            [HostStatus::Interrupted, HostStatus::Invalid]
                .iter()
                .filter(|s| count(**s) > 0)
                .map(|s| format!(", {} {}", count(*s), s.as_str()))
                .collect::<String>(),
            fleet.dir.display()
        );
    }
    let since_baseline = baseline_rows.is_some().then_some(changes.as_slice());
    let fails = diff::should_fail(fleet.fail_on, since_baseline, rows);
    Ok(if fails { 1 } else { 0 })
}

//! The run folder: what one scan (or evaluation) leaves behind, complete on its own.
//!
//!     DIR/<host>/image_check_report_<time>.txt, image_check_report.json[, facts.json]
//!     DIR/summary.csv, summary.md, report.html, run.json[, changes.csv, changes.json]
//!
//! Also the conventions around it: `-o` date templates, the lock that keeps two runs out of
//! one folder, `--keep` pruning of older runs, and reading a baseline run back.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::report::diff::{self, Change, FailOn};
use crate::report::fleet_view::{FleetView, RunInfo};
use crate::report::summary::{self, HostStatus, SummaryRow};
use crate::report::{files, html, markdown, TOOL_VERSION};

/// run.json: when, with what, over which inventory, and the host counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRecord {
    pub started: String,
    pub finished: String,
    pub tool_version: String,
    pub inventory: String,
    /// SHA-1 of the inventory file's bytes: two runs of one inventory share it.
    pub inventory_digest: String,
    pub hosts: usize,
    pub ok: usize,
    pub warning: usize,
    pub failed: usize,
    pub unreachable: usize,
    pub interrupted: usize,
    pub baseline: Option<String>,
    /// `--shard K/N` of a sharded scan.
    pub shard: Option<String>,
}

/// `-o` with strftime fields (`/var/lib/image_check/%Y-%m-%d_%H%M`) becomes a new folder per
/// run; a plain path is used as it is.
pub fn expand_output(template: &Path, now: chrono::DateTime<chrono::Local>) -> PathBuf {
    let text = template.to_string_lossy();
    if !text.contains('%') {
        return template.to_path_buf();
    }
    let mut expanded = String::new();
    // A bad field (`%Q`) is an error of chrono's Display (to_string would panic): the
    // template is then used as written.
    if std::fmt::Write::write_fmt(&mut expanded, format_args!("{}", now.format(&text))).is_err() {
        return template.to_path_buf();
    }
    PathBuf::from(expanded)
}

/// Holds `DIR/.image_check.lock` while a run writes DIR; dropped, it removes the lock.
#[derive(Debug)]
pub struct RunLock {
    path: PathBuf,
}

impl RunLock {
    /// Takes the lock, or says which process holds it. A lock left by a process that no longer
    /// exists is taken over.
    pub fn acquire(dir: &Path) -> Result<RunLock, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create the output folder {}: {e}", dir.display()))?;
        let path = dir.join(".image_check.lock");
        for _ in 0..2 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut file) => {
                    let _ = std::io::Write::write_all(
                        &mut file,
                        format!("{}\n", std::process::id()).as_bytes(),
                    );
                    return Ok(RunLock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(&path).unwrap_or_default();
                    let pid: Option<u32> = holder.trim().parse().ok();
                    if pid.is_some_and(process_exists) {
                        return Err(format!(
                            "another image_check run (pid {}) is writing {}; wait for it, or use another -o folder",
                            holder.trim(),
                            dir.display()
                        ));
                    }
                    let _ = std::fs::remove_file(&path);
                }
                Err(e) => return Err(format!("cannot lock {}: {e}", path.display())),
            }
        }
        Err(format!("cannot lock {}", path.display()))
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn process_exists(pid: u32) -> bool {
    Path::new("/proc").join(pid.to_string()).exists()
}

/// A baseline: a run folder (its summary.csv) or a summary.csv itself.
pub fn read_baseline(path: &Path, check_names: &[&str]) -> Result<Vec<SummaryRow>, String> {
    let file = if path.is_dir() {
        path.join("summary.csv")
    } else {
        path.to_path_buf()
    };
    summary::read(&file, check_names)
}

/// Deletes the oldest run folders beside `current` so that `keep` remain (the current one
/// included). Only folders with a run.json count as runs; anything else there is left alone.
pub fn prune(current: &Path, keep: usize) -> Result<Vec<PathBuf>, String> {
    let Some(parent) = current.parent().filter(|p| !p.as_os_str().is_empty()) else {
        return Ok(Vec::new());
    };
    let entries = std::fs::read_dir(parent)
        .map_err(|e| format!("--keep: cannot list {}: {e}", parent.display()))?;
    let mut runs: Vec<(String, PathBuf)> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .filter_map(|p| {
            let record: RunRecord =
                serde_json::from_str(&std::fs::read_to_string(p.join("run.json")).ok()?).ok()?;
            Some((record.started, p))
        })
        .collect();
    runs.sort();
    let excess = runs.len().saturating_sub(keep.max(1));
    let mut removed = Vec::new();
    for (_, path) in runs.into_iter().take(excess) {
        if path == current {
            continue;
        }
        std::fs::remove_dir_all(&path)
            .map_err(|e| format!("--keep: cannot remove {}: {e}", path.display()))?;
        removed.push(path);
    }
    Ok(removed)
}

/// Everything the fleet-wide files are made from.
pub struct RunOutcome<'a> {
    pub dir: &'a Path,
    pub rows: &'a [SummaryRow],
    pub check_names: &'a [&'a str],
    pub groups: &'a [(String, Vec<String>)],
    pub record: RunRecord,
    pub baseline: Option<&'a [SummaryRow]>,
}

/// Counts of hosts by status, for run.json.
pub fn count(rows: &[SummaryRow], status: HostStatus) -> usize {
    rows.iter().filter(|r| r.status == status).count()
}

/// The name of each host's TXT report in `dir` (it carries the time of the check).
fn txt_reports(dir: &Path, rows: &[SummaryRow]) -> HashMap<String, String> {
    rows.iter()
        .filter_map(|row| {
            let folder = dir.join(files::safe_dir_name(&row.host));
            let name = std::fs::read_dir(folder)
                .ok()?
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("image_check_report_") && n.ends_with(".txt"))
                .max()?;
            Some((row.host.clone(), name))
        })
        .collect()
}

/// Writes summary.csv, summary.md, report.html, run.json and, with a baseline, changes.csv and
/// changes.json. Returns the changes (empty without a baseline).
pub fn write_fleet_files(outcome: &RunOutcome) -> Result<Vec<Change>, String> {
    let dir = outcome.dir;
    let write = |name: &str, bytes: &[u8]| {
        files::write_atomic(&dir.join(name), bytes)
            .map_err(|e| format!("cannot write {}: {e}", dir.join(name).display()))
    };
    let csv = summary::to_csv(outcome.rows, outcome.check_names)
        .map_err(|e| format!("cannot format summary.csv: {e}"))?;
    write("summary.csv", &csv)?;
    let changes = outcome
        .baseline
        .map(|old| diff::diff(old, outcome.rows, outcome.check_names));
    if let Some(changes) = &changes {
        write("changes.csv", &diff::to_csv(changes))?;
        write("changes.json", diff::to_json(changes).as_bytes())?;
    }
    let record = &outcome.record;
    let txt = txt_reports(dir, outcome.rows);
    let view = FleetView {
        rows: outcome.rows,
        check_names: outcome.check_names,
        changes: changes.as_deref(),
        groups: outcome.groups,
        run: RunInfo {
            started: record.started.clone(),
            finished: record.finished.clone(),
            tool_version: TOOL_VERSION.to_string(),
            inventory: record.inventory.clone(),
            inventory_hosts: record.hosts,
            baseline: record.baseline.clone(),
        },
        txt_reports: Some(&txt),
    };
    write("summary.md", markdown::render(&view).as_bytes())?;
    write("report.html", html::render(&view).as_bytes())?;
    let json = serde_json::to_string_pretty(record).map_err(|e| e.to_string())? + "\n";
    write("run.json", json.as_bytes())?;
    Ok(changes.unwrap_or_default())
}

/// The exit code a finished run earns: 1 when `fail_on` says so, else 0.
pub fn fails(fail_on: FailOn, changes: &[Change], rows: &[SummaryRow], has_baseline: bool) -> bool {
    // Without a baseline every problem is new.
    let fail_on = if has_baseline {
        fail_on
    } else {
        FailOn::AnyFailed
    };
    diff::should_fail(fail_on, changes, rows)
}

/// SHA-1 of a file, hex, or "" when it cannot be read.
pub fn digest(path: &Path) -> String {
    use sha1::Digest;
    match std::fs::read(path) {
        Ok(bytes) => sha1::Sha1::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn output_template_expands_strftime_fields() {
        let now = chrono::Local
            .with_ymd_and_hms(2026, 11, 27, 2, 5, 9)
            .unwrap();
        assert_eq!(
            expand_output(Path::new("/var/lib/ic/%Y-%m-%d_%H%M"), now),
            PathBuf::from("/var/lib/ic/2026-11-27_0205")
        );
        assert_eq!(
            expand_output(Path::new("reports"), now),
            PathBuf::from("reports")
        );
    }

    fn record(started: &str) -> RunRecord {
        RunRecord {
            started: started.into(),
            finished: started.into(),
            tool_version: "t".into(),
            inventory: "i".into(),
            inventory_digest: String::new(),
            hosts: 0,
            ok: 0,
            warning: 0,
            failed: 0,
            unreachable: 0,
            interrupted: 0,
            baseline: None,
            shard: None,
        }
    }

    #[test]
    fn keep_removes_only_the_oldest_runs_and_nothing_else() {
        let root = std::env::temp_dir().join(format!("ic-prune-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for (name, started) in [
            ("a", "2026-11-20 02:00:00"),
            ("b", "2026-11-21 02:00:00"),
            ("c", "2026-11-22 02:00:00"),
        ] {
            std::fs::create_dir_all(root.join(name)).unwrap();
            std::fs::write(
                root.join(name).join("run.json"),
                serde_json::to_string(&record(started)).unwrap(),
            )
            .unwrap();
        }
        std::fs::create_dir_all(root.join("not-a-run")).unwrap();
        let removed = prune(&root.join("c"), 2).unwrap();
        assert_eq!(removed, [root.join("a")]);
        assert!(
            root.join("b").exists() && root.join("c").exists() && root.join("not-a-run").exists()
        );
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn lock_refuses_a_live_holder_and_takes_over_a_stale_one() {
        let root = std::env::temp_dir().join(format!("ic-lock-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let held = RunLock::acquire(&root).unwrap();
        let refused = RunLock::acquire(&root).unwrap_err();
        assert!(
            refused.contains(&format!("pid {}", std::process::id())),
            "{refused}"
        );
        drop(held);
        std::fs::write(root.join(".image_check.lock"), "4000000000\n").unwrap();
        assert!(
            RunLock::acquire(&root).is_ok(),
            "a lock of a dead process is taken over"
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}

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

use crate::report::diff::{self, Change};
use crate::report::fleet_view::{FleetView, RunInfo};
use crate::report::summary::{self, HostStatus, SummaryRow};
use crate::report::{files, html, markdown, TOOL_VERSION};

/// run.json: when, with what, over which inventory, and the host counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRecord {
    pub started: RunTime,
    /// None until the run's fleet files are written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished: Option<RunTime>,
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

/// A moment in run.json: written as RFC 3339 with the offset of the controller's time zone
/// (`2026-12-04T02:00:01+01:00`), so runs of controllers in different zones compare as
/// instants. Earlier versions wrote local time without an offset (`2026-12-04 02:00:01`):
/// such a run.json is read as this controller's local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RunTime(pub chrono::DateTime<chrono::FixedOffset>);

/// The format run.json used before RFC 3339, and the reports' headers still show.
const LOCAL_TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

impl RunTime {
    pub fn now() -> Self {
        RunTime::from(chrono::Local::now())
    }

    /// `2026-12-04 02:00:01`: the wall-clock time of the controller that ran the scan, as the
    /// reports' headers show it.
    pub fn wall_clock(&self) -> String {
        self.0.format(LOCAL_TIME_FORMAT).to_string()
    }

    /// Reads RFC 3339, or the offset-less local time of old run.json files.
    pub fn parse(text: &str) -> Result<Self, String> {
        if let Ok(time) = chrono::DateTime::parse_from_rfc3339(text) {
            return Ok(RunTime(time));
        }
        chrono::NaiveDateTime::parse_from_str(text, LOCAL_TIME_FORMAT)
            .ok()
            .and_then(|naive| naive.and_local_timezone(chrono::Local).earliest())
            .map(RunTime::from)
            .ok_or_else(|| {
                format!("`{text}` is not a time (RFC 3339, e.g. 2026-12-04T02:00:01+01:00)")
            })
    }
}

impl From<chrono::DateTime<chrono::Local>> for RunTime {
    fn from(time: chrono::DateTime<chrono::Local>) -> Self {
        RunTime(time.fixed_offset())
    }
}

impl Default for RunTime {
    fn default() -> Self {
        RunTime(chrono::DateTime::UNIX_EPOCH.fixed_offset())
    }
}

impl std::fmt::Display for RunTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(chrono::SecondsFormat::Secs, false))
    }
}

impl Serialize for RunTime {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for RunTime {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        RunTime::parse(&text).map_err(serde::de::Error::custom)
    }
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
    /// exists is taken over; a lock that is a symlink is removed, never followed. Holding the
    /// lock, it removes the temporary files of runs that died mid-write (one line says so).
    pub fn acquire(dir: &Path) -> Result<RunLock, String> {
        match std::fs::symlink_metadata(dir) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = std::fs::read_link(dir).unwrap_or_default();
                eprintln!(
                    "note: the output folder {} is a symlink to {}: the run is written there",
                    dir.display(),
                    target.display()
                );
            }
            Ok(meta) if !meta.is_dir() && std::fs::metadata(dir).is_ok_and(|m| !m.is_dir()) => {
                return Err(format!(
                    "the output folder {} is a file, not a folder: give -o a folder (a missing \
                     one is created)",
                    dir.display()
                ));
            }
            _ => {}
        }
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create the output folder {}: {e}", dir.display()))?;
        let path = dir.join(".image_check.lock");
        for _ in 0..2 {
            // create_new is O_CREAT|O_EXCL: it fails on any existing name, a symlink included.
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut file) => {
                    let line = format!("{} {}\n", std::process::id(), host_name());
                    let _ = std::io::Write::write_all(&mut file, line.as_bytes());
                    let removed = files::remove_stale_temporaries(dir);
                    if let Some(first) = removed.first() {
                        eprintln!(
                            "warning: removed {} temporary file(s) left by runs that died mid-write ({}{})",
                            removed.len(),
                            first.display(),
                            if removed.len() > 1 { ", ..." } else { "" }
                        );
                    }
                    return Ok(RunLock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let Some(holder) = read_lock(&path)? else {
                        continue;
                    };
                    let mut words = holder.split_whitespace();
                    let pid: Option<u32> = words.next().and_then(|p| p.parse().ok());
                    let host = words.next().unwrap_or_default().to_string();
                    // Only a process on this machine can be looked for; our own pid in the lock
                    // is a leftover of an earlier life (a container restarted as pid 1).
                    let here = host.is_empty() || host == host_name();
                    let alive =
                        pid.is_some_and(|pid| pid != std::process::id() && process_exists(pid));
                    if !here || alive {
                        let pid = pid.map_or_else(|| "?".to_string(), |p| p.to_string());
                        let on = if here {
                            String::new()
                        } else {
                            format!(" on {host}")
                        };
                        return Err(format!(
                            "another image_check run (pid {pid}{on}) is writing {}; wait for it, use another -o folder, or delete {} if that run is gone",
                            dir.display(),
                            path.display()
                        ));
                    }
                    let _ = std::fs::remove_file(&path);
                }
                Err(e) => {
                    return Err(format!(
                        "cannot write in the output folder {} ({}: {e}): give -o a folder \
                         this user can write",
                        dir.display(),
                        path.display()
                    ))
                }
            }
        }
        Err(format!("cannot lock {}", path.display()))
    }
}

/// The first line of an existing lock file, read without following a symlink and at most 4 KiB
/// of it. `None` when the lock was not a regular file: it is removed (one line says so).
fn read_lock(path: &Path) -> Result<Option<String>, String> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let cannot = |e: std::io::Error| format!("cannot read the lock {}: {e}", path.display());
    let opened = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path);
    let file = match opened {
        Ok(file) if file.metadata().map_err(cannot)?.is_file() => file,
        // Released by its holder meanwhile.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Ok(_) | Err(_) => {
            let what = match std::fs::read_link(path) {
                Ok(target) => format!("a symbolic link (to {})", target.display()),
                Err(_) => "not a regular file".to_string(),
            };
            std::fs::remove_file(path).map_err(cannot)?;
            eprintln!(
                "warning: the lock {} was {what}: removed, nothing written through it",
                path.display()
            );
            return Ok(None);
        }
    };
    let mut text = String::new();
    let _ = file.take(4096).read_to_string(&mut text);
    Ok(Some(text))
}

impl Drop for RunLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
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
/// included). Only folders with a run.json count as runs; anything else there is left alone,
/// symlinks included (the nightly recipe's `latest` is one: it is not a run of its own).
pub fn prune(current: &Path, keep: usize) -> Result<Vec<PathBuf>, String> {
    let Some(parent) = current.parent().filter(|p| !p.as_os_str().is_empty()) else {
        return Ok(Vec::new());
    };
    let entries = std::fs::read_dir(parent)
        .map_err(|e| format!("--keep: cannot list {}: {e}", parent.display()))?;
    let mut runs: Vec<(RunTime, PathBuf)> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .filter_map(|p| {
            let record: RunRecord =
                serde_json::from_slice(&crate::local_file::read(&p.join("run.json")).ok()?).ok()?;
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
    /// Why the `--baseline` given could not be used: the reports' changes section says it.
    pub baseline_unusable: Option<&'a str>,
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
                // Alibaba's report: the time follows the prefix, not a profile's name.
                .filter(|n| {
                    n.strip_prefix("image_check_report_")
                        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
                        && n.ends_with(".txt")
                })
                .max()?;
            Some((row.host.clone(), name))
        })
        .collect()
}

/// Writes summary.csv, summary.md, report.html, run.json and, with a baseline, changes.csv and
/// changes.json. Returns the changes (empty without a baseline). A file that cannot be written
/// does not stop the others; the error names every file lost (once, when they share a cause:
/// "cannot write DIR/summary.csv, summary.md and run.json: No space left on device").
pub fn write_fleet_files(outcome: &RunOutcome) -> Result<Vec<Change>, String> {
    let dir = outcome.dir;
    let mut failed: Vec<std::io::Error> = Vec::new();
    let mut write = |name: &str, bytes: &[u8]| {
        if let Err(e) = files::write_atomic(&dir.join(name), bytes) {
            failed.push(e);
        }
    };
    let csv = summary::to_csv(outcome.rows, outcome.check_names)
        .map_err(|e| format!("cannot format summary.csv: {e}"))?;
    write("summary.csv", &csv);
    let changes = outcome
        .baseline
        .map(|old| diff::diff(old, outcome.rows, outcome.check_names));
    if let Some(changes) = &changes {
        write("changes.csv", &diff::to_csv(changes));
        write("changes.json", diff::to_json(changes).as_bytes());
    }
    let record = &outcome.record;
    let txt = txt_reports(dir, outcome.rows);
    let view = FleetView {
        rows: outcome.rows,
        check_names: outcome.check_names,
        changes: changes.as_deref(),
        groups: outcome.groups,
        run: RunInfo {
            started: record.started.wall_clock(),
            finished: record
                .finished
                .as_ref()
                .map(RunTime::wall_clock)
                .unwrap_or_default(),
            tool_version: TOOL_VERSION.to_string(),
            inventory: record.inventory.clone(),
            inventory_hosts: record.hosts,
            baseline: record.baseline.clone(),
            baseline_unusable: outcome.baseline_unusable.map(str::to_string),
        },
        txt_reports: Some(&txt),
    };
    write("summary.md", markdown::render(&view).as_bytes());
    write("report.html", html::render(&view).as_bytes());
    let json = serde_json::to_string_pretty(record).map_err(|e| e.to_string())? + "\n";
    write("run.json", json.as_bytes());
    match failed.as_slice() {
        [] => Ok(changes.unwrap_or_default()),
        errors => Err(describe_failed_writes(dir, errors)),
    }
}

/// One line for the files a run could not write: the folder, each file's name, and the cause
/// once when they share it.
fn describe_failed_writes(dir: &Path, errors: &[std::io::Error]) -> String {
    let parts: Vec<(String, String)> = errors
        .iter()
        .map(|e| match files::WriteError::of(e) {
            Some(w) => (
                w.path
                    .strip_prefix(dir)
                    .unwrap_or(&w.path)
                    .display()
                    .to_string(),
                w.source.to_string(),
            ),
            None => (String::new(), e.to_string()),
        })
        .collect();
    let cause = &parts[0].1;
    if parts.iter().all(|(_, c)| c == cause) {
        let names: Vec<&str> = parts.iter().map(|(n, _)| n.as_str()).collect();
        let names = match names.split_last() {
            Some((last, [])) => last.to_string(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
            None => String::new(),
        };
        format!("cannot write {names} in {}: {cause}", dir.display())
    } else {
        parts
            .iter()
            .map(|(n, c)| format!("cannot write {}: {c}", dir.join(n).display()))
            .collect::<Vec<_>>()
            .join("; ")
    }
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
        let started = RunTime::parse(started).unwrap();
        RunRecord {
            started,
            finished: Some(started),
            ..RunRecord::default()
        }
    }

    #[test]
    fn run_times_are_written_as_rfc_3339_with_their_offset() {
        let time = RunTime::parse("2026-12-04T02:00:01+01:00").unwrap();
        let json = serde_json::to_value(record("2026-12-04T02:00:01+01:00")).unwrap();
        assert_eq!(json["started"], "2026-12-04T02:00:01+01:00");
        assert_eq!(json["finished"], "2026-12-04T02:00:01+01:00");
        assert_eq!(time.wall_clock(), "2026-12-04 02:00:01");
        // UTC is written as +00:00, not Z: one spelling for every zone.
        let utc = RunTime::parse("2026-12-04T01:00:01Z").unwrap();
        assert_eq!(utc.to_string(), "2026-12-04T01:00:01+00:00");
        assert_eq!(utc.0, time.0, "the same instant");
        let unfinished = RunRecord::default();
        assert!(serde_json::to_value(unfinished)
            .unwrap()
            .get("finished")
            .is_none());
    }

    #[test]
    fn run_json_of_earlier_versions_reads_as_local_time() {
        let old: RunRecord = serde_json::from_str(
            r#"{"started":"2026-11-20 02:00:00","finished":"2026-11-20 02:04:13",
                "tool_version":"0.8.0","inventory":"hosts.toml","inventory_digest":"",
                "hosts":1,"ok":1,"warning":0,"failed":0,"unreachable":0,"interrupted":0,
                "baseline":null,"shard":null}"#,
        )
        .unwrap();
        assert_eq!(old.started.wall_clock(), "2026-11-20 02:00:00");
        assert_eq!(old.finished.unwrap().wall_clock(), "2026-11-20 02:04:13");
        let local = chrono::Local
            .with_ymd_and_hms(2026, 11, 20, 2, 0, 0)
            .unwrap();
        assert_eq!(old.started, RunTime::from(local));
        let bad = serde_json::from_str::<RunRecord>(r#"{"started":"yesterday"}"#).unwrap_err();
        assert!(
            bad.to_string().contains("`yesterday` is not a time"),
            "{bad}"
        );
    }

    #[test]
    fn keep_removes_only_the_oldest_runs_and_nothing_else() {
        let root = std::env::temp_dir().join(format!("ic-prune-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        // Ordered as instants, whatever the offset or the format they were written in: as
        // text, a (00:00 UTC, written +05:00) would sort after c and b be removed instead.
        for (name, started) in [
            ("old", "2026-11-01 02:00:00"),
            ("a", "2026-11-22T05:00:00+05:00"),
            ("b", "2026-11-22T01:00:00+00:00"),
            ("c", "2026-11-22T02:00:00+00:00"),
        ] {
            let mut json = serde_json::to_value(record("2026-11-01T00:00:00Z")).unwrap();
            json["started"] = started.into();
            std::fs::create_dir_all(root.join(name)).unwrap();
            std::fs::write(root.join(name).join("run.json"), json.to_string()).unwrap();
        }
        std::fs::create_dir_all(root.join("not-a-run")).unwrap();
        // A run.json that is a device is not read (it would never end): not a run.
        std::fs::create_dir_all(root.join("zero")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", root.join("zero/run.json")).unwrap();
        // `latest -> c`, as the nightly recipe makes it: not a run, never pruned.
        std::os::unix::fs::symlink(root.join("c"), root.join("latest")).unwrap();
        let removed = prune(&root.join("c"), 2).unwrap();
        assert_eq!(removed, [root.join("old"), root.join("a")]);
        assert!(
            root.join("b").exists() && root.join("c").exists() && root.join("not-a-run").exists()
        );
        assert!(root.join("latest/run.json").exists() && root.join("zero").exists());
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn lock_refuses_a_live_holder_and_takes_over_a_stale_one() {
        let root = std::env::temp_dir().join(format!("ic-lock-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let lock = root.join(".image_check.lock");
        let held = RunLock::acquire(&root).unwrap();
        assert!(std::fs::read_to_string(&lock)
            .unwrap()
            .starts_with(&format!("{} ", std::process::id())));
        drop(held);
        assert!(!lock.exists(), "released on drop");
        // pid 1 always runs: a live holder on this machine.
        std::fs::write(&lock, format!("1 {}\n", host_name())).unwrap();
        assert!(RunLock::acquire(&root)
            .unwrap_err()
            .contains("another image_check run (pid 1) is writing"));
        std::fs::write(&lock, "4000000000\n").unwrap();
        assert!(
            RunLock::acquire(&root).is_ok(),
            "a lock of a dead process is taken over"
        );
        std::fs::write(&lock, format!("{} {}\n", std::process::id(), host_name())).unwrap();
        assert!(
            RunLock::acquire(&root).is_ok(),
            "our own pid in the lock is a leftover"
        );
        std::fs::write(&lock, "1 elsewhere\n").unwrap();
        assert!(RunLock::acquire(&root)
            .unwrap_err()
            .contains("(pid 1 on elsewhere)"));
        // A lock planted as a symlink is removed, not followed: its target keeps its bytes.
        std::fs::remove_file(&lock).unwrap();
        let outside = root.join("outside");
        std::fs::write(&outside, "1 elsewhere\n").unwrap();
        std::os::unix::fs::symlink(&outside, &lock).unwrap();
        let held = RunLock::acquire(&root).unwrap();
        assert!(std::fs::symlink_metadata(&lock).unwrap().is_file());
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), "1 elsewhere\n");
        drop(held);
        std::fs::remove_dir_all(&root).unwrap();
    }
}

/// What `merge` learnt from the shards' run.json files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergedRuns {
    pub rows: Vec<SummaryRow>,
    /// The run.json of the merged folder (counts filled in by the caller's writer).
    pub record: RunRecord,
    /// Shards of the scan that no given folder holds, e.g. ["2/4"].
    pub missing_shards: Vec<String>,
}

fn read_record(run: &Path) -> Result<RunRecord, String> {
    let text = crate::local_file::read(&run.join("run.json"))
        .map_err(|e| format!("{}: not a run folder (run.json: {e})", run.display()))?;
    serde_json::from_slice(&text).map_err(|e| {
        format!(
            "{}: run.json is not image_check's: {e}",
            run.join("run.json").display()
        )
    })
}

/// Copies a shard's host folder into the merged run (hard links where it can). Symlinks are
/// neither copied nor followed, on either side: a link in the shard is skipped with one line,
/// a link in the merged folder replaced (see [`files::Dir::link_or_copy`]).
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    let dir = files::real_dir(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_symlink() {
            eprintln!(
                "warning: {} is a symbolic link: not copied into {}",
                entry.path().display(),
                to.display()
            );
        } else if kind.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else if let Some(name) = entry.file_name().to_str() {
            dir.link_or_copy(&entry.path(), name)?;
        }
    }
    Ok(())
}

/// Joins the run folders of a sharded scan into `output` as if one process had scanned every
/// host: one row per host (in `order`, the inventory's, when given, else by name) and every
/// host's report folder. Refuses runs of different inventories, two runs of one shard, and a
/// host found in two runs.
pub fn merge_runs(
    runs: &[PathBuf],
    output: &Path,
    check_names: &[&str],
    order: Option<&[String]>,
) -> Result<MergedRuns, String> {
    let mut records: Vec<(PathBuf, RunRecord)> = Vec::new();
    let mut rows: Vec<SummaryRow> = Vec::new();
    let mut owner: HashMap<String, PathBuf> = HashMap::new();
    let mut shard_count = None;
    let mut seen_shards: HashMap<String, PathBuf> = HashMap::new();
    let mut unreadable = Vec::new();
    for run in runs {
        // A shard that never finished left no run.json: reported missing, not fatal.
        if !run.join("run.json").exists() {
            unreadable.push(run.display().to_string());
            continue;
        }
        let record = read_record(run)?;
        if let Some((first, first_record)) = records.first() {
            if first_record.inventory_digest != record.inventory_digest {
                return Err(format!(
                    "{} and {} scanned different inventories (SHA-1 {} and {}): merge the shards of one scan",
                    first.display(),
                    run.display(),
                    first_record.inventory_digest,
                    record.inventory_digest
                ));
            }
        }
        if let Some(label) = &record.shard {
            let shard = crate::shard::Shard::parse(label)?;
            if *shard_count.get_or_insert(shard.count) != shard.count {
                return Err(format!(
                    "{}: shard {label} is from a split into another number of shards",
                    run.display()
                ));
            }
            if let Some(other) = seen_shards.insert(label.clone(), run.clone()) {
                return Err(format!(
                    "{} and {} are both shard {label}",
                    other.display(),
                    run.display()
                ));
            }
        }
        for row in summary::read(&run.join("summary.csv"), check_names)? {
            if let Some(other) = owner.insert(row.host.clone(), run.clone()) {
                return Err(format!(
                    "host {:?} is in both {} and {}: overlapping shards",
                    row.host,
                    other.display(),
                    run.display()
                ));
            }
            let folder = files::safe_dir_name(&row.host);
            if run.join(&folder).is_dir() {
                copy_tree(&run.join(&folder), &output.join(&folder)).map_err(|e| {
                    format!(
                        "cannot copy {} into {}: {e}",
                        run.join(&folder).display(),
                        output.display()
                    )
                })?;
            }
            rows.push(row);
        }
        records.push((run.clone(), record));
    }
    let Some((_, first)) = records.first() else {
        return Err("merge needs at least one run folder".into());
    };
    match order {
        Some(order) => {
            let position: HashMap<&str, usize> = order
                .iter()
                .enumerate()
                .map(|(i, n)| (n.as_str(), i))
                .collect();
            rows.sort_by_key(|r| position.get(r.host.as_str()).copied().unwrap_or(usize::MAX));
        }
        None => rows.sort_by(|a, b| a.host.cmp(&b.host)),
    }
    let mut missing_shards: Vec<String> = shard_count
        .map(|n| {
            (0..n)
                .map(|k| format!("{k}/{n}"))
                .filter(|label| !seen_shards.contains_key(label))
                .collect()
        })
        .unwrap_or_default();
    missing_shards.extend(
        unreadable
            .into_iter()
            .map(|folder| format!("{folder} (no run.json)")),
    );
    let record = RunRecord {
        started: records
            .iter()
            .map(|(_, r)| r.started)
            .min()
            .unwrap_or_default(),
        finished: records.iter().filter_map(|(_, r)| r.finished).max(),
        shard: None,
        ..first.clone()
    };
    Ok(MergedRuns {
        rows,
        record,
        missing_shards,
    })
}

//! The scan driver: ties inventory → transport → facts → checks → reports together for a
//! fleet, with bounded concurrency, a per-host deadline and a progress bar.
//!
//! Every target ends as exactly one [`SummaryRow`], reachable or not; a host's files are
//! written as soon as that host finishes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

use crate::capture::{self, Recorder, Recording};
use crate::checks::profiles::Profile;
use crate::checks::{CheckResult, Status};
use crate::facts::{self, Facts};
use crate::inventory::{Target, Thresholds};
use crate::journal::Journal;
use crate::report::files::{real_dir, safe_dir_name, Dir, ReportPaths};
use crate::report::summary::{HostStatus, SummaryRow};
use crate::report::{HostReport, UNKNOWN};
use crate::transport::ssh::{self, SshContext};
use crate::transport::HostLimits;

#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub output: PathBuf,
    pub concurrency: usize,
    /// Deadline for the whole host: connect and every fact. What was read by then is
    /// reported; only a host that never logged in in time is unreachable.
    pub host_timeout: Duration,
    /// Bytes one host may send in all.
    pub host_budget: usize,
    pub save_facts: bool,
    pub progress: bool,
    /// Print each host as a JSON line on stdout as it finishes.
    pub json_lines: bool,
    /// The profiles each host is checked against; the first one fills summary.csv's check
    /// columns.
    pub profiles: Vec<&'static Profile>,
}

/// `facts.json` as `--save-facts` wrote it before captures: parsed facts, evaluated as they
/// are (a parser fixed since does not change them).
#[derive(Debug, Serialize, serde::Deserialize)]
pub struct SavedFacts {
    pub host: String,
    pub address: String,
    pub time: String,
    pub facts: Facts,
}

/// The moment of a check, in the seed's `YYYY-MM-DD_HH-MM-SS` (local time).
pub fn timestamp() -> String {
    chrono::Local::now().format("%Y-%m-%d_%H-%M-%S").to_string()
}

/// The worst verdict among the checks.
pub fn host_status(checks: &[CheckResult]) -> HostStatus {
    match checks.iter().map(|c| c.status).max() {
        Some(Status::Failed) => HostStatus::Failed,
        Some(Status::Warning) => HostStatus::Warning,
        _ => HostStatus::Ok,
    }
}

/// The summary row of a host that was reached and checked.
fn reached_row(host: &HostId, report: &HostReport, checks: &[CheckResult]) -> SummaryRow {
    let not_ok: Vec<&str> = checks
        .iter()
        .filter(|c| c.status != Status::Ok)
        .map(|c| c.name.as_str())
        .collect();
    let os_version = match (
        report.os_big_version.as_str(),
        report.os_small_version.as_str(),
    ) {
        (UNKNOWN, _) => String::new(),
        (big, "") => big.to_string(),
        (big, small) => format!("{big}.{small}"),
    };
    SummaryRow {
        host: host.name.clone(),
        address: host.address.clone(),
        status: host_status(checks),
        reason: not_ok.join(" "),
        platform: report.platform.clone(),
        os_version,
        architecture: report.architecture.clone(),
        system_disk_size_gb: report.system_disk_size.clone(),
        ok: report.count(Status::Ok),
        warning: report.count(Status::Warning),
        failed: report.count(Status::Failed),
        checks: checks.iter().map(|c| Some(c.status)).collect(),
        profiles: Vec::new(),
    }
}

pub fn unreachable_row(host: &HostId, reason: &str) -> SummaryRow {
    SummaryRow::bare(&host.name, &host.address, HostStatus::Unreachable, reason)
}

/// What a host folder keeps besides its reports, for `evaluate`.
#[derive(Debug)]
pub enum Saved {
    /// The bytes of `capture.json.gz`: what the host answered (`scan --save-facts`).
    Capture(Vec<u8>),
    /// `facts.json` of an earlier version, evaluated again.
    Facts(Box<SavedFacts>),
}

/// Writes one host's TXT and JSON (and its capture or facts when asked) into `dir`: Alibaba's
/// names for Alibaba's report, the profile's for another cloud's.
pub fn write_host_files(
    dir: &Dir,
    report: &HostReport,
    saved: Option<&Saved>,
) -> std::io::Result<ReportPaths> {
    let (txt, json) = ReportPaths::names(&report.time, report.profile.as_deref());
    let paths = ReportPaths {
        txt: dir.path().join(&txt),
        json: dir.path().join(&json),
    };
    dir.write(&txt, report.to_txt().as_bytes())?;
    dir.write(&json, report.to_json().as_bytes())?;
    match saved {
        Some(Saved::Capture(bytes)) => dir.write(capture::FILE_NAME, bytes)?,
        Some(Saved::Facts(facts)) => {
            let json = serde_json::to_string_pretty(facts).map_err(std::io::Error::other)?;
            dir.write("facts.json", json.as_bytes())?;
        }
        None => {}
    }
    Ok(paths)
}

/// Time left after the host's deadline to close the connection and write the report.
const REPORT_GRACE: Duration = Duration::from_secs(5);

/// The host's facts, and with `--save-facts` every answer they were parsed from.
async fn collect_over_ssh(
    ctx: &SshContext,
    target: &Target,
    options: &ScanOptions,
) -> Result<(Facts, Option<Recording>), String> {
    // Half the host's deadline for any one command, so a hung command costs one fact, not
    // the whole host; no operation runs past the deadline, so the facts read by then make
    // the report.
    let limits = HostLimits::new(
        options.host_timeout / 2,
        Some(tokio::time::Instant::now() + options.host_timeout),
        options.host_budget,
    );
    let transport = ssh::connect(ctx, target, limits).await?;
    // What only the cloud profiles need is read only when one of them runs.
    let cloud = options.profiles.iter().any(|p| !p.is_alibaba());
    let (facts, answers) = if options.save_facts {
        let recorder = Recorder::new(&transport);
        let facts = facts::collect_with(&recorder, cloud).await;
        // Writing JSON into memory cannot fail; a capture that could not be kept is only
        // missing from the folder, the report is not.
        (facts, recorder.into_recording().ok())
    } else {
        (facts::collect_with(&transport, cloud).await, None)
    };
    if transport.is_closed() && transport.successes() == 0 {
        return Err(
            "the server closed the connection after authentication, before the facts were read"
                .into(),
        );
    }
    let _ = tokio::time::timeout(REPORT_GRACE, transport.close()).await;
    Ok((facts, answers))
}

/// `--json`: one JSON object per host on stdout as the host finishes, for jq and log
/// shippers: the summary row's fields and, for a reached host, its Alibaba report.
pub fn print_json_line(row: &SummaryRow, report: Option<&HostReport>) {
    use std::io::Write;
    let mut line = serde_json::json!({
        "host": row.host,
        "address": row.address,
        "status": row.status.as_str(),
        "reason": row.reason,
        "report": report,
    });
    // With several profiles: each one's status, {"alibaba": "ok", "azure": "failed"}.
    if !row.profiles.is_empty() {
        line["profiles"] = row
            .profiles
            .iter()
            .map(|(name, status)| (name.clone(), status.as_str().into()))
            .collect::<serde_json::Map<_, _>>()
            .into();
    }
    // One write per line, so lines of hosts finishing together never interleave.
    let _ = std::io::stdout()
        .lock()
        .write_all(format!("{line}\n").as_bytes());
}

/// Who a row or a saved facts file is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct HostId {
    pub name: String,
    pub address: String,
}

impl HostId {
    pub fn of(target: &Target) -> Self {
        HostId {
            name: target.name.clone(),
            address: target.address.clone(),
        }
    }
}

/// The start of the reason of a host whose report files could not be written.
pub const REPORT_NOT_WRITTEN: &str = "report not written";

/// Evaluates one host's facts against each profile and writes its reports under
/// `output/<host>/`: the step that `scan` runs for each reached host and `evaluate` for each
/// saved facts file. The first profile makes the summary row; with several, the row also
/// carries each profile's status.
pub fn report_host(
    host: &HostId,
    facts: Facts,
    thresholds: &Thresholds,
    output: &Path,
    saved: Option<Saved>,
    json_lines: bool,
    profiles: &[&Profile],
) -> SummaryRow {
    let time = timestamp();
    let dir = real_dir(&output.join(safe_dir_name(&host.name)));
    let mut row = None;
    let mut first_report = None;
    let mut statuses = Vec::new();
    let mut failures = Vec::new();
    for (index, profile) in profiles.iter().enumerate() {
        let checks = profile.evaluate(&facts, thresholds);
        let report = HostReport::for_profile(&facts, &checks, &time, profile);
        statuses.push((profile.name.to_string(), host_status(&checks)));
        // The capture is written once, beside the first profile's report.
        let saved = if index == 0 { saved.as_ref() } else { None };
        let written = match &dir {
            Ok(dir) => write_host_files(dir, &report, saved).map(drop),
            Err(e) => Err(std::io::Error::new(e.kind(), e.to_string())),
        };
        if let Err(e) = written {
            // The folder's error is the same for every profile: said once.
            if index == 0 || dir.is_ok() {
                failures.push(match profile.is_alibaba() || profiles.len() == 1 {
                    true => format!("{REPORT_NOT_WRITTEN}: {e}"),
                    false => format!("{} {REPORT_NOT_WRITTEN}: {e}", profile.name),
                });
            }
        }
        if index == 0 {
            row = Some(reached_row(host, &report, &checks));
            first_report = Some(report);
        }
    }
    let mut row =
        row.unwrap_or_else(|| reached_row(host, &HostReport::new(&facts, &[], &time), &[]));
    if profiles.len() > 1 {
        row.profiles = statuses;
    }
    if json_lines {
        print_json_line(&row, first_report.as_ref());
    }
    if !failures.is_empty() {
        row.reason = match row.reason.as_str() {
            "" => failures.join("; "),
            checks => format!("{}; {checks}", failures.join("; ")),
        };
    }
    row
}

fn unreachable(host: &HostId, reason: &str, json_lines: bool) -> SummaryRow {
    let row = unreachable_row(host, reason);
    if json_lines {
        print_json_line(&row, None);
    }
    row
}

async fn scan_host(ctx: Arc<SshContext>, target: Target, options: Arc<ScanOptions>) -> SummaryRow {
    let host = HostId::of(&target);
    if let Some(reason) = &target.invalid {
        let mut row = unreachable_row(&host, reason);
        row.status = HostStatus::Invalid;
        if options.json_lines {
            print_json_line(&row, None);
        }
        return row;
    }
    let deadline = options.host_timeout;
    // The transport stops every operation at the deadline; this one only guards against a
    // step that ignores it.
    let collected = tokio::time::timeout(
        deadline + REPORT_GRACE,
        collect_over_ssh(&ctx, &target, &options),
    );
    let (facts, answers) = match collected.await {
        Ok(Ok(collected)) => collected,
        Ok(Err(reason)) => return unreachable(&host, &reason, options.json_lines),
        Err(_) => {
            let reason = format!(
                "host deadline of {} s passed before all facts were read",
                deadline.as_secs()
            );
            return unreachable(&host, &reason, options.json_lines);
        }
    };
    let header = capture::Header::new(&host.name, &host.address, &timestamp());
    let saved = answers
        .and_then(|recording| recording.file_bytes(&header).ok())
        .map(Saved::Capture);
    let fallback = host.clone();
    let written = tokio::task::spawn_blocking(move || {
        report_host(
            &host,
            facts,
            &target.thresholds,
            &options.output,
            saved,
            options.json_lines,
            &options.profiles,
        )
    })
    .await;
    written.unwrap_or_else(|e| {
        unreachable_row(
            &fallback,
            &format!("internal error while writing the report: {e}"),
        )
    })
}

/// How long hosts still in flight may take to finish once a scan is asked to stop.
pub const STOP_GRACE: Duration = Duration::from_secs(5);

/// Resolves once `stop` turns true; never, if its sender is gone without doing so.
async fn stopped(mut stop: watch::Receiver<bool>) {
    if stop.wait_for(|stop| *stop).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// A bar of `len` steps on stderr (hidden unless `visible`): `[====] 3/10 hosts  0:02  msg`.
pub fn progress_bar(len: usize, visible: bool, unit: &str) -> ProgressBar {
    let progress = ProgressBar::with_draw_target(
        Some(len as u64),
        if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    let template = format!("{{bar:40}} {{pos}}/{{len}} {unit}  {{elapsed}}  {{msg}}");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        progress.set_style(style);
    }
    progress
}

/// Scans every target and returns one row per target, in inventory order. When `stop` turns
/// true, no new host is started, hosts in flight get [`STOP_GRACE`] to finish, and every host
/// without a result is marked interrupted.
pub async fn scan(
    targets: &[Target],
    options: ScanOptions,
    stop: watch::Receiver<bool>,
    journal: &Journal,
    done: HashMap<usize, SummaryRow>,
) -> Vec<SummaryRow> {
    let progress = progress_bar(targets.len(), options.progress, "hosts");
    let ctx = Arc::new(SshContext::with_inventory(targets));
    let options = Arc::new(ScanOptions {
        concurrency: options.concurrency.max(1),
        ..options
    });
    let slots = Arc::new(Semaphore::new(options.concurrency));
    let mut tasks = JoinSet::new();
    let mut rows: Vec<Option<SummaryRow>> = vec![None; targets.len()];
    for (index, row) in done {
        if let Some(slot) = rows.get_mut(index) {
            *slot = Some(row);
            progress.inc(1);
        }
    }
    let record = |done, rows: &mut [Option<SummaryRow>]| record(done, rows, &progress, journal);
    let mut stopping = false;
    for (index, target) in targets.iter().enumerate() {
        if rows[index].is_some() {
            continue; // finished before the run was resumed
        }
        // Wait for a slot before spawning, so at most `concurrency` connections exist at once.
        let permit = tokio::select! {
            biased;
            _ = stopped(stop.clone()) => {
                stopping = true;
                break;
            }
            permit = slots.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let (ctx, options, target) = (ctx.clone(), options.clone(), target.clone());
        tasks.spawn(async move {
            let row = scan_host(ctx, target, options).await;
            drop(permit);
            (index, row)
        });
        while let Some(done) = tasks.try_join_next() {
            record(done, &mut rows);
        }
    }
    while !stopping {
        tokio::select! {
            done = tasks.join_next() => match done {
                Some(done) => record(done, &mut rows),
                None => break,
            },
            _ = stopped(stop.clone()) => stopping = true,
        }
    }
    if stopping {
        let grace = tokio::time::sleep(STOP_GRACE);
        tokio::pin!(grace);
        loop {
            tokio::select! {
                done = tasks.join_next() => match done {
                    Some(done) => record(done, &mut rows),
                    None => break,
                },
                _ = &mut grace => {
                    tasks.abort_all();
                    while let Some(done) = tasks.join_next().await {
                        record(done, &mut rows);
                    }
                    break;
                }
            }
        }
    }
    progress.finish_and_clear();
    rows.into_iter()
        .zip(targets)
        .map(|(row, target)| {
            row.unwrap_or_else(|| {
                let host = HostId::of(target);
                if stopping {
                    let mut row = unreachable_row(
                        &host,
                        "the scan was interrupted before this host finished",
                    );
                    row.status = HostStatus::Interrupted;
                    row
                } else {
                    unreachable_row(&host, "internal error: the host's task did not finish")
                }
            })
        })
        .collect()
}

/// Keeps a finished host's row, in memory and in the journal.
fn record(
    done: Result<(usize, SummaryRow), tokio::task::JoinError>,
    rows: &mut [Option<SummaryRow>],
    progress: &ProgressBar,
    journal: &Journal,
) {
    if let Ok((index, mut row)) = done {
        progress.set_message(row.host.clone());
        if let Err(e) = journal.append(index, &row) {
            row.reason = format!("not kept in the journal: {e}; {}", row.reason);
        }
        rows[index] = Some(row);
    }
    progress.inc(1);
}

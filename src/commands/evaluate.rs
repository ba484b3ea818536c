//! `image_check evaluate`: saved hosts (captures, or facts.json of earlier versions) judged
//! again, without a network, into a new run folder.

use std::path::{Path, PathBuf};

use clap::Args;

use super::fleet::{finish_fleet, run_record, Fleet};
use super::{load_targets, read_baseline, BaselineArgs, ThresholdArgs, UsageError};
use crate::capture::{self, Capture, Replay};
use crate::checks::profiles;
use crate::facts;
use crate::inventory::Thresholds;
use crate::local_file;
use crate::report::summary::SummaryRow;
use crate::run::RunLock;
use crate::scan::{self, HostId, Saved, SavedFacts};

#[derive(Args)]
pub struct EvaluateArgs {
    /// Captures (capture.json.gz) or facts.json files of earlier versions, or folders of a
    /// scan made with --save-facts (DIR/<host>/capture.json.gz).
    #[arg(required = true)]
    pub facts: Vec<PathBuf>,
    /// Folder for the new reports and summary.csv.
    #[arg(
        short = 'o',
        long = "output",
        default_value = "./image_check_evaluated"
    )]
    pub output: PathBuf,
    /// Take each host's thresholds from this inventory (by host name).
    #[arg(short = 'i', long = "inventory")]
    pub inventory: Option<PathBuf>,
    /// Target clouds, as for scan: alibaba (default), aws, azure, gcp, all, or a comma list.
    #[arg(long, default_value = "alibaba")]
    pub profile: String,
    #[command(flatten)]
    pub baseline: BaselineArgs,
    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub thresholds: ThresholdArgs,
}

pub async fn run_evaluate(args: EvaluateArgs) -> anyhow::Result<u8> {
    let inventory = args
        .inventory
        .as_deref()
        .map(|path| load_targets(path, None))
        .transpose()?
        .unwrap_or_default();
    let files = saved_files(&args.facts)?;
    let mut saved = Vec::new();
    for file in &files {
        saved.push(load_saved(file).await?);
    }
    let profiles = profiles::parse(&args.profile).map_err(UsageError)?;
    let check_names = profiles[0].names();
    let baseline = read_baseline(&args.baseline, &check_names);
    let started = chrono::Local::now();
    let _lock = RunLock::acquire(&args.output).map_err(UsageError)?;
    let thresholds_of: std::collections::HashMap<&str, Thresholds> = inventory
        .iter()
        .map(|t| (t.name.as_str(), t.thresholds))
        .collect();
    let mut rows: Vec<SummaryRow> = Vec::new();
    for (host, facts, saved) in saved {
        let from_inventory = thresholds_of.get(host.name.as_str()).copied();
        let thresholds = args.thresholds.apply(from_inventory.unwrap_or_default());
        rows.push(scan::report_host(
            &host,
            facts,
            &thresholds,
            &args.output,
            Some(saved),
            false,
            &profiles,
        ));
    }
    let inventory = args.inventory.clone().unwrap_or_default();
    let fleet = Fleet {
        dir: &args.output,
        record: run_record(started, &inventory, &args.baseline, None),
        groups: Vec::new(),
        fail_on: args.baseline.fail_on,
        check_names,
    };
    finish_fleet(&rows, &fleet, &baseline, args.quiet)
}

/// The saved hosts named on the command line: files as they are, folders searched one level
/// deep (a scan's DIR/<host>/capture.json.gz, or facts.json of earlier versions).
pub fn saved_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, UsageError> {
    let mut files = Vec::new();
    for path in paths {
        if !path.is_dir() {
            files.push(path.clone());
            continue;
        }
        let entries =
            std::fs::read_dir(path).map_err(|e| UsageError(format!("{}: {e}", path.display())))?;
        let mut found: Vec<PathBuf> = entries
            .filter_map(|entry| {
                let host = entry.ok()?.path();
                [capture::FILE_NAME, "facts.json"]
                    .iter()
                    .map(|name| host.join(name))
                    .find(|file| file.is_file())
            })
            .collect();
        if found.is_empty() {
            return Err(UsageError(format!(
                "{}: no */{} or */facts.json inside (scan with --save-facts)",
                path.display(),
                capture::FILE_NAME
            )));
        }
        found.sort();
        files.append(&mut found);
    }
    Ok(files)
}

/// One saved host, read and parsed: a capture, parsed again now (a parser fixed since the
/// scan changes the verdicts), or facts.json of an earlier version, evaluated as it was
/// parsed then. With what its folder keeps.
async fn load_saved(file: &Path) -> Result<(HostId, facts::Facts, Saved), UsageError> {
    let with_file = |e: String| UsageError(format!("{}: {e}", file.display()));
    if file.file_name().is_none_or(|name| name != "facts.json") {
        let capture = Capture::load(file).map_err(with_file)?;
        let bytes = local_file::read_capped(file, local_file::FACTS_FILE_CAP)
            .map_err(|e| with_file(e.to_string()))?;
        let facts = facts::collect(&Replay::new(&capture.answers)).await;
        let host = HostId {
            name: capture.header.host,
            address: capture.header.address,
        };
        return Ok((host, facts, Saved::Capture(bytes)));
    }
    let parsed = local_file::read_capped(file, local_file::FACTS_FILE_CAP)
        .map_err(|e| e.to_string())
        .and_then(|bytes| serde_json::from_slice::<SavedFacts>(&bytes).map_err(|e| e.to_string()));
    let old = parsed.map_err(|e| {
        with_file(format!(
            "not a facts.json written by scan --save-facts: {e}"
        ))
    })?;
    let host = HostId {
        name: old.host.clone(),
        address: old.address.clone(),
    };
    let facts = old.facts.clone();
    Ok((host, facts, Saved::Facts(Box::new(old))))
}

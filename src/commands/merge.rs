//! `image_check merge`: the run folders of a sharded scan joined into one run.

use std::path::PathBuf;

use clap::Args;

use super::fleet::{finish_fleet, groups_of, Fleet};
use super::{load_targets, read_baseline, BaselineArgs, UsageError};
use crate::checks;
use crate::run::{self, RunLock};

#[derive(Args)]
pub struct MergeArgs {
    /// The shards' run folders.
    #[arg(required = true)]
    pub runs: Vec<PathBuf>,
    /// Folder for the merged run.
    #[arg(short = 'o', long = "output")]
    pub output: PathBuf,
    /// The inventory the shards scanned: rows in its order and its groups (else by name).
    #[arg(short = 'i', long = "inventory")]
    pub inventory: Option<PathBuf>,
    #[command(flatten)]
    pub baseline: BaselineArgs,
    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run_merge(args: MergeArgs) -> anyhow::Result<u8> {
    let check_names = checks::names();
    let targets = args
        .inventory
        .as_deref()
        .map(|path| load_targets(path, None))
        .transpose()?
        .unwrap_or_default();
    let baseline = read_baseline(&args.baseline, &check_names);
    let _lock = RunLock::acquire(&args.output).map_err(UsageError)?;
    let order: Vec<String> = targets.iter().map(|t| t.name.clone()).collect();
    let order = args.inventory.is_some().then_some(order.as_slice());
    let merged =
        run::merge_runs(&args.runs, &args.output, &check_names, order).map_err(UsageError)?;
    if !merged.missing_shards.is_empty() {
        eprintln!(
            "warning: shards {} are missing: the merged report covers only the others",
            merged.missing_shards.join(", ")
        );
    }
    let mut record = merged.record;
    record.baseline = args
        .baseline
        .baseline
        .as_ref()
        .map(|p| p.display().to_string());
    let fleet = Fleet {
        dir: &args.output,
        record,
        groups: groups_of(&targets),
        fail_on: args.baseline.fail_on,
        check_names,
    };
    finish_fleet(&merged.rows, &fleet, &baseline, args.quiet)
}

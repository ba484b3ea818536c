//! `image_check diff`: what changed between two runs, as changes.csv, changes.json and a table.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;

use super::{UsageError, WriteFailed};
use crate::checks;
use crate::report::console;
use crate::report::diff::{self, FailOn};
use crate::report::files::write_atomic;
use crate::run;

/// `diff`'s arguments.
#[derive(Args)]
pub struct DiffArgs {
    /// The earlier run: a run folder or its summary.csv.
    pub old: PathBuf,
    /// The later run: a run folder or its summary.csv.
    pub new: PathBuf,
    /// Folder for changes.csv and changes.json.
    #[arg(short = 'o', long = "output", default_value = ".")]
    pub output: PathBuf,
    /// What makes the exit code 1.
    #[arg(long = "fail-on", default_value = "new-failed")]
    pub fail_on: FailOn,
    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run_diff(args: DiffArgs) -> anyhow::Result<u8> {
    let (old, new, output): (&Path, &Path, &Path) = (&args.old, &args.new, &args.output);
    let (fail_on, quiet) = (args.fail_on, args.quiet);
    let check_names = checks::names();
    let old_rows = run::read_baseline(old, &check_names).map_err(UsageError)?;
    let new_rows = run::read_baseline(new, &check_names).map_err(UsageError)?;
    let changes = diff::diff(&old_rows, &new_rows, &check_names);
    std::fs::create_dir_all(output)
        .with_context(|| format!("cannot create {}", output.display()))?;
    let written =
        write_atomic(&output.join("changes.csv"), &diff::to_csv(&changes)).and_then(|()| {
            write_atomic(
                &output.join("changes.json"),
                diff::to_json(&changes).as_bytes(),
            )
        });
    written.map_err(|e| WriteFailed(e.to_string()))?;
    if !quiet {
        emitln!("{}", console::changes_table(&changes));
    }
    Ok(if diff::should_fail(fail_on, Some(&changes), &new_rows) {
        1
    } else {
        0
    })
}

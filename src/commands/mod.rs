//! The command pipelines behind the `image_check` binary: each subcommand's arguments (clap)
//! and what it does with them, from the inventory or the saved files to the run folder and the
//! exit code. main.rs only parses and dispatches, so every pipeline here can be tested as a
//! library function. Exit codes: 0 fine, 1 a check FAILED, a host was unreachable or a file
//! could not be written ([`WriteFailed`]), 2 bad usage ([`UsageError`]), 130/143 signals.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::inventory::{
    self as hosts, SshConfigSource, Target, Threshold, Thresholds, Unit, THRESHOLDS,
};
use crate::report::diff::FailOn;
use crate::report::summary::SummaryRow;
use crate::run;

/// Writes to stdout, ignoring a closed pipe (`image_check checks | head`): the reader has what
/// it wanted, and a panic would be noise.
pub fn emit_text(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// `print!` through [`emit_text`].
macro_rules! emit {
    ($($arg:tt)*) => { $crate::commands::emit_text(&format!($($arg)*)) };
}

/// `println!` through [`emit_text`].
macro_rules! emitln {
    ($($arg:tt)*) => { $crate::commands::emit_text(&(format!($($arg)*) + "\n")) };
}

pub mod checks;
pub mod diff;
pub mod evaluate;
mod fleet;
pub mod image;
pub mod inventory;
pub mod local;
pub mod merge;
pub mod scan;

/// A failure that ends the run with exit code 2 (bad usage or inventory).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Files of the run that could not be written (a full disk, a read-only folder): exit code 1,
/// like a failed check, since the run's result is incomplete; 2 stays for bad usage.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct WriteFailed(pub String);

/// The exit code of a command that ended in `error`: 1 when files could not be written (the
/// run's result is incomplete, as with a FAILED check), 2 otherwise (bad usage or input).
pub fn exit_code_of(error: &anyhow::Error) -> u8 {
    if error.is::<WriteFailed>() {
        1
    } else {
        2
    }
}

/// Where OpenSSH client settings come from.
#[derive(Args, Clone)]
pub struct SshConfigArgs {
    /// Read this ssh_config instead of ~/.ssh/config (it applies to every host).
    #[arg(
        long = "ssh-config",
        value_name = "FILE",
        conflicts_with = "no_ssh_config"
    )]
    pub ssh_config: Option<PathBuf>,
    /// Ignore ~/.ssh/config.
    #[arg(long = "no-ssh-config")]
    pub no_ssh_config: bool,
}
impl SshConfigArgs {
    fn source(&self) -> SshConfigSource {
        match (&self.ssh_config, self.no_ssh_config) {
            (Some(file), _) => SshConfigSource::File(file.clone()),
            (None, true) => SshConfigSource::Disabled,
            (None, false) => SshConfigSource::User,
        }
    }
}

/// Comparing a run with an earlier one.
#[derive(Args)]
pub struct BaselineArgs {
    /// An earlier run (folder or summary.csv): writes changes.csv/changes.json and lists the
    /// changes in summary.md and report.html.
    #[arg(long)]
    pub baseline: Option<PathBuf>,
    /// What makes the exit code 1: new-failed (a check newly FAILED or a host newly
    /// unreachable), new-any (also newly WARNING) or any-failed (any FAILED or unreachable
    /// host). Without --baseline everything counts as new.
    #[arg(long = "fail-on", default_value = "any-failed")]
    pub fail_on: FailOn,
}

/// Check thresholds from the command line, one flag per row of [`THRESHOLDS`]; they override
/// the inventory's. clap's derive needs a field per flag, so the flags are built from the table
/// here instead.
#[derive(Debug, Clone, Default)]
pub struct ThresholdArgs {
    given: Vec<(&'static Threshold, u64)>,
}

impl ThresholdArgs {
    pub fn apply(&self, mut thresholds: Thresholds) -> Thresholds {
        for (threshold, value) in &self.given {
            threshold.set(&mut thresholds, *value);
        }
        thresholds
    }
}

impl clap::FromArgMatches for ThresholdArgs {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let mut args = ThresholdArgs::default();
        args.update_from_arg_matches(matches)?;
        Ok(args)
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        for threshold in THRESHOLDS {
            if let Some(value) = matches.get_one::<u64>(threshold.name) {
                self.given.retain(|(given, _)| given.name != threshold.name);
                self.given.push((threshold, *value));
            }
        }
        Ok(())
    }
}

impl Args for ThresholdArgs {
    fn augment_args(command: clap::Command) -> clap::Command {
        THRESHOLDS.iter().fold(command, |command, threshold| {
            let parser: clap::builder::ValueParser = match threshold.unit {
                Unit::Percent => clap::value_parser!(u64).range(1..=100).into(),
                Unit::Gigabytes => clap::value_parser!(u64).into(),
            };
            command.arg(
                clap::Arg::new(threshold.name)
                    .long(threshold.flag()[2..].to_string())
                    .value_name(threshold.name.to_uppercase())
                    .value_parser(parser)
                    .action(clap::ArgAction::Set)
                    .help(format!(
                        "{} [default: {}]",
                        threshold.meaning, threshold.default
                    )),
            )
        })
    }

    fn augment_args_for_update(command: clap::Command) -> clap::Command {
        Self::augment_args(command)
    }
}

pub fn load_targets(path: &Path, limit: Option<&str>) -> Result<Vec<Target>, UsageError> {
    let targets = hosts::load(path).map_err(|e| UsageError(e.to_string()))?;
    let selected = hosts::select(targets, limit).map_err(UsageError)?;
    if selected.is_empty() {
        return Err(UsageError(format!(
            "{}: --limit {:?} matches no host",
            path.display(),
            limit.unwrap_or_default()
        )));
    }
    Ok(selected)
}

/// Fills in what ssh_config says where the inventory said nothing; warnings go to stderr.
pub fn apply_ssh_config(targets: &mut [Target], args: &SshConfigArgs) -> Result<(), UsageError> {
    let warnings = hosts::apply_ssh_config(targets, &args.source(), &hosts::UserPaths::from_env())
        .map_err(|e| UsageError(e.to_string()))?;
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
    Ok(())
}

/// What `--baseline` gave: its rows, or why it could not be used.
#[derive(Default)]
pub struct Baseline {
    pub rows: Option<Vec<SummaryRow>>,
    pub unusable: Option<String>,
}

/// Reads `--baseline` when given. A baseline that cannot be used (a killed run without
/// summary.csv, a file that is not one) does not stop the run: one warning line, and the
/// reports' changes section says why.
pub fn read_baseline(args: &BaselineArgs, check_names: &[&str]) -> Baseline {
    let Some(path) = args.baseline.as_deref() else {
        return Baseline::default();
    };
    match run::read_baseline(path, check_names) {
        Ok(rows) => Baseline {
            rows: Some(rows),
            unusable: None,
        },
        Err(why) => {
            eprintln!(
                "warning: --baseline {}: {why}: going on without a baseline (every problem counts as new)",
                path.display()
            );
            Baseline {
                rows: None,
                unusable: Some(why),
            }
        }
    }
}

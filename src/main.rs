//! The `image_check` command line: parses arguments, runs a scan, `local` or `inventory`, and
//! turns the outcome into an exit code. All the work is in the library.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, CommandFactory, Parser, Subcommand};
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::watch;

use image_check::capture::{self, Capture, Replay};
use image_check::checks::{self, profiles};
use image_check::facts;
use image_check::inventory::{self, HostKeyCheck, SshConfigSource, Target, Thresholds};
use image_check::journal::{self, Journal};
use image_check::local_file;
use image_check::report::diff::{self, FailOn};
use image_check::report::files::{remove_partial_files, write_atomic, Dir};
use image_check::report::summary::{HostStatus, SummaryRow};
use image_check::report::{console, HostReport, TOOL_VERSION};
use image_check::run::{self, RunLock, RunOutcome, RunRecord};
use image_check::scan::{self, HostId, Saved, SavedFacts, ScanOptions};
use image_check::shard::{Shard, ShardBy};
use image_check::transport::local::LocalTransport;

const EXIT_CODES: &str = "\
Exit codes:
  0    every host was reached and no check FAILED (or, with --baseline and --fail-on
       new-failed / new-any, nothing got worse)
  1    at least one check FAILED or one host was unreachable (or what --fail-on names);
       an inventory entry was invalid (status `invalid`, unless --fail-on never); or a
       file of the run could not be written (a full disk: the message names the files)
  2    bad usage, a bad inventory, or the output folder is locked by another run
  130  interrupted by SIGINT (Ctrl-C); 143 by SIGTERM: finished hosts are reported";

#[derive(Parser)]
#[command(name = "image_check", version, about = "Checks that Linux servers can become cloud images (Alibaba Cloud's image_check, for a fleet over SSH)", after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Commands,
}

#[derive(Subcommand)]
enum Commands {
    /// Scan every host of an inventory over SSH and write a report per host plus summary.csv.
    #[command(after_help = EXIT_CODES)]
    Scan(ScanArgs),
    /// Check this machine, without SSH, as Alibaba's own tool does.
    #[command(after_help = EXIT_CODES)]
    Local {
        /// Folder for the TXT and JSON reports.
        #[arg(short = 'p', long = "path", default_value = ".")]
        path: PathBuf,
        /// Target clouds, as for scan: alibaba (default), aws, azure, gcp, all, or a comma list.
        #[arg(long, default_value = "alibaba")]
        profile: String,
        #[command(flatten)]
        thresholds: ThresholdArgs,
    },
    /// Evaluate every check again on saved facts (scan --save-facts), without a network.
    #[command(after_help = EXIT_CODES)]
    Evaluate(EvaluateArgs),
    /// Check disk image files (raw, qcow2, VMDK, VHD) before they are uploaded: no mount,
    /// no root, no qemu. Checks that need a command are WARNING x099 (not knowable offline).
    #[command(after_help = EXIT_CODES)]
    Image(ImageArgs),
    /// Describe every check: what it reads, what FAILED and WARNING mean, its error codes.
    Checks {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// The profile to describe: alibaba, aws, azure, gcp, all, or a comma list.
        #[arg(long, default_value = "alibaba")]
        profile: String,
    },
    /// What changed between two runs (run folders or summary.csv files): new, fixed and
    /// still failing checks, hosts that became unreachable, hosts added and removed.
    #[command(after_help = EXIT_CODES)]
    Diff {
        /// The earlier run: a run folder or its summary.csv.
        old: PathBuf,
        /// The later run: a run folder or its summary.csv.
        new: PathBuf,
        /// Folder for changes.csv and changes.json.
        #[arg(short = 'o', long = "output", default_value = ".")]
        output: PathBuf,
        /// What makes the exit code 1.
        #[arg(long = "fail-on", default_value = "new-failed")]
        fail_on: FailOn,
        /// Print nothing but errors.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Join the run folders of a sharded scan into one, as if one process had scanned every
    /// host. Refuses runs of different inventories and overlapping shards.
    #[command(after_help = EXIT_CODES)]
    Merge(MergeArgs),
    /// Print a shell completion script (e.g. `image_check completions bash > /etc/bash_completion.d/image_check`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `image_check man > /usr/local/share/man/man1/image_check.1`.
    Man,
    /// List the hosts an inventory resolves to, without connecting (a dry run).
    Inventory {
        #[arg(short = 'i', long = "inventory")]
        inventory: PathBuf,
        /// Only hosts whose name or group matches one of these comma-separated globs.
        #[arg(long)]
        limit: Option<String>,
        #[command(flatten)]
        ssh_config: SshConfigArgs,
    },
}

/// Where OpenSSH client settings come from.
#[derive(Args, Clone)]
struct SshConfigArgs {
    /// Read this ssh_config instead of ~/.ssh/config (it applies to every host).
    #[arg(
        long = "ssh-config",
        value_name = "FILE",
        conflicts_with = "no_ssh_config"
    )]
    ssh_config: Option<PathBuf>,
    /// Ignore ~/.ssh/config.
    #[arg(long = "no-ssh-config")]
    no_ssh_config: bool,
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

#[derive(Args)]
struct ScanArgs {
    /// The inventory: hosts.toml, or an Ansible INI or YAML inventory.
    #[arg(
        short = 'i',
        long = "inventory",
        required_unless_present = "hosts",
        conflicts_with = "hosts"
    )]
    inventory: Option<PathBuf>,
    /// Hosts to scan without an inventory: HOST, USER@HOST:PORT, USER@[IPV6]:PORT.
    hosts: Vec<String>,
    /// Print one JSON object per host on stdout as each host finishes (NDJSON); no table.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    ssh_config: SshConfigArgs,
    /// Target clouds: alibaba (default), aws, azure, gcp, all, or a comma list. The first
    /// one fills summary.csv's check columns; with several, summary.csv gains a
    /// <profile>_status column each, and each host a report per profile.
    #[arg(long, default_value = "alibaba")]
    profile: String,
    /// Folder for the run: DIR/<host>/..., summary.csv, summary.md, report.html, run.json.
    /// strftime fields make a folder per run (e.g. /var/lib/image_check/%Y-%m-%d_%H%M).
    #[arg(short = 'o', long = "output", default_value = "./image_check_reports")]
    output: PathBuf,
    /// Continue the run in DIR that did not finish (killed, rebooted): hosts its journal
    /// (DIR/results.ndjson) holds are not scanned again. Give the same inventory options.
    #[arg(long, value_name = "DIR", conflicts_with = "output")]
    resume: Option<PathBuf>,
    /// Scan only shard K of N (e.g. 0/4): a stable split of the inventory by host name.
    #[arg(long, conflicts_with = "shards")]
    shard: Option<String>,
    /// Scan shard $JOB_COMPLETION_INDEX of N (a Kubernetes Indexed Job).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    shards: Option<u32>,
    /// What a shard keeps together: each host alone, or each inventory group on one shard.
    #[arg(long, value_enum, default_value = "host")]
    shard_by: ShardBy,
    /// Keep only the newest N run folders beside this one (folders with a run.json).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    keep: Option<u32>,
    #[command(flatten)]
    baseline: BaselineArgs,
    /// Hosts scanned at the same time.
    #[arg(short = 'c', long = "concurrency", default_value_t = 64, value_parser = clap::value_parser!(u16).range(1..))]
    concurrency: u16,
    /// Deadline in seconds for each host as a whole (connect and every fact).
    #[arg(long = "timeout", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    timeout: u64,
    /// Bytes in MiB one host may send in all (every command's output and file read); what
    /// comes after is cut, and the facts it would have fed are WARNING x099.
    #[arg(long = "host-output-budget", value_name = "MIB", default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=4096))]
    host_output_budget: u64,
    /// Deadline in seconds for the TCP connection, SSH handshake and authentication
    /// (default: the inventory's connect_timeout, 10 s when unset).
    #[arg(long = "connect-timeout", value_parser = clap::value_parser!(u64).range(1..))]
    connect_timeout: Option<u64>,
    /// Only these hosts: globs of names or groups, Ansible-style (`web-*,db`, `web:&prod`, `all:!db`).
    #[arg(long)]
    limit: Option<String>,
    /// Host key policy for every host, overriding the inventory.
    #[arg(long = "host-key-check", value_enum)]
    host_key_check: Option<HostKeyCheck>,
    /// Also write what each host answered as DIR/<host>/capture.json.gz, for `evaluate`
    /// (a parser fixed later changes its verdicts) and for bug reports.
    #[arg(long, visible_alias = "save-captures")]
    save_facts: bool,
    /// Print nothing but errors (for cron).
    #[arg(short, long)]
    quiet: bool,
    #[command(flatten)]
    thresholds: ThresholdArgs,
}

#[derive(Args)]
struct ImageArgs {
    /// Image files.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Folder for the reports and summary.csv.
    #[arg(short = 'o', long = "output", default_value = "./image_check_images")]
    output: PathBuf,
    /// The container format of every file (default: detected by its magic bytes).
    #[arg(long, value_enum)]
    format: Option<image_check::image::Format>,
    /// Target clouds, as for scan: alibaba (default), aws, azure, gcp, all, or a comma list.
    #[arg(long, default_value = "alibaba")]
    profile: String,
    /// Images read at once (default: the number of CPUs).
    #[arg(short = 'j', long)]
    jobs: Option<usize>,
    /// Print nothing but errors.
    #[arg(short, long)]
    quiet: bool,
    #[command(flatten)]
    thresholds: ThresholdArgs,
}

#[derive(Args)]
struct EvaluateArgs {
    /// Captures (capture.json.gz) or facts.json files of earlier versions, or folders of a
    /// scan made with --save-facts (DIR/<host>/capture.json.gz).
    #[arg(required = true)]
    facts: Vec<PathBuf>,
    /// Folder for the new reports and summary.csv.
    #[arg(
        short = 'o',
        long = "output",
        default_value = "./image_check_evaluated"
    )]
    output: PathBuf,
    /// Take each host's thresholds from this inventory (by host name).
    #[arg(short = 'i', long = "inventory")]
    inventory: Option<PathBuf>,
    /// Target clouds, as for scan: alibaba (default), aws, azure, gcp, all, or a comma list.
    #[arg(long, default_value = "alibaba")]
    profile: String,
    #[command(flatten)]
    baseline: BaselineArgs,
    /// Print nothing but errors.
    #[arg(short, long)]
    quiet: bool,
    #[command(flatten)]
    thresholds: ThresholdArgs,
}

#[derive(Args)]
struct MergeArgs {
    /// The shards' run folders.
    #[arg(required = true)]
    runs: Vec<PathBuf>,
    /// Folder for the merged run.
    #[arg(short = 'o', long = "output")]
    output: PathBuf,
    /// The inventory the shards scanned: rows in its order and its groups (else by name).
    #[arg(short = 'i', long = "inventory")]
    inventory: Option<PathBuf>,
    #[command(flatten)]
    baseline: BaselineArgs,
    /// Print nothing but errors.
    #[arg(short, long)]
    quiet: bool,
}

/// Comparing a run with an earlier one.
#[derive(Args)]
struct BaselineArgs {
    /// An earlier run (folder or summary.csv): writes changes.csv/changes.json and lists the
    /// changes in summary.md and report.html.
    #[arg(long)]
    baseline: Option<PathBuf>,
    /// What makes the exit code 1: new-failed (a check newly FAILED or a host newly
    /// unreachable), new-any (also newly WARNING) or any-failed (any FAILED or unreachable
    /// host). Without --baseline everything counts as new.
    #[arg(long = "fail-on", default_value = "any-failed")]
    fail_on: FailOn,
}

/// Check thresholds from the command line; they override the inventory's.
#[derive(Args)]
struct ThresholdArgs {
    /// Use% of / at or above which disk_usage is WARNING [default: 85].
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=100))]
    disk_usage_warn: Option<u8>,
    /// IUse% of / at or above which inode_usage is WARNING [default: 85].
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=100))]
    inode_usage_warn: Option<u8>,
    /// Smallest system disk, in GiB, that disk_size accepts [default: 40].
    #[arg(long)]
    disk_size_min_gb: Option<u64>,
    /// Largest system disk, in GiB, that disk_size accepts [default: 500].
    #[arg(long)]
    disk_size_max_gb: Option<u64>,
}

impl ThresholdArgs {
    fn apply(&self, mut t: Thresholds) -> Thresholds {
        t.disk_usage_warn = self.disk_usage_warn.unwrap_or(t.disk_usage_warn);
        t.inode_usage_warn = self.inode_usage_warn.unwrap_or(t.inode_usage_warn);
        t.disk_size_min_gb = self.disk_size_min_gb.unwrap_or(t.disk_size_min_gb);
        t.disk_size_max_gb = self.disk_size_max_gb.unwrap_or(t.disk_size_max_gb);
        t
    }
}

/// Writes to stdout, ignoring a closed pipe (`image_check checks | head`): the reader has what
/// it wanted, and a panic would be noise.
fn emit_text(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

macro_rules! emit {
    ($($arg:tt)*) => { emit_text(&format!($($arg)*)) };
}

macro_rules! emitln {
    ($($arg:tt)*) => { emit_text(&(format!($($arg)*) + "\n")) };
}

/// A failure that ends the run with exit code 2 (bad usage or inventory).
#[derive(Debug)]
struct UsageError(String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Files of the run that could not be written (a full disk, a read-only folder): exit code 1,
/// like a failed check, since the run's result is incomplete; 2 stays for bad usage.
#[derive(Debug)]
struct WriteFailed(String);

impl std::fmt::Display for WriteFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WriteFailed {}

fn load_targets(path: &Path, limit: Option<&str>) -> Result<Vec<Target>, UsageError> {
    let targets = inventory::load(path).map_err(|e| UsageError(e.to_string()))?;
    let selected = inventory::select(targets, limit).map_err(UsageError)?;
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
fn apply_ssh_config(targets: &mut [Target], args: &SshConfigArgs) -> Result<(), UsageError> {
    let warnings =
        inventory::apply_ssh_config(targets, &args.source(), &inventory::UserPaths::from_env())
            .map_err(|e| UsageError(e.to_string()))?;
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
    Ok(())
}

fn run_inventory(
    path: &Path,
    limit: Option<&str>,
    ssh_config: &SshConfigArgs,
) -> Result<ExitCode, UsageError> {
    let mut targets = load_targets(path, limit)?;
    apply_ssh_config(&mut targets, ssh_config)?;
    let mut table = comfy_table::Table::new();
    table
        .load_style(comfy_table::presets::NOTHING)
        .set_header(["name", "address", "port", "user", "groups"]);
    for t in &targets {
        table.add_row([
            t.name.clone(),
            t.address.clone(),
            t.port.to_string(),
            t.user.clone(),
            t.groups.join(","),
        ]);
    }
    emitln!("{table}");
    Ok(ExitCode::SUCCESS)
}

async fn run_scan(args: ScanArgs) -> anyhow::Result<ExitCode> {
    let started = chrono::Local::now();
    let command_line = PathBuf::from("(command line)");
    let inventory_path = args.inventory.clone().unwrap_or(command_line);
    let loaded = match &args.inventory {
        Some(path) => load_targets(path, args.limit.as_deref()),
        None => inventory::ad_hoc(&args.hosts, &inventory::UserPaths::from_env())
            .map_err(|e| UsageError(e.to_string()))
            .and_then(|targets| {
                inventory::select(targets, args.limit.as_deref()).map_err(UsageError)
            }),
    };
    let mut targets = loaded.and_then(|mut targets| {
        apply_ssh_config(&mut targets, &args.ssh_config).map(|()| targets)
    })?;
    for target in &mut targets {
        if let Some(policy) = args.host_key_check {
            target.host_key_check = policy;
        }
        if let Some(secs) = args.connect_timeout {
            target.connect_timeout = Duration::from_secs(secs);
        }
        target.thresholds = args.thresholds.apply(target.thresholds);
    }
    let shard = shard_of(args.shard.as_deref(), args.shards)?;
    if let Some(shard) = shard {
        targets = image_check::shard::select(targets, shard, args.shard_by);
    }
    let profiles = profiles::parse(&args.profile).map_err(UsageError)?;
    let check_names = profiles[0].names();
    let baseline = read_baseline(&args.baseline, &check_names);
    let output = match &args.resume {
        Some(dir) if !dir.join(journal::FILE_NAME).is_file() => {
            return Err(UsageError(format!(
                "{}: no {} inside: not the folder of a scan that can be resumed",
                dir.display(),
                journal::FILE_NAME
            ))
            .into())
        }
        Some(dir) => dir.clone(),
        None => run::expand_output(&args.output, started),
    };
    let _lock = RunLock::acquire(&output).map_err(UsageError)?;
    let hosts: Vec<journal::Host> = targets
        .iter()
        .map(|t| (t.name.clone(), t.address.clone()))
        .collect();
    let (journal, done) = match &args.resume {
        Some(dir) if dir.join("run.json").is_file() => {
            emitln!(
                "{}: the run finished (run.json is there): nothing to resume",
                dir.display()
            );
            return Ok(ExitCode::SUCCESS);
        }
        Some(dir) => Journal::resume(dir, &hosts).map_err(UsageError)?,
        None => (
            Journal::create(&output, &hosts).map_err(anyhow::Error::msg)?,
            Default::default(),
        ),
    };
    if args.resume.is_some() && !args.quiet {
        emitln!(
            "resuming {}: {} of {} hosts finished before, scanning the other {}",
            output.display(),
            done.len(),
            targets.len(),
            targets.len() - done.len()
        );
    }
    let options = ScanOptions {
        output: output.clone(),
        concurrency: usize::from(args.concurrency),
        host_timeout: Duration::from_secs(args.timeout),
        host_budget: (args.host_output_budget as usize) << 20,
        save_facts: args.save_facts,
        progress: !args.quiet && !args.json,
        json_lines: args.json,
        profiles,
    };
    let (stop, interrupted_by) = stop_on_signals();
    let rows = scan::scan(&targets, options, stop, &journal, done).await;
    let fleet = Fleet {
        dir: &output,
        record: run_record(
            started,
            &inventory_path,
            &args.baseline,
            shard.map(|s| s.label()),
        ),
        groups: groups_of(&targets),
        fail_on: args.baseline.fail_on,
        check_names,
    };
    let code = finish_fleet(&rows, &fleet, &baseline, args.quiet || args.json)?;
    if let Some(keep) = args.keep {
        if let Err(message) = run::prune(&output, keep as usize) {
            eprintln!("warning: {message}");
        }
    }
    Ok(match interrupted_by.load(Ordering::SeqCst) {
        0 => code,
        signal_exit => ExitCode::from(signal_exit),
    })
}

/// The shard to scan: `--shard K/N`, or `--shards N` with K from JOB_COMPLETION_INDEX.
fn shard_of(shard: Option<&str>, shards: Option<u32>) -> Result<Option<Shard>, UsageError> {
    match (shard, shards) {
        (Some(text), _) => Shard::parse(text).map(Some).map_err(UsageError),
        (None, Some(count)) => {
            let index = std::env::var("JOB_COMPLETION_INDEX").map_err(|_| {
                UsageError("--shards needs JOB_COMPLETION_INDEX (set by a Kubernetes Indexed Job), or use --shard K/N".into())
            })?;
            let index = index.trim().parse().map_err(|_| {
                UsageError(format!(
                    "JOB_COMPLETION_INDEX {index:?} is not a whole number"
                ))
            })?;
            Shard::new(index, count).map(Some).map_err(UsageError)
        }
        (None, None) => Ok(None),
    }
}

/// What `--baseline` gave: its rows, or why it could not be used.
#[derive(Default)]
struct Baseline {
    rows: Option<Vec<SummaryRow>>,
    unusable: Option<String>,
}

/// Reads `--baseline` when given. A baseline that cannot be used (a killed run without
/// summary.csv, a file that is not one) does not stop the run: one warning line, and the
/// reports' changes section says why.
fn read_baseline(args: &BaselineArgs, check_names: &[&str]) -> Baseline {
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

/// Group → its hosts, in the order groups first appear in the inventory.
fn groups_of(targets: &[Target]) -> Vec<(String, Vec<String>)> {
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

/// Listens for SIGINT and SIGTERM: the first asks the scan to stop (and records the exit code,
/// 130 or 143); the second exits at once, removing the temporary files of writes under way.
fn stop_on_signals() -> (watch::Receiver<bool>, Arc<AtomicU8>) {
    let (stop_tx, stop_rx) = watch::channel(false);
    let exit_code = Arc::new(AtomicU8::new(0));
    let recorded = exit_code.clone();
    tokio::spawn(async move {
        let (Ok(mut interrupt), Ok(mut terminate)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) else {
            return;
        };
        let code = tokio::select! {
            _ = interrupt.recv() => 130,
            _ = terminate.recv() => 143,
        };
        recorded.store(code, Ordering::SeqCst);
        eprintln!(
            "image_check: stopping: no new hosts; hosts in flight get {} s to finish (signal again to stop at once)",
            scan::STOP_GRACE.as_secs()
        );
        let _ = stop_tx.send(true);
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        remove_partial_files();
        std::process::exit(i32::from(code));
    });
    (stop_rx, exit_code)
}

/// What a run's fleet files need to know besides the rows.
struct Fleet<'a> {
    dir: &'a Path,
    /// run.json without the host counts, which come from the rows.
    record: RunRecord,
    groups: Vec<(String, Vec<String>)>,
    fail_on: FailOn,
    /// summary.csv's check columns: the first profile's checks.
    check_names: Vec<&'static str>,
}

/// The start of a run.json: when, which tool, which inventory, which baseline and shard.
fn run_record(
    started: chrono::DateTime<chrono::Local>,
    inventory: &Path,
    baseline: &BaselineArgs,
    shard: Option<String>,
) -> RunRecord {
    RunRecord {
        started: started.format("%Y-%m-%d %H:%M:%S").to_string(),
        tool_version: TOOL_VERSION.to_string(),
        inventory: inventory.display().to_string(),
        inventory_digest: run::digest(inventory),
        baseline: baseline.baseline.as_ref().map(|p| p.display().to_string()),
        shard,
        ..RunRecord::default()
    }
}

/// Writes the run's fleet files, prints the tables unless quiet, and turns the rows (and the
/// changes, with a baseline) into the exit code.
fn finish_fleet(
    rows: &[SummaryRow],
    fleet: &Fleet,
    baseline: &Baseline,
    quiet: bool,
) -> anyhow::Result<ExitCode> {
    let check_names = &fleet.check_names;
    let baseline_rows = baseline.rows.as_deref();
    let count = |s: HostStatus| run::count(rows, s);
    let mut record = fleet.record.clone();
    if record.finished.is_empty() {
        record.finished = chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string();
    }
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
    let fails = run::fails(fleet.fail_on, &changes, rows, baseline_rows.is_some());
    Ok(if fails {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn run_merge(args: MergeArgs) -> anyhow::Result<ExitCode> {
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

fn run_diff(
    old: &Path,
    new: &Path,
    output: &Path,
    fail_on: FailOn,
    quiet: bool,
) -> anyhow::Result<ExitCode> {
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
    Ok(if diff::should_fail(fail_on, &changes, &new_rows) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The saved hosts named on the command line: files as they are, folders searched one level
/// deep (a scan's DIR/<host>/capture.json.gz, or facts.json of earlier versions).
fn saved_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, UsageError> {
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

/// `image`: each file read as the disk of a host would be, its row named by the file.
async fn run_image(args: ImageArgs) -> anyhow::Result<ExitCode> {
    use image_check::transport::image::ImageTransport;
    let profiles = profiles::parse(&args.profile).map_err(UsageError)?;
    let check_names = profiles[0].names();
    let started = chrono::Local::now();
    let _lock = RunLock::acquire(&args.output).map_err(UsageError)?;
    let thresholds = args.thresholds.apply(Thresholds::default());
    let progress = scan::progress_bar(args.files.len(), !args.quiet, "images");
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
    });
    let check = |file: &PathBuf| {
        let (progress, thresholds, profiles) = (&progress, &thresholds, &profiles);
        let (output, format, file) = (&args.output, args.format, file.clone());
        async move {
            let host = HostId {
                name: file.file_name().map_or_else(
                    || file.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                ),
                address: file.display().to_string(),
            };
            // Opening reads the partition table and superblocks: blocking file reads.
            let opened = tokio::task::spawn_blocking(move || ImageTransport::open(&file, format))
                .await
                .unwrap_or_else(|e| Err(format!("the image reader failed: {e}")));
            let row = match opened {
                Ok(image) => {
                    let facts = facts::collect(&image).await;
                    scan::report_host(&host, facts, thresholds, output, None, false, profiles)
                }
                Err(reason) => {
                    scan::unreachable_row(&host, &format!("cannot read the image: {reason}"))
                }
            };
            progress.inc(1);
            row
        }
    };
    use futures_util::StreamExt;
    let rows: Vec<_> = futures_util::stream::iter(args.files.iter())
        .map(check)
        .buffered(jobs.max(1))
        .collect()
        .await;
    progress.finish_and_clear();
    let fleet = Fleet {
        dir: &args.output,
        record: run_record(
            started,
            Path::new("(image files)"),
            &BaselineArgs {
                baseline: None,
                fail_on: FailOn::AnyFailed,
            },
            None,
        ),
        groups: Vec::new(),
        fail_on: FailOn::AnyFailed,
        check_names,
    };
    finish_fleet(&rows, &fleet, &Baseline::default(), args.quiet)
}

async fn run_evaluate(args: EvaluateArgs) -> anyhow::Result<ExitCode> {
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

async fn run_local(dir: &Path, profile: &str, thresholds: Thresholds) -> anyhow::Result<ExitCode> {
    let chosen = profiles::parse(profile).map_err(UsageError)?;
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the report folder {}", dir.display()))?;
    let cloud = chosen.iter().any(|p| !p.is_alibaba());
    let facts = facts::collect_with(&LocalTransport::default(), cloud).await;
    let time = scan::timestamp();
    let mut failed = false;
    let out = Dir::open(dir).map_err(|e| WriteFailed(e.to_string()))?;
    for (index, profile) in chosen.iter().enumerate() {
        let results = profile.evaluate(&facts, &thresholds);
        let report = HostReport::for_profile(&facts, &results, &time, profile);
        if index == 0 {
            emit!("{}", console::local_header(&report));
        } else {
            emit!("\n{}\n", profile.cloud);
        }
        let paths =
            scan::write_host_files(&out, &report, None).map_err(|e| WriteFailed(e.to_string()))?;
        let shown = std::path::absolute(&paths.txt).unwrap_or(paths.txt.clone());
        emit!(
            "{}",
            console::local_results(&report, &shown.display().to_string())
        );
        failed |= results.iter().any(|c| c.status == checks::Status::Failed);
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_checks(json: bool, profile: &str) -> anyhow::Result<ExitCode> {
    let chosen = profiles::parse(profile).map_err(UsageError)?;
    if json {
        // One profile: its list of checks; several: the profiles with their checks.
        let text = match chosen.as_slice() {
            [one] => serde_json::to_string_pretty(one.checks),
            several => serde_json::to_string_pretty(several),
        };
        emitln!("{}", text.unwrap_or_default());
    } else {
        for profile in chosen {
            emit!("{}", console::checks_text(profile));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Each host in flight holds a socket; the soft limit (often 1024) would cap a large scan.
    // Failing to raise it is not fatal: -c bounds what the scan opens.
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let outcome = match cli.command {
        Commands::Scan(args) => runtime.block_on(run_scan(args)),
        Commands::Local {
            path,
            profile,
            thresholds,
        } => runtime.block_on(run_local(
            &path,
            &profile,
            thresholds.apply(Thresholds::default()),
        )),
        Commands::Evaluate(args) => runtime.block_on(run_evaluate(args)),
        Commands::Image(args) => runtime.block_on(run_image(args)),
        Commands::Checks { json, profile } => print_checks(json, &profile),
        Commands::Merge(args) => run_merge(args),
        Commands::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "image_check", &mut script);
            emit_text(&String::from_utf8_lossy(&script));
            Ok(ExitCode::SUCCESS)
        }
        Commands::Man => {
            let mut page = Vec::new();
            match clap_mangen::Man::new(Cli::command()).render(&mut page) {
                Ok(()) => {
                    emit_text(&String::from_utf8_lossy(&page));
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Err(anyhow::anyhow!("cannot render the man page: {e}")),
            }
        }
        Commands::Diff {
            old,
            new,
            output,
            fail_on,
            quiet,
        } => run_diff(&old, &new, &output, fail_on, quiet),
        Commands::Inventory {
            inventory,
            limit,
            ssh_config,
        } => run_inventory(&inventory, limit.as_deref(), &ssh_config).map_err(anyhow::Error::from),
    };
    outcome.unwrap_or_else(|e| {
        eprintln!("error: {e:#}");
        if e.is::<WriteFailed>() {
            ExitCode::from(1)
        } else {
            ExitCode::from(2)
        }
    })
}

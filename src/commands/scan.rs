//! `image_check scan`: the inventory (or hosts on the command line) scanned over SSH into a
//! run folder, resumable from its journal, one shard of it if asked.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::watch;

use super::fleet::{finish_fleet, groups_of, run_record, Fleet};
use super::{
    apply_ssh_config, load_targets, read_baseline, BaselineArgs, SshConfigArgs, ThresholdArgs,
    UsageError,
};
use crate::checks::profiles;
use crate::inventory::{self, HostKeyCheck};
use crate::journal::{self, Journal};
use crate::report::files::remove_partial_files;
use crate::run::{self, RunLock};
use crate::scan::{self, ScanOptions};
use crate::shard::{Shard, ShardBy};

#[derive(Args)]
pub struct ScanArgs {
    /// The inventory: hosts.toml, or an Ansible INI or YAML inventory.
    #[arg(
        short = 'i',
        long = "inventory",
        required_unless_present = "hosts",
        conflicts_with = "hosts"
    )]
    pub inventory: Option<PathBuf>,
    /// Hosts to scan without an inventory: HOST, USER@HOST:PORT, USER@[IPV6]:PORT.
    pub hosts: Vec<String>,
    /// Print one JSON object per host on stdout as each host finishes (NDJSON); no table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub ssh_config: SshConfigArgs,
    /// Target clouds: alibaba (default), aws, azure, gcp, all, or a comma list. The first
    /// one fills summary.csv's check columns; with several, summary.csv gains a
    /// <profile>_status column each, and each host a report per profile.
    #[arg(long, default_value = "alibaba")]
    pub profile: String,
    /// Folder for the run: DIR/<host>/..., summary.csv, summary.md, report.html, run.json.
    /// strftime fields make a folder per run (e.g. /var/lib/image_check/%Y-%m-%d_%H%M).
    #[arg(short = 'o', long = "output", default_value = "./image_check_reports")]
    pub output: PathBuf,
    /// Continue the run in DIR that did not finish (killed, rebooted): hosts its journal
    /// (DIR/results.ndjson) holds are not scanned again. Give the same inventory options.
    #[arg(long, value_name = "DIR", conflicts_with = "output")]
    pub resume: Option<PathBuf>,
    /// Scan only shard K of N (e.g. 0/4): a stable split of the inventory by host name.
    #[arg(long, conflicts_with = "shards")]
    pub shard: Option<String>,
    /// Scan shard $JOB_COMPLETION_INDEX of N (a Kubernetes Indexed Job).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub shards: Option<u32>,
    /// What a shard keeps together: each host alone, or each inventory group on one shard.
    #[arg(long, value_enum, default_value = "host")]
    pub shard_by: ShardBy,
    /// Keep only the newest N run folders beside this one (folders with a run.json).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub keep: Option<u32>,
    #[command(flatten)]
    pub baseline: BaselineArgs,
    /// Hosts scanned at the same time.
    #[arg(short = 'c', long = "concurrency", default_value_t = 64, value_parser = clap::value_parser!(u16).range(1..))]
    pub concurrency: u16,
    /// Deadline in seconds for each host as a whole (connect and every fact).
    #[arg(long = "timeout", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,
    /// Bytes in MiB one host may send in all (every command's output and file read); what
    /// comes after is cut, and the facts it would have fed are WARNING x099.
    #[arg(long = "host-output-budget", value_name = "MIB", default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub host_output_budget: u64,
    /// Deadline in seconds for the TCP connection, SSH handshake and authentication
    /// (default: the inventory's connect_timeout, 10 s when unset).
    #[arg(long = "connect-timeout", value_parser = clap::value_parser!(u64).range(1..))]
    pub connect_timeout: Option<u64>,
    /// Only these hosts: globs of names or groups, Ansible-style (`web-*,db`, `web:&prod`, `all:!db`).
    #[arg(long)]
    pub limit: Option<String>,
    /// Host key policy for every host, overriding the inventory.
    #[arg(long = "host-key-check", value_enum)]
    pub host_key_check: Option<HostKeyCheck>,
    /// Also write what each host answered as DIR/<host>/capture.json.gz, for `evaluate`
    /// (a parser fixed later changes its verdicts) and for bug reports.
    #[arg(long, visible_alias = "save-captures")]
    pub save_facts: bool,
    /// Print nothing but errors (for cron).
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub thresholds: ThresholdArgs,
}

pub async fn run_scan(args: ScanArgs) -> anyhow::Result<u8> {
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
        targets = crate::shard::select(targets, shard, args.shard_by);
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
            return Ok(0);
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
        signal_exit => signal_exit,
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

//! The `image_check` command line: parses arguments, runs a scan, `local` or `inventory`, and
//! turns the outcome into an exit code. All the work is in the library.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use image_check::checks;
use image_check::facts;
use image_check::inventory::{self, HostKeyCheck, Target, Thresholds};
use image_check::report::files::write_atomic;
use image_check::report::summary::{self, HostStatus};
use image_check::report::{console, HostReport};
use image_check::scan::{self, ScanOptions};
use image_check::transport::local::LocalTransport;

const EXIT_CODES: &str = "\
Exit codes:
  0  every host was reached and no check FAILED
  1  at least one check FAILED or one host was unreachable
  2  bad usage or a bad inventory";

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
    },
    /// List the hosts an inventory resolves to, without connecting (a dry run).
    Inventory {
        #[arg(short = 'i', long = "inventory")]
        inventory: PathBuf,
        /// Only hosts whose name or group matches one of these comma-separated globs.
        #[arg(long)]
        limit: Option<String>,
    },
}

#[derive(Args)]
struct ScanArgs {
    /// The inventory (hosts.toml).
    #[arg(short = 'i', long = "inventory")]
    inventory: PathBuf,
    /// Folder for the reports: DIR/<host>/... and DIR/summary.csv.
    #[arg(short = 'o', long = "output", default_value = "./image_check_reports")]
    output: PathBuf,
    /// Hosts scanned at the same time.
    #[arg(short = 'c', long = "concurrency", default_value_t = 64, value_parser = clap::value_parser!(u16).range(1..))]
    concurrency: u16,
    /// Deadline in seconds for each host as a whole (connect and every fact).
    #[arg(long = "timeout", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    timeout: u64,
    /// Deadline in seconds for the TCP connection, SSH handshake and authentication
    /// (default: the inventory's connect_timeout, 10 s when unset).
    #[arg(long = "connect-timeout", value_parser = clap::value_parser!(u64).range(1..))]
    connect_timeout: Option<u64>,
    /// Only hosts whose name or group matches one of these comma-separated globs (e.g. `web-*,db`).
    #[arg(long)]
    limit: Option<String>,
    /// Host key policy for every host, overriding the inventory.
    #[arg(long = "host-key-check", value_enum)]
    host_key_check: Option<HostKeyCheck>,
    /// Also write each host's raw facts as DIR/<host>/facts.json.
    #[arg(long)]
    save_facts: bool,
    /// Print nothing but errors (for cron).
    #[arg(short, long)]
    quiet: bool,
}

/// A failure that ends the run with exit code 2 (bad usage or inventory).
struct UsageError(String);

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

fn run_inventory(path: &Path, limit: Option<&str>) -> Result<ExitCode, UsageError> {
    let targets = load_targets(path, limit)?;
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
    println!("{table}");
    Ok(ExitCode::SUCCESS)
}

async fn run_scan(args: ScanArgs) -> anyhow::Result<ExitCode> {
    let mut targets = match load_targets(&args.inventory, args.limit.as_deref()) {
        Ok(targets) => targets,
        Err(UsageError(message)) => {
            eprintln!("error: {message}");
            return Ok(ExitCode::from(2));
        }
    };
    for target in &mut targets {
        if let Some(policy) = args.host_key_check {
            target.host_key_check = policy;
        }
        if let Some(secs) = args.connect_timeout {
            target.connect_timeout = Duration::from_secs(secs);
        }
    }
    std::fs::create_dir_all(&args.output)
        .with_context(|| format!("cannot create the output folder {}", args.output.display()))?;
    let options = ScanOptions {
        output: args.output.clone(),
        concurrency: usize::from(args.concurrency),
        host_timeout: Duration::from_secs(args.timeout),
        save_facts: args.save_facts,
        progress: !args.quiet,
    };
    let rows = scan::scan(&targets, options).await;
    let summary_path = args.output.join("summary.csv");
    let check_names = checks::names();
    summary::write(&summary_path, &rows, &check_names)
        .with_context(|| format!("cannot write {}", summary_path.display()))?;
    if !args.quiet {
        println!("{}", console::summary_table(&rows));
        let count = |s: HostStatus| rows.iter().filter(|r| r.status == s).count();
        println!(
            "{} hosts: {} ok, {} warning, {} failed, {} unreachable. Summary: {}",
            rows.len(),
            count(HostStatus::Ok),
            count(HostStatus::Warning),
            count(HostStatus::Failed),
            count(HostStatus::Unreachable),
            summary_path.display()
        );
    }
    let bad = rows
        .iter()
        .any(|r| matches!(r.status, HostStatus::Failed | HostStatus::Unreachable));
    Ok(if bad {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

async fn run_local(dir: &Path) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the report folder {}", dir.display()))?;
    let facts = facts::collect(&LocalTransport).await;
    let time = scan::timestamp();
    let results = checks::evaluate(&facts, &Thresholds::default());
    let report = HostReport::new(&facts, &results, &time);
    print!("{}", console::local_header(&report));
    let paths = image_check::report::files::ReportPaths::in_dir(dir, &time);
    write_atomic(&paths.txt, report.to_txt().as_bytes())
        .with_context(|| format!("cannot write {}", paths.txt.display()))?;
    write_atomic(&paths.json, report.to_json().as_bytes())
        .with_context(|| format!("cannot write {}", paths.json.display()))?;
    let shown = std::path::absolute(&paths.txt).unwrap_or(paths.txt.clone());
    print!(
        "{}",
        console::local_results(&report, &shown.display().to_string())
    );
    let failed = results.iter().any(|c| c.status == checks::Status::Failed);
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
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
        Commands::Local { path } => runtime.block_on(run_local(&path)),
        Commands::Inventory { inventory, limit } => {
            match run_inventory(&inventory, limit.as_deref()) {
                Ok(code) => Ok(code),
                Err(UsageError(message)) => {
                    eprintln!("error: {message}");
                    Ok(ExitCode::from(2))
                }
            }
        }
    };
    outcome.unwrap_or_else(|e| {
        eprintln!("error: {e:#}");
        ExitCode::from(2)
    })
}

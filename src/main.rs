//! The `image_check` command line: parses the arguments, hands them to the subcommand's
//! pipeline in the library (`image_check::commands`) and turns its outcome into the exit code.

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use image_check::commands::checks::ChecksArgs;
use image_check::commands::diff::DiffArgs;
use image_check::commands::evaluate::EvaluateArgs;
use image_check::commands::image::ImageArgs;
use image_check::commands::inventory::InventoryArgs;
use image_check::commands::local::LocalArgs;
use image_check::commands::merge::MergeArgs;
use image_check::commands::scan::ScanArgs;
use image_check::commands::{self, emit_text};

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
    Local(LocalArgs),
    /// Evaluate every check again on saved facts (scan --save-facts), without a network.
    #[command(after_help = EXIT_CODES)]
    Evaluate(EvaluateArgs),
    /// Check disk image files (raw, qcow2, VMDK, VHD) before they are uploaded: no mount,
    /// no root, no qemu. Checks that need a command are WARNING x099 (not knowable offline).
    #[command(after_help = EXIT_CODES)]
    Image(ImageArgs),
    /// Describe every check: what it reads, what FAILED and WARNING mean, its error codes.
    Checks(ChecksArgs),
    /// What changed between two runs (run folders or summary.csv files): new, fixed and
    /// still failing checks, hosts that became unreachable, hosts added and removed.
    #[command(after_help = EXIT_CODES)]
    Diff(DiffArgs),
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
    Inventory(InventoryArgs),
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
        Commands::Scan(args) => runtime.block_on(commands::scan::run_scan(args)),
        Commands::Local(args) => runtime.block_on(commands::local::run_local(args)),
        Commands::Evaluate(args) => runtime.block_on(commands::evaluate::run_evaluate(args)),
        Commands::Image(args) => runtime.block_on(commands::image::run_image(args)),
        Commands::Checks(args) => commands::checks::print_checks(args),
        Commands::Merge(args) => commands::merge::run_merge(args),
        Commands::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "image_check", &mut script);
            emit_text(&String::from_utf8_lossy(&script));
            Ok(0)
        }
        Commands::Man => {
            let mut page = Vec::new();
            match clap_mangen::Man::new(Cli::command()).render(&mut page) {
                Ok(()) => {
                    emit_text(&String::from_utf8_lossy(&page));
                    Ok(0)
                }
                Err(e) => Err(anyhow::anyhow!("cannot render the man page: {e}")),
            }
        }
        Commands::Diff(args) => commands::diff::run_diff(args),
        Commands::Inventory(args) => {
            commands::inventory::run_inventory(args).map_err(anyhow::Error::from)
        }
    };
    ExitCode::from(outcome.unwrap_or_else(|e| {
        eprintln!("error: {e:#}");
        commands::exit_code_of(&e)
    }))
}

//! `image_check image`: disk image files checked as the disks of hosts would be, before they
//! are uploaded.

use std::path::{Path, PathBuf};

use clap::Args;

use super::fleet::{finish_fleet, run_record, Fleet};
use super::{Baseline, BaselineArgs, ThresholdArgs, UsageError};
use crate::checks::profiles;
use crate::facts;
use crate::inventory::Thresholds;
use crate::report::diff::FailOn;
use crate::run::RunLock;
use crate::scan::{self, HostId};

#[derive(Args)]
pub struct ImageArgs {
    /// Image files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Folder for the reports and summary.csv.
    #[arg(short = 'o', long = "output", default_value = "./image_check_images")]
    pub output: PathBuf,
    /// The container format of every file (default: detected by its magic bytes).
    #[arg(long, value_enum)]
    pub format: Option<crate::image::Format>,
    /// Target clouds, as for scan: alibaba (default), aws, azure, gcp, all, or a comma list.
    #[arg(long, default_value = "alibaba")]
    pub profile: String,
    /// Images read at once (default: the number of CPUs).
    #[arg(short = 'j', long)]
    pub jobs: Option<usize>,
    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub thresholds: ThresholdArgs,
}

/// `image`: each file read as the disk of a host would be, its row named by the file.
pub async fn run_image(args: ImageArgs) -> anyhow::Result<u8> {
    use crate::transport::image::ImageTransport;
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

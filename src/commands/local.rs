//! `image_check local`: this machine checked without SSH, as Alibaba's own tool does.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::{ThresholdArgs, UsageError, WriteFailed};
use crate::checks::{self, profiles};
use crate::facts;
use crate::inventory::Thresholds;
use crate::report::files::Dir;
use crate::report::{console, HostReport};
use crate::scan;
use crate::transport::local::LocalTransport;

/// `local`'s arguments.
#[derive(Args)]
pub struct LocalArgs {
    /// Folder for the TXT and JSON reports.
    #[arg(short = 'p', long = "path", default_value = ".")]
    pub path: PathBuf,
    /// Target clouds, as for scan: alibaba (default), aws, azure, gcp, all, or a comma list.
    #[arg(long, default_value = "alibaba")]
    pub profile: String,
    #[command(flatten)]
    pub thresholds: ThresholdArgs,
}

pub async fn run_local(args: LocalArgs) -> anyhow::Result<u8> {
    let (dir, profile) = (args.path.as_path(), args.profile.as_str());
    let thresholds = args.thresholds.apply(Thresholds::default());
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
    Ok(if failed { 1 } else { 0 })
}

//! `image_check checks`: every check of the chosen profiles described, as text or JSON.

use clap::Args;

use super::UsageError;
use crate::checks::profiles;
use crate::report::console;

/// `checks`' arguments.
#[derive(Args)]
pub struct ChecksArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// The profile to describe: alibaba, aws, azure, gcp, all, or a comma list.
    #[arg(long, default_value = "alibaba")]
    pub profile: String,
}

pub fn print_checks(args: ChecksArgs) -> anyhow::Result<u8> {
    let chosen = profiles::parse(&args.profile).map_err(UsageError)?;
    if args.json {
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
    Ok(0)
}

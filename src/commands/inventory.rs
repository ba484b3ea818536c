//! `image_check inventory`: the hosts an inventory resolves to, listed without connecting.

use std::path::PathBuf;

use clap::Args;

use super::{apply_ssh_config, load_targets, SshConfigArgs, UsageError};

/// `inventory`'s arguments.
#[derive(Args)]
pub struct InventoryArgs {
    #[arg(short = 'i', long = "inventory")]
    pub inventory: PathBuf,
    /// Only hosts whose name or group matches one of these comma-separated globs.
    #[arg(long)]
    pub limit: Option<String>,
    #[command(flatten)]
    pub ssh_config: SshConfigArgs,
}

pub fn run_inventory(args: InventoryArgs) -> Result<u8, UsageError> {
    let mut targets = load_targets(&args.inventory, args.limit.as_deref())?;
    apply_ssh_config(&mut targets, &args.ssh_config)?;
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
    Ok(0)
}

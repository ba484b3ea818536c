//! Facts: which files to read and which commands to run on a host, and the parsers that turn
//! their text into typed values.
//!
//! A [`Facts`] value is plain serde data: it can be saved (`--save-facts`) and evaluated again
//! later without a network. A source that cannot be read is a value, [`Fact::Unknown`] with the
//! reason, never an error that aborts the host.

pub mod disks;
pub mod os_release;

use std::collections::HashMap;

use futures_util::future::join_all;
use serde::{Deserialize, Serialize};

use crate::transport::{Command, ReadError, Transport};
use disks::SystemDisk;
use os_release::OsInfo;

/// A value read from the host, or why it could not be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fact<T> {
    Known(T),
    Unknown { reason: String },
}

impl<T> Fact<T> {
    pub fn unknown(reason: impl Into<String>) -> Self {
        Fact::Unknown {
            reason: reason.into(),
        }
    }

    pub fn known(&self) -> Option<&T> {
        match self {
            Fact::Known(value) => Some(value),
            Fact::Unknown { .. } => None,
        }
    }

    fn from_result(result: Result<T, String>) -> Self {
        match result {
            Ok(value) => Fact::Known(value),
            Err(reason) => Fact::Unknown { reason },
        }
    }
}

/// Everything the checks and the report header need to know about one host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    pub os: Fact<OsInfo>,
    /// `uname -m`
    pub architecture: Fact<String>,
    /// `uname -r`
    pub kernel: Fact<String>,
    pub system_disk: Fact<SystemDisk>,
}

const LSBLK: &[&str] = &["lsblk", "-b", "-P", "-o", "NAME,TYPE,SIZE,MOUNTPOINT"];
const PROC_MOUNTS: &str = "/proc/mounts";
const PROC_PARTITIONS: &str = "/proc/partitions";

/// Text of a command's stdout, or the reason it could not be had.
async fn run<T: Transport>(transport: &T, argv: &[&str]) -> Result<String, String> {
    let cmd = Command::new(argv);
    let output = transport
        .exec(&cmd)
        .await
        .map_err(|e| format!("`{}`: {e}", cmd.display()))?;
    if output.success() {
        Ok(output.stdout_text())
    } else {
        Err(output.failure_reason(&cmd))
    }
}

/// Text of a file, or the reason it could not be read.
async fn read<T: Transport>(transport: &T, path: &str) -> Result<String, ReadError> {
    transport
        .read_file(path)
        .await
        .map(|contents| String::from_utf8_lossy(&contents.bytes).into_owned())
}

fn single_line(text: Result<String, String>, what: &str) -> Fact<String> {
    Fact::from_result(text.and_then(|t| {
        let value = t.trim();
        if value.is_empty() || value.contains('\n') {
            Err(format!("{what} printed {value:?}, expected one word"))
        } else {
            Ok(value.to_string())
        }
    }))
}

/// Collects every fact over `transport`; sources are read concurrently.
pub async fn collect<T: Transport>(transport: &T) -> Facts {
    let release_reads = join_all(
        os_release::RELEASE_FILES
            .iter()
            .map(|path| read(transport, path)),
    );
    let (releases, arch, kernel, lsblk, mounts, partitions) = tokio::join!(
        release_reads,
        run(transport, &["uname", "-m"]),
        run(transport, &["uname", "-r"]),
        run(transport, LSBLK),
        read(transport, PROC_MOUNTS),
        read(transport, PROC_PARTITIONS),
    );
    Facts {
        os: os_fact(os_release::RELEASE_FILES.iter().copied().zip(releases)),
        architecture: single_line(arch, "uname -m"),
        kernel: single_line(kernel, "uname -r"),
        system_disk: system_disk_fact(lsblk, mounts, partitions),
    }
}

fn os_fact<'a>(reads: impl Iterator<Item = (&'a str, Result<String, ReadError>)>) -> Fact<OsInfo> {
    let mut found: HashMap<&str, String> = HashMap::new();
    let mut problems = Vec::new();
    for (path, result) in reads {
        match result {
            Ok(text) => {
                found.insert(path, text);
            }
            Err(ReadError::NotFound(_)) => {}
            Err(e) => problems.push(e.to_string()),
        }
    }
    let detected = os_release::detect(&|path| found.get(path).cloned());
    Fact::from_result(detected.map_err(|reason| {
        if problems.is_empty() {
            reason
        } else {
            format!("{reason} ({})", problems.join("; "))
        }
    }))
}

fn system_disk_fact(
    lsblk: Result<String, String>,
    mounts: Result<String, ReadError>,
    partitions: Result<String, ReadError>,
) -> Fact<SystemDisk> {
    let mut reasons = Vec::new();
    let devices = lsblk
        .and_then(|text| disks::parse_lsblk_pairs(&text))
        .map_err(|e| reasons.push(e))
        .ok();
    let mounts = mounts
        .map(|text| disks::parse_proc_mounts(&text))
        .map_err(|e| reasons.push(e.to_string()))
        .unwrap_or_default();
    let partitions = partitions
        .map_err(|e| e.to_string())
        .and_then(|text| disks::parse_proc_partitions(&text))
        .map_err(|e| reasons.push(e))
        .unwrap_or_default();
    Fact::from_result(
        disks::system_disk(devices.as_deref(), &mounts, &partitions).map_err(|e| {
            reasons.push(e);
            reasons.join("; ")
        }),
    )
}

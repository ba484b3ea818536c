//! The run's journal: `DIR/results.ndjson`, one line per finished host, appended and synced
//! as the host finishes, so a run killed half-way (OOM killer, node reboot, evicted pod)
//! loses nothing it finished: `scan --resume DIR` reads it back, scans only the rest, and
//! writes the same summary files an uninterrupted run would.
//!
//! The first line names the run's hosts (a digest of their names and addresses, in order),
//! so that a journal is only resumed with the inventory that started it.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};

use crate::report::summary::{HostStatus, SummaryRow};

/// File name of the journal in a run folder.
pub const FILE_NAME: &str = "results.ndjson";

const FORMAT: &str = "image_check journal 1";

/// A journal of 100,000 hosts is about 50 MB.
const MAX_JOURNAL: u64 = 1 << 30;

/// The journal's first line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Header {
    format: String,
    /// How many hosts the run has.
    hosts: usize,
    /// SHA-1 of the hosts' names and addresses, in inventory order.
    targets: String,
}

/// A host of the run: its name and address, in inventory order.
pub type Host = (String, String);

impl Header {
    fn of(hosts: &[Host]) -> Header {
        let mut sha = Sha1::new();
        for (name, address) in hosts {
            sha.update(name.as_bytes());
            sha.update([0]);
            sha.update(address.as_bytes());
            sha.update([0]);
        }
        Header {
            format: FORMAT.to_string(),
            hosts: hosts.len(),
            targets: data_encoding::HEXLOWER.encode(&sha.finalize()),
        }
    }
}

fn read_journal(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    File::open(path)?
        .take(MAX_JOURNAL + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_JOURNAL {
        return Err(std::io::Error::other(format!(
            "larger than {} MiB",
            MAX_JOURNAL >> 20
        )));
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// One finished host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    /// Its place in the inventory.
    index: usize,
    row: SummaryRow,
}

/// An open journal, shared by the hosts of a scan.
pub struct Journal {
    path: PathBuf,
    file: Mutex<File>,
}

impl Journal {
    /// A new journal for `hosts` in `dir`, replacing one a previous run left there. Whatever
    /// is at its name is removed first and the file created with O_EXCL: a symlink planted
    /// there is replaced (one line says so), never written through.
    pub fn create(dir: &Path, hosts: &[Host]) -> Result<Journal, String> {
        let path = dir.join(FILE_NAME);
        let failed = |e: std::io::Error| format!("{}: {e}", path.display());
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = std::fs::read_link(&path).unwrap_or_default();
                std::fs::remove_file(&path).map_err(failed)?;
                eprintln!(
                    "warning: {} was a symbolic link (to {}): replaced by the journal, nothing written through it",
                    path.display(),
                    target.display()
                );
            }
            Ok(meta) if !meta.is_dir() => std::fs::remove_file(&path).map_err(failed)?,
            _ => {}
        }
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(failed)?;
        let header = serde_json::to_string(&Header::of(hosts)).map_err(|e| e.to_string())?;
        writeln!(file, "{header}")
            .and_then(|()| file.sync_data())
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(Journal {
            path,
            file: Mutex::new(file),
        })
    }

    /// The journal a run in `dir` left, and the rows it holds by inventory index; Err when
    /// there is none, or it was written for other hosts (the message names the difference).
    pub fn resume(
        dir: &Path,
        hosts: &[Host],
    ) -> Result<(Journal, HashMap<usize, SummaryRow>), String> {
        let path = dir.join(FILE_NAME);
        let text = read_journal(&path).map_err(|e| {
            format!(
                "{}: {e}: not a run folder of a scan that can be resumed",
                path.display()
            )
        })?;
        let mut lines = text.lines();
        let first = lines
            .next()
            .and_then(|line| serde_json::from_str::<Header>(line).ok())
            .filter(|h| h.format == FORMAT)
            .ok_or_else(|| format!("{}: not a journal of image_check", path.display()))?;
        let wanted = Header::of(hosts);
        if first.hosts != wanted.hosts {
            return Err(format!(
                "{} was started for {} hosts, this inventory has {}: resume it with the \
                 inventory (and --limit, --shard) that started it",
                dir.display(),
                first.hosts,
                wanted.hosts
            ));
        }
        if first.targets != wanted.targets {
            return Err(format!(
                "{} was started for other hosts (names or addresses differ): resume it with \
                 the inventory (and --limit, --shard) that started it",
                dir.display()
            ));
        }
        let mut done = HashMap::new();
        for line in lines {
            // A line cut short by the kill is a host to scan again.
            let Ok(entry) = serde_json::from_str::<Entry>(line) else {
                continue;
            };
            if hosts
                .get(entry.index)
                .is_some_and(|(name, _)| *name == entry.row.host)
            {
                done.insert(entry.index, entry.row);
            }
        }
        // O_NOFOLLOW: a journal swapped for a symlink since it was read is not appended to.
        let mut file = OpenOptions::new()
            .append(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if !text.ends_with('\n') {
            // End the cut line, so the next entry starts a line of its own.
            file.write_all(b"\n")
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
        Ok((
            Journal {
                path,
                file: Mutex::new(file),
            },
            done,
        ))
    }

    /// Appends a finished host and syncs it to disk. An interrupted host is not finished:
    /// it is scanned again on resume.
    pub fn append(&self, index: usize, row: &SummaryRow) -> Result<(), String> {
        if row.status == HostStatus::Interrupted {
            return Ok(());
        }
        let line = serde_json::to_string(&Entry {
            index,
            row: row.clone(),
        })
        .map_err(|e| e.to_string())?;
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        writeln!(file, "{line}")
            .and_then(|()| file.sync_data())
            .map_err(|e| format!("{}: {e}", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(name: &str) -> Host {
        (name.to_string(), format!("{name}.example"))
    }

    #[test]
    fn a_symlink_planted_at_the_journal_is_replaced_never_written_through() {
        let dir = std::env::temp_dir().join(format!("ic-journal-link-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let victim = dir.join("victim");
        std::fs::write(&victim, "precious").unwrap();
        std::os::unix::fs::symlink(&victim, dir.join(FILE_NAME)).unwrap();
        let journal = Journal::create(&dir, &[target("a")]).unwrap();
        drop(journal);
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        let meta = std::fs::symlink_metadata(dir.join(FILE_NAME)).unwrap();
        assert!(meta.is_file());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_resumed_journal_gives_back_what_finished_and_refuses_other_hosts() {
        let dir = std::env::temp_dir().join(format!("ic-journal-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let targets = [target("a"), target("b"), target("c")];
        let journal = Journal::create(&dir, &targets).unwrap();
        let row = |host: &str, status| SummaryRow::bare(host, "x", status, "");
        journal.append(0, &row("a", HostStatus::Ok)).unwrap();
        journal
            .append(2, &row("c", HostStatus::Interrupted))
            .unwrap();
        drop(journal);
        // The kill came in the middle of b's line.
        let mut file = OpenOptions::new()
            .append(true)
            .open(dir.join(FILE_NAME))
            .unwrap();
        file.write_all(b"{\"index\":1,\"row\":{\"host\":\"b\"")
            .unwrap();

        let (journal, done) = Journal::resume(&dir, &targets).unwrap();
        assert_eq!(done.len(), 1);
        assert_eq!(done[&0].status, HostStatus::Ok);
        journal.append(1, &row("b", HostStatus::Failed)).unwrap();
        drop(journal);

        let other = [target("a"), target("b"), target("d")];
        let err = Journal::resume(&dir, &other).err().unwrap();
        assert!(err.contains("was started for other hosts"), "{err}");
        let err = Journal::resume(&dir, &targets[..2]).err().unwrap();
        assert!(
            err.contains("was started for 3 hosts, this inventory has 2"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

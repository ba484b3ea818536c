//! Where reports go on disk: folder names made safe from host names, and atomic writes (a
//! temporary file renamed into place), so a reader never sees half a report.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Longest folder name made from a host name; the rest is replaced by a hash.
const MAX_NAME: usize = 80;

/// A folder name for `host` that stays inside the output folder and cannot collide with another
/// host's: characters outside `[A-Za-z0-9._-]` become `_`, and whenever the name had to change a
/// short hash of the original is appended (so `a/b` and `a_b` get different folders).
pub fn safe_dir_name(host: &str) -> String {
    let mut name: String = host
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.starts_with('.') {
        name.replace_range(..1, "_");
    }
    let stem = name.split('.').next().unwrap_or("").to_ascii_uppercase();
    let reserved = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.len() == 4
            && stem.as_bytes()[3].is_ascii_digit());
    let changed = name != host || reserved;
    if name.len() > MAX_NAME {
        name.truncate(MAX_NAME);
    }
    if changed || host.len() > MAX_NAME || name.is_empty() {
        name = format!("{name}-{:016x}", crate::shard::stable_hash(host.as_bytes()));
    }
    name
}

/// Temporary files being written now, so an immediate exit can remove them.
static IN_PROGRESS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn in_progress() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    IN_PROGRESS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Writes `contents` to `path` through a temporary file in the same folder, flushed to disk,
/// and a rename: a reader sees the old file or the whole new one, never part of it.
pub fn write_atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    static SEQUENCE: AtomicU64 = AtomicU64::new(0);
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("report");
    let unique = SEQUENCE.fetch_add(1, Ordering::Relaxed);
    let tmp = dir.join(format!(".{file_name}.{}-{unique}.tmp", std::process::id()));
    in_progress().push(tmp.clone());
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(contents)?;
        file.sync_data()?;
        std::fs::rename(&tmp, path)
    })();
    in_progress().retain(|p| p != &tmp);
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Deletes the temporary files of writes still under way: called before exiting at once, so
/// no half-written file is left behind.
pub fn remove_partial_files() {
    for tmp in in_progress().drain(..) {
        let _ = std::fs::remove_file(tmp);
    }
}

/// The files of one host's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportPaths {
    pub txt: PathBuf,
    pub json: PathBuf,
}

impl ReportPaths {
    /// Alibaba's names inside `dir`: `image_check_report_<time>.txt` and `image_check_report.json`.
    pub fn in_dir(dir: &Path, time: &str) -> Self {
        ReportPaths {
            txt: dir.join(format!("image_check_report_{time}.txt")),
            json: dir.join("image_check_report.json"),
        }
    }

    /// A cloud profile's names beside Alibaba's: `image_check_report_<profile>_<time>.txt`
    /// and `image_check_report_<profile>.json`.
    pub fn for_profile(dir: &Path, time: &str, profile: &str) -> Self {
        ReportPaths {
            txt: dir.join(format!("image_check_report_{profile}_{time}.txt")),
            json: dir.join(format!("image_check_report_{profile}.json")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_reports_are_named_beside_alibabas() {
        let dir = Path::new("out/web");
        assert_eq!(
            ReportPaths::for_profile(dir, "2026-01-02_03-04-05", "aws"),
            ReportPaths {
                txt: dir.join("image_check_report_aws_2026-01-02_03-04-05.txt"),
                json: dir.join("image_check_report_aws.json"),
            }
        );
    }

    #[test]
    fn plain_names_are_kept() {
        assert_eq!(safe_dir_name("web-01.example.com"), "web-01.example.com");
        assert_eq!(safe_dir_name("db_2"), "db_2");
    }

    #[test]
    fn hostile_names_stay_inside_and_do_not_collide() {
        let names = [
            "../../etc/x",
            "a/b",
            "a_b",
            "..",
            ".",
            "",
            "x\0y",
            "x\ny",
            "CON",
            "con.txt",
            "fd00::5",
        ];
        let made: Vec<String> = names.iter().map(|n| safe_dir_name(n)).collect();
        for m in &made {
            assert!(
                !m.is_empty() && !m.contains('/') && !m.starts_with('.'),
                "{m}"
            );
            assert!(
                m.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)),
                "{m}"
            );
        }
        let unique: std::collections::HashSet<_> = made.iter().collect();
        assert_eq!(unique.len(), names.len(), "{made:?}");
        assert_eq!(made[2], "a_b");
        assert!(made[1].starts_with("a_b-"));
    }

    #[test]
    fn long_names_are_cut_with_a_hash() {
        let long = "h".repeat(300);
        let other = format!("{}x", "h".repeat(299));
        let (a, b) = (safe_dir_name(&long), safe_dir_name(&other));
        assert!(a.len() <= MAX_NAME + 17 && a != b, "{a} {b}");
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp() {
        let dir = std::env::temp_dir().join(format!("ic-files-{}", std::process::id()));
        let path = dir.join("sub/report.json");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let entries: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(entries.len(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

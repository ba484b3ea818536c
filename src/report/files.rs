//! Where reports go on disk: folder names made safe from host names, and atomic writes (a
//! temporary file renamed into place), so a reader never sees half a report.
//!
//! Nothing inside the output folder is trusted to be what it seems: temporary files get
//! unpredictable names and are created exclusively (a planted symlink is never followed), a
//! host folder or report that is a symlink is replaced, not written through, with one warning
//! line on stderr, and temporary files left by runs that died are removed.

use std::io::Write;
use std::path::{Path, PathBuf};
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

/// The end of every temporary file's name: `.<file>.<pid>.<random>.tmp`.
const TMP_SUFFIX: &str = ".tmp";

fn warn(message: &str) {
    eprintln!("warning: {message}");
}

/// A write that failed, and the file it was for: carried inside the `io::Error` that
/// [`write_atomic`] returns, so that a full disk can be reported once for every file it cost.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}", path.display())]
pub struct WriteError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

impl WriteError {
    /// The [`WriteError`] inside an error of [`write_atomic`].
    pub fn of(error: &std::io::Error) -> Option<&WriteError> {
        error.get_ref()?.downcast_ref()
    }
}

fn about(path: &Path, error: std::io::Error) -> std::io::Error {
    std::io::Error::new(
        error.kind(),
        WriteError {
            path: path.to_path_buf(),
            source: error,
        },
    )
}

/// What a symlink points at, for a message.
fn link_target(path: &Path) -> String {
    std::fs::read_link(path).map_or_else(|_| "?".into(), |t| t.display().to_string())
}

/// A folder held open while files are written into it. Every name is looked up in the folder
/// itself, through its descriptor (`/proc/self/fd/N/name`), not through its path again: a
/// folder renamed away or swapped for a symlink after it was opened cannot redirect a write.
#[derive(Debug)]
pub struct Dir {
    file: std::fs::File,
    /// The path it was opened at, for messages.
    path: PathBuf,
}

impl Dir {
    /// Opens (and creates) `path`, following symlinks: the output folder itself is the
    /// operator's choice. What is inside it is not followed (see [`real_dir`]).
    pub fn open(path: &Path) -> std::io::Result<Dir> {
        std::fs::create_dir_all(path).map_err(|e| about(path, e))?;
        Dir::open_with(path, 0)
    }

    fn open_with(path: &Path, flags: i32) -> std::io::Result<Dir> {
        use std::os::unix::fs::OpenOptionsExt;
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_DIRECTORY | flags)
            .open(path)
            .map_err(|e| about(path, e))?;
        Ok(Dir {
            file,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The folder as a path that resolves through the descriptor; its own path where /proc
    /// is not mounted.
    fn here(&self) -> PathBuf {
        use std::os::fd::AsRawFd;
        let by_fd = PathBuf::from(format!("/proc/self/fd/{}", self.file.as_raw_fd()));
        if by_fd.is_dir() {
            by_fd
        } else {
            self.path.clone()
        }
    }

    /// Writes `contents` to `name` in this folder through a temporary file beside it, flushed
    /// to disk, and a rename: a reader sees the old file or the whole new one, never part of
    /// it. The temporary file is created with O_EXCL under a random name (tempfile), so nothing
    /// planted in the folder can redirect the write; a symlink at `name` is replaced by the
    /// file, never followed. Errors name the file.
    pub fn write(&self, name: &str, contents: &[u8]) -> std::io::Result<()> {
        let shown = self.path.join(name);
        let here = self.here();
        let mut tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}.{}.", std::process::id()))
            .suffix(TMP_SUFFIX)
            .tempfile_in(&here)
            .map_err(|e| about(&shown, e))?;
        let tmp_path = tmp.path().to_path_buf();
        in_progress().push(tmp_path.clone());
        let target = here.join(name);
        let result = (|| {
            // Through the File itself: NamedTempFile's own Write adds the temporary name to
            // errors.
            tmp.as_file_mut().write_all(contents)?;
            tmp.as_file().sync_data()?;
            if std::fs::symlink_metadata(&target).is_ok_and(|m| m.file_type().is_symlink()) {
                warn(&format!(
                    "{} was a symbolic link (to {}): replaced by the file, nothing written through it",
                    shown.display(),
                    link_target(&target)
                ));
            }
            // rename(2) replaces a symlink at `target` itself; the file is removed on failure.
            tmp.persist(&target).map(drop).map_err(|e| e.error)
        })();
        in_progress().retain(|p| p != &tmp_path);
        result.map_err(|e| about(&shown, e))
    }

    /// Puts the file `from` at `name` in this folder: a hard link where the file system allows
    /// one, else a copy through [`Dir::write`]. Whatever was at `name` (a symlink included) is
    /// replaced, never followed.
    pub fn link_or_copy(&self, from: &Path, name: &str) -> std::io::Result<()> {
        let target = self.here().join(name);
        if std::fs::symlink_metadata(&target).is_ok_and(|m| !m.is_dir()) {
            std::fs::remove_file(&target).map_err(|e| about(&self.path.join(name), e))?;
        }
        // link(2) never follows `from` if it is a symlink, nor creates through one at `target`.
        if std::fs::hard_link(from, &target).is_ok() {
            return Ok(());
        }
        let bytes = std::fs::read(from).map_err(|e| about(&self.path.join(name), e))?;
        self.write(name, &bytes)
    }
}

/// [`Dir::write`] into the folder of `path` (created when missing).
pub fn write_atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("report");
    Dir::open(dir)?.write(name, contents)
}

/// Opens `dir`, a host's folder inside the output folder, as a real folder: created when
/// missing, and when it is a symlink (`-o/web-01 -> /elsewhere`) the link is removed and a
/// folder made in its place, with one warning line. It is opened with O_NOFOLLOW, and the
/// [`Dir`] writes through that descriptor, so no report lands outside the output folder.
pub fn real_dir(dir: &Path) -> std::io::Result<Dir> {
    let made = |e| about(dir, e);
    match std::fs::symlink_metadata(dir) {
        Ok(meta) if meta.is_dir() => {}
        Ok(meta) if meta.file_type().is_symlink() => {
            let target = link_target(dir);
            std::fs::remove_file(dir).map_err(made)?;
            std::fs::create_dir(dir).map_err(made)?;
            warn(&format!(
                "{} was a symbolic link (to {target}): replaced by a folder, nothing written through it",
                dir.display()
            ));
        }
        Ok(_) => {
            return Err(made(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "a file that is not a folder is in the way",
            )))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).map_err(made)?
        }
        Err(e) => return Err(made(e)),
    }
    // A symlink swapped in since the check fails here (ELOOP) instead of being followed.
    Dir::open_with(dir, libc::O_NOFOLLOW)
}

/// The pid in a temporary file's name as [`write_atomic`] makes it
/// (`.summary.csv.<pid>.<random>.tmp`, or an older `.summary.csv.<pid>-<n>.tmp`).
fn temporary_pid(name: &str) -> Option<u32> {
    let inner = name.strip_prefix('.')?.strip_suffix(TMP_SUFFIX)?;
    let mut parts = inner.rsplit('.');
    let last = parts.next()?;
    let pid = match last.split_once('-') {
        Some((pid, n)) if n.bytes().all(|b| b.is_ascii_digit()) => pid,
        _ => parts.next()?,
    };
    pid.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| pid.parse().ok())
        .flatten()
}

/// Removes the temporary files that runs killed mid-write (kill -9, power loss) left in `dir`
/// and its host folders: those whose process no longer exists, and those that name this
/// process (it has written nothing yet: they are planted, or left by an earlier life of a
/// container's pid). Called with the run's lock held, before any write, so no live run of this
/// folder is writing them. Returns what was removed.
pub fn remove_stale_temporaries(dir: &Path) -> Vec<PathBuf> {
    let is_stale = |name: &str| {
        temporary_pid(name).is_some_and(|pid| {
            pid == std::process::id() || !Path::new("/proc").join(pid.to_string()).exists()
        })
    };
    let mut removed = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    let Ok(entries) = std::fs::read_dir(dir) else {
        return removed;
    };
    for entry in entries.flatten() {
        // file_type does not follow symlinks: a linked folder is not searched.
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            folders.push(entry.path());
        }
    }
    for folder in folders {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let stale = entry.file_name().to_str().is_some_and(is_stale)
                && entry.file_type().is_ok_and(|t| !t.is_dir());
            if stale && std::fs::remove_file(entry.path()).is_ok() {
                removed.push(entry.path());
            }
        }
    }
    removed.sort();
    removed
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
            txt: dir.join(Self::txt_name(time)),
            json: dir.join(Self::JSON_NAME),
        }
    }

    pub const JSON_NAME: &str = "image_check_report.json";

    pub fn txt_name(time: &str) -> String {
        format!("image_check_report_{time}.txt")
    }

    /// The file names of a report: Alibaba's for `None`, and for a cloud profile
    /// `image_check_report_<profile>_<time>.txt` and `image_check_report_<profile>.json`.
    pub fn names(time: &str, profile: Option<&str>) -> (String, String) {
        match profile {
            None => (Self::txt_name(time), Self::JSON_NAME.to_string()),
            Some(profile) => (
                format!("image_check_report_{profile}_{time}.txt"),
                format!("image_check_report_{profile}.json"),
            ),
        }
    }

    /// A cloud profile's names beside Alibaba's inside `dir` (see [`ReportPaths::names`]).
    pub fn for_profile(dir: &Path, time: &str, profile: &str) -> Self {
        let (txt, json) = Self::names(time, Some(profile));
        ReportPaths {
            txt: dir.join(txt),
            json: dir.join(json),
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

    /// A fresh folder under the temporary folder, for one test.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ic-files-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn atomic_write_replaces_a_planted_symlink_and_leaves_its_target_alone() {
        let dir = scratch("symlink");
        let outside = dir.join("outside.txt");
        std::fs::write(&outside, "precious").unwrap();
        let out = dir.join("out");
        std::fs::create_dir(&out).unwrap();
        std::os::unix::fs::symlink(&outside, out.join("summary.csv")).unwrap();
        write_atomic(&out.join("summary.csv"), b"host\n").unwrap();
        let meta = std::fs::symlink_metadata(out.join("summary.csv")).unwrap();
        assert!(meta.is_file(), "the link itself was replaced by a file");
        assert_eq!(std::fs::read(out.join("summary.csv")).unwrap(), b"host\n");
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), "precious");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn temporary_names_are_unpredictable_and_carry_the_pid() {
        let dir = scratch("names");
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".run.json.{}.", std::process::id()))
            .suffix(TMP_SUFFIX)
            .tempfile_in(&dir)
            .unwrap();
        let name = tmp
            .path()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert_eq!(temporary_pid(&name), Some(std::process::id()), "{name}");
        assert_eq!(
            temporary_pid(".summary.csv.4000000000-7.tmp"),
            Some(4000000000)
        );
        assert_eq!(temporary_pid(".summary.csv.123.Ab9xYz.tmp"), Some(123));
        assert_eq!(temporary_pid(".notes.tmp"), None);
        assert_eq!(temporary_pid("summary.csv.123.Ab9xYz.tmp"), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_symlinked_host_folder_is_replaced_by_a_real_one() {
        let dir = scratch("hostdir");
        let elsewhere = dir.join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        let out = dir.join("out");
        std::fs::create_dir(&out).unwrap();
        std::os::unix::fs::symlink(&elsewhere, out.join("web-01")).unwrap();
        let web = real_dir(&out.join("web-01")).unwrap();
        web.write("image_check_report.json", b"{}").unwrap();
        assert!(std::fs::symlink_metadata(out.join("web-01"))
            .unwrap()
            .is_dir());
        assert!(out.join("web-01/image_check_report.json").is_file());
        assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
        real_dir(&out.join("new")).unwrap();
        assert!(out.join("new").is_dir());
        std::fs::write(out.join("file"), "").unwrap();
        let e = real_dir(&out.join("file")).unwrap_err().to_string();
        assert!(e.contains("out/file: a file that is not a folder"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_folder_swapped_for_a_symlink_after_it_was_opened_gets_nothing() {
        let dir = scratch("swap");
        let elsewhere = dir.join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        let web = dir.join("out/web");
        let opened = real_dir(&web).unwrap();
        // The attacker's move between the check and the writes.
        std::fs::rename(&web, dir.join("out/web.old")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, &web).unwrap();
        opened.write("image_check_report.json", b"{}").unwrap();
        assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
        assert_eq!(
            std::fs::read(dir.join("out/web.old/image_check_report.json")).unwrap(),
            b"{}"
        );
        // Opened again, the symlink is replaced, never followed.
        real_dir(&web).unwrap().write("facts.json", b"{}").unwrap();
        assert!(web.join("facts.json").is_file());
        assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_linked_or_copied_file_replaces_a_planted_symlink() {
        let dir = scratch("link");
        let victim = dir.join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let source = dir.join("report.json");
        std::fs::write(&source, "{}").unwrap();
        let merged = real_dir(&dir.join("merged/web")).unwrap();
        std::os::unix::fs::symlink(&victim, dir.join("merged/web/report.json")).unwrap();
        merged.link_or_copy(&source, "report.json").unwrap();
        let placed = dir.join("merged/web/report.json");
        assert!(std::fs::symlink_metadata(&placed).unwrap().is_file());
        assert_eq!(std::fs::read_to_string(&placed).unwrap(), "{}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn stale_temporaries_of_dead_runs_are_removed_and_nothing_else() {
        let dir = scratch("stale");
        let out = dir.join("out");
        std::fs::create_dir_all(out.join("web")).unwrap();
        let dead = ".summary.csv.4000000000.Ab9xYz.tmp";
        let old_style = ".image_check_report.json.4000000001-3.tmp";
        // pid 1 always runs: its temporary file is a write under way.
        let live = ".run.json.1.Qw7rTy.tmp";
        let ours = format!(".report.html.{}-0.tmp", std::process::id());
        for name in [dead, live, &ours, "notes.tmp", ".keep"] {
            std::fs::write(out.join(name), "x").unwrap();
        }
        std::fs::write(out.join("web").join(old_style), "x").unwrap();
        // A folder behind a symlink is not searched.
        let elsewhere = dir.join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        std::fs::write(elsewhere.join(dead), "x").unwrap();
        std::os::unix::fs::symlink(&elsewhere, out.join("linked")).unwrap();
        let removed = remove_stale_temporaries(&out);
        assert_eq!(
            removed,
            [
                out.join(&ours),
                out.join(dead),
                out.join("web").join(old_style)
            ]
        );
        assert!(out.join(live).exists() && out.join("notes.tmp").exists());
        assert!(out.join(".keep").exists() && elsewhere.join(dead).exists());
        std::fs::remove_dir_all(&dir).unwrap();
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

//! What a run writes stays inside its output folder, whatever was planted there: symlinks at
//! the names of temporary files, host folders, reports and the lock; temporary files of runs
//! that died. `evaluate` on a real captured facts.json writes the run folder exactly as a scan
//! does, so these tests need no sshd.

mod common;

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use common::{image_check, out_dir, walk};

fn facts_fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/facts/debian12-ok/facts.json")
}

fn is_symlink(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

#[test]
fn planted_symlinks_in_the_output_folder_are_replaced_never_followed() {
    let root = out_dir("writes-symlinks");
    let out = root.join("run");
    let elsewhere = root.join("elsewhere");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::create_dir_all(&elsewhere).unwrap();
    let victim = root.join("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    // The names the old writer used, `.<file>.<pid>-<n>.tmp`, for the pids the next processes
    // will get: each a link to the victim.
    let last_pid: u32 = std::fs::read_to_string("/proc/sys/kernel/ns_last_pid")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    for pid in last_pid + 1..last_pid + 200 {
        for file in ["run.json", "summary.csv", "summary.md", "report.html"] {
            for n in 0..6 {
                symlink(&victim, out.join(format!(".{file}.{pid}-{n}.tmp"))).unwrap();
            }
        }
    }
    symlink(&victim, out.join("summary.csv")).unwrap();
    symlink(&victim, out.join(".image_check.lock")).unwrap();
    symlink(&elsewhere, out.join("web")).unwrap();

    let child = common::image_check_command(&[
        "evaluate",
        facts_fixture().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "-q",
    ])
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped())
    .spawn()
    .unwrap();
    let pid = child.id();
    let run = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    assert_eq!(
        std::fs::read_dir(&elsewhere).unwrap().count(),
        0,
        "{stderr}"
    );
    for name in ["summary.csv", "run.json", "web"] {
        assert!(!is_symlink(&out.join(name)), "{name} is still a symlink");
    }
    assert!(out.join("web/image_check_report.json").is_file());
    assert!(std::fs::read_to_string(out.join("summary.csv"))
        .unwrap()
        .starts_with("host,address,status"));
    // Links named after processes that still run (other tests' runs) are left to them.
    let left: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n == ".image_check.lock" || n.contains(&format!(".{pid}-")))
        .collect();
    assert!(
        left.is_empty(),
        "the lock or the run's own names remain: {left:?}"
    );
    for line in [
        format!(
            "warning: the lock {}/.image_check.lock was a symbolic link (to {})",
            out.display(),
            victim.display()
        ),
        "temporary file(s) left by runs that died mid-write".to_string(),
        format!(
            "warning: {}/web was a symbolic link (to {}): replaced by a folder",
            out.display(),
            elsewhere.display()
        ),
        format!(
            "warning: {}/summary.csv was a symbolic link (to {}): replaced by the file",
            out.display(),
            victim.display()
        ),
    ] {
        assert!(stderr.contains(&line), "no {line:?} in {stderr}");
    }
}

#[test]
fn temporary_files_of_a_killed_run_are_removed_by_the_next() {
    let out = out_dir("writes-stale");
    std::fs::create_dir_all(out.join("web")).unwrap();
    // What a kill -9 during a large write leaves: the old names and the new ones.
    let stale = [
        out.join(".summary.csv.4000000000-0.tmp"),
        out.join("web/.facts.json.4000000000.x8Yq2P.tmp"),
    ];
    for file in &stale {
        std::fs::write(file, vec![b'x'; 1 << 20]).unwrap();
    }
    let run = image_check(&[
        "evaluate",
        facts_fixture().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "-q",
    ]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    for file in &stale {
        assert!(!file.exists(), "{} remains", file.display());
    }
    assert_eq!(
        stderr.trim(),
        format!(
            "warning: removed 2 temporary file(s) left by runs that died mid-write ({}, ...)",
            stale[0].display()
        )
    );
}

/// A tmpfs of `kib` KiB mounted for one test, unmounted when dropped; None where mounting is
/// not allowed (not root).
struct TinyDisk(PathBuf);

impl TinyDisk {
    fn mount(name: &str, kib: u32) -> Option<TinyDisk> {
        let dir = out_dir(name);
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
            .arg(&dir)
            .status()
            .is_ok_and(|s| s.success());
        mounted.then_some(TinyDisk(dir))
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_exits_1_naming_every_file_it_cost() {
    let Some(disk) = TinyDisk::mount("writes-enospc", 64) else {
        eprintln!("skipped: cannot mount a tmpfs (needs root)");
        return;
    };
    let out = disk.0.join("run");
    std::fs::create_dir(&out).unwrap();
    // Fill the disk: every write of the run fails.
    let _ = std::fs::write(disk.0.join("filler"), vec![b'x'; 128 << 10]);
    let more = std::fs::write(disk.0.join("more"), b"x");
    assert!(more.is_err(), "the disk is full now");
    let run = image_check(&[
        "evaluate",
        facts_fixture().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "-q",
    ]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    let full = "No space left on device (os error 28)";
    assert!(
        stderr.starts_with(&format!(
            "error: cannot write summary.csv, summary.md, report.html and run.json in {}: {full}; \
             the reports of 1 host(s) were not written (web: report not written: cannot write {}/web/image_check_report_",
            out.display(),
            out.display()
        )),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(
        walk(&out),
        [] as [PathBuf; 0],
        "no temporary file is left behind"
    );
}

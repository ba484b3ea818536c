//! Nothing lost at scale: a run killed with SIGKILL half-way resumes (`scan --resume DIR`
//! scans only the hosts its journal does not hold, and the run's files are those of an
//! uninterrupted run), and one broken inventory entry is a row, not a run that never starts.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{fault_fixture, image_check, image_check_command, out_dir, script, Fleet};

fn journal_lines(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("results.ndjson"))
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

/// Host folder → its TXT report's name and modification time.
fn reports(dir: &Path) -> std::collections::BTreeMap<String, (String, std::time::SystemTime)> {
    let mut found = std::collections::BTreeMap::new();
    for host in std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
    {
        for file in std::fs::read_dir(host.path()).unwrap().flatten() {
            let name = file.file_name().to_string_lossy().into_owned();
            if name.ends_with(".txt") {
                let mtime = file.metadata().unwrap().modified().unwrap();
                found.insert(
                    host.file_name().to_string_lossy().into_owned(),
                    (name, mtime),
                );
            }
        }
    }
    found
}

#[test]
fn a_killed_run_resumes_where_it_stopped_and_ends_as_an_uninterrupted_one() {
    // Each host takes about a second, so the kill lands in the middle of the run.
    let slow = fault_fixture("slow-df", "debian12-ok", |root| {
        script(root, "usr/bin/df", "sleep 1; exec /bin/busybox df \"$@\"")
    });
    let specs: Vec<String> = (0..40)
        .map(|n| format!("h{n:02}={}", slow.display()))
        .collect();
    let specs: Vec<&str> = specs.iter().map(String::as_str).collect();
    let fleet = Fleet::up("resume", 93, &specs);
    let inventory = fleet.inventory();
    let inventory = inventory.to_str().unwrap();

    let whole = out_dir("resume-whole");
    image_check(&[
        "scan",
        "-q",
        "-c",
        "4",
        "-i",
        inventory,
        "-o",
        whole.to_str().unwrap(),
    ]);

    let killed = out_dir("resume-killed");
    let mut child = image_check_command(&[
        "scan",
        "-q",
        "-c",
        "4",
        "-i",
        inventory,
        "-o",
        killed.to_str().unwrap(),
    ])
    .spawn()
    .unwrap();
    let started = Instant::now();
    while journal_lines(&killed) < 1 + 12 && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(!killed.join("summary.csv").exists() && !killed.join("run.json").exists());
    let before = reports(&killed);
    let finished = journal_lines(&killed) - 1;
    assert!(
        (12..40).contains(&finished),
        "{finished} hosts finished before the kill"
    );

    let resumed = image_check(&[
        "scan",
        "-i",
        inventory,
        "-c",
        "4",
        "--resume",
        killed.to_str().unwrap(),
    ]);
    let said = String::from_utf8_lossy(&resumed.stdout);
    assert!(
        said.contains(&format!(
            "{finished} of 40 hosts finished before, scanning the other {}",
            40 - finished
        )),
        "{said}{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    let csv = |dir: &Path| std::fs::read_to_string(dir.join("summary.csv")).unwrap();
    assert_eq!(csv(&killed), csv(&whole), "the same rows in the same order");
    assert!(killed.join("run.json").is_file());
    let after = reports(&killed);
    assert_eq!(after.len(), 40);
    let journal = std::fs::read_to_string(killed.join("results.ndjson")).unwrap();
    let mut not_again = 0;
    for (host, report) in &before {
        // A host in the journal kept its report: it was not contacted again.
        if journal
            .lines()
            .take(finished + 1)
            .any(|l| l.contains(&format!("\"host\":\"{host}\"")))
        {
            assert_eq!(&after[host], report, "{host} was scanned again");
            not_again += 1;
        }
    }
    assert_eq!(not_again, finished);
    let changes = out_dir("resume-diff");
    let diff = image_check(&[
        "diff",
        whole.to_str().unwrap(),
        killed.to_str().unwrap(),
        "-o",
        changes.to_str().unwrap(),
    ]);
    assert_eq!(diff.status.code(), Some(0), "diff takes a resumed run");
    let changed = std::fs::read_to_string(changes.join("changes.csv")).unwrap();
    assert_eq!(changed.lines().count(), 1, "nothing changed: {changed}");

    let again = image_check(&[
        "scan",
        "-i",
        inventory,
        "--resume",
        killed.to_str().unwrap(),
    ]);
    assert_eq!(again.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&again.stdout)
        .contains("the run finished (run.json is there): nothing to resume"));

    let other = Fleet::up("resume-other", 94, &["x=debian12-ok"]);
    std::fs::remove_file(killed.join("run.json")).unwrap();
    let refused = image_check(&[
        "scan",
        "-i",
        other.inventory().to_str().unwrap(),
        "--resume",
        killed.to_str().unwrap(),
    ]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr)
        .contains("was started for 40 hosts, this inventory has 1"));
}

#[test]
fn one_bad_inventory_entry_is_a_row_and_every_good_host_is_scanned() {
    let fleet = Fleet::up("invalid", 95, &["a=debian12-ok", "b=centos7-ok"]);
    let inventory = std::fs::read_to_string(fleet.inventory()).unwrap();
    let broken = fleet.dir.join("broken.toml");
    std::fs::write(
        &broken,
        format!("{inventory}\n[[hosts]]\nname = \"cmdb\\u001b]0;owned\\u0007\"\naddress = \"127.95.0.200\"\n"),
    )
    .unwrap();
    let out = out_dir("invalid");
    let run = image_check(&[
        "scan",
        "-i",
        broken.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        run.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let console = String::from_utf8_lossy(&run.stdout);
    assert!(
        !console.contains('\u{1b}'),
        "no escape reaches the terminal"
    );
    assert!(console.contains("1 invalid"), "{console}");
    let rows = common::rows_by_host(&out);
    assert_eq!(rows["a"]["status"], "ok");
    assert_eq!(rows["b"]["status"], "ok");
    let bad = &rows["cmdb\\u{1b}]0;owned\\u{7}"];
    assert_eq!(bad["status"], "invalid");
    assert!(
        bad["reason"].ends_with("is empty or has control characters")
            && bad["reason"].contains("broken.toml:"),
        "{}",
        bad["reason"]
    );
}

/// `-o` that cannot hold a run gets one line before any host is contacted.
#[test]
fn an_unusable_output_folder_is_one_line_before_any_host() {
    let base = out_dir("output-folder");
    let file = base.join("a-file");
    std::fs::write(&file, "x").unwrap();
    let run = image_check(&["scan", "127.0.0.1:1", "-o", file.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(2));
    let said = String::from_utf8_lossy(&run.stderr);
    assert_eq!(said.lines().count(), 1, "{said}");
    assert!(
        said.contains("is a file, not a folder: give -o a folder"),
        "{said}"
    );

    let elsewhere = base.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let link = base.join("link");
    std::os::unix::fs::symlink(&elsewhere, &link).unwrap();
    let run = image_check(&[
        "scan",
        "-q",
        "127.0.0.1:1",
        "--connect-timeout",
        "1",
        "-o",
        link.to_str().unwrap(),
    ]);
    let said = String::from_utf8_lossy(&run.stderr);
    assert!(
        said.contains("is a symlink to") && said.contains("the run is written there"),
        "{said}"
    );
    assert!(elsewhere.join("summary.csv").is_file());

    // A read-only folder (a read-only bind mount: root may write anywhere else).
    let source = base.join("ro-source");
    let readonly = base.join("ro");
    std::fs::create_dir_all(&source).unwrap();
    std::fs::create_dir_all(&readonly).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["--bind", "-o", "ro"])
        .arg(&source)
        .arg(&readonly)
        .status()
        .is_ok_and(|s| s.success())
        && std::process::Command::new("mount")
            .args(["-o", "remount,bind,ro"])
            .arg(&readonly)
            .status()
            .is_ok_and(|s| s.success());
    if mounted {
        let run = image_check(&["scan", "127.0.0.1:1", "-o", readonly.to_str().unwrap()]);
        let _ = std::process::Command::new("umount").arg(&readonly).status();
        assert_eq!(run.status.code(), Some(2));
        let said = String::from_utf8_lossy(&run.stderr);
        assert_eq!(said.lines().count(), 1, "{said}");
        assert!(
            said.contains("cannot write in the output folder")
                && said.contains("Read-only file system"),
            "{said}"
        );
    } else {
        eprintln!("no read-only bind mount here (not root?): that case is not tried");
    }
}

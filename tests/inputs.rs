//! The operator's own input files are bounded: an inventory, ssh_config, known_hosts or
//! baseline that is a device or an endless pipe ends at once with one line naming it, and a
//! baseline that cannot be used is a warning, not a lost run.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{image_check, image_check_command, out_dir};

fn facts_fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/facts/debian12-ok/facts.json")
}

/// Runs image_check with `args` and returns (exit code, stderr), asserting it ended quickly.
fn quick(args: &[&str]) -> (Option<i32>, String) {
    let start = Instant::now();
    let run = image_check(args);
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{args:?} took {:?}",
        start.elapsed()
    );
    (
        run.status.code(),
        String::from_utf8_lossy(&run.stderr).into_owned(),
    )
}

#[test]
fn a_device_as_inventory_facts_or_ssh_config_is_one_line_and_exit_2() {
    let (code, stderr) = quick(&["inventory", "-i", "/dev/zero"]);
    assert_eq!(code, Some(2));
    assert_eq!(
        stderr,
        "error: /dev/zero: cannot read the inventory: not a regular file (a character device)\n"
    );
    let dir = out_dir("inputs-device-facts");
    let facts = dir.join("facts.json");
    std::os::unix::fs::symlink("/dev/zero", &facts).unwrap();
    let (code, stderr) = quick(&[
        "evaluate",
        facts.to_str().unwrap(),
        "-o",
        "/nonexistent/never-made",
    ]);
    assert_eq!(code, Some(2));
    assert_eq!(
        stderr,
        format!("error: {}: not a facts.json written by scan --save-facts: not a regular file (a character device)\n", facts.display())
    );
    let (code, stderr) = quick(&["evaluate", "/dev/zero", "-o", "/nonexistent/never-made"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.starts_with("error: /dev/zero: not a capture"),
        "{stderr}"
    );
    let (code, stderr) = quick(&["scan", "127.0.0.1", "--ssh-config", "/dev/zero"]);
    assert_eq!(code, Some(2));
    assert_eq!(
        stderr,
        "error: /dev/zero: cannot read the ssh_config file: not a regular file (a character device)\n"
    );
}

#[test]
fn an_endless_pipe_as_inventory_stops_at_64_mib() {
    let start = Instant::now();
    let run = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "{} inventory -i <(yes '[[hosts]]')",
            env!("CARGO_BIN_EXE_image_check")
        ))
        .output()
        .unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.starts_with("error: /dev/fd/")
            && stderr.ends_with(": cannot read the inventory: larger than 64 MiB\n"),
        "{stderr}"
    );
}

#[test]
fn a_device_as_known_hosts_makes_its_hosts_unreachable_with_the_reason() {
    let dir = out_dir("inputs-known-hosts");
    let inventory = dir.join("hosts.toml");
    std::fs::write(
        &inventory,
        "[[hosts]]\nname = \"h\"\naddress = \"127.0.0.1\"\nport = 9\nknown_hosts = \"/dev/zero\"\n",
    )
    .unwrap();
    let out = dir.join("run");
    let (code, stderr) = quick(&[
        "scan",
        "-i",
        inventory.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "-q",
        "--no-ssh-config",
    ]);
    assert_eq!(code, Some(1), "{stderr}");
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    assert!(
        summary.contains(
            "unreachable,cannot read known_hosts /dev/zero: not a regular file (a character device)"
        ),
        "{summary}"
    );
}

#[test]
fn an_unusable_baseline_warns_and_the_run_goes_on() {
    let dir = out_dir("inputs-baseline");
    // A run killed before its summary.csv: a folder with one host's folder and no summary.
    let killed = dir.join("killed");
    std::fs::create_dir_all(killed.join("web")).unwrap();
    for (baseline, why) in [
        (
            killed.to_str().unwrap().to_string(),
            format!(
                "cannot read {}/summary.csv: No such file or directory (os error 2)",
                killed.display()
            ),
        ),
        (
            "/dev/zero".to_string(),
            "cannot read /dev/zero: not a regular file (a character device)".to_string(),
        ),
    ] {
        let out = dir.join(format!("run-{}", baseline.len()));
        let run = image_check_command(&[
            "evaluate",
            facts_fixture().to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--baseline",
            &baseline,
            "--fail-on",
            "new-failed",
            "-q",
        ])
        .output()
        .unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(0), "{stderr}");
        assert_eq!(
            stderr,
            format!("warning: --baseline {baseline}: {why}: going on without a baseline (every problem counts as new)\n")
        );
        let markdown = std::fs::read_to_string(out.join("summary.md")).unwrap();
        assert!(
            markdown.contains(&format!(
                "## Changes since the baseline\n\nNone listed: the baseline could not be used ({why}).\n"
            )),
            "{markdown}"
        );
        let html = std::fs::read_to_string(out.join("report.html")).unwrap();
        assert!(
            html.contains("<p>None listed: the baseline could not be used (cannot read "),
            "{html}"
        );
        assert!(out.join("web/image_check_report.json").is_file());
        assert!(!out.join("changes.csv").exists());
    }
}

#[test]
fn evaluate_takes_each_hosts_thresholds_from_the_inventory_by_name() {
    let dir = out_dir("inputs-evaluate-thresholds");
    let inventory = dir.join("hosts.toml");
    std::fs::write(
        &inventory,
        "[[hosts]]\nname = \"other\"\n\n[[hosts]]\nname = \"web\"\ndisk_usage_warn = 1\n",
    )
    .unwrap();
    let out = dir.join("run");
    let run = image_check(&[
        "evaluate",
        facts_fixture().to_str().unwrap(),
        "-i",
        inventory.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let rows = common::rows_by_host(&out);
    assert_eq!(rows["web"]["disk_usage"], "WARNING", "{:?}", rows["web"]);
}

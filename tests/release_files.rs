//! Distribution identification over real release files: every capture of the python
//! `distro` project (tests/data/release/python-distro, see its README), with the name,
//! major and minor that distro's own tests expect, and the ImportImage platform.
//! No host is started: `detect` reads the capture's files from disk.

use std::fs;
use std::path::{Path, PathBuf};

use image_check::facts::os_release::{detect, Kernel, IMPORT_PLATFORMS};

fn captures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/release/python-distro")
}

/// One row of expected.tsv.
struct Expected {
    capture: String,
    platform: String,
    distribution: String,
    major: String,
    minor: String,
    why: String,
}

fn expectations() -> Vec<Expected> {
    let table = fs::read_to_string(captures_dir().join("expected.tsv"))
        .unwrap_or_else(|e| panic!("reading expected.tsv: {e}"));
    table
        .lines()
        .filter(|l| !l.starts_with('#'))
        .skip(1) // the column names
        .map(|line| {
            let cells: Vec<&str> = line.split('\t').collect();
            assert_eq!(cells.len(), 6, "expected.tsv row {line:?}");
            Expected {
                capture: cells[0].to_string(),
                platform: cells[1].to_string(),
                distribution: cells[2].to_string(),
                major: cells[3].to_string(),
                minor: cells[4].to_string(),
                why: cells[5].to_string(),
            }
        })
        .collect()
}

/// What the capture's `bin/uname` stand-in prints (`echo "FreeBSD 11.1-RELEASE"`), split
/// into `uname -s` and `uname -r`; a Linux kernel for captures of Linux systems.
fn uname(dir: &Path) -> (String, String) {
    let Ok(script) = fs::read_to_string(dir.join("bin/uname")) else {
        return ("Linux".into(), "5.10.0-28-amd64".into());
    };
    let printed = script
        .lines()
        .find_map(|l| l.trim().strip_prefix("echo "))
        .map(|s| s.trim_matches('"'))
        .unwrap_or_else(|| panic!("{}: no echo line", dir.display()));
    let (name, release) = printed.split_once(' ').unwrap_or((printed, ""));
    (name.to_string(), release.to_string())
}

#[test]
fn every_python_distro_capture_is_named_and_versioned() {
    let rows = expectations();
    assert!(rows.len() >= 60, "only {} captures", rows.len());
    let mut wrong = Vec::new();
    for row in &rows {
        let dir = captures_dir().join(&row.capture);
        assert!(dir.is_dir(), "{} has no capture folder", row.capture);
        let (name, release) = uname(&dir);
        let read = |path: &str| fs::read_to_string(dir.join(path.trim_start_matches('/'))).ok();
        let kernel = Kernel {
            name: &name,
            release: &release,
        };
        let got = match detect(&read, Some(kernel)) {
            Ok(info) => (info.platform, info.distribution, info.big, info.small),
            Err(e) => (
                format!("error: {e}"),
                String::new(),
                String::new(),
                String::new(),
            ),
        };
        let want = (
            row.platform.clone(),
            row.distribution.clone(),
            row.major.clone(),
            row.minor.clone(),
        );
        if got != want {
            wrong.push(format!(
                "{}: got {got:?}, want {want:?} ({})",
                row.capture, row.why
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} captures differ:\n{}",
        wrong.len(),
        rows.len(),
        wrong.join("\n")
    );
}

#[test]
fn every_expected_platform_is_on_the_import_form() {
    for row in expectations() {
        assert!(
            IMPORT_PLATFORMS.contains(&row.platform.as_str()),
            "{}: {:?}",
            row.capture,
            row.platform
        );
    }
}

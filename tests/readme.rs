//! README.md's tables of checks and of thresholds are the registries' (src/checks,
//! src/inventory/thresholds.rs): a check's number, name and the meaning of FAILED and WARNING
//! are written once, in its file, a threshold's names, default and meaning in its row, and
//! these tests fail with the table to paste when README.md says otherwise. Its table of the
//! commands a scan runs is checked against what the fixture hosts' kept captures ran.

use std::path::Path;

use image_check::capture::{Answer, Capture};
use image_check::checks::{Check, ALL};
use image_check::inventory::THRESHOLDS;

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

/// A table cell: Markdown's column separator escaped, one line.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn rows(checks: &[Check]) -> String {
    let mut table = String::from("| # | name | FAILED | WARNING |\n|---|---|---|---|\n");
    for check in checks {
        table.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            check.number,
            check.name,
            cell(check.failed_means),
            cell(check.warning_means)
        ));
    }
    table
}

#[test]
fn readme_lists_alibabas_checks_as_the_registry_does() {
    let readme = readme();
    let table = rows(ALL);
    assert!(
        readme.contains(&table),
        "README.md's table of the 16 checks differs from src/checks; paste this:\n\n{table}"
    );
}

#[test]
fn readme_lists_the_thresholds_as_the_table_does() {
    let mut table = String::from(
        "| hosts.toml | Ansible | flag | default | meaning |\n|---|---|---|---|---|\n",
    );
    for threshold in THRESHOLDS {
        table.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            threshold.name,
            threshold.variable,
            threshold.flag(),
            threshold.default,
            cell(threshold.meaning)
        ));
    }
    assert!(
        readme().contains(&table),
        "README.md's table of thresholds differs from src/inventory/thresholds.rs; paste this:\n\n{table}"
    );
}

/// The first cells of the table under "What a scan asks each host": the commands of a row, in
/// backticks, and whether it says "(privileged)".
fn command_rows(readme: &str) -> Vec<(Vec<String>, bool)> {
    let section = readme
        .split_once("### What a scan asks each host")
        .expect("README.md has a section \"What a scan asks each host\"")
        .1;
    let section = section.split("\n#").next().unwrap_or_default();
    section
        .lines()
        .filter(|line| line.starts_with("| `"))
        .map(|line| {
            let first = line.split(" | ").next().unwrap_or_default();
            let commands = first
                .split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect();
            (commands, first.contains("(privileged)"))
        })
        .collect()
}

/// Whether a README command (`systemctl is-enabled UNIT...`, `tune2fs -l ROOT`) is `argv`:
/// the program by its file name, then each word up to the first placeholder (a word in
/// capitals, or `...`). `env LC_ALL=C` in front of a program is not part of it.
fn describes(command: &str, argv: &[String]) -> bool {
    let argv = match argv {
        [env, setting, rest @ ..] if env == "env" && setting.contains('=') => rest,
        _ => argv,
    };
    let program = |word: &str| word.rsplit('/').next().unwrap_or(word).to_string();
    let placeholder = |word: &str| {
        word.contains("...")
            || word.chars().any(|c| c.is_ascii_uppercase()) && !word.starts_with('-')
    };
    let mut words = command.split_whitespace();
    if words.next().map(program) != argv.first().map(|a| program(a)) {
        return false;
    }
    words
        .take_while(|word| !placeholder(word))
        .enumerate()
        .all(|(i, word)| argv.get(i + 1).is_some_and(|arg| arg == word))
}

#[test]
fn readme_lists_every_command_the_fixture_hosts_ran_and_which_are_privileged() {
    let rows = command_rows(&readme());
    assert!(rows.len() >= 10, "{rows:?}");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/captures");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.to_string_lossy().ends_with(".json.gz"))
        .collect();
    files.sort();
    assert!(files.len() >= 20, "{files:?}");
    for file in files {
        let capture = Capture::load(&file).unwrap();
        for answer in &capture.answers {
            let Answer::Exec { command, .. } = answer else {
                continue;
            };
            let row = rows
                .iter()
                .find(|(commands, _)| commands.iter().any(|c| describes(c, &command.argv)));
            let Some((_, privileged)) = row else {
                panic!(
                    "{}: README.md's table under \"What a scan asks each host\" has no row for `{}`",
                    capture.header.host,
                    command.display()
                );
            };
            assert_eq!(
                *privileged,
                command.privileged,
                "{}: README.md's row of `{}` says privileged: {privileged}, the scan: {}",
                capture.header.host,
                command.display(),
                command.privileged
            );
        }
    }
}

#[test]
fn a_readme_command_describes_argv_up_to_its_first_placeholder() {
    let argv = |words: &[&str]| words.iter().map(|w| w.to_string()).collect::<Vec<_>>();
    assert!(describes(
        "systemctl is-enabled UNIT...",
        &argv(&["systemctl", "is-enabled", "sshd.service"])
    ));
    assert!(!describes(
        "systemctl is-enabled UNIT...",
        &argv(&["systemctl", "is-active", "sshd.service"])
    ));
    assert!(describes(
        "sshd -T -C ...",
        &argv(&["/usr/sbin/sshd", "-T", "-C", "user=root"])
    ));
    assert!(describes(
        "chkconfig --list",
        &argv(&["env", "LC_ALL=C", "chkconfig", "--list"])
    ));
    assert!(describes(
        "lsblk -b -P -o NAME,TYPE,SIZE,MOUNTPOINT",
        &argv(&["lsblk", "-b", "-P", "-o", "NAME,TYPE"])
    ));
    assert!(!describes("df -P -k /", &argv(&["df", "-P", "-i", "/"])));
    assert!(!describes("uname -m", &argv(&["uname", "-s", "-r", "-m"])));
}

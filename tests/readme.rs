//! README.md's tables of checks and of thresholds are the registries' (src/checks,
//! src/inventory/thresholds.rs): a check's number, name and the meaning of FAILED and WARNING
//! are written once, in its file, a threshold's names, default and meaning in its row, and
//! these tests fail with the table to paste when README.md says otherwise.

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
            "| {} | {} | --{} | {} | {} |\n",
            threshold.name,
            threshold.variable,
            threshold.flag,
            threshold.default,
            cell(threshold.meaning)
        ));
    }
    assert!(
        readme().contains(&table),
        "README.md's table of thresholds differs from src/inventory/thresholds.rs; paste this:\n\n{table}"
    );
}

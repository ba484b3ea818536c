//! README.md's tables of checks are the registry's (src/checks): a check's number, name and
//! the meaning of FAILED and WARNING are written once, in its file, and this test fails with
//! the table to paste when README.md says otherwise.

use image_check::checks::{Check, ALL};

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
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let table = rows(ALL);
    assert!(
        readme.contains(&table),
        "README.md's table of the 16 checks differs from src/checks; paste this:\n\n{table}"
    );
}

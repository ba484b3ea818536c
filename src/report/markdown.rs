//! summary.md: the morning mail of a nightly scan, in Markdown that reads as well as plain text
//! (tables padded into columns, no HTML). Formats [`Aggregates`]; counts nothing itself.

use super::clean;
use super::fleet_view::{aggregate, Aggregates, FleetView, Totals};

/// The summary.md text of `view`.
pub fn render(view: &FleetView) -> String {
    let agg = aggregate(view);
    let run = &view.run;
    let mut out = String::new();
    match run.date() {
        "" => out.push_str("# image_check fleet report\n\n"),
        date => out.push_str(&format!("# image_check fleet report, {}\n\n", escape(date))),
    }
    let scanned = match run.inventory_hosts {
        0 => format!("{} hosts", view.rows.len()),
        all => format!("{} of {all} hosts", view.rows.len()),
    };
    out.push_str(&format!(
        "Inventory {}: {scanned} scanned from {} to {} by image_check {}.\n\n",
        escape(&run.inventory),
        escape(&run.started),
        escape(&run.finished),
        escape(&run.tool_version),
    ));

    let header: Vec<&str> = std::iter::once("hosts")
        .chain(agg.statuses.iter().map(|s| s.as_str()))
        .collect();
    out.push_str("## Fleet\n\n");
    out.push_str(&table(&header, &[totals_cells(&agg, &agg.totals)], 0));

    changes(&mut out, view, &agg);

    out.push_str("\n## Checks that fail most\n\n");
    if agg.failing_checks.is_empty() {
        out.push_str("Every check is OK on every host that was reached.\n");
    } else {
        let rows: Vec<Vec<String>> = agg
            .failing_checks
            .iter()
            .map(|c| vec![escape(c.check), c.failed.to_string(), c.warning.to_string()])
            .collect();
        out.push_str(&table(&["check", "FAILED", "WARNING"], &rows, 1));
    }

    if !agg.groups.is_empty() {
        out.push_str("\n## Groups\n\n");
        let rows: Vec<Vec<String>> = agg
            .groups
            .iter()
            .map(|g| {
                std::iter::once(escape(g.group))
                    .chain(totals_cells(&agg, &g.totals))
                    .collect()
            })
            .collect();
        let header: Vec<&str> = std::iter::once("group").chain(header).collect();
        out.push_str(&table(&header, &rows, 1));
    }

    if agg.unreachable.is_empty() {
        out.push_str("\n## Unreachable hosts\n\nNo host was unreachable.\n");
    } else {
        out.push_str(&format!(
            "\n## Unreachable hosts ({})\n\n",
            agg.unreachable.len()
        ));
        for row in &agg.unreachable {
            let address = match row.address.as_str() {
                "" => String::new(),
                address => format!(" ({})", escape(address)),
            };
            out.push_str(&format!(
                "- {}{address}: {}\n",
                escape(&row.host),
                escape(&row.reason)
            ));
        }
    }
    if !agg.interrupted.is_empty() {
        let hosts: Vec<String> = agg.interrupted.iter().map(|r| escape(&r.host)).collect();
        out.push_str(&format!(
            "\n## Not checked ({})\n\nThe scan was interrupted before these hosts finished: {}.\n",
            hosts.len(),
            hosts.join(", ")
        ));
    }
    out
}

/// The host count and the count of each of `agg.statuses`.
fn totals_cells(agg: &Aggregates, totals: &Totals) -> Vec<String> {
    std::iter::once(totals.hosts)
        .chain(agg.statuses.iter().map(|s| totals.count(*s)))
        .map(|n| n.to_string())
        .collect()
}

fn changes(out: &mut String, view: &FleetView, agg: &Aggregates) {
    if let (None, Some(why)) = (&agg.changes, &view.run.baseline_unusable) {
        out.push_str("\n## Changes since the baseline\n\n");
        out.push_str(&format!(
            "None listed: the baseline could not be used ({}).\n",
            escape(why)
        ));
        return;
    }
    let Some(sections) = &agg.changes else {
        return;
    };
    out.push_str("\n## Changes since the baseline\n\n");
    if let Some(baseline) = &view.run.baseline {
        out.push_str(&format!("Baseline: {}\n\n", escape(baseline)));
    }
    if sections.is_empty() {
        out.push_str("No changes since the baseline.\n");
    }
    for (i, section) in sections.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&format!(
            "### {} ({})\n\n",
            section.title,
            section.lines.len()
        ));
        for line in &section.lines {
            out.push_str(&format!(
                "- {} {}\n",
                escape(&line.change.host),
                escape(&line.text)
            ));
        }
    }
}

/// A Markdown table whose columns are padded to one width, so it lines up as plain text too.
/// The first `text_columns` columns are aligned left, the others (numbers) right.
fn table(header: &[&str], rows: &[Vec<String>], text_columns: usize) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count().max(3)).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
    let pad = |i: usize, cell: &str| {
        let width = widths[i];
        if i < text_columns {
            format!("{cell:<width$}")
        } else {
            format!("{cell:>width$}")
        }
    };
    let mut out = line(header.iter().enumerate().map(|(i, h)| pad(i, h)).collect());
    out.push_str(&line(
        widths
            .iter()
            .enumerate()
            .map(|(i, &width)| {
                if i < text_columns {
                    "-".repeat(width)
                } else {
                    format!("{}:", "-".repeat(width - 1))
                }
            })
            .collect(),
    ));
    for row in rows {
        out.push_str(&line(
            row.iter().enumerate().map(|(i, c)| pad(i, c)).collect(),
        ));
    }
    out
}

/// Text from a host or a file made inert in Markdown: control sequences removed, line breaks made
/// spaces, and the characters that would start code, emphasis, a link, HTML or a table cell
/// backslash-escaped. `_` inside a word (`db_01`) cannot start emphasis and is left as it is.
fn escape(text: &str) -> String {
    let chars: Vec<char> = clean(text).chars().collect();
    let mut out = String::with_capacity(chars.len());
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '\n' | '\t' => out.push(' '),
            '\\' | '`' | '*' | '[' | ']' | '<' | '>' | '|' | '&' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '_' => {
                let inside_word = i > 0
                    && chars[i - 1].is_alphanumeric()
                    && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
                if !inside_word {
                    out.push('\\');
                }
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::diff::{diff, tests::nightly};
    use crate::report::fleet_view::tests::{groups, run};
    use crate::report::summary::{HostStatus, SummaryRow};

    #[test]
    fn nightly_summary_md() {
        let (old, new) = nightly();
        let names = crate::checks::names();
        let changes = diff(&old, &new, &names);
        let groups = groups();
        let view = FleetView {
            rows: &new,
            check_names: &names,
            changes: Some(&changes),
            groups: &groups,
            run: run(),
            txt_reports: None,
        };
        let expected = "\
# image_check fleet report, 2024-05-02

Inventory inventories/prod.toml: 15 of 40 hosts scanned from 2024-05-02 02:00:01 to 2024-05-02 02:04:13 by image_check 0.1.0.

## Fleet

| hosts |  ok | warning | failed | unreachable |
| ----: | --: | ------: | -----: | ----------: |
|    15 |   3 |       5 |      4 |           3 |

## Changes since the baseline

Baseline: nightly/2024-05-01/summary.csv

### New failures (4)

- web-03 selinux: OK → FAILED
- db-03 unreachable: connect timeout after 10 s (was warning)
- app-02 driver: WARNING → FAILED
- new-01 selinux: FAILED

### New warnings (3)

- db-02 disk_usage: OK → WARNING
- db-04 firewall: WARNING
- new-01 ssh: WARNING

### Fixed or improved (3)

- web-04 ssh: WARNING → OK
- db-04 reachable again: warning
- app-01 device_id: FAILED → WARNING

### Still failing (2)

- db-01 selinux: FAILED
- app-03 unreachable: authentication failed for root (publickey)

### Hosts added (3)

- new-01 new host: failed
- new-02 new host: ok
- new-03 new host, unreachable: HOST KEY CHANGED: SHA256:3kq0... (was SHA256:Zx9...) see known_hosts line 12

### Hosts removed (1)

- legacy-01 not in this run (was failed)

## Checks that fail most

| check      | FAILED | WARNING |
| ---------- | -----: | ------: |
| selinux    |      3 |       0 |
| driver     |      1 |       0 |
| qemu_ga    |      0 |       3 |
| firewall   |      0 |       2 |
| network    |      0 |       1 |
| ssh        |      0 |       1 |
| device_id  |      0 |       1 |
| disk_size  |      0 |       1 |
| disk_usage |      0 |       1 |

## Groups

| group  | hosts |  ok | warning | failed | unreachable |
| ------ | ----: | --: | ------: | -----: | ----------: |
| wave-1 |     5 |   2 |       2 |      1 |           0 |
| wave-2 |     7 |   0 |       3 |      2 |           2 |
| new    |     3 |   1 |       0 |      1 |           1 |

## Unreachable hosts (3)

- db-03 (10.0.2.3): connect timeout after 10 s
- app-03 (10.0.3.3): authentication failed for root (publickey)
- new-03 (10.0.5.3): HOST KEY CHANGED: SHA256:3kq0... (was SHA256:Zx9...) see known_hosts line 12
";
        let got = render(&view);
        for (i, (g, e)) in got.lines().zip(expected.lines()).enumerate() {
            assert_eq!(g, e, "line {}", i + 1);
        }
        assert_eq!(got, expected);
    }

    #[test]
    fn without_baseline_there_is_no_changes_part_and_a_clean_fleet_says_so() {
        let rows = [SummaryRow {
            host: "web-01".into(),
            address: "10.0.0.1".into(),
            status: HostStatus::Ok,
            reason: String::new(),
            platform: "Debian".into(),
            os_version: "12".into(),
            architecture: "x86_64".into(),
            system_disk_size_gb: "40".into(),
            ok: 1,
            warning: 0,
            failed: 0,
            checks: vec![Some(crate::checks::Status::Ok)],
            profiles: Vec::new(),
        }];
        let view = FleetView {
            rows: &rows,
            check_names: &["driver"],
            changes: None,
            groups: &[],
            run: run(),
            txt_reports: None,
        };
        let md = render(&view);
        assert!(!md.contains("## Changes"), "{md}");
        assert!(!md.contains("## Groups"), "{md}");
        assert!(md.ends_with(
            "## Checks that fail most\n\nEvery check is OK on every host that was reached.\n\n\
             ## Unreachable hosts\n\nNo host was unreachable.\n"
        ));
    }

    #[test]
    fn empty_change_list_says_nothing_changed() {
        let view = FleetView {
            rows: &[],
            check_names: &[],
            changes: Some(&[]),
            groups: &[],
            run: run(),
            txt_reports: None,
        };
        assert!(render(&view).contains(
            "## Changes since the baseline\n\nBaseline: nightly/2024-05-01/summary.csv\n\n\
             No changes since the baseline.\n"
        ));
    }

    #[test]
    fn hostile_host_and_reason_cannot_break_out_of_markdown() {
        let row = SummaryRow::bare(
            "a|b`c<img src=x>_d_",
            "",
            HostStatus::Unreachable,
            "[click](http://x) *now*\nline two\u{1b}[31m",
        );
        let view = FleetView {
            rows: std::slice::from_ref(&row),
            check_names: &[],
            changes: None,
            groups: &[],
            run: run(),
            txt_reports: None,
        };
        assert!(render(&view).ends_with(
            "- a\\|b\\`c\\<img src=x\\>\\_d\\_: \\[click\\](http://x) \\*now\\* line two\n"
        ));
    }

    #[test]
    fn interrupted_hosts_get_a_column_and_a_list() {
        let row = |host: &str| {
            SummaryRow::bare(
                host,
                "",
                HostStatus::Interrupted,
                "the scan was interrupted before this host finished",
            )
        };
        let rows = [row("a"), row("b")];
        let view = FleetView {
            rows: &rows,
            check_names: &[],
            changes: None,
            groups: &[],
            run: run(),
            txt_reports: None,
        };
        let md = render(&view);
        assert!(
            md.contains(
                "| hosts |  ok | warning | failed | unreachable | interrupted |\n\
             | ----: | --: | ------: | -----: | ----------: | ----------: |\n\
             |     2 |   0 |       0 |      0 |           0 |           2 |\n"
            ),
            "{md}"
        );
        assert!(md.ends_with(
            "## Not checked (2)\n\nThe scan was interrupted before these hosts finished: a, b.\n"
        ));
    }

    #[test]
    fn underscore_inside_a_word_is_left_alone() {
        assert_eq!(escape("db_01 _x_ y_"), "db_01 \\_x\\_ y\\_");
    }
}

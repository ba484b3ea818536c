//! report.html: the fleet report as one self-contained page written next to summary.csv and
//! opened over file:// — inline CSS, no external resource, and a few lines of optional script
//! for sorting and filtering the matrix (everything reads without it). Formats [`Aggregates`];
//! counts nothing itself. Every string that came from a host or a file is HTML-escaped.

use std::collections::HashSet;
use std::path::Path;

use super::clean;
use super::diff::ChangeKind;
use super::files::{safe_dir_name, ReportPaths};
use super::fleet_view::{aggregate, Aggregates, FleetView};
use super::summary::{HostStatus, SummaryRow};
use crate::checks::profiles::PROFILES;
use crate::checks::Status;

/// The report.html text of `view`.
pub fn render(view: &FleetView) -> String {
    let agg = aggregate(view);
    let run = &view.run;
    let title = match run.date() {
        "" => "image_check fleet report".to_string(),
        date => format!("image_check fleet report, {}", escape(date)),
    };
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<h1>{title}</h1>\n"
    );
    let scanned = match run.inventory_hosts {
        0 => format!("{} hosts", view.rows.len()),
        all => format!("{} of {all} hosts", view.rows.len()),
    };
    out.push_str(&format!(
        "<p class=\"run\">Inventory <code>{}</code>: {scanned} scanned from {} to {} by image_check {}.</p>\n",
        escape(&run.inventory),
        escape(&run.started),
        escape(&run.finished),
        escape(&run.tool_version),
    ));
    totals_tiles(&mut out, &agg);

    let clouds = cloud_names(view.rows);
    let mut nav = Vec::new();
    if !clouds.is_empty() {
        nav.push(("clouds", "Where can each host go?"));
    }
    nav.push(("matrix", "Checks by host"));
    if agg.changes.is_some() || view.run.baseline_unusable.is_some() {
        nav.push(("changes", "Changes since the baseline"));
    }
    nav.push(("checks", "Checks that fail most"));
    if !agg.groups.is_empty() {
        nav.push(("groups", "Groups"));
    }
    nav.push(("unreachable", "Unreachable hosts"));
    out.push_str("<nav>");
    for (id, text) in nav {
        out.push_str(&format!("<a href=\"#{id}\">{text}</a>"));
    }
    out.push_str("</nav>\n");

    cloud_matrix(&mut out, view.rows, &clouds);
    matrix(&mut out, view, &agg);
    changes(&mut out, view, &agg);
    failing_checks(&mut out, &agg);
    groups(&mut out, &agg);
    unreachable(&mut out, &agg);
    out.push_str(&format!("<script>\n{SCRIPT}</script>\n</body>\n</html>\n"));
    out
}

fn totals_tiles(out: &mut String, agg: &Aggregates) {
    out.push_str(&format!(
        "<div class=\"tiles\"><div class=\"tile all\"><b>{}</b>hosts</div>",
        agg.totals.hosts
    ));
    for status in &agg.statuses {
        let name = status.as_str();
        out.push_str(&format!(
            "<div class=\"tile {name}\"><b>{}</b>{name}</div>",
            agg.totals.count(*status)
        ));
    }
    out.push_str("</div>\n");
}

/// The short text of a verdict in a matrix cell (the colour says the rest).
fn cell_text(verdict: Option<Status>) -> &'static str {
    match verdict {
        Some(Status::Ok) => "ok",
        Some(Status::Warning) => "WARN",
        Some(Status::Failed) => "FAIL",
        None => "?",
    }
}

/// A verdict's CSS class and the digit the script sorts on (worst highest).
fn verdict_class(verdict: Option<Status>) -> (&'static str, char) {
    match verdict {
        Some(Status::Ok) => ("ok", '1'),
        Some(Status::Warning) => ("warning", '2'),
        Some(Status::Failed) => ("failed", '3'),
        None => ("unknown", '0'),
    }
}

fn status_rank(status: HostStatus) -> u8 {
    match status {
        HostStatus::Ok => 1,
        HostStatus::Warning => 2,
        HostStatus::Failed => 3,
        HostStatus::Unreachable | HostStatus::Invalid => 4,
        HostStatus::Interrupted => 0,
    }
}

/// The profiles the rows were checked against, in order, when there were several.
fn cloud_names(rows: &[SummaryRow]) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    for (name, _) in rows.iter().flat_map(|r| &r.profiles) {
        if !names.contains(&name.as_str()) {
            names.push(name);
        }
    }
    names
}

/// The host × cloud matrix: each host's status under each profile, linked to that profile's
/// JSON report.
fn cloud_matrix(out: &mut String, rows: &[SummaryRow], clouds: &[&str]) {
    if clouds.is_empty() {
        return;
    }
    out.push_str(
        "<h2 id=\"clouds\">Where can each host go?</h2>\n<p class=\"legend\">Each cloud's \
         profile, by its worst check (<code>image_check checks --profile NAME</code> lists \
         them).</p>\n<div class=\"scroll\"><table class=\"matrix\" id=\"cloud-table\">\n\
         <thead><tr><th>host</th>",
    );
    for name in clouds {
        let cloud = PROFILES
            .iter()
            .find(|p| p.name == *name)
            .map_or(*name, |p| p.cloud);
        out.push_str(&format!("<th>{}</th>", escape(cloud)));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        let host = escape(&row.host);
        out.push_str(&format!("<tr><th scope=\"row\">{host}</th>"));
        if row.profiles.is_empty() {
            let status = row.status.as_str();
            out.push_str(&format!(
                "<td class=\"v {status} reason\" colspan=\"{}\">{}</td></tr>\n",
                clouds.len(),
                escape(&row.reason)
            ));
            continue;
        }
        let dir = safe_dir_name(&row.host);
        for name in clouds {
            let status = row
                .profiles
                .iter()
                .find(|(p, _)| p == name)
                .map(|(_, s)| *s);
            let json = if *name == "alibaba" {
                json_name()
            } else {
                format!("image_check_report_{name}.json")
            };
            let verdict = status.and_then(HostStatus::verdict);
            let status = status.map_or("", HostStatus::as_str);
            out.push_str(&format!(
                "<td class=\"v {status}\" title=\"{}: {status}\"><a href=\"{dir}/{}\">{}</a></td>",
                escape(name),
                url_segment(&json),
                cell_text(verdict)
            ));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n");
}

fn matrix(out: &mut String, view: &FleetView, agg: &Aggregates) {
    out.push_str(
        "<h2 id=\"matrix\">Checks by host</h2>\n<p class=\"legend\">\
         <span class=\"v ok\">ok</span> OK \
         <span class=\"v warning\">WARN</span> WARNING \
         <span class=\"v failed\">FAIL</span> FAILED \
         <span class=\"v unreachable\">&nbsp;</span> unreachable",
    );
    if agg.totals.interrupted > 0 {
        out.push_str(" <span class=\"v interrupted\">&nbsp;</span> not checked (scan interrupted)");
    }
    if view.changes.is_some() {
        out.push_str(" <span class=\"v failed new\">FAIL</span> new since the baseline");
    }
    out.push_str("</p>\n");

    let new_since_baseline: HashSet<(&str, &str)> = view
        .changes
        .unwrap_or_default()
        .iter()
        .filter(|c| matches!(c.kind, ChangeKind::NewFailed | ChangeKind::NewWarning))
        .filter_map(|c| Some((c.host.as_str(), c.check.as_deref()?)))
        .collect();

    out.push_str(
        "<div class=\"scroll\"><table class=\"matrix\" id=\"matrix-table\">\n<thead><tr>\
         <th data-key=\"host\">host</th><th data-key=\"rank\">status</th>\
         <th data-key=\"platform\">platform</th>",
    );
    for (i, name) in view.check_names.iter().enumerate() {
        out.push_str(&format!(
            "<th class=\"check\" data-check=\"{i}\"><span>{}</span></th>",
            escape(name)
        ));
    }
    out.push_str("<th>reports</th></tr></thead>\n<tbody>\n");
    for row in view.rows {
        matrix_row(out, view, row, &new_since_baseline);
    }
    out.push_str("</tbody>\n</table></div>\n");
}

fn matrix_row(
    out: &mut String,
    view: &FleetView,
    row: &SummaryRow,
    new_since_baseline: &HashSet<(&str, &str)>,
) {
    let host = escape(&row.host);
    let status = row.status.as_str();
    let platform = escape(format!("{} {}", row.platform, row.os_version).trim());
    let checked = !matches!(
        row.status,
        HostStatus::Unreachable | HostStatus::Interrupted
    );
    let rank = status_rank(row.status);
    // A host without verdicts sorts below OK in every check column.
    let sort_key: String = (0..view.check_names.len())
        .map(|i| verdict_class(row.verdict(i)).1)
        .collect();
    out.push_str(&format!(
        "<tr data-status=\"{status}\" data-rank=\"{rank}\" data-host=\"{host}\" data-platform=\"{platform}\" data-v=\"{sort_key}\">\
         <th scope=\"row\" title=\"{}\">{host}</th><td class=\"st {status}\">{status}</td><td>{platform}</td>",
        escape(&row.address),
    ));
    if !checked {
        out.push_str(&format!(
            "<td class=\"v {status} reason\" colspan=\"{}\">{}</td><td></td></tr>\n",
            view.check_names.len().max(1),
            escape(&row.reason)
        ));
        return;
    }
    for (i, name) in view.check_names.iter().enumerate() {
        let verdict = row.verdict(i);
        let (class, _) = verdict_class(verdict);
        let shown = verdict.map_or("not checked", Status::as_str);
        let (new_class, new_note) = if new_since_baseline.contains(&(row.host.as_str(), *name)) {
            (" new", " (new since the baseline)")
        } else {
            ("", "")
        };
        out.push_str(&format!(
            "<td class=\"v {class}{new_class}\" title=\"{}: {shown}{new_note}\">{}</td>",
            escape(name),
            cell_text(verdict)
        ));
    }
    let dir = safe_dir_name(&row.host);
    out.push_str("<td class=\"links\">");
    if let Some(txt) = view.txt_reports.and_then(|m| m.get(&row.host)) {
        // Both parts are URL-safe: the folder by construction, the file name encoded.
        out.push_str(&format!("<a href=\"{dir}/{}\">txt</a> ", url_segment(txt)));
    }
    out.push_str(&format!(
        "<a href=\"{dir}/{}\">json</a></td></tr>\n",
        json_name()
    ));
}

/// The JSON report's file name, as files.rs names it.
fn json_name() -> String {
    ReportPaths::in_dir(Path::new(""), "")
        .json
        .file_name()
        .map(|n| url_segment(&n.to_string_lossy()))
        .unwrap_or_default()
}

/// `text` as one segment of a relative URL: bytes outside the unreserved set percent-encoded.
fn url_segment(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn changes(out: &mut String, view: &FleetView, agg: &Aggregates) {
    if let (None, Some(why)) = (&agg.changes, &view.run.baseline_unusable) {
        out.push_str("<h2 id=\"changes\">Changes since the baseline</h2>\n");
        out.push_str(&format!(
            "<p>None listed: the baseline could not be used ({}).</p>\n",
            escape(why)
        ));
        return;
    }
    let Some(sections) = &agg.changes else {
        return;
    };
    out.push_str("<h2 id=\"changes\">Changes since the baseline</h2>\n");
    if let Some(baseline) = &view.run.baseline {
        out.push_str(&format!(
            "<p>Baseline: <code>{}</code></p>\n",
            escape(baseline)
        ));
    }
    if sections.is_empty() {
        out.push_str("<p>No changes since the baseline.</p>\n");
        return;
    }
    out.push_str("<div class=\"changes\">\n");
    for section in sections {
        out.push_str(&format!(
            "<section class=\"{}\"><h3>{} <span class=\"count\">{}</span></h3>\n<ul>\n",
            section.id,
            section.title,
            section.lines.len()
        ));
        for line in &section.lines {
            out.push_str(&format!(
                "<li><span class=\"host\">{}</span> {}</li>\n",
                escape(&line.change.host),
                escape(&line.text)
            ));
        }
        out.push_str("</ul></section>\n");
    }
    out.push_str("</div>\n");
}

/// A bar of `parts` (class, count) out of `whole`.
fn bar(parts: &[(&str, usize)], whole: usize) -> String {
    let mut out = String::from("<div class=\"bar\">");
    for (class, count) in parts {
        if *count > 0 && whole > 0 {
            let percent = *count as f64 * 100.0 / whole as f64;
            out.push_str(&format!(
                "<span class=\"{class}\" style=\"width:{percent:.1}%\"></span>"
            ));
        }
    }
    out.push_str("</div>");
    out
}

fn failing_checks(out: &mut String, agg: &Aggregates) {
    out.push_str("<h2 id=\"checks\">Checks that fail most</h2>\n");
    if agg.failing_checks.is_empty() {
        out.push_str("<p>Every check is OK on every host that was reached.</p>\n");
        return;
    }
    let checked = agg.totals.checked();
    out.push_str(&format!(
        "<table class=\"grid\">\n<thead><tr><th>check</th><th class=\"n\">FAILED</th>\
         <th class=\"n\">WARNING</th><th>of {checked} hosts checked</th></tr></thead>\n<tbody>\n"
    ));
    for check in &agg.failing_checks {
        out.push_str(&format!(
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>\n",
            escape(check.check),
            check.failed,
            check.warning,
            bar(
                &[("failed", check.failed), ("warning", check.warning)],
                checked
            )
        ));
    }
    out.push_str("</tbody></table>\n");
}

fn groups(out: &mut String, agg: &Aggregates) {
    if agg.groups.is_empty() {
        return;
    }
    out.push_str(
        "<h2 id=\"groups\">Groups</h2>\n<table class=\"grid\">\n<thead><tr><th>group</th>\
         <th class=\"n\">hosts</th>",
    );
    for status in &agg.statuses {
        out.push_str(&format!("<th class=\"n\">{}</th>", status.as_str()));
    }
    out.push_str("<th></th></tr></thead>\n<tbody>\n");
    for group in &agg.groups {
        let totals = &group.totals;
        out.push_str(&format!(
            "<tr><td>{}</td><td class=\"n\">{}</td>",
            escape(group.group),
            totals.hosts
        ));
        let parts: Vec<(&str, usize)> = agg
            .statuses
            .iter()
            .map(|s| (s.as_str(), totals.count(*s)))
            .collect();
        for (_, count) in &parts {
            out.push_str(&format!("<td class=\"n\">{count}</td>"));
        }
        out.push_str(&format!("<td>{}</td></tr>\n", bar(&parts, totals.hosts)));
    }
    out.push_str("</tbody></table>\n");
}

fn unreachable(out: &mut String, agg: &Aggregates) {
    out.push_str("<h2 id=\"unreachable\">Unreachable hosts</h2>\n");
    if !agg.interrupted.is_empty() {
        let hosts: Vec<String> = agg.interrupted.iter().map(|r| escape(&r.host)).collect();
        out.push_str(&format!(
            "<p>Not checked: the scan was interrupted before {} finished.</p>\n",
            hosts.join(", ")
        ));
    }
    if agg.unreachable.is_empty() {
        out.push_str("<p>No host was unreachable.</p>\n");
        return;
    }
    out.push_str(
        "<table class=\"grid\">\n<thead><tr><th>host</th><th>address</th><th>reason</th></tr></thead>\n<tbody>\n",
    );
    for row in &agg.unreachable {
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            escape(&row.host),
            escape(&row.address),
            escape(&row.reason)
        ));
    }
    out.push_str("</tbody></table>\n");
}

/// Text from a host or a file made inert in HTML text and in quoted attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in clean(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#":root {
  --ok: #cfe9d4; --ok-fg: #1f5f2e; --ok-bar: #4caf50;
  --warning: #ffe1a0; --warning-fg: #6b4a00; --warning-bar: #f0a500;
  --failed: #f5b5ae; --failed-fg: #8c1d12; --failed-bar: #d9423a;
  --unreachable: #dcdcdc; --unreachable-fg: #474747; --unreachable-bar: #9e9e9e;
}
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  margin: 24px 32px; color: #1d1d1f; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 1px solid #ddd; }
h3 { font-size: 14px; margin: 14px 0 4px; }
code { font-size: 13px; }
.run { color: #555; margin: 0 0 16px; }
nav { margin: 18px 0 0; }
nav a { margin-right: 16px; color: #0b57d0; }
.tiles { display: flex; flex-wrap: wrap; gap: 12px; }
.tile { min-width: 110px; padding: 8px 16px; border-radius: 6px; background: #eef1f5; }
.tile b { display: block; font-size: 26px; line-height: 1.2; }
.ok { background: var(--ok); color: var(--ok-fg); }
.warning { background: var(--warning); color: var(--warning-fg); }
.failed { background: var(--failed); color: var(--failed-fg); }
.unreachable { background: var(--unreachable); color: var(--unreachable-fg); }
.interrupted { background: repeating-linear-gradient(135deg, #eee 0 6px, #fafafa 6px 12px); color: #666; }
table { border-collapse: collapse; }
th, td { padding: 3px 8px; text-align: left; vertical-align: middle; }
.grid th, .grid td { border-bottom: 1px solid #e5e5e5; }
.n { text-align: right; font-variant-numeric: tabular-nums; }
.legend .v { display: inline-block; min-width: 2.6em; margin: 0 4px 0 10px; padding: 1px 4px;
  text-align: center; font-size: 11px; font-weight: 600; border-radius: 3px; }
.legend .v:first-child { margin-left: 0; }
.scroll { overflow-x: auto; }
.matrix { font-size: 13px; }
.matrix thead th { vertical-align: bottom; border-bottom: 2px solid #ccc; white-space: nowrap; }
.matrix th.check { padding: 4px 1px; font-weight: 500; }
.matrix th.check span { display: inline-block; writing-mode: vertical-rl; transform: rotate(180deg); }
.matrix tbody th { position: sticky; left: 0; background: #fff; font-weight: 600; white-space: nowrap; }
.matrix tbody tr { border-bottom: 1px solid #eee; }
.matrix td { white-space: nowrap; }
.matrix td.st { font-weight: 600; background: none; }
.matrix td.v { min-width: 2.6em; padding: 3px 2px; text-align: center; font-size: 11px; font-weight: 600;
  border: 2px solid #fff; }
.matrix td.v.ok { color: #4d8a5a; font-weight: 400; }
.matrix td.reason { text-align: left; padding-left: 8px; font-weight: 400; white-space: normal; }
.v.new { box-shadow: inset 0 0 0 2px currentColor; }
.matrix td.links a { margin-right: 6px; }
.matrix tbody tr:hover th, .matrix tbody tr:hover td.st, .matrix tbody tr:hover td:not(.v) { background: #f4f6fa; }
th[data-key], th[data-check] { cursor: pointer; }
.bar { display: flex; width: 220px; height: 10px; overflow: hidden; border-radius: 2px; background: #f0f0f0; }
.bar span { display: block; height: 100%; }
.bar .ok { background: var(--ok-bar); }
.bar .warning { background: var(--warning-bar); }
.bar .failed { background: var(--failed-bar); }
.bar .unreachable { background: var(--unreachable-bar); }
.bar .interrupted { background: #cfcfcf; }
.changes { display: flex; flex-wrap: wrap; gap: 8px 40px; }
.changes section { min-width: 300px; }
.changes ul { margin: 0; padding-left: 20px; }
.changes .host { font-weight: 600; }
.changes .count { color: #777; font-weight: 400; }
.new-failures h3 { color: var(--failed-fg); }
.new-warnings h3 { color: var(--warning-fg); }
.fixed h3 { color: var(--ok-fg); }
.filter { margin: 0 0 8px; }
.filter label { margin-right: 16px; }
@media print { nav, .filter { display: none; } }
"#;

/// Optional: sorts the matrix by a clicked column (worst first for statuses and checks) and
/// filters its rows; without it the page shows everything in inventory order.
const SCRIPT: &str = r#"(function () {
  var table = document.getElementById('matrix-table');
  if (!table) return;
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
    var key = th.getAttribute('data-key'), check = th.getAttribute('data-check');
    if (key === null && check === null) return;
    var worstFirst = key !== 'host' && key !== 'platform';
    th.title = 'Sort by this column';
    th.addEventListener('click', function () {
      var value = function (tr) {
        return check !== null ? tr.getAttribute('data-v').charAt(+check) : tr.getAttribute('data-' + key);
      };
      rows.sort(function (a, b) {
        var c = value(a).localeCompare(value(b), undefined, { numeric: true });
        return worstFirst ? -c : c;
      });
      worstFirst = !worstFirst;
      rows.forEach(function (tr) { body.appendChild(tr); });
    });
  });
  var bar = document.createElement('p');
  bar.className = 'filter';
  bar.innerHTML = '<label>Filter <input type="search" placeholder="host, platform, reason"></label>' +
    '<label><input type="checkbox"> hide hosts that are ok</label>';
  var scroll = table.parentNode;
  scroll.parentNode.insertBefore(bar, scroll);
  var text = bar.querySelector('input[type=search]'), hideOk = bar.querySelector('input[type=checkbox]');
  var filter = function () {
    var q = text.value.toLowerCase();
    rows.forEach(function (tr) {
      tr.hidden = (hideOk.checked && tr.getAttribute('data-status') === 'ok') ||
        tr.textContent.toLowerCase().indexOf(q) < 0;
    });
  };
  text.addEventListener('input', filter);
  hideOk.addEventListener('change', filter);
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::diff::{diff, tests::nightly};
    use crate::report::fleet_view::tests::{groups, run};
    use std::collections::HashMap;

    fn nightly_html(txt: &HashMap<String, String>) -> String {
        let (old, new) = nightly();
        let names = crate::checks::names();
        let changes = diff(&old, &new, &names);
        let groups = groups();
        render(&FleetView {
            rows: &new,
            check_names: &names,
            changes: Some(&changes),
            groups: &groups,
            run: run(),
            txt_reports: Some(txt),
        })
    }

    /// The matrix row of `host`.
    fn row_of<'a>(html: &'a str, host: &str) -> &'a str {
        let at = html.find(&format!("data-host=\"{host}\"")).unwrap();
        let start = html[..at].rfind("<tr ").unwrap();
        let end = start + html[start..].find("</tr>").unwrap() + "</tr>".len();
        &html[start..end]
    }

    #[test]
    fn page_is_self_contained() {
        let html = nightly_html(&HashMap::new());
        assert!(html
            .starts_with("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"));
        assert!(html.ends_with("</script>\n</body>\n</html>\n"));
        for external in [
            "http:", "https:", "//cdn", "<link", "src=", "@import", "url(",
        ] {
            assert!(!html.contains(external), "{external}");
        }
        assert_eq!(html.matches("<script>").count(), 1);
    }

    #[test]
    fn matrix_row_colours_each_check_and_marks_new_ones() {
        let txt = HashMap::from([(
            "web-03".to_string(),
            "image_check_report_2024-05-02_02-00-07.txt".to_string(),
        )]);
        let html = nightly_html(&txt);
        let row = row_of(&html, "web-03");
        assert!(row.starts_with(
            "<tr data-status=\"failed\" data-rank=\"3\" data-host=\"web-03\" data-platform=\"CentOS 7.9\" \
             data-v=\"1132111111111111\"><th scope=\"row\" title=\"10.0.1.3\">web-03</th>\
             <td class=\"st failed\">failed</td><td>CentOS 7.9</td>\
             <td class=\"v ok\" title=\"driver: OK\">ok</td><td class=\"v ok\" title=\"shadow: OK\">ok</td>\
             <td class=\"v failed new\" title=\"selinux: FAILED (new since the baseline)\">FAIL</td>\
             <td class=\"v warning\" title=\"qemu_ga: WARNING\">WARN</td>"
        ), "{row}");
        assert!(row.ends_with(
            "<td class=\"links\"><a href=\"web-03/image_check_report_2024-05-02_02-00-07.txt\">txt</a> \
             <a href=\"web-03/image_check_report.json\">json</a></td></tr>"
        ), "{row}");
    }

    #[test]
    fn unreachable_row_is_one_grey_cell_with_the_reason_and_no_links() {
        let html = nightly_html(&HashMap::new());
        assert_eq!(
            row_of(&html, "db-03"),
            "<tr data-status=\"unreachable\" data-rank=\"4\" data-host=\"db-03\" data-platform=\"\" \
             data-v=\"0000000000000000\"><th scope=\"row\" title=\"10.0.2.3\">db-03</th>\
             <td class=\"st unreachable\">unreachable</td><td></td>\
             <td class=\"v unreachable reason\" colspan=\"16\">connect timeout after 10 s</td><td></td></tr>"
        );
    }

    #[test]
    fn interrupted_host_is_hatched_and_listed_as_not_checked() {
        let (_, mut rows) = nightly();
        rows[0].status = HostStatus::Interrupted;
        rows[0].reason = "the scan was interrupted before this host finished".into();
        rows[0].checks.clear();
        let names = crate::checks::names();
        let html = render(&FleetView {
            rows: &rows,
            check_names: &names,
            changes: None,
            groups: &[],
            run: run(),
            txt_reports: None,
        });
        assert!(row_of(&html, "web-01").contains(
            "<td class=\"v interrupted reason\" colspan=\"16\">the scan was interrupted before this host finished</td>"
        ));
        assert!(html.contains("<div class=\"tile interrupted\"><b>1</b>interrupted</div>"));
        assert!(
            html.contains("<p>Not checked: the scan was interrupted before web-01 finished.</p>")
        );
    }

    #[test]
    fn check_names_are_the_column_headers() {
        let html = nightly_html(&HashMap::new());
        assert!(html.contains(
            "<th data-key=\"platform\">platform</th><th class=\"check\" data-check=\"0\"><span>driver</span></th>\
             <th class=\"check\" data-check=\"1\"><span>shadow</span></th>"
        ));
        assert!(html.contains(
            "<th class=\"check\" data-check=\"15\"><span>inode_usage</span></th><th>reports</th></tr></thead>"
        ));
    }

    #[test]
    fn totals_changes_checks_and_groups_are_shown() {
        let html = nightly_html(&HashMap::new());
        assert!(html.contains(
            "<div class=\"tiles\"><div class=\"tile all\"><b>15</b>hosts</div><div class=\"tile ok\"><b>3</b>ok</div>\
             <div class=\"tile warning\"><b>5</b>warning</div><div class=\"tile failed\"><b>4</b>failed</div>\
             <div class=\"tile unreachable\"><b>3</b>unreachable</div></div>"
        ));
        assert!(html.contains(
            "<section class=\"new-failures\"><h3>New failures <span class=\"count\">4</span></h3>\n<ul>\n\
             <li><span class=\"host\">web-03</span> selinux: OK → FAILED</li>\n"
        ));
        assert!(html.contains(
            "<tr><td>selinux</td><td class=\"n\">3</td><td class=\"n\">0</td><td><div class=\"bar\">\
             <span class=\"failed\" style=\"width:25.0%\"></span></div></td></tr>"
        ));
        assert!(html.contains(
            "<tr><td>wave-2</td><td class=\"n\">7</td><td class=\"n\">0</td><td class=\"n\">3</td>\
             <td class=\"n\">2</td><td class=\"n\">2</td>"
        ));
        assert!(html.contains(
            "<tr><td>new-03</td><td>10.0.5.3</td><td>HOST KEY CHANGED: SHA256:3kq0... (was SHA256:Zx9...) see known_hosts line 12</td></tr>"
        ));
    }

    #[test]
    fn script_in_a_host_name_comes_out_escaped() {
        let host = "<script>alert('x')</script>\"&";
        let row = SummaryRow {
            host: host.into(),
            address: "<b>".into(),
            status: HostStatus::Failed,
            reason: "selinux".into(),
            platform: "<img src=x onerror=alert(1)>".into(),
            os_version: String::new(),
            architecture: String::new(),
            system_disk_size_gb: String::new(),
            ok: 0,
            warning: 0,
            failed: 1,
            checks: vec![Some(Status::Failed)],
            profiles: Vec::new(),
        };
        let txt = HashMap::from([(host.to_string(), "a b\"<.txt".to_string())]);
        let groups = vec![("<g>".to_string(), vec![host.to_string()])];
        let html = render(&FleetView {
            rows: std::slice::from_ref(&row),
            check_names: &["selinux"],
            changes: None,
            groups: &groups,
            run: run(),
            txt_reports: Some(&txt),
        });
        let escaped = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;";
        assert!(html.contains(&format!("data-host=\"{escaped}\"")), "{html}");
        assert!(html.contains(&format!(
            "<th scope=\"row\" title=\"&lt;b&gt;\">{escaped}</th>"
        )));
        assert!(html.contains("<td>&lt;img src=x onerror=alert(1)&gt;</td>"));
        assert!(html.contains("<tr><td>&lt;g&gt;</td>"));
        let dir = safe_dir_name(host);
        assert!(html.contains(&format!(
            "<a href=\"{dir}/a%20b%22%3C.txt\">txt</a> <a href=\"{dir}/image_check_report.json\">json</a>"
        )));
        assert_eq!(html.matches("<script>").count(), 1);
        assert!(!html.contains("<img"));
        assert!(!html.contains("<b>\""));
    }
}

//! summary.csv: one row per host, reachable or not, in inventory order, so a nightly job gets a
//! stable file to diff.

use std::path::Path;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::checks::Status;

/// A host's overall state: the worst of its checks, or unreachable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HostStatus {
    Ok,
    Warning,
    Failed,
    Unreachable,
    /// The scan was stopped (SIGINT, SIGTERM) before this host finished.
    Interrupted,
    /// Its inventory entry is wrong in itself (a control character in the name, a bad port,
    /// ...): not contacted; the reason names the file and line.
    Invalid,
}

impl HostStatus {
    /// The verdict a host of this status was given: none when it was not checked.
    pub fn verdict(self) -> Option<Status> {
        match self {
            HostStatus::Ok => Some(Status::Ok),
            HostStatus::Warning => Some(Status::Warning),
            HostStatus::Failed => Some(Status::Failed),
            HostStatus::Unreachable | HostStatus::Interrupted | HostStatus::Invalid => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            HostStatus::Ok => "ok",
            HostStatus::Warning => "warning",
            HostStatus::Failed => "failed",
            HostStatus::Unreachable => "unreachable",
            HostStatus::Interrupted => "interrupted",
            HostStatus::Invalid => "invalid",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryRow {
    pub host: String,
    pub address: String,
    pub status: HostStatus,
    pub reason: String,
    pub platform: String,
    pub os_version: String,
    pub architecture: String,
    pub system_disk_size_gb: String,
    pub ok: usize,
    pub warning: usize,
    pub failed: usize,
    /// One verdict per check column, `None` where the check was not run (an empty cell);
    /// no verdicts at all for an unreachable host. Written as the CSV's cells are.
    #[serde(with = "verdict_cells")]
    pub checks: Vec<Option<Status>>,
    /// With several profiles: each profile's name and this host's status under it, written as
    /// `<profile>_status` columns after the checks. Empty with one profile (no such columns;
    /// nor in the journal, whose lines stay as they were).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<(String, HostStatus)>,
}

/// A check column's cell: `OK`, `WARNING`, `FAILED`, or empty where the check was not run.
pub fn cell(verdict: Option<Status>) -> &'static str {
    verdict.map_or("", Status::as_str)
}

/// The verdict of a cell [`cell`] wrote, `Err` for any other text.
pub(crate) fn from_cell(text: &str) -> Result<Option<Status>, ()> {
    if text.is_empty() {
        return Ok(None);
    }
    [Status::Ok, Status::Warning, Status::Failed]
        .into_iter()
        .find(|status| status.as_str() == text)
        .map(Some)
        .ok_or(())
}

/// The check verdicts of a row in the journal, as the CSV's cells.
mod verdict_cells {
    use super::*;

    pub fn serialize<S: Serializer>(checks: &[Option<Status>], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(checks.iter().map(|v| cell(*v)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Option<Status>>, D::Error> {
        let cells = Vec::<String>::deserialize(d)?;
        cells
            .iter()
            .map(|text| {
                from_cell(text).map_err(|()| {
                    serde::de::Error::custom(format!(
                        "check verdict `{text}` is not OK, WARNING, FAILED or empty"
                    ))
                })
            })
            .collect()
    }
}

impl SummaryRow {
    /// The verdict in check column `check`: `None` when not checked.
    pub fn verdict(&self, check: usize) -> Option<Status> {
        self.checks.get(check).copied().flatten()
    }

    /// A row with nothing but who and how: an unreachable or interrupted host, or a start to
    /// fill in.
    pub fn bare(host: &str, address: &str, status: HostStatus, reason: &str) -> Self {
        SummaryRow {
            host: host.to_string(),
            address: address.to_string(),
            status,
            reason: reason.to_string(),
            platform: String::new(),
            os_version: String::new(),
            architecture: String::new(),
            system_disk_size_gb: String::new(),
            ok: 0,
            warning: 0,
            failed: 0,
            checks: Vec::new(),
            profiles: Vec::new(),
        }
    }
}

pub const FIXED_COLUMNS: [&str; 11] = [
    "host",
    "address",
    "status",
    "reason",
    "platform",
    "os_version",
    "architecture",
    "system_disk_size_gb",
    "ok",
    "warning",
    "failed",
];

/// The first characters that make a spreadsheet read a cell as a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Keeps spreadsheet programs from reading a cell as a formula (OWASP's CSV injection advice).
pub(crate) fn neutralise(cell: &str) -> String {
    if cell.starts_with(FORMULA_STARTS) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

/// The CSV text for `rows`, with one column per name in `check_names` after the fixed ones,
/// then a `<profile>_status` column per profile the rows were checked against, when there
/// were several.
pub fn to_csv(rows: &[SummaryRow], check_names: &[&str]) -> Result<Vec<u8>, csv::Error> {
    let mut profiles: Vec<&str> = Vec::new();
    for (name, _) in rows.iter().flat_map(|r| &r.profiles) {
        if !profiles.contains(&name.as_str()) {
            profiles.push(name);
        }
    }
    let profile_columns: Vec<String> = profiles.iter().map(|p| format!("{p}_status")).collect();
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(
        FIXED_COLUMNS
            .iter()
            .copied()
            .chain(check_names.iter().copied())
            .chain(profile_columns.iter().map(String::as_str)),
    )?;
    for row in rows {
        let counts = [
            row.ok.to_string(),
            row.warning.to_string(),
            row.failed.to_string(),
        ];
        let text = [
            &row.host,
            &row.address,
            row.status.as_str(),
            &row.reason,
            &row.platform,
            &row.os_version,
            &row.architecture,
            &row.system_disk_size_gb,
        ]
        .map(neutralise);
        let checks = (0..check_names.len()).map(|i| cell(row.verdict(i)).to_string());
        let statuses = profiles.iter().map(|p| {
            row.profiles.iter().find(|(name, _)| name == p).map_or_else(
                || row.status.as_str().to_string(),
                |(_, s)| s.as_str().to_string(),
            )
        });
        writer.write_record(text.into_iter().chain(counts).chain(checks).chain(statuses))?;
    }
    writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

/// Reads a summary.csv back, with the check columns in the order of `check_names` (see
/// [`from_csv`]). Errors name the file and the line: `old/summary.csv:4: ...`.
pub fn read(path: &Path, check_names: &[&str]) -> Result<Vec<SummaryRow>, String> {
    let bytes = crate::local_file::read(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse(&bytes, check_names).map_err(|(line, what)| format!("{}:{line}: {what}", path.display()))
}

/// The inverse of [`to_csv`]. Check columns are matched by name, so a file written by another
/// version of the tool still reads: a check of `check_names` that the file lacks is empty ("not
/// checked"), a column the file has beyond the known ones is ignored. A host without verdicts
/// (unreachable, interrupted: every check cell empty) gets no check values, as the scan makes it.
///
/// The `'` that `to_csv` puts before a formula-like cell is removed where it can have been added:
/// in the text columns, before `=`, `+`, `-`, `@`, tab or CR. A text that itself began with `'`
/// and then one of those cannot be told apart and loses its `'`.
pub fn from_csv(bytes: &[u8], check_names: &[&str]) -> Result<Vec<SummaryRow>, String> {
    parse(bytes, check_names).map_err(|(line, what)| format!("line {line}: {what}"))
}

fn parse(bytes: &[u8], check_names: &[&str]) -> Result<Vec<SummaryRow>, (u64, String)> {
    // Spreadsheet programs save a byte order mark in front of the header.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut records = reader.records();
    let header = match records.next() {
        Some(header) => header.map_err(csv_error)?,
        None => return Err((1, "empty file: no header line".to_string())),
    };
    let column = |name: &str| header.iter().position(|h| h == name);
    let mut fixed = [0; FIXED_COLUMNS.len()];
    for (index, name) in fixed.iter_mut().zip(FIXED_COLUMNS) {
        *index = column(name).ok_or((1, format!("the header has no `{name}` column")))?;
    }
    let [host, address, status, reason, platform, os_version, architecture, disk, ok, warning, failed] =
        fixed;
    let check_columns: Vec<Option<usize>> = check_names.iter().map(|n| column(n)).collect();

    let mut rows = Vec::new();
    for record in records {
        let record = record.map_err(csv_error)?;
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != header.len() {
            return Err((
                line,
                format!(
                    "{} fields, but the header has {}",
                    record.len(),
                    header.len()
                ),
            ));
        }
        let text = |i: usize| unneutralise(&record[i]);
        let count = |i: usize| {
            record[i].parse::<usize>().map_err(|_| {
                let name = header.get(i).unwrap_or_default();
                (line, format!("`{name}` is `{}`, not a count", &record[i]))
            })
        };
        let host_status = match &record[status] {
            "ok" => HostStatus::Ok,
            "warning" => HostStatus::Warning,
            "failed" => HostStatus::Failed,
            "unreachable" => HostStatus::Unreachable,
            "interrupted" => HostStatus::Interrupted,
            "invalid" => HostStatus::Invalid,
            other => {
                return Err((
                    line,
                    format!(
                        "status `{other}` is not ok, warning, failed, unreachable, interrupted or invalid"
                    ),
                ))
            }
        };
        let mut checks = Vec::with_capacity(check_names.len());
        for (name, index) in check_names.iter().zip(&check_columns) {
            let text = index.map_or("", |i| &record[i]);
            checks.push(from_cell(text).map_err(|()| {
                (
                    line,
                    format!("check `{name}` is `{text}`, not OK, WARNING, FAILED or empty"),
                )
            })?);
        }
        if checks.iter().all(Option::is_none) {
            checks.clear();
        }
        rows.push(SummaryRow {
            host: text(host),
            address: text(address),
            status: host_status,
            reason: text(reason),
            platform: text(platform),
            os_version: text(os_version),
            architecture: text(architecture),
            system_disk_size_gb: text(disk),
            ok: count(ok)?,
            warning: count(warning)?,
            failed: count(failed)?,
            checks,
            profiles: Vec::new(),
        });
    }
    Ok(rows)
}

/// Undoes [`neutralise`].
fn unneutralise(cell: &str) -> String {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest.to_string(),
        _ => cell.to_string(),
    }
}

fn csv_error(e: csv::Error) -> (u64, String) {
    let line = e.position().map_or(0, |p| p.line());
    match e.kind() {
        csv::ErrorKind::Utf8 { err, .. } => {
            (line, format!("field {} is not UTF-8", err.field() + 1))
        }
        _ => (line, e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(host: &str, status: HostStatus, reason: &str) -> SummaryRow {
        SummaryRow {
            host: host.into(),
            address: "127.0.0.1".into(),
            status,
            reason: reason.into(),
            platform: "CentOS".into(),
            os_version: "7.9".into(),
            architecture: "x86_64".into(),
            system_disk_size_gb: "40".into(),
            ok: 2,
            warning: 1,
            failed: 0,
            checks: vec![Some(Status::Ok), Some(Status::Warning)],
            profiles: Vec::new(),
        }
    }

    #[test]
    fn header_rows_and_check_columns() {
        let rows = [
            row("web-01", HostStatus::Warning, "ssh"),
            row("db,1", HostStatus::Unreachable, "connection refused"),
        ];
        let text = String::from_utf8(to_csv(&rows, &["driver", "ssh"]).unwrap()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "host,address,status,reason,platform,os_version,architecture,system_disk_size_gb,ok,warning,failed,driver,ssh");
        assert_eq!(
            lines[1],
            "web-01,127.0.0.1,warning,ssh,CentOS,7.9,x86_64,40,2,1,0,OK,WARNING"
        );
        assert_eq!(lines[2], "\"db,1\",127.0.0.1,unreachable,connection refused,CentOS,7.9,x86_64,40,2,1,0,OK,WARNING");
    }

    #[test]
    fn several_profiles_add_a_status_column_each_after_the_checks() {
        let mut web = row("web-01", HostStatus::Warning, "ssh");
        web.profiles = vec![
            ("alibaba".into(), HostStatus::Warning),
            ("azure".into(), HostStatus::Failed),
        ];
        let down = row("db-01", HostStatus::Unreachable, "connection refused");
        let text = String::from_utf8(to_csv(&[web, down], &["driver", "ssh"]).unwrap()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].ends_with(",failed,driver,ssh,alibaba_status,azure_status"));
        assert!(
            lines[1].ends_with(",OK,WARNING,warning,failed"),
            "{}",
            lines[1]
        );
        assert!(
            lines[2].ends_with(",unreachable,unreachable"),
            "{}",
            lines[2]
        );
        // Read back, the profile columns are ignored like any unknown column.
        let rows = from_csv(text.as_bytes(), &["driver", "ssh"]).unwrap();
        assert_eq!(rows[0].checks, [Some(Status::Ok), Some(Status::Warning)]);
    }

    #[test]
    fn formula_cells_are_neutralised_and_csv_stays_parseable() {
        let rows = [row("=cmd|' /C calc'!A0", HostStatus::Failed, "+1\n@x")];
        let bytes = to_csv(&rows, &[]).unwrap();
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        let record = reader.records().next().unwrap().unwrap();
        assert_eq!(&record[0], "'=cmd|' /C calc'!A0");
        assert_eq!(&record[3], "'+1\n@x");
    }

    const NAMES: [&str; 2] = ["driver", "ssh"];

    #[test]
    fn read_gives_back_what_to_csv_wrote() {
        let mut hostile = row("=cmd|' /C calc'!A0", HostStatus::Failed, "-1\n@x");
        hostile.platform = "\tTab".into();
        let unreachable = SummaryRow {
            status: HostStatus::Unreachable,
            reason: "connect timeout, after 10 s".into(),
            ok: 0,
            warning: 0,
            failed: 0,
            checks: Vec::new(),
            ..row("db,1", HostStatus::Unreachable, "")
        };
        let interrupted = SummaryRow {
            status: HostStatus::Interrupted,
            ..unreachable.clone()
        };
        let rows = [
            row("web-01", HostStatus::Warning, "ssh"),
            hostile,
            unreachable,
            interrupted,
        ];
        let bytes = to_csv(&rows, &NAMES).unwrap();
        assert_eq!(from_csv(&bytes, &NAMES).unwrap(), rows);
    }

    #[test]
    fn quote_the_writer_did_not_add_is_kept() {
        let rows = [row("'quoted", HostStatus::Ok, "it's fine '+ not a formula")];
        let bytes = to_csv(&rows, &NAMES).unwrap();
        assert_eq!(from_csv(&bytes, &NAMES).unwrap(), rows);
    }

    #[test]
    fn check_columns_are_matched_by_name() {
        // Written by another version: `ssh` missing, `newer_check` unknown here.
        let text = "host,address,status,reason,platform,os_version,architecture,system_disk_size_gb,ok,warning,failed,newer_check,driver\n\
                    web-01,10.0.0.1,failed,newer_check,Debian,12,x86_64,40,1,0,1,FAILED,OK\n";
        let rows = from_csv(text.as_bytes(), &NAMES).unwrap();
        assert_eq!(rows[0].checks, [Some(Status::Ok), None]);
        assert_eq!(rows[0].failed, 1);
    }

    #[test]
    fn byte_order_mark_and_crlf_are_accepted() {
        let bytes = to_csv(&[row("web-01", HostStatus::Warning, "ssh")], &NAMES).unwrap();
        let text = String::from_utf8(bytes).unwrap().replace('\n', "\r\n");
        let with_bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
        let rows = from_csv(&with_bom, &NAMES).unwrap();
        assert_eq!(rows, [row("web-01", HostStatus::Warning, "ssh")]);
    }

    fn error_of(text: &str) -> String {
        from_csv(text.as_bytes(), &NAMES).unwrap_err()
    }

    const HEADER: &str = "host,address,status,reason,platform,os_version,architecture,system_disk_size_gb,ok,warning,failed,driver,ssh\n";

    #[test]
    fn malformed_input_names_the_line() {
        let good = "web-01,10.0.0.1,ok,,Debian,12,x86_64,40,2,0,0,OK,OK\n";
        assert_eq!(error_of(""), "line 1: empty file: no header line");
        assert_eq!(
            error_of("host,address\n"),
            "line 1: the header has no `status` column"
        );
        assert_eq!(
            error_of(&format!("{HEADER}{good}web-02,10.0.0.2,ok\n")),
            "line 3: 3 fields, but the header has 13"
        );
        assert_eq!(
            error_of(&format!(
                "{HEADER}{good}web-02,10.0.0.2,fine,,,,,,2,0,0,OK,OK\n"
            )),
            "line 3: status `fine` is not ok, warning, failed, unreachable, interrupted or invalid"
        );
        assert_eq!(
            error_of(&format!("{HEADER}web-02,10.0.0.2,ok,,,,,,2,x,0,OK,OK\n")),
            "line 2: `warning` is `x`, not a count"
        );
        assert_eq!(
            error_of(&format!("{HEADER}web-02,10.0.0.2,ok,,,,,,2,0,0,OK,PASS\n")),
            "line 2: check `ssh` is `PASS`, not OK, WARNING, FAILED or empty"
        );
        let latin1 = [HEADER.as_bytes(), b"caf\xe9,1,ok,,,,,,2,0,0,OK,OK\n"].concat();
        assert_eq!(
            from_csv(&latin1, &NAMES).unwrap_err(),
            "line 2: field 1 is not UTF-8"
        );
    }

    #[test]
    fn read_error_names_the_file_and_line() {
        let dir = std::env::temp_dir().join(format!("ic-summary-read-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("summary.csv");
        std::fs::write(&path, format!("{HEADER}a,b,bogus,,,,,,0,0,0,,\n")).unwrap();
        let error = read(&path, &NAMES).unwrap_err();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            error,
            format!(
                "{}:2: status `bogus` is not ok, warning, failed, unreachable, interrupted or invalid",
                path.display()
            )
        );
        let missing = dir.join("nothing.csv");
        assert!(read(&missing, &NAMES)
            .unwrap_err()
            .starts_with(&format!("cannot read {}: ", missing.display())));
    }

    #[test]
    fn nightly_fixture_reads_with_every_check() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/nightly/after.csv");
        let rows = read(&path, &crate::checks::names()).unwrap();
        assert_eq!(rows.len(), 15);
        assert_eq!(rows[2].host, "web-03");
        assert_eq!(rows[2].checks.len(), 16);
        assert_eq!(rows[2].checks[2], Some(Status::Failed));
        assert_eq!(rows[6].status, HostStatus::Unreachable);
        assert_eq!(rows[6].reason, "connect timeout after 10 s");
        assert!(rows[6].checks.is_empty());
    }
}

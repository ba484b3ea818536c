//! summary.csv: one row per host, reachable or not, in inventory order, so a nightly job gets a
//! stable file to diff.

use std::path::Path;

use serde::Serialize;

/// A host's overall state: the worst of its checks, or unreachable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HostStatus {
    Ok,
    Warning,
    Failed,
    Unreachable,
}

impl HostStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            HostStatus::Ok => "ok",
            HostStatus::Warning => "warning",
            HostStatus::Failed => "failed",
            HostStatus::Unreachable => "unreachable",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// One verdict per check column ("OK", "WARNING", "FAILED"), empty for an unreachable host.
    pub checks: Vec<String>,
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

/// Keeps spreadsheet programs from reading a cell as a formula (OWASP's CSV injection advice).
fn neutralise(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

/// The CSV text for `rows`, with one column per name in `check_names` after the fixed ones.
pub fn to_csv(rows: &[SummaryRow], check_names: &[&str]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(FIXED_COLUMNS.iter().chain(check_names))?;
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
        let checks = (0..check_names.len()).map(|i| row.checks.get(i).cloned().unwrap_or_default());
        writer.write_record(text.into_iter().chain(counts).chain(checks))?;
    }
    writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

pub fn write(path: &Path, rows: &[SummaryRow], check_names: &[&str]) -> std::io::Result<()> {
    let bytes = to_csv(rows, check_names).map_err(std::io::Error::other)?;
    super::files::write_atomic(path, &bytes)
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
            checks: vec!["OK".into(), "WARNING".into()],
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
    fn formula_cells_are_neutralised_and_csv_stays_parseable() {
        let rows = [row("=cmd|' /C calc'!A0", HostStatus::Failed, "+1\n@x")];
        let bytes = to_csv(&rows, &[]).unwrap();
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        let record = reader.records().next().unwrap().unwrap();
        assert_eq!(&record[0], "'=cmd|' /C calc'!A0");
        assert_eq!(&record[3], "'+1\n@x");
    }
}

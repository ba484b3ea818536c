//! Checks: is this host fit to become a cloud image? Each check is a pure function of the
//! [`Facts`] and the host's [`Thresholds`]: no I/O, no clock. One file per check; [`ALL`] lists
//! them in the console order of Alibaba's tool.
//!
//! Error codes: check number × 1000 + cause (`3001` SELinux enforcing); `×099` always means
//! "a source could not be read", which is a WARNING, never a silent OK.

use serde::{Deserialize, Serialize};

use crate::facts::Facts;
use crate::inventory::Thresholds;

/// Alibaba's three verdicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    Ok,
    Warning,
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Warning => "WARNING",
            Status::Failed => "FAILED",
        }
    }

    /// The word the seed's descriptions start with ("Pass: kvm driver exists.").
    fn prefix(self) -> &'static str {
        match self {
            Status::Ok => "Pass",
            Status::Warning => "Warning",
            Status::Failed => "Failed",
        }
    }
}

/// What a check function decides: the verdict, its code and the evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub status: Status,
    pub code: u32,
    pub evidence: String,
}

impl Verdict {
    pub fn ok(evidence: impl Into<String>) -> Self {
        Verdict {
            status: Status::Ok,
            code: 0,
            evidence: evidence.into(),
        }
    }

    pub fn warning(code: u32, evidence: impl Into<String>) -> Self {
        Verdict {
            status: Status::Warning,
            code,
            evidence: evidence.into(),
        }
    }

    pub fn failed(code: u32, evidence: impl Into<String>) -> Self {
        Verdict {
            status: Status::Failed,
            code,
            evidence: evidence.into(),
        }
    }
}

/// A documented error code of a check.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Code {
    pub code: u32,
    pub status: Status,
    pub meaning: &'static str,
}

/// One check and its documentation (`image_check checks` prints it).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Check {
    /// JSON name, e.g. "selinux".
    pub name: &'static str,
    /// Console label, e.g. "Check security".
    pub title: &'static str,
    /// The sources it reads.
    pub reads: &'static str,
    pub failed_means: &'static str,
    pub warning_means: &'static str,
    /// The seed's suggestion: every report's `comment` for this check.
    pub suggestion: &'static str,
    pub codes: &'static [Code],
    #[serde(skip)]
    pub evaluate: fn(&Facts, &Thresholds) -> Verdict,
}

/// The verdict of one check on one host, as reports show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    pub name: String,
    pub title: String,
    pub status: Status,
    /// "0" for OK, otherwise one of the check's documented codes.
    pub error_code: String,
    /// "Pass: ..." / "Warning: ..." / "Failed: ..." with the evidence.
    pub description: String,
    pub comment: String,
}

/// Every check, in the console order of Alibaba's tool.
pub const ALL: &[Check] = &[];

/// The JSON names of every check, in console order: the check columns of summary.csv.
pub fn names() -> Vec<&'static str> {
    ALL.iter().map(|c| c.name).collect()
}

/// Runs every check.
pub fn evaluate(facts: &Facts, thresholds: &Thresholds) -> Vec<CheckResult> {
    ALL.iter()
        .map(|check| {
            let verdict = (check.evaluate)(facts, thresholds);
            CheckResult {
                name: check.name.to_string(),
                title: check.title.to_string(),
                status: verdict.status,
                error_code: verdict.code.to_string(),
                description: format!("{}: {}", verdict.status.prefix(), verdict.evidence),
                comment: check.suggestion.to_string(),
            }
        })
        .collect()
}
